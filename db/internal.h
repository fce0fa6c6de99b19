/* Shared by the files of db/ only: the connection and its prepared
 * statements. */
#ifndef YKIEN_DB_INTERNAL_H
#define YKIEN_DB_INTERNAL_H

#include <assert.h>
#include <sqlite3.h>

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

#endif
