/* Outbox rows.  The sender decides when to retry and when to give up;
 * this file only stores its decisions. */
#include "db/internal.h"
#include "db/pg/tools.h"
#include "db/outbox.h"

enum db_status
db_outbox_add(struct db *db, const struct outbox_record *r)
{
    DB_PG_HANDS_OVER(db, pg_outbox_add(db, r));
    sqlite3_stmt *st = sq(db)->stmt[STMT_OUTBOX_INSERT];
    enum db_status rc;

    db_bind_text(st, 1, r->event_id);
    sqlite3_bind_int64(st, 2, r->comment_id);
    db_bind_text(st, 3, r->webhook);
    db_bind_text(st, 4, r->body);
    sqlite3_bind_int64(st, 5, r->created_at);
    sqlite3_bind_int64(st, 6, r->next_at);
    rc = db_step_done(st);
    db_stmt_done(st);
    return rc;
}

/* Rows of id, event_id, webhook, body, attempts, created_at; or fewer
 * columns, as the statement has them. */
static enum db_status
walk(sqlite3_stmt *st, outbox_fn fn, void *arg)
{
    int cols = sqlite3_column_count(st);
    enum db_status rc = DB_OK;
    int step;

    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct outbox_record r = {0};

        if (cols == 6) {
            r.id = sqlite3_column_int64(st, 0);
            r.event_id = db_col_text(st, 1);
            r.webhook = db_col_text(st, 2);
            r.body = db_col_text(st, 3);
            r.attempts = sqlite3_column_int(st, 4);
            r.created_at = sqlite3_column_int64(st, 5);
        } else if (cols == 2) {
            r.id = sqlite3_column_int64(st, 0);
            r.body = db_col_text(st, 1);
        } else {
            r.webhook = db_col_text(st, 0);
        }
        if (fn(&r, arg) != 0) {
            rc = DB_ERROR;
            break;
        }
    }
    if (rc == DB_OK && step != SQLITE_DONE)
        rc = (step & 0xff) == SQLITE_BUSY ? DB_BUSY : DB_ERROR;
    db_stmt_done(st);
    return rc;
}

enum db_status
db_outbox_due(struct db *db, int64_t now_ms, int limit, outbox_fn fn, void *arg)
{
    DB_PG_HANDS_OVER(db, pg_outbox_due(db, now_ms, limit, fn, arg));
    sqlite3_stmt *st = sq(db)->stmt[STMT_OUTBOX_DUE];

    sqlite3_bind_int64(st, 1, now_ms);
    sqlite3_bind_int(st, 2, limit);
    return walk(st, fn, arg);
}

enum db_status
db_outbox_next_at(struct db *db, int64_t *next_ms)
{
    DB_PG_HANDS_OVER(db, pg_outbox_next_at(db, next_ms));
    sqlite3_stmt *st = sq(db)->stmt[STMT_OUTBOX_NEXT_AT];
    enum db_status rc = db_step_int64(st, 0, next_ms);

    db_stmt_done(st);
    return rc;
}

static enum db_status
run_on_id(struct db *db, enum sq_stmt which, int64_t id)
{
    sqlite3_stmt *st = sq(db)->stmt[which];
    enum db_status rc;

    sqlite3_bind_int64(st, 1, id);
    rc = db_step_done(st);
    db_stmt_done(st);
    return rc;
}

enum db_status
db_outbox_delete(struct db *db, int64_t id)
{
    DB_PG_HANDS_OVER(db, pg_outbox_delete(db, id));
    return run_on_id(db, STMT_OUTBOX_DELETE, id);
}

enum db_status
db_outbox_retry(struct db *db, int64_t id, int attempts, int64_t next_ms)
{
    DB_PG_HANDS_OVER(db, pg_outbox_retry(db, id, attempts, next_ms));
    sqlite3_stmt *st = sq(db)->stmt[STMT_OUTBOX_RETRY];
    enum db_status rc;

    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int(st, 2, attempts);
    sqlite3_bind_int64(st, 3, next_ms);
    rc = db_step_done(st);
    db_stmt_done(st);
    return rc;
}

enum db_status
db_outbox_depth(struct db *db, int64_t *n)
{
    DB_PG_HANDS_OVER(db, pg_outbox_depth(db, n));
    sqlite3_stmt *st = sq(db)->stmt[STMT_OUTBOX_DEPTH];
    enum db_status rc = db_step_int64(st, 0, n);

    db_stmt_done(st);
    return rc;
}

enum db_status
db_outbox_of_comment(struct db *db, int64_t comment_id, outbox_fn fn, void *arg)
{
    DB_PG_HANDS_OVER(db, pg_outbox_of_comment(db, comment_id, fn, arg));
    sqlite3_stmt *st = sq(db)->stmt[STMT_OUTBOX_OF_COMMENT];

    sqlite3_bind_int64(st, 1, comment_id);
    return walk(st, fn, arg);
}

enum db_status
db_outbox_set_body(struct db *db, int64_t id, const char *body)
{
    DB_PG_HANDS_OVER(db, pg_outbox_set_body(db, id, body));
    sqlite3_stmt *st = sq(db)->stmt[STMT_OUTBOX_SET_BODY];
    enum db_status rc;

    sqlite3_bind_int64(st, 1, id);
    db_bind_text(st, 2, body);
    rc = db_step_done(st);
    db_stmt_done(st);
    return rc;
}

enum db_status
db_outbox_webhooks(struct db *db, outbox_fn fn, void *arg)
{
    DB_PG_HANDS_OVER(db, pg_outbox_webhooks(db, fn, arg));
    return walk(sq(db)->stmt[STMT_OUTBOX_WEBHOOKS], fn, arg);
}

enum db_status
db_outbox_drop_webhook(struct db *db, const char *webhook, int64_t *n)
{
    DB_PG_HANDS_OVER(db, pg_outbox_drop_webhook(db, webhook, n));
    sqlite3_stmt *st = sq(db)->stmt[STMT_OUTBOX_DROP_WEBHOOK];
    enum db_status rc;

    db_bind_text(st, 1, webhook);
    rc = db_step_done(st);
    db_stmt_done(st);
    *n = rc == DB_OK ? sqlite3_changes(sq(db)->conn) : 0;
    return rc;
}
