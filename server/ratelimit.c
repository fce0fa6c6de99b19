/* GCRA over a hash table of client addresses (util/hashmap.h) with a
 * probe window of PROBE slots. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/ratelimit.h"
#include "util/hashmap.h"

enum { ADDRESS_SLOTS = 1 << 14, PROBE = 8, ADDR_MAX = 64 };

struct ratelimit {
    pthread_mutex_t lock;
    unsigned per_minute;
    uint64_t interval_ms; /* 60 s / N */
    struct hashmap addresses;
    char keys[ADDRESS_SLOTS][ADDR_MAX];
    uint64_t tat_ms[ADDRESS_SLOTS]; /* theoretical arrival time of the next
                                       request */
};

struct ratelimit *
ratelimit_new(unsigned per_minute)
{
    struct ratelimit *rl;

    if (per_minute == 0)
        return NULL;
    rl = calloc(1, sizeof *rl);
    if (!rl)
        return NULL;
    pthread_mutex_init(&rl->lock, NULL);
    hashmap_init(&rl->addresses, &rl->keys[0][0], ADDRESS_SLOTS, ADDR_MAX,
                 PROBE);
    rl->per_minute = per_minute;
    rl->interval_ms = 60000 / per_minute;
    if (rl->interval_ms == 0)
        rl->interval_ms = 1;
    return rl;
}

void
ratelimit_free(struct ratelimit *rl)
{
    if (!rl)
        return;
    pthread_mutex_destroy(&rl->lock);
    free(rl);
}

/* The slot of address, given one if it has none: a free slot of its probe
 * window, or else the one whose entry looks oldest (an expired entry, with
 * its time in the past, is as good as a free one). */
static unsigned
slot_of(struct ratelimit *rl, const char *address, size_t n)
{
    bool added;
    int slot = hashmap_add(&rl->addresses, address, n, &added);
    unsigned oldest;

    if (slot >= 0) {
        if (added)
            rl->tat_ms[slot] = 0;
        return (unsigned)slot;
    }
    oldest = hashmap_window_slot(&rl->addresses, address, n, 0);
    for (unsigned i = 1; i < PROBE; i++) {
        unsigned s = hashmap_window_slot(&rl->addresses, address, n, i);

        if (rl->tat_ms[s] < rl->tat_ms[oldest])
            oldest = s;
    }
    hashmap_set_key(&rl->addresses, oldest, address, n);
    rl->tat_ms[oldest] = 0;
    return oldest;
}

unsigned
ratelimit_take(struct ratelimit *rl, const char *address, uint64_t now)
{
    return ratelimit_take_scaled(rl, address, 1, now);
}

unsigned
ratelimit_take_scaled(struct ratelimit *rl, const char *address,
                      unsigned factor, uint64_t now)
{
    char scaled[ADDR_MAX];
    uint64_t interval_ms, burst_ms; /* burst: 60 s - interval, N at once */
    size_t n;
    unsigned slot, wait = 0;
    uint64_t tat;

    ratelimit_key(address, factor, scaled, sizeof scaled);
    address = scaled;
    ratelimit_shape(rl->per_minute, factor, &interval_ms, &burst_ms);
    /* Longer than any printed address; cut so that it is found again. */
    n = strnlen(address, ADDR_MAX - 1);
    if (n == 0)
        address = "-", n = 1;
    pthread_mutex_lock(&rl->lock);
    slot = slot_of(rl, address, n);
    tat = rl->tat_ms[slot] > now ? rl->tat_ms[slot] : now;
    if (tat - now > burst_ms) {
        uint64_t ms = tat - now - burst_ms;

        wait = (unsigned)((ms + 999) / 1000);
    } else {
        rl->tat_ms[slot] = tat + interval_ms;
    }
    pthread_mutex_unlock(&rl->lock);
    return wait;
}

void
ratelimit_shape(unsigned per_minute, unsigned factor, uint64_t *interval_ms,
                uint64_t *burst_ms)
{
    uint64_t base = per_minute ? 60000 / per_minute : 60000;

    if (base == 0)
        base = 1;
    if (factor < 1)
        factor = 1;
    *interval_ms = base / factor ? base / factor : 1;
    *burst_ms = 60000 - *interval_ms;
}

void
ratelimit_key(const char *address, unsigned factor, char *key, size_t key_len)
{
    /* factor > 1: its own bucket, the same address under another key. */
    if (factor > 1)
        snprintf(key, key_len, "%s#%u", address, factor);
    else
        snprintf(key, key_len, "%s", address);
}
