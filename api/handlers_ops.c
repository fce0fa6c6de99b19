/* Operations endpoints: health, the OpenAPI document, and the numbers
 * /metrics reports. */
#include "api/handlers.h"
#include "db/comments.h"
#include "db/outbox.h"

/* docs/openapi.json, compiled in by api/embed_file.py. */
extern const unsigned char api_openapi_doc[];
extern const size_t api_openapi_doc_len;

void
api_health(struct api_call *c)
{
    if (db_health(c->db) != DB_OK) {
        api_fail(c, API_E_UNAVAILABLE, NULL);
        return;
    }
    api_reply(c, 200, json_pack("{s:s}", "status", "ok"));
}

int
api_stats_read(struct db *db, struct api_stats *out)
{
    for (int s = COMMENT_PENDING; s <= COMMENT_REJECTED; s++) {
        if (db_comment_count(db, NULL, (enum comment_status)s,
                             &out->by_status[s]) != DB_OK)
            return -1;
    }
    return db_outbox_depth(db, &out->outbox_depth) == DB_OK ? 0 : -1;
}

void
api_openapi(struct api_call *c)
{
    /* Parsed for each request: a rare one, and a document shared between
     * worker threads would need the care of a shared object. */
    json_t *doc =
        json_loadb((const char *)api_openapi_doc, api_openapi_doc_len, 0, NULL);

    if (!doc) {
        api_fail(c, API_E_INTERNAL, NULL);
        return;
    }
    api_reply(c, 200, doc);
}
