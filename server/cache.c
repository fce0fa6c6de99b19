/* Response cache.  Each slot has its own lock, held while a hit is queued,
 * so an entry is never destroyed under a connection taking it (queueing
 * takes libmicrohttpd's own reference to the response). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/cache.h"
#include "server/metrics.h"
#include "util/hash.h"

enum { SLOTS = 4096 };

struct slot {
    pthread_mutex_t lock;
    char key[CACHE_KEY_MAX];
    uint64_t generation;
    int64_t fresh_until; /* Unix seconds; 0: no expiry */
    struct MHD_Response *resp;
    size_t bytes;
};

struct cache {
    size_t budget;
    atomic_size_t used;
    unsigned long long boot; /* makes ETags differ across restarts */
    struct slot slots[SLOTS];
};

struct cache *
cache_new(size_t budget)
{
    struct cache *c = calloc(1, sizeof *c);
    struct timespec ts;

    if (!c)
        return NULL;
    c->budget = budget;
    clock_gettime(CLOCK_REALTIME, &ts);
    c->boot = (unsigned long long)ts.tv_sec * 1000000000ull +
              (unsigned long long)ts.tv_nsec;
    for (int i = 0; i < SLOTS; i++)
        pthread_mutex_init(&c->slots[i].lock, NULL);
    return c;
}

void
cache_free(struct cache *c)
{
    if (!c)
        return;
    for (int i = 0; i < SLOTS; i++) {
        if (c->slots[i].resp)
            MHD_destroy_response(c->slots[i].resp);
        pthread_mutex_destroy(&c->slots[i].lock);
    }
    free(c);
}

/* Direct-mapped: a page evicts whatever page shared its slot, which keeps
 * one lock per slot and no probing under it. */
static struct slot *
slot_for(struct cache *c, const char *key)
{
    return &c->slots[hash_string(key) % SLOTS];
}

void
cache_etag(const struct cache *c, uint64_t generation, int64_t fresh_until,
           char etag[CACHE_ETAG_MAX])
{
    /* A page that expires differs from the one rendered after it at the
     * same generation: the expiry is part of its tag. */
    if (fresh_until > 0)
        snprintf(etag, CACHE_ETAG_MAX, "\"%llx-%llx-%llx\"", c->boot,
                 (unsigned long long)generation,
                 (unsigned long long)fresh_until);
    else
        snprintf(etag, CACHE_ETAG_MAX, "\"%llx-%llx\"", c->boot,
                 (unsigned long long)generation);
}

static bool
etag_matches(const char *if_none_match, const char *etag)
{
    return if_none_match &&
           (strstr(if_none_match, etag) || strcmp(if_none_match, "*") == 0);
}

unsigned
cache_serve(struct cache *c, const char *key, uint64_t generation,
            const char *if_none_match, struct MHD_Connection *conn,
            uint64_t *bytes)
{
    struct slot *s = slot_for(c, key);
    unsigned status = 0;
    char etag[CACHE_ETAG_MAX];

    pthread_mutex_lock(&s->lock);
    if (s->resp && s->generation == generation && strcmp(s->key, key) == 0 &&
        (s->fresh_until == 0 || (int64_t)time(NULL) < s->fresh_until)) {
        cache_etag(c, generation, s->fresh_until, etag);
        if (etag_matches(if_none_match, etag)) {
            struct MHD_Response *nm = MHD_create_response_from_buffer(
                0, NULL, MHD_RESPMEM_PERSISTENT);

            if (nm) {
                MHD_add_response_header(nm, "ETag", etag);
                MHD_add_response_header(nm, "Cache-Control", "no-cache");
                MHD_add_response_header(nm, "X-Content-Type-Options",
                                        "nosniff");
                if (MHD_queue_response(conn, 304, nm) == MHD_YES)
                    status = 304;
                MHD_destroy_response(nm);
            }
            *bytes = 0;
        } else if (MHD_queue_response(conn, 200, s->resp) == MHD_YES) {
            status = 200;
            *bytes = s->bytes;
        }
    }
    pthread_mutex_unlock(&s->lock);
    metrics_page_cache(status != 0);
    return status;
}

bool
cache_store(struct cache *c, const char *key, uint64_t generation,
            int64_t fresh_until, struct MHD_Response *resp, size_t bytes)
{
    struct slot *s = slot_for(c, key);
    struct MHD_Response *old = NULL;
    bool kept = false;

    if (strlen(key) >= CACHE_KEY_MAX)
        return false;
    pthread_mutex_lock(&s->lock);
    if (atomic_load(&c->used) - s->bytes * (s->resp != NULL) + bytes <=
        c->budget) {
        old = s->resp;
        atomic_fetch_sub(&c->used, old ? s->bytes : 0);
        atomic_fetch_add(&c->used, bytes);
        snprintf(s->key, sizeof s->key, "%s", key);
        s->generation = generation;
        s->fresh_until = fresh_until;
        s->resp = resp;
        s->bytes = bytes;
        kept = true;
    }
    pthread_mutex_unlock(&s->lock);
    if (old)
        MHD_destroy_response(old);
    return kept;
}
