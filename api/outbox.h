/* Webhook events (API.md 1.1, "Webhooks"): each is written to the outbox
 * in the transaction of the change it reports, once per configured
 * receiver, and delivered later by the server's sender (server/webhook.c).
 * The body is fixed when the event happens:
 *   {"id": "<event id>", "event": "comment.created", "at": "<RFC 3339>",
 *    "comment": <the moderation form without "email">}
 *
 * Ownership: nothing is kept; strings are copied into the database. */
#ifndef YKIEN_API_OUTBOX_H
#define YKIEN_API_OUTBOX_H

#include <stdint.h>

#include "api/call.h"
#include "db/db.h"

/* Records event ("comment.created", ".approved", ".rejected", ".edited",
 * ".erased") about comment id as it is now, for every webhook of cfg;
 * nothing without webhooks.  Inside the caller's transaction. */
enum db_status outbox_record(struct db *db, const struct api_config *cfg,
                             int64_t id, const char *event, int64_t now);
/* Empties the author, body, original body, attachments and history reasons
 * of comment id in every event still waiting, so that an erasure leaves
 * nothing behind in the outbox either.  Inside the caller's transaction. */
enum db_status outbox_scrub(struct db *db, int64_t id);

/* The sender registers fn to be called (from any thread) after a commit
 * that added events; outbox_kick() calls it, or nothing when none is set. */
void outbox_set_kick(void (*fn)(void *arg), void *arg);
void outbox_kick(void);

#endif
