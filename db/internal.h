/* Shared by the files of db/ only: the connection and its prepared
 * statements. */
#ifndef YKIEN_DB_INTERNAL_H
#define YKIEN_DB_INTERNAL_H

#include <assert.h>
#include <sqlite3.h>
#include <stdint.h>

#include "db/db.h"

enum db_stmt {
#define S(name, sql) STMT_##name,
#include "db/statements.def"
#undef S
    STMT_COUNT
};

struct db {
    sqlite3 *conn;
    sqlite3_stmt *stmt[STMT_COUNT];
};

/* The comment, history and attachment writes are steps of a transaction's
 * work (db_transaction): this says so, and checks it in debug builds. */
#define DB_ASSERT_IN_TRANSACTION(db) assert(!sqlite3_get_autocommit((db)->conn))

/* Resets a statement after use so it holds no read lock. */
void db_stmt_done(sqlite3_stmt *st);
/* Binds a C string or NULL. */
int db_bind_text(sqlite3_stmt *st, int idx, const char *s);
/* Column as a C string ("" never NULL is not promised: NULL for SQL NULL). */
const char *db_col_text(sqlite3_stmt *st, int col);

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
