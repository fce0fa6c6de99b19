/* The word rules in force, shared by every thread of the daemon: compiled
 * once per rules generation (db/rules.h) and recompiled by the first
 * request that finds the generation in the database has moved, whoever
 * moved it (this daemon, another process, the sqlite3 shell).  A request
 * pays one indexed read to learn that nothing changed (a new comment reads
 * it with its article's state: db_post_state()).
 *
 * Ownership: a set from rulebook_acquire() is a reference the caller gives
 * back with rules_release(). */
#ifndef YKIEN_API_RULEBOOK_H
#define YKIEN_API_RULEBOOK_H

#include "api/rules.h"
#include "db/db.h"

/* The rules in force now, read through db (the calling thread's
 * connection).  NULL on a storage error or when out of memory. */
struct rule_set *rulebook_acquire(struct db *db);
/* The same when the caller has just read the generation itself (with
 * db_post_state()). */
struct rule_set *rulebook_acquire_at(struct db *db, int64_t generation);

/* Drops the shared set (at exit, so that nothing is left allocated). */
void rulebook_clear(void);

#endif
