/* Generation counters for cached public pages. */
#include <stdatomic.h>

#include "api/freshness.h"

enum { FRESHNESS_SLOTS = 4096 };

static atomic_uint_fast64_t generation[FRESHNESS_SLOTS];

static uint32_t
slot_of(const char *s)
{
    uint32_t h = 2166136261u;

    while (*s)
        h = (h ^ (unsigned char)*s++) * 16777619u;
    return h % FRESHNESS_SLOTS;
}

uint64_t
freshness_of(const char *article)
{
    return atomic_load_explicit(&generation[slot_of(article)], memory_order_acquire);
}

void
freshness_bump(const char *article)
{
    atomic_fetch_add_explicit(&generation[slot_of(article)], 1, memory_order_acq_rel);
}
