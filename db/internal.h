/* The SQLite side of the calls written before the storage interface was
 * split by backend and not yet moved into it (imports.c, backup.c): they
 * reach the connection as sq(db) and start with DB_SQLITE_ONLY(db), so
 * that on another backend they answer DB_ERROR naming the call (see
 * db_unsupported()).  db/README.md says how to move them into the
 * interface.  The step helpers below serve db/sqlite/ too. */
#ifndef YKIEN_DB_INTERNAL_H
#define YKIEN_DB_INTERNAL_H

#include <assert.h>
#include <sqlite3.h>
#include <stdint.h>

#include "db/db.h"
#include "db/sqlite/sqlite.h"

#define DB_SQLITE_ONLY(db)                                                     \
    do {                                                                       \
        if ((db)->ops != &db_sqlite_ops)                                       \
            return db_unsupported((db), __func__);                             \
    } while (0)

/* Reads a row of COMMENT_COLUMNS (statements.def). */
struct comment_record;
void db_read_comment(sqlite3_stmt *st, struct comment_record *c);

/* Steps a statement that returns no row and maps the outcome. */
static inline enum db_status
db_step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);

    if (rc == SQLITE_DONE)
        return DB_OK;
    if ((rc & 0xff) == SQLITE_BUSY)
        return DB_BUSY;
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
        return DB_CONFLICT;
    return DB_ERROR;
}

/* Steps a statement that returns at most one integer: *out is the first
 * column of the row, or dflt when there is none (or it is NULL). */
static inline enum db_status
db_step_int64(sqlite3_stmt *st, int64_t dflt, int64_t *out)
{
    int rc = sqlite3_step(st);

    *out = dflt;
    if (rc == SQLITE_ROW) {
        if (sqlite3_column_type(st, 0) != SQLITE_NULL)
            *out = sqlite3_column_int64(st, 0);
        return DB_OK;
    }
    if (rc == SQLITE_DONE)
        return DB_OK;
    return (rc & 0xff) == SQLITE_BUSY ? DB_BUSY : DB_ERROR;
}

#endif
