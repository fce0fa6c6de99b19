/* State that processes sharing one database must agree on (db_shared()):
 * per-client rate limits, and which public pages a moderation change has
 * made stale.  With SQLite there is one process, which keeps both in
 * memory: the rate limit calls say so, publishing is a no-op and the watch
 * never fires. */
#ifndef YKIEN_DB_SHARED_H
#define YKIEN_DB_SHARED_H

#include <stdint.h>

#include "db/db.h"

/* GCRA over every process: one more request for key, at most one per
 * interval_ms on average with bursts up to burst_ms ahead, decided and
 * counted in one atomic statement by the database's clock.  DB_OK with
 * *wait_s 0 when it may go on, or the seconds to wait. */
enum db_status db_rate_take(struct db *db, const char *key,
                            uint64_t interval_ms, uint64_t burst_ms,
                            unsigned *wait_s);

/* Inside a transaction's work: tells every process that shares the
 * database, once the transaction commits, that article's public pages
 * changed (every article's when article is NULL, as after an import). */
enum db_status db_changed(struct db *db, const char *article);

/* A thread that listens for db_changed() of other processes (this one's
 * own are skipped: it drops its pages at its commit) and calls
 * changed(article, arg) for each, on its own connection;
 * changed(NULL, arg) means "anything may have changed": after the
 * connection was lost and is back, as notices of the meantime are lost. */
struct db_watch;
typedef void (*db_changed_fn)(const char *article, void *arg);
/* NULL with a reason in err on failure; with SQLite a watch that never
 * calls. */
struct db_watch *db_watch_start(const struct db_target *t,
                                db_changed_fn changed, void *arg, char *err,
                                size_t err_len);
void db_watch_stop(struct db_watch *w);

#endif
