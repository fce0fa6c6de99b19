/* The storage layer's interface.  Two implementations sit behind it: SQLite
 * in the data folder (db/sqlite/, the embedded default) and PostgreSQL
 * (db/pg/, shared by any number of ykien processes).  Nothing outside db/
 * knows which one is in use: every call here, in comments.h, tokens.h,
 * blobs.h and shared.h dispatches through the connection's backend table
 * (db/backend.h).  A struct db is one connection with every statement
 * prepared; it is used by one thread at a time.  No JSON and no HTTP here.
 *
 * Ownership: strings handed to callbacks are borrowed from the backend and
 * valid only during the call; strings passed in are copied when bound. */
#ifndef YKIEN_DB_DB_H
#define YKIEN_DB_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;

/* Outcome of a storage call.  Callers branch on it, so it is an enum. */
enum db_status {
    DB_OK = 0,    /* done; for a lookup, the row was there */
    DB_NOT_FOUND, /* no such row */
    DB_CONFLICT,  /* a guard (version, state, unique key) did not hold */
    DB_BUSY,      /* not now, nothing written: the database stayed locked
                   * past the retry budget, or cannot be reached (then the
                   * connection reconnects by itself on a later call) */
    DB_ERROR,     /* anything else: logged by the caller */
};

/* Where the data is.  url NULL or "": SQLite in data_dir/ykien.db, with
 * attachment contents under data_dir/files.  Otherwise a PostgreSQL
 * connection string (a postgresql:// URI or key=value pairs, as libpq
 * takes them); data_dir then only holds uploads being received.  Borrowed:
 * the strings must outlive every connection opened with it. */
struct db_target {
    const char *url;
    const char *data_dir;
};

/* Opens a connection to t, creating the schema or applying pending
 * migrations first.  Fails, with a reason in err, when the database cannot
 * be reached or is from a newer schema than this binary knows.  On success
 * *out is a new connection to be released with db_close(). */
int db_connect(const struct db_target *t, struct db **out, char *err,
               size_t err_len);
/* db_connect() to the SQLite database file at path (attachment contents in
 * the files/ folder beside it). */
int db_open(const char *path, struct db **out, char *err, size_t err_len);
void db_close(struct db *db);
const char *db_errmsg(struct db *db);
/* Schema version of this binary for db's backend (the number of its last
 * migration). */
int db_schema_version(struct db *db);
/* True when other processes may share this database: state that would
 * otherwise live in one process (rate limits, the knowledge of which pages
 * changed) must then go through shared.h. */
bool db_shared(struct db *db);

/* Writes go through one runner.  The work of a transaction gets the
 * connection and the caller's arg, and returns its outcome: DB_OK to
 * commit, anything else to roll back (and the runner returns it).  Work may
 * run more than once (see db_transaction), so it must start from arg as the
 * caller set it up, reset what it writes into arg, and do nothing outside
 * the database that a second run would repeat. */
typedef enum db_status (*db_work_fn)(struct db *db, void *arg);

/* Runs work in one write transaction.  On SQLite the write lock is taken
 * first (BEGIN IMMEDIATE), so work never meets a busy database half-way; on
 * PostgreSQL work reads what it will change with row locks (the comment
 * read of a moderation action is FOR NO KEY UPDATE), so two processes'
 * actions on one comment run one after the other as they do on SQLite.
 * When the database is busy (SQLite's lock past the busy timeout, a
 * PostgreSQL deadlock or serialization failure), whether at the start,
 * inside work or at the commit, everything is rolled back and run again,
 * up to DB_TRANSACTION_ATTEMPTS times in all; then DB_BUSY.  A lost
 * PostgreSQL connection is DB_BUSY at once, never retried: a COMMIT whose
 * answer was lost may have committed, and only an answer that the commit
 * succeeded may be given as success.  Transactions do not nest: every
 * write of db/ that is not itself a transaction (the comment, history,
 * attachment and blob writes) is a step of some transaction's work. */
enum { DB_TRANSACTION_ATTEMPTS = 3 };
enum db_status db_transaction(struct db *db, db_work_fn work, void *arg);

/* Inside a transaction's work: runs work in a savepoint, so that its
 * failure takes back only what it did and the transaction goes on (group
 * commit: one comment of a batch fails alone).  Work reports its own
 * outcome through arg.  Returns DB_OK when the savepoint was released
 * (work returned DB_OK) or rolled back (it did not); DB_ERROR or DB_BUSY
 * when the savepoint itself failed, and then the transaction must be
 * rolled back. */
enum db_status db_savepoint(struct db *db, db_work_fn work, void *arg);

/* DB_OK when the database answers (reconnecting first if it had gone). */
enum db_status db_health(struct db *db);

#endif
