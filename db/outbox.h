/* The webhook outbox: events written in the transaction of the change they
 * report, read and retired by the sender.
 *
 * Ownership: strings handed to callbacks are borrowed from SQLite and
 * valid only during the call. */
#ifndef YKIEN_DB_OUTBOX_H
#define YKIEN_DB_OUTBOX_H

#include <stdint.h>

#include "db/db.h"

struct outbox_record {
    int64_t id; /* delivery order */
    const char *event_id;
    int64_t comment_id;
    const char *webhook; /* the receiver's URL */
    const char *body;    /* the JSON sent, byte for byte */
    int64_t created_at;  /* Unix seconds */
    int attempts;
    int64_t next_at; /* Unix milliseconds */
};

typedef int (*outbox_fn)(const struct outbox_record *r, void *arg);

enum db_status db_outbox_add(struct db *db, const struct outbox_record *r);
/* Up to limit events due at now_ms, each the oldest undelivered event of
 * its (comment, webhook): an event never overtakes an earlier one of the
 * same comment.  comment_id and next_at are not filled in.
 *
 * On a database that other processes share (db_shared()), each event
 * handed to fn is claimed for this caller until lease_until_ms: no other
 * call returns it before then, unless db_outbox_retry() ends the lease
 * sooner (db_outbox_delete() ends the event).  A caller that dies leaves
 * its events to whoever calls after the lease.  On an unshared database
 * nothing is claimed: the events being delivered come back while they are
 * still due, and the caller skips them.
 *
 * webhooks (n of them) are the receivers the caller sends to: on a shared
 * database only their events are claimed, so that a process started with
 * another --webhook list (during a change of configuration) neither takes
 * nor holds up the events of receivers it does not know. */
enum db_status db_outbox_claim(struct db *db, int64_t now_ms,
                               int64_t lease_until_ms, int limit,
                               const char *const *webhooks, size_t n,
                               outbox_fn fn, void *arg);
/* *next_ms: the earliest next_at, 0 when the outbox is empty. */
enum db_status db_outbox_next_at(struct db *db, int64_t *next_ms);
enum db_status db_outbox_delete(struct db *db, int64_t id);
/* Schedules the next attempt at next_ms, and ends the lease. */
enum db_status db_outbox_retry(struct db *db, int64_t id, int attempts,
                               int64_t next_ms);
enum db_status db_outbox_depth(struct db *db, int64_t *n);
/* The events of one comment (id and body filled in), to rewrite them. */
enum db_status db_outbox_of_comment(struct db *db, int64_t comment_id,
                                    outbox_fn fn, void *arg);
enum db_status db_outbox_set_body(struct db *db, int64_t id, const char *body);
/* Each distinct webhook URL with events waiting (webhook filled in). */
enum db_status db_outbox_webhooks(struct db *db, outbox_fn fn, void *arg);
/* Deletes every event for one webhook; *n: how many. */
enum db_status db_outbox_drop_webhook(struct db *db, const char *webhook,
                                      int64_t *n);

#endif
