/* Request counters, latency histogram, open connections and page cache
 * hits for /metrics, lock-free (relaxed atomics).  The comment gauges are read
 * from the database at scrape time. */
#ifndef YKIEN_SERVER_METRICS_H
#define YKIEN_SERVER_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "api/handlers.h"

/* route -1 is "no route" (404 and the like). */
void metrics_request(int route, unsigned status, uint64_t micros);
void metrics_upload_bytes(uint64_t n);
/* The open-connections gauge, kept from libmicrohttpd's connection
 * notifications; opened() returns the count including the new one. */
int metrics_connection_opened(void);
void metrics_connection_closed(void);
/* A page cache lookup: served from the cache (hit) or not (miss). */
void metrics_page_cache(int hit);
enum webhook_outcome {
    WEBHOOK_DELIVERED, /* the receiver answered 2xx */
    WEBHOOK_FAILED,    /* an error, a non-2xx answer or a timeout: retried */
    WEBHOOK_DROPPED,   /* still failing 24 hours on, or no longer configured */
    WEBHOOK_OUTCOMES
};
void metrics_webhook(enum webhook_outcome outcome, uint64_t n);
/* Renders the Prometheus text format; returns a new string. */
char *metrics_render(const struct api_stats *stats, int stats_ok);

#endif
