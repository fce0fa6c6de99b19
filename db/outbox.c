/* The public calls of outbox.h: dispatch to the backend
 * (db/sqlite/outbox.c, db/pg/tools.c). */
#include "db/backend.h"

enum db_status
db_outbox_add(struct db *db, const struct outbox_record *r)
{
    return DB_DISPATCH(db, outbox_add, db, r);
}

enum db_status
db_outbox_claim(struct db *db, int64_t now_ms, int64_t lease_until_ms,
                int limit, const char *const *webhooks, size_t n, outbox_fn fn,
                void *arg)
{
    return DB_DISPATCH(db, outbox_claim, db, now_ms, lease_until_ms, limit,
                       webhooks, n, fn, arg);
}

enum db_status
db_outbox_next_at(struct db *db, int64_t *next_ms)
{
    return DB_DISPATCH(db, outbox_next_at, db, next_ms);
}

enum db_status
db_outbox_delete(struct db *db, int64_t id)
{
    return DB_DISPATCH(db, outbox_delete, db, id);
}

enum db_status
db_outbox_retry(struct db *db, int64_t id, int attempts, int64_t next_ms)
{
    return DB_DISPATCH(db, outbox_retry, db, id, attempts, next_ms);
}

enum db_status
db_outbox_depth(struct db *db, int64_t *n)
{
    return DB_DISPATCH(db, outbox_depth, db, n);
}

enum db_status
db_outbox_of_comment(struct db *db, int64_t comment_id, outbox_fn fn, void *arg)
{
    return DB_DISPATCH(db, outbox_of_comment, db, comment_id, fn, arg);
}

enum db_status
db_outbox_set_body(struct db *db, int64_t id, const char *body)
{
    return DB_DISPATCH(db, outbox_set_body, db, id, body);
}

enum db_status
db_outbox_webhooks(struct db *db, outbox_fn fn, void *arg)
{
    return DB_DISPATCH(db, outbox_webhooks, db, fn, arg);
}

enum db_status
db_outbox_drop_webhook(struct db *db, const char *webhook, int64_t *n)
{
    return DB_DISPATCH(db, outbox_drop_webhook, db, webhook, n);
}
