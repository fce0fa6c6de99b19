/* Outbox rows on SQLite.  The sender decides when to retry and when to
 * give up; this file only stores its decisions. */
#include "db/sqlite/sqlite.h"

enum db_status
sq_outbox_add(struct db *db, const struct outbox_record *r)
{
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

struct events {
    outbox_fn fn;
    void *arg;
};

/* A row of id, event_id, webhook, body, attempts, created_at; or fewer
 * columns, as the statement has them. */
static int
event_row(sqlite3_stmt *st, void *arg)
{
    const struct events *w = arg;
    int cols = sqlite3_column_count(st);
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
    return w->fn(&r, w->arg);
}

static enum db_status
walk(sqlite3_stmt *st, outbox_fn fn, void *arg)
{
    struct events w = {.fn = fn, .arg = arg};

    return sq_each_row(st, event_row, &w);
}

/* One process per database: nothing to claim (see outbox.h). */
enum db_status
sq_outbox_claim(struct db *db, int64_t now_ms, int64_t lease_until_ms,
                int limit, const char *const *webhooks, size_t n, outbox_fn fn,
                void *arg)
{
    /* One process per data folder: nothing to claim, and the events of
     * receivers it does not know were dropped when it started. */
    (void)lease_until_ms;
    (void)webhooks;
    (void)n;
    sqlite3_stmt *st = sq(db)->stmt[STMT_OUTBOX_DUE];

    sqlite3_bind_int64(st, 1, now_ms);
    sqlite3_bind_int(st, 2, limit);
    return walk(st, fn, arg);
}

enum db_status
sq_outbox_next_at(struct db *db, int64_t *next_ms)
{
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
sq_outbox_delete(struct db *db, int64_t id)
{
    return run_on_id(db, STMT_OUTBOX_DELETE, id);
}

enum db_status
sq_outbox_retry(struct db *db, int64_t id, int attempts, int64_t next_ms)
{
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
sq_outbox_depth(struct db *db, int64_t *n)
{
    sqlite3_stmt *st = sq(db)->stmt[STMT_OUTBOX_DEPTH];
    enum db_status rc = db_step_int64(st, 0, n);

    db_stmt_done(st);
    return rc;
}

enum db_status
sq_outbox_of_comment(struct db *db, int64_t comment_id, outbox_fn fn, void *arg)
{
    sqlite3_stmt *st = sq(db)->stmt[STMT_OUTBOX_OF_COMMENT];

    sqlite3_bind_int64(st, 1, comment_id);
    return walk(st, fn, arg);
}

enum db_status
sq_outbox_set_body(struct db *db, int64_t id, const char *body)
{
    sqlite3_stmt *st = sq(db)->stmt[STMT_OUTBOX_SET_BODY];
    enum db_status rc;

    sqlite3_bind_int64(st, 1, id);
    db_bind_text(st, 2, body);
    rc = db_step_done(st);
    db_stmt_done(st);
    return rc;
}

enum db_status
sq_outbox_webhooks(struct db *db, outbox_fn fn, void *arg)
{
    return walk(sq(db)->stmt[STMT_OUTBOX_WEBHOOKS], fn, arg);
}

enum db_status
sq_outbox_drop_webhook(struct db *db, const char *webhook, int64_t *n)
{
    sqlite3_stmt *st = sq(db)->stmt[STMT_OUTBOX_DROP_WEBHOOK];
    enum db_status rc;

    db_bind_text(st, 1, webhook);
    rc = db_step_done(st);
    db_stmt_done(st);
    *n = rc == DB_OK ? sqlite3_changes(sq(db)->conn) : 0;
    return rc;
}
