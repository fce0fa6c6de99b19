/* Prometheus text exposition of ykien's counters. */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/comments.h"
#include "server/metrics.h"
#include "server/router.h"

enum { MAX_ROUTES = 32, N_BUCKETS = 12 };

/* Status codes ykien answers; anything else is counted as "other". */
static const unsigned statuses[] = {200, 201, 204, 304, 400, 401, 403, 404, 405,
                                    409, 413, 415, 422, 429, 431, 500, 503, 0};
enum { N_STATUS = sizeof statuses / sizeof statuses[0] };

static const double bucket_le[N_BUCKETS] = {
    0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5};

static atomic_uint_fast64_t requests[MAX_ROUTES + 1][N_STATUS];
static atomic_uint_fast64_t buckets[N_BUCKETS];
static atomic_uint_fast64_t latency_count;
static atomic_uint_fast64_t latency_sum_us;
static atomic_uint_fast64_t upload_bytes;
static atomic_int open_connections;
static atomic_uint_fast64_t cache_hits;
static atomic_uint_fast64_t cache_misses;
static atomic_uint_fast64_t webhook_outcomes[WEBHOOK_OUTCOMES];
static const char *const outcome_names[WEBHOOK_OUTCOMES] = {
    [WEBHOOK_DELIVERED] = "delivered",
    [WEBHOOK_FAILED] = "failed",
    [WEBHOOK_DROPPED] = "dropped",
};

static int
status_slot(unsigned status)
{
    for (int i = 0; i < N_STATUS - 1; i++) {
        if (statuses[i] == status)
            return i;
    }
    return N_STATUS - 1;
}

void
metrics_request(int route, unsigned status, uint64_t micros)
{
    int r = route < 0 || route >= MAX_ROUTES ? MAX_ROUTES : route;

    atomic_fetch_add_explicit(&requests[r][status_slot(status)], 1,
                              memory_order_relaxed);
    for (int i = 0; i < N_BUCKETS; i++) {
        if ((double)micros / 1e6 <= bucket_le[i]) {
            atomic_fetch_add_explicit(&buckets[i], 1, memory_order_relaxed);
            break;
        }
    }
    atomic_fetch_add_explicit(&latency_count, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&latency_sum_us, micros, memory_order_relaxed);
}

void
metrics_upload_bytes(uint64_t n)
{
    atomic_fetch_add_explicit(&upload_bytes, n, memory_order_relaxed);
}

int
metrics_connection_opened(void)
{
    return atomic_fetch_add(&open_connections, 1) + 1;
}

void
metrics_connection_closed(void)
{
    atomic_fetch_sub(&open_connections, 1);
}

void
metrics_page_cache(int hit)
{
    atomic_fetch_add_explicit(hit ? &cache_hits : &cache_misses, 1,
                              memory_order_relaxed);
}

void
metrics_webhook(enum webhook_outcome outcome, uint64_t n)
{
    atomic_fetch_add_explicit(&webhook_outcomes[outcome], n,
                              memory_order_relaxed);
}

struct out {
    char *buf;
    size_t len, cap;
};

__attribute__((format(printf, 2, 3))) static void
put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (!o->buf)
        return;
    for (;;) {
        va_start(ap, fmt);
        n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            return;
        }
        if ((size_t)n < o->cap - o->len)
            break;
        char *bigger = realloc(o->buf, o->cap * 2 + (size_t)n);

        if (!bigger) {
            free(o->buf);
            o->buf = NULL;
            return;
        }
        o->buf = bigger;
        o->cap = o->cap * 2 + (size_t)n;
    }
    o->len += (size_t)n;
}

char *
metrics_render(const struct api_stats *stats, int stats_ok)
{
    struct out o = {.buf = malloc(8192), .cap = 8192};
    uint64_t cumulative = 0;

    put(&o, "# HELP ykien_http_requests_total"
            " HTTP requests by route and status.\n"
            "# TYPE ykien_http_requests_total counter\n");
    for (int r = 0; r <= MAX_ROUTES; r++) {
        const char *name = r < route_count() ? route_at(r)->name
                           : r == MAX_ROUTES ? "none"
                                             : NULL;

        if (!name)
            continue;
        for (int s = 0; s < N_STATUS; s++) {
            uint64_t n =
                atomic_load_explicit(&requests[r][s], memory_order_relaxed);

            if (n == 0)
                continue;
            if (statuses[s])
                put(&o,
                    "ykien_http_requests_total"
                    "{route=\"%s\",status=\"%u\"} %llu\n",
                    name, statuses[s], (unsigned long long)n);
            else
                put(&o,
                    "ykien_http_requests_total"
                    "{route=\"%s\",status=\"other\"} %llu\n",
                    name, (unsigned long long)n);
        }
    }
    put(&o, "# HELP ykien_http_request_duration_seconds"
            " Time from request start to reply.\n"
            "# TYPE ykien_http_request_duration_seconds histogram\n");
    for (int i = 0; i < N_BUCKETS; i++) {
        cumulative += atomic_load_explicit(&buckets[i], memory_order_relaxed);
        put(&o, "ykien_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
            bucket_le[i], (unsigned long long)cumulative);
    }
    put(&o,
        "ykien_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n"
        "ykien_http_request_duration_seconds_sum %.6f\n"
        "ykien_http_request_duration_seconds_count %llu\n",
        (unsigned long long)atomic_load(&latency_count),
        (double)atomic_load(&latency_sum_us) / 1e6,
        (unsigned long long)atomic_load(&latency_count));
    put(&o,
        "# HELP ykien_upload_bytes_total Attachment bytes received.\n"
        "# TYPE ykien_upload_bytes_total counter\n"
        "ykien_upload_bytes_total %llu\n",
        (unsigned long long)atomic_load(&upload_bytes));
    put(&o,
        "# HELP ykien_open_connections Client connections open now.\n"
        "# TYPE ykien_open_connections gauge\n"
        "ykien_open_connections %d\n"
        "# HELP ykien_page_cache_hits_total List pages served from the page cache.\n"
        "# TYPE ykien_page_cache_hits_total counter\n"
        "ykien_page_cache_hits_total %llu\n"
        "# HELP ykien_page_cache_misses_total List pages looked up in the page cache "
        "and not found there.\n"
        "# TYPE ykien_page_cache_misses_total counter\n"
        "ykien_page_cache_misses_total %llu\n",
        atomic_load(&open_connections),
        (unsigned long long)atomic_load(&cache_hits),
        (unsigned long long)atomic_load(&cache_misses));
    put(&o,
        "# HELP ykien_webhook_deliveries_total Webhook delivery attempts by outcome.\n"
        "# TYPE ykien_webhook_deliveries_total counter\n");
    for (int i = 0; i < WEBHOOK_OUTCOMES; i++)
        put(&o, "ykien_webhook_deliveries_total{outcome=\"%s\"} %llu\n",
            outcome_names[i],
            (unsigned long long)atomic_load(&webhook_outcomes[i]));
    if (stats_ok) {
        put(&o,
            "# HELP ykien_webhook_outbox_depth Webhook events waiting for delivery.\n"
            "# TYPE ykien_webhook_outbox_depth gauge\n"
            "ykien_webhook_outbox_depth %lld\n",
            (long long)stats->outbox_depth);
        put(&o,
            "# HELP ykien_queue_depth Comments waiting for moderation.\n"
            "# TYPE ykien_queue_depth gauge\n"
            "ykien_queue_depth %lld\n"
            "# HELP ykien_comments Comments by status.\n"
            "# TYPE ykien_comments gauge\n"
            "ykien_comments{status=\"pending\"} %lld\n"
            "ykien_comments{status=\"approved\"} %lld\n"
            "ykien_comments{status=\"rejected\"} %lld\n",
            (long long)stats->by_status[COMMENT_PENDING],
            (long long)stats->by_status[COMMENT_PENDING],
            (long long)stats->by_status[COMMENT_APPROVED],
            (long long)stats->by_status[COMMENT_REJECTED]);
    }
    return o.buf;
}
