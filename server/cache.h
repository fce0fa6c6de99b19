/* A cache of rendered public pages (comment lists), as ready-made
 * libmicrohttpd responses shared by every connection that asks for the same
 * page.  Entries carry their article's generation (api/freshness.h) and are
 * stale as soon as a moderator changes that article.  Fixed memory: a
 * direct-mapped table with a byte budget. */
#ifndef YKIEN_SERVER_CACHE_H
#define YKIEN_SERVER_CACHE_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stdint.h>

enum { CACHE_KEY_MAX = 512, CACHE_ETAG_MAX = 48 };

struct cache;

struct cache *cache_new(size_t byte_budget);
void cache_free(struct cache *c);

/* Queues the cached response for key on conn if there is one for this
 * generation that has not expired.  With a matching If-None-Match it queues
 * 304 instead.  Returns the status queued (200 or 304, and *bytes the body
 * size), or 0 on a miss. */
unsigned cache_serve(struct cache *c, const char *key, uint64_t generation,
                     const char *if_none_match, struct MHD_Connection *conn,
                     uint64_t *bytes);
/* The ETag a page of this generation (and expiry) gets, for the first
 * reply. */
void cache_etag(const struct cache *c, uint64_t generation, int64_t fresh_until,
                char etag[CACHE_ETAG_MAX]);
/* Keeps resp (the cache takes a reference by not destroying it: the caller
 * must not destroy it either) for key at generation, until fresh_until
 * (Unix seconds; 0: until the generation moves).  Returns false when it was
 * not kept (over budget); then the caller still owns resp. */
bool cache_store(struct cache *c, const char *key, uint64_t generation,
                 int64_t fresh_until, struct MHD_Response *resp, size_t bytes);

#endif
