/* Comment presentation and list paging, shared by reader and moderator
 * handlers. */
#include <assert.h>
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
    int64_t ids[DB_LIST_MANY]; /* of the comments in array, in its order */
};

static int
add_listed(const struct comment_record *c, void *arg)
{
    struct list_walk *w = arg;
    json_t *obj;

    if (w->seen == w->limit) {
        w->more = true;
        return 0;
    }
    /* Attachments and history come after the walk, for the whole page
     * at once (one query each where the storage can). */
    obj = json_map_comment(c);
    if (!obj)
        return -1;
    if (w->moderation) {
        json_map_add_moderation(obj, c);
        json_object_set_new(obj, "flags", json_array());
    }
    w->ids[w->seen++] = c->id;
    w->last_id = c->id;
    return json_array_append_new(w->array, obj);
}

/* The listed comment with this id, or NULL. */
static json_t *
listed(const struct list_walk *w, int64_t id)
{
    for (int i = 0; i < w->seen; i++) {
        if (w->ids[i] == id)
            return json_array_get(w->array, (size_t)i);
    }
    return NULL;
}

static int
add_page_attachment(const struct attachment_record *a, void *arg)
{
    json_t *obj = listed(arg, a->comment_id);

    return obj ? add_attachment(a, json_object_get(obj, "attachments")) : 0;
}

static int
add_page_history(const struct history_record *h, void *arg)
{
    json_t *obj = listed(arg, h->comment_id);

    return obj ? add_history(h, json_object_get(obj, "history")) : 0;
}

static enum db_status
complete_page(struct list_walk *w)
{
    enum db_status st;

    st = db_attachment_list_many(w->db, w->ids, (size_t)w->seen,
                                 add_page_attachment, w);
    if (st == DB_OK && w->moderation)
        st = db_history_list_many(w->db, w->ids, (size_t)w->seen,
                                  add_page_history, w);
    for (int i = 0; st == DB_OK && w->moderation && i < w->seen; i++) {
        json_t *flags =
            json_object_get(json_array_get(w->array, (size_t)i), "flags");

        st = db_flag_list(w->db, w->ids[i], add_flag, flags);
    }
    return st;
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
    enum db_status st = DB_ERROR;

    q->limit++;
    assert(q->limit <= DB_LIST_MANY);
    if (!w.array || (st = db_comment_list(c->db, q, add_listed, &w)) != DB_OK ||
        (st = complete_page(&w)) != DB_OK) {
        json_decref(w.array);
        api_fail_db(c, st == DB_NOT_FOUND ? DB_ERROR : st);
        return;
    }
    if (w.more)
        cursor_encode(q->newest_first, w.last_id, next);
    api_reply(c, 200,
              json_pack("{s:o, s:o, s:I}", "comments", w.array, "next",
                        w.more ? json_string(next) : json_null(), "total",
                        (json_int_t)total));
}
