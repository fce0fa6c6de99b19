/* Reply helpers shared by every handler. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/call.h"
#include "db/blobs.h"
#include "db/db.h"

json_t *
api_fail(struct api_call *c, enum api_error e, const char *field)
{
    json_decref(c->reply);
    c->status = api_error_status(e);
    c->reply = api_error_json(e, c->lang, field);
    return c->reply ? json_object_get(c->reply, "error") : NULL;
}

void
api_fail_db(struct api_call *c, enum db_status st)
{
    api_fail(c,
             st == DB_BUSY        ? API_E_UNAVAILABLE
             : st == DB_NOT_FOUND ? API_E_NOT_FOUND
                                  : API_E_INTERNAL,
             NULL);
}

void
api_fail_storage(struct api_call *c)
{
    api_fail(c,
             c->db && db_health(c->db) == DB_OK ? API_E_INTERNAL
                                                : API_E_UNAVAILABLE,
             NULL);
}

void
api_reply(struct api_call *c, unsigned status, json_t *body)
{
    json_decref(c->reply);
    if (!body) {
        api_fail(c, API_E_INTERNAL, NULL);
        return;
    }
    c->status = status;
    c->reply = body;
}

void
api_call_clear(struct api_call *c)
{
    json_decref(c->reply);
    c->reply = NULL;
    db_blob_close(c->file.blob);
    c->file.blob = NULL;
    free(c->file.disposition);
    c->file.disposition = NULL;
}

const char *
api_query(const struct api_call *c, const char *key)
{
    for (size_t i = 0; i < c->n_query; i++) {
        if (strcmp(c->query[i].key, key) == 0)
            return c->query[i].value;
    }
    return NULL;
}

void
api_reply_etag(struct api_call *c)
{
    unsigned char digest[16];
    char hex[2 * sizeof digest + 1];
    char *text;

    if (c->status != 200 || !c->reply)
        return;
    text = json_dumps(c->reply, JSON_COMPACT | JSON_SORT_KEYS);
    if (!text)
        return;
    crypto_generichash(digest, sizeof digest, (const unsigned char *)text,
                       strlen(text), NULL, 0);
    free(text);
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    snprintf(c->etag, sizeof c->etag, "\"q%s\"", hex);
    if (c->if_none_match && strstr(c->if_none_match, c->etag)) {
        json_decref(c->reply);
        c->reply = NULL;
        c->status = 304;
    }
}

/* api_transaction()'s work, as db_transaction() runs it. */
struct call_work {
    struct api_call *c;
    api_work_fn work;
    void *arg;
    bool refused; /* work set the call's error: roll back, no retry */
};

static enum db_status
run_call_work(struct db *db, void *arg)
{
    struct call_work *w = arg;

    (void)db;
    if (w->work(w->c, w->arg) == 0)
        return DB_OK;
    w->refused = true;
    return DB_ERROR;
}

int
api_transaction(struct api_call *c, api_work_fn work, void *arg)
{
    struct call_work w = {.c = c, .work = work, .arg = arg};
    enum db_status st = db_transaction(c->db, run_call_work, &w);

    if (st == DB_OK)
        return 0;
    if (!w.refused)
        api_fail(c, st == DB_BUSY ? API_E_UNAVAILABLE : API_E_INTERNAL, NULL);
    return -1;
}
