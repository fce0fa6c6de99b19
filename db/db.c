/* The public calls of db.h, blobs.h and shared.h: each picks the backend's
 * entry (db/backend.h).  The backends are in db/sqlite/ and db/pg/. */
#include <stdio.h>
#include <string.h>

#include "db/backend.h"

/* Per thread, as connections are: the message of the last unsupported
 * call, which the next db_errmsg() on that connection gives once. */
static _Thread_local char unsupported_msg[160];
static _Thread_local const struct db *unsupported_db;

enum db_status
db_unsupported(struct db *db, const char *call)
{
    snprintf(unsupported_msg, sizeof unsupported_msg,
             "%s is not implemented for %s yet", call, db->ops->name);
    unsupported_db = db;
    return DB_ERROR;
}

int
db_open(const char *path, struct db **out, char *err, size_t err_len)
{
    return db_sqlite_open(path, out, err, err_len);
}

int
db_connect(const struct db_target *t, struct db **out, char *err,
           size_t err_len)
{
    char path[4200];

    if (t->url && t->url[0])
        return db_pg_connect(t->url, out, err, err_len);
    snprintf(path, sizeof path, "%s/ykien.db", t->data_dir ? t->data_dir : ".");
    return db_sqlite_open(path, out, err, err_len);
}

void
db_close(struct db *db)
{
    if (db)
        db->ops->close(db);
}

const char *
db_errmsg(struct db *db)
{
    if (unsupported_db == db) {
        unsupported_db = NULL;
        return unsupported_msg;
    }
    return db->ops->errmsg(db);
}

int
db_schema_version(struct db *db)
{
    return db->ops->schema_version();
}

bool
db_shared(struct db *db)
{
    return db->ops->shared;
}

enum db_status
db_transaction(struct db *db, db_work_fn work, void *arg)
{
    return DB_DISPATCH(db, transaction, db, work, arg);
}

enum db_status
db_savepoint(struct db *db, db_work_fn work, void *arg)
{
    return DB_DISPATCH(db, savepoint, db, work, arg);
}

enum db_status
db_health(struct db *db)
{
    return DB_DISPATCH(db, health, db);
}

/* ---- blobs.h ------------------------------------------------------------ */

enum db_status
db_blob_put(struct db *db, const char *sha256, char *path, int64_t size)
{
    return DB_DISPATCH(db, blob_put, db, sha256, path, size);
}

enum db_status
db_blob_open(struct db *db, const char *sha256, int64_t size,
             struct db_blob **out)
{
    *out = NULL;
    return DB_DISPATCH(db, blob_open, db, sha256, size, out);
}

int
db_blob_take_fd(struct db_blob *b)
{
    return b->ops->take_fd ? b->ops->take_fd(b) : -1;
}

ssize_t
db_blob_read(struct db_blob *b, uint64_t offset, void *buf, size_t len)
{
    return b->ops->read(b, offset, buf, len);
}

void
db_blob_close(struct db_blob *b)
{
    if (b)
        b->ops->close(b);
}

enum db_status
db_blob_release(struct db *db, const char *sha256)
{
    return DB_DISPATCH(db, blob_release, db, sha256);
}

enum db_status
db_blob_sweep(struct db *db)
{
    return DB_DISPATCH(db, blob_sweep, db);
}

/* ---- shared.h ----------------------------------------------------------- */

enum db_status
db_rate_take(struct db *db, const char *key, uint64_t interval_ms,
             uint64_t burst_ms, unsigned *wait_s)
{
    *wait_s = 0;
    return DB_DISPATCH(db, rate_take, db, key, interval_ms, burst_ms, wait_s);
}

enum db_status
db_changed(struct db *db, const char *article)
{
    return DB_DISPATCH(db, changed, db, article);
}

/* The watch of a backend that is not shared: nothing to listen to. */
static char never_calls;

struct db_watch *
db_watch_start(const struct db_target *t, db_changed_fn changed, void *arg,
               char *err, size_t err_len)
{
    if (t->url && t->url[0])
        return db_pg_watch_start(t->url, changed, arg, err, err_len);
    return (struct db_watch *)&never_calls;
}

void
db_watch_stop(struct db_watch *w)
{
    if (w && w != (struct db_watch *)&never_calls)
        db_pg_watch_stop(w);
}
