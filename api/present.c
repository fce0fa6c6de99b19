/* Comment presentation and list paging, shared by reader and moderator
 * handlers. */
#include <stdlib.h>
#include <string.h>

#include "api/json_map.h"
#include "api/present.h"
#include "db/tools.h"

static int
add_attachment(const struct attachment_record *a, void *arg)
{
    return json_array_append_new(arg, json_map_attachment(a));
}

static int
add_flag(const struct flag_record *f, void *arg)
{
    return json_array_append_new(arg, json_pack("{s:s, s:s}", "kind", f->kind,
                                                "detail",
                                                f->detail ? f->detail : ""));
}

static int
add_history(const struct history_record *h, void *arg)
{
    return json_array_append_new(arg, json_map_history(h));
}

json_t *
present_comment(struct db *db, const struct comment_record *c, bool moderation)
{
    json_t *obj = json_map_comment(c);

    if (!obj)
        return NULL;
    if (db_attachment_list(db, c->id, add_attachment,
                           json_object_get(obj, "attachments")) != DB_OK)
        goto fail;
    if (moderation) {
        json_map_add_moderation(obj, c);
        if (db_history_list(db, c->id, add_history,
                            json_object_get(obj, "history")) != DB_OK)
            goto fail;
        json_object_set_new(obj, "flags", json_array());
        if (db_flag_list(db, c->id, add_flag, json_object_get(obj, "flags")) !=
            DB_OK)
            goto fail;
    }
    return obj;
fail:
    json_decref(obj);
    return NULL;
}

int
present_list_params(struct api_call *c, struct list_params *p)
{
    const char *limit = api_query(c, "limit");
    const char *order = api_query(c, "order");
    const char *cursor = api_query(c, "cursor");

    p->limit = 20;
    p->newest_first = false;
    p->after_id = 0;
    if (limit) {
        char *end;
        long v = strtol(limit, &end, 10);

        /* Digits only: strtol would also take "+5" and " 5". */
        if (*limit < '0' || *limit > '9' || *end != '\0' || v < 1 || v > 100) {
            api_fail(c, API_E_BAD_QUERY, "limit");
            return -1;
        }
        p->limit = (int)v;
    }
    if (order) {
        if (strcmp(order, "newest") == 0) {
            p->newest_first = true;
        } else if (strcmp(order, "oldest") != 0) {
            api_fail(c, API_E_BAD_QUERY, "order");
            return -1;
        }
    }
    if (cursor && *cursor &&
        cursor_decode(cursor, p->newest_first, &p->after_id) != 0) {
        api_fail(c, API_E_BAD_QUERY, "cursor");
        return -1;
    }
    return 0;
}

struct list_walk {
    struct db *db;
    json_t *array;
    bool moderation;
    int limit;
    int seen;
    int64_t last_id;
    bool more;
};

static int
add_listed(const struct comment_record *c, void *arg)
{
    struct list_walk *w = arg;

    if (w->seen == w->limit) {
        w->more = true;
        return 0;
    }
    w->seen++;
    w->last_id = c->id;
    return json_array_append_new(w->array,
                                 present_comment(w->db, c, w->moderation));
}

void
present_list(struct api_call *c, struct comment_query *q, bool moderation,
             int64_t total)
{
    struct list_walk w = {
        .db = c->db,
        .array = json_array(),
        .moderation = moderation,
        .limit = q->limit,
    };
    char next[CURSOR_MAX];

    q->limit++;
    if (!w.array || db_comment_list(c->db, q, add_listed, &w) != DB_OK) {
        json_decref(w.array);
        api_fail(c, API_E_INTERNAL, NULL);
        return;
    }
    if (w.more)
        cursor_encode(q->newest_first, w.last_id, next);
    api_reply(c, 200,
              json_pack("{s:o, s:o, s:I}", "comments", w.array, "next",
                        w.more ? json_string(next) : json_null(), "total",
                        (json_int_t)total));
}
