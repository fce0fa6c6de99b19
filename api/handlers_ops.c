/* Operations endpoints: health, and the numbers /metrics reports. */
#include "api/handlers.h"
#include "db/comments.h"
#include "db/outbox.h"

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
        if (db_comment_count(db, NULL, (enum comment_status)s, &out->by_status[s]) != DB_OK)
            return -1;
    }
    return db_outbox_depth(db, &out->outbox_depth) == DB_OK ? 0 : -1;
}
