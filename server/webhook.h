/* The webhook sender: one thread with its own database connection that
 * reads due events from the outbox (api/outbox.h) and POSTs them with
 * libcurl, several at once, each signed (server/signature.h).  It never
 * runs on a request's thread, so a slow or dead receiver slows no reader.
 *
 * Delivery is at least once and in order per comment and receiver: an
 * event is deleted only after a 2xx answer, and an event waits while an
 * earlier one of its comment is undelivered.  An error, a non-2xx answer
 * or no answer within 10 seconds is retried after 1, 2, 4, ... seconds (at
 * most an hour apart) until 24 hours after the event, when it is dropped
 * and counted.  Events survive restarts: they are rows.  Events for a URL
 * no longer given with --webhook are dropped at start (and counted).
 *
 * Ownership: the sender keeps cfg (read-only, outliving it) and copies the
 * secret. */
#ifndef YKIEN_SERVER_WEBHOOK_H
#define YKIEN_SERVER_WEBHOOK_H

#include <stddef.h>

#include "server/config.h"

enum {
    WEBHOOK_TIMEOUT_MS = 10000,
    WEBHOOK_GIVE_UP_SECONDS = 24 * 3600,
    WEBHOOK_MAX_DELAY_SECONDS = 3600,
};

struct webhook_sender;

/* Starts the sender for cfg->webhooks (call it from the main thread, before
 * other threads: it initialises libcurl).  NULL with a reason in err. */
struct webhook_sender *webhook_start(const struct config *cfg,
                                     const unsigned char *secret,
                                     size_t secret_len, char *err,
                                     size_t err_len);
/* Wakes the sender now (new events were committed); any thread. */
void webhook_kick(struct webhook_sender *s);
/* Stops the thread (transfers in flight are abandoned: their events stay
 * in the outbox for the next start) and frees s. */
void webhook_stop(struct webhook_sender *s);

/* Reads the secret from path: the whole file, less its trailing white
 * space.  A new buffer in *out (freed with free() after sodium_memzero);
 * -1 with a reason in err when unreadable or empty. */
int webhook_read_secret(const char *path, unsigned char **out, size_t *len,
                        char *err, size_t err_len);

#endif
