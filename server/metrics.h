/* Request counters, latency histogram, open connections and page cache
 * hits for /metrics, lock-free (relaxed atomics).  The comment gauges are read from the database at scrape time. */
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
/* Renders the Prometheus text format; returns a new string. */
char *metrics_render(const struct api_stats *stats, int stats_ok);

#endif
