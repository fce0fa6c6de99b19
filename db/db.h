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
    DB_OK = 0,    /* done; for a lookup, the row was there */
    DB_NOT_FOUND, /* no such row */
    DB_CONFLICT,  /* a guard (version, state, unique key) did not hold */
    DB_BUSY,      /* the database stayed locked past the retry budget */
    DB_ERROR,     /* anything else: logged by the caller */
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

/* Writes go through one runner.  The work of a transaction gets the
 * connection and the caller's arg, and returns its outcome: DB_OK to
 * commit, anything else to roll back (and the runner returns it).  Work may
 * run more than once (see db_transaction), so it must start from arg as the
 * caller set it up, reset what it writes into arg, and do nothing outside
 * the database that a second run would repeat. */
typedef enum db_status (*db_work_fn)(struct db *db, void *arg);

/* Runs work in one write transaction.  The write lock is taken first
 * (BEGIN IMMEDIATE), so work never meets a busy database half-way.  When
 * the database is busy past the connection's busy timeout, whether at the
 * start, inside work or at the commit, everything is rolled back and run
 * again, up to DB_TRANSACTION_ATTEMPTS times in all; then DB_BUSY.
 * Transactions do not nest: every write of db/ that is not itself a
 * transaction (the comment, history and attachment writes) is a step of
 * some transaction's work. */
enum { DB_TRANSACTION_ATTEMPTS = 3 };
enum db_status db_transaction(struct db *db, db_work_fn work, void *arg);

/* Inside a transaction's work: runs work in a savepoint, so that its
 * failure takes back only what it did and the transaction goes on (group
 * commit: one comment of a batch fails alone).  Work reports its own
 * outcome through arg.  Returns DB_OK when the savepoint was released
 * (work returned DB_OK) or rolled back (it did not); DB_ERROR when the
 * savepoint itself failed, and then the transaction must be rolled back. */
enum db_status db_savepoint(struct db *db, db_work_fn work, void *arg);

enum db_status db_health(struct db *db);

#endif
