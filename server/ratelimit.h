/* Per-address rate limit of new comments: at most N per minute, spread as
 * GCRA (a token bucket holding N, refilled one per 60/N s).  Fixed memory:
 * a table of ADDRESS_SLOTS entries; when it is full of live entries the
 * oldest-looking one is reused, which can only make the limit kinder. */
#ifndef YKIEN_SERVER_RATELIMIT_H
#define YKIEN_SERVER_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

struct ratelimit;

/* NULL when per_minute is 0 (no limit) or memory is short. */
struct ratelimit *ratelimit_new(unsigned per_minute);
void ratelimit_free(struct ratelimit *rl);
/* 0 when the address may post now (and counts it); otherwise the seconds
 * to wait before it may. */
unsigned ratelimit_take(struct ratelimit *rl, const char *address,
                        uint64_t now_ms);
/* The same against a separate allowance of factor times N per minute for
 * this address (factor 1 is ratelimit_take's own). */
unsigned ratelimit_take_scaled(struct ratelimit *rl, const char *address,
                               unsigned factor, uint64_t now_ms);

/* The same limit's shape, for a store other than this table (a database
 * shared by several processes, db/shared.h): the interval between requests
 * and the burst allowed ahead, in milliseconds, for factor times
 * per_minute; and the key of address's bucket for that factor. */
void ratelimit_shape(unsigned per_minute, unsigned factor,
                     uint64_t *interval_ms, uint64_t *burst_ms);
void ratelimit_key(const char *address, unsigned factor, char *key,
                   size_t key_len);

#endif
