/* GCRA over an open-addressed table of client addresses. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/ratelimit.h"

enum { ADDRESS_SLOTS = 1 << 14, PROBE = 8, ADDR_MAX = 64 };

struct slot {
    char addr[ADDR_MAX];
    uint64_t tat_ms;        /* theoretical arrival time of the next request */
};

struct ratelimit {
    pthread_mutex_t lock;
    uint64_t interval_ms;   /* 60 s / N */
    struct slot slots[ADDRESS_SLOTS];
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

static uint32_t
hash(const char *s)
{
    uint32_t h = 2166136261u;

    while (*s)
        h = (h ^ (unsigned char)*s++) * 16777619u;
    return h;
}

unsigned
ratelimit_take(struct ratelimit *rl, const char *address, uint64_t now)
{
    return ratelimit_take_scaled(rl, address, 1, now);
}

unsigned
ratelimit_take_scaled(struct ratelimit *rl, const char *address, unsigned factor, uint64_t now)
{
    char scaled[ADDR_MAX];
    uint64_t interval_ms, burst_ms;     /* burst: 60 s - interval lets N arrive at once */
    uint32_t h;
    struct slot *slot = NULL, *oldest = NULL;
    unsigned wait = 0;
    uint64_t tat;

    if (factor > 1) {
        /* Its own bucket: the same address under another key. */
        snprintf(scaled, sizeof scaled, "%s#%u", address, factor);
        address = scaled;
    } else {
        factor = 1;
    }
    interval_ms = rl->interval_ms / factor ? rl->interval_ms / factor : 1;
    burst_ms = 60000 - interval_ms;
    h = hash(address);
    pthread_mutex_lock(&rl->lock);
    for (int i = 0; i < PROBE; i++) {
        struct slot *s = &rl->slots[(h + (uint32_t)i) & (ADDRESS_SLOTS - 1)];

        if (strcmp(s->addr, address) == 0) {
            slot = s;
            break;
        }
        if (!oldest || s->tat_ms < oldest->tat_ms)
            oldest = s;
    }
    if (!slot) {
        /* An expired entry (tat in the past) is as good as an empty one. */
        slot = oldest;
        strncpy(slot->addr, address, ADDR_MAX - 1);
        slot->addr[ADDR_MAX - 1] = '\0';
        slot->tat_ms = 0;
    }
    tat = slot->tat_ms > now ? slot->tat_ms : now;
    if (tat - now > burst_ms) {
        uint64_t ms = tat - now - burst_ms;

        wait = (unsigned)((ms + 999) / 1000);
    } else {
        slot->tat_ms = tat + interval_ms;
    }
    pthread_mutex_unlock(&rl->lock);
    return wait;
}
