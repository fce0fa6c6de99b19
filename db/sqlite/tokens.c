/* Moderator token rows on SQLite.  Tokens themselves never reach this layer. */
#include <stdio.h>
#include <string.h>

#include "db/sqlite/sqlite.h"

/* A token write: its own transaction, so that it goes through the runner's
 * retries like every write. */
struct token_write {
    const char *name;
    const unsigned char *hash; /* NULL for a revocation */
    int64_t now;
};

static enum db_status
step_status(int step)
{
    return (step & 0xff) == SQLITE_BUSY ? DB_BUSY : DB_ERROR;
}

static enum db_status
token_add(struct db *db, void *arg)
{
    const struct token_write *w = arg;
    sqlite3_stmt *st = sq(db)->stmt[STMT_TOKEN_INSERT];
    enum db_status rc;
    int step;

    db_bind_text(st, 1, w->name);
    sqlite3_bind_blob(st, 2, w->hash, TOKEN_HASH_BYTES, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, w->now);
    step = sqlite3_step(st);
    if (step == SQLITE_DONE)
        rc = sqlite3_changes(sq(db)->conn) == 1 ? DB_OK : DB_CONFLICT;
    else if ((step & 0xff) == SQLITE_CONSTRAINT)
        rc = DB_CONFLICT;
    else
        rc = step_status(step);
    db_stmt_done(st);
    return rc;
}

enum db_status
sq_token_add(struct db *db, const char *name,
             const unsigned char hash[TOKEN_HASH_BYTES], int64_t now)
{
    struct token_write w = {.name = name, .hash = hash, .now = now};

    return db_transaction(db, token_add, &w);
}

enum db_status
sq_token_find(struct db *db, const unsigned char hash[TOKEN_HASH_BYTES],
              char *name_buf, size_t name_len,
              unsigned char stored_hash[TOKEN_HASH_BYTES])
{
    sqlite3_stmt *st = sq(db)->stmt[STMT_TOKEN_FIND];
    enum db_status rc = DB_NOT_FOUND;
    int step;

    sqlite3_bind_blob(st, 1, hash, TOKEN_HASH_BYTES, SQLITE_TRANSIENT);
    step = sqlite3_step(st);
    if (step == SQLITE_ROW && sqlite3_column_bytes(st, 1) == TOKEN_HASH_BYTES) {
        snprintf(name_buf, name_len, "%s", db_col_text(st, 0));
        memcpy(stored_hash, sqlite3_column_blob(st, 1), TOKEN_HASH_BYTES);
        rc = DB_OK;
    } else if (step != SQLITE_DONE && step != SQLITE_ROW) {
        rc = DB_ERROR;
    }
    db_stmt_done(st);
    return rc;
}

enum db_status
sq_token_list(struct db *db, token_fn fn, void *arg)
{
    sqlite3_stmt *st = sq(db)->stmt[STMT_TOKEN_LIST];
    enum db_status rc = DB_OK;
    int step;

    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct token_record t = {
            .name = db_col_text(st, 0),
            .created_at = sqlite3_column_int64(st, 1),
            .revoked_at = sqlite3_column_int64(st, 2),
        };
        if (fn(&t, arg) != 0) {
            rc = DB_ERROR;
            break;
        }
    }
    if (rc == DB_OK && step != SQLITE_DONE)
        rc = DB_ERROR;
    db_stmt_done(st);
    return rc;
}

static enum db_status
token_revoke(struct db *db, void *arg)
{
    const struct token_write *w = arg;
    sqlite3_stmt *st = sq(db)->stmt[STMT_TOKEN_REVOKE];
    enum db_status rc;
    int step;

    db_bind_text(st, 1, w->name);
    sqlite3_bind_int64(st, 2, w->now);
    step = sqlite3_step(st);
    if (step == SQLITE_DONE)
        rc = sqlite3_changes(sq(db)->conn) == 1 ? DB_OK : DB_NOT_FOUND;
    else
        rc = step_status(step);
    db_stmt_done(st);
    return rc;
}

enum db_status
sq_token_revoke(struct db *db, const char *name, int64_t now)
{
    struct token_write w = {.name = name, .now = now};

    return db_transaction(db, token_revoke, &w);
}
