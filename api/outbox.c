/* Webhook event bodies, written to and scrubbed in the outbox. */
#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "api/json_map.h"
#include "api/outbox.h"
#include "api/present.h"
#include "db/outbox.h"

struct kicker {
    void (*fn)(void *arg);
    void *arg;
};

static _Atomic(struct kicker *) kicker;

void
outbox_set_kick(void (*fn)(void *arg), void *arg)
{
    static struct kicker slot;

    if (fn) {
        slot = (struct kicker){.fn = fn, .arg = arg};
        atomic_store(&kicker, &slot);
    } else {
        atomic_store(&kicker, NULL);
    }
}

void
outbox_kick(void)
{
    struct kicker *k = atomic_load(&kicker);

    if (k)
        k->fn(k->arg);
}

struct snapshot {
    struct db *db;
    json_t *form;
};

static int
take_snapshot(const struct comment_record *rec, void *arg)
{
    struct snapshot *s = arg;

    s->form = present_comment(s->db, rec, true);
    if (!s->form)
        return -1;
    json_object_del(s->form, "email");
    return 0;
}

enum db_status
outbox_record(struct db *db, const struct api_config *cfg, int64_t id,
              const char *event, int64_t now)
{
    struct snapshot snap = {.db = db};
    unsigned char raw[16];
    char event_id[2 * sizeof raw + 1], at[32];
    char *body = NULL;
    json_t *envelope;
    enum db_status st;

    if (cfg->n_webhooks == 0)
        return DB_OK;
    st = db_comment_get(db, id, take_snapshot, &snap);
    if (st != DB_OK)
        return st == DB_NOT_FOUND ? DB_ERROR : st;
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(event_id, sizeof event_id, raw, sizeof raw);
    json_map_time(now, at, sizeof at);
    envelope = json_pack("{s:s, s:s, s:s, s:o}", "id", event_id, "event", event,
                         "at", at, "comment", snap.form);
    body = envelope ? json_dumps(envelope, JSON_COMPACT) : NULL;
    json_decref(envelope);
    if (!body)
        return DB_ERROR;
    for (int i = 0; st == DB_OK && i < cfg->n_webhooks; i++) {
        struct outbox_record r = {
            .event_id = event_id,
            .comment_id = id,
            .webhook = cfg->webhooks[i],
            .body = body,
            .created_at = now,
            .next_at = now * 1000,
        };

        st = db_outbox_add(db, &r);
    }
    free(body);
    return st;
}

struct waiting {
    int64_t *ids;
    char **bodies;
    size_t n, cap;
};

static int
collect(const struct outbox_record *r, void *arg)
{
    struct waiting *w = arg;

    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 8;
        int64_t *ids = realloc(w->ids, cap * sizeof *ids);
        char **bodies;

        if (!ids)
            return -1;
        w->ids = ids;
        bodies = realloc(w->bodies, cap * sizeof *bodies);
        if (!bodies)
            return -1;
        w->bodies = bodies;
        w->cap = cap;
    }
    w->bodies[w->n] = strdup(r->body ? r->body : "");
    if (!w->bodies[w->n])
        return -1;
    w->ids[w->n++] = r->id;
    return 0;
}

/* The event body with the comment's personal data taken out; NULL when it
 * is not an event body ykien wrote (then it is dropped whole). */
static char *
scrubbed(const char *body)
{
    json_t *root = json_loads(body, 0, NULL);
    json_t *comment = json_object_get(root, "comment");
    json_t *history = json_object_get(comment, "history");
    size_t i;
    json_t *h;
    char *out = NULL;

    if (!json_is_object(comment))
        goto out;
    json_object_set_new(comment, "author", json_string(""));
    json_object_set_new(comment, "body", json_string(""));
    json_object_set_new(comment, "original_body", json_string(""));
    json_object_set_new(comment, "attachments", json_array());
    json_array_foreach(history, i, h)
    {
        json_object_set_new(h, "reason", json_null());
    }
    out = json_dumps(root, JSON_COMPACT);
out:
    json_decref(root);
    return out;
}

enum db_status
outbox_scrub(struct db *db, int64_t id)
{
    struct waiting w = {0};
    enum db_status st = db_outbox_of_comment(db, id, collect, &w);

    for (size_t i = 0; st == DB_OK && i < w.n; i++) {
        char *clean = scrubbed(w.bodies[i]);

        st = clean ? db_outbox_set_body(db, w.ids[i], clean)
                   : db_outbox_delete(db, w.ids[i]);
        free(clean);
    }
    for (size_t i = 0; i < w.n; i++)
        free(w.bodies[i]);
    free(w.ids);
    free(w.bodies);
    return st;
}
