/* The storage layer: the only code that includes sqlite3.h.  A struct db is
 * one SQLite connection with every statement prepared; it is used by one
 * thread at a time.  No JSON and no HTTP here.
 *
 * Ownership: strings handed to callbacks are borrowed from SQLite and valid
 * only during the call; strings passed in are copied by SQLite when bound. */
#ifndef YKIEN_DB_DB_H
#define YKIEN_DB_DB_H

#include <stddef.h>
#include <stdint.h>

struct db;

/* Outcome of a storage call.  Callers branch on it, so it is an enum. */
enum db_status {
    DB_OK = 0,
    DB_NOT_FOUND,   /* no such row */
    DB_CONFLICT,    /* a guard (version, state, unique key) did not hold */
    DB_BUSY,        /* the database stayed locked past the retry budget */
    DB_ERROR,       /* anything else: logged by the caller */
};

/* Opens (creating if needed) the database file at path, sets the pragmas and
 * applies pending migrations.  Fails, with a reason in err, when the file is
 * from a newer schema than this binary knows.  On success *out is a new
 * connection to be released with db_close(). */
int db_open(const char *path, struct db **out, char *err, size_t err_len);
void db_close(struct db *db);
const char *db_errmsg(struct db *db);
/* Schema version of this binary (the number of the last migration). */
int db_schema_version(void);

/* Transactions: db_begin takes the write lock (BEGIN IMMEDIATE). */
enum db_status db_begin(struct db *db);
enum db_status db_commit(struct db *db);
void db_rollback(struct db *db);
/* Nested within a transaction: one savepoint at a time. */
enum db_status db_savepoint(struct db *db);
enum db_status db_savepoint_release(struct db *db);
enum db_status db_savepoint_rollback(struct db *db);

enum db_status db_health(struct db *db);

#endif
