/* Generation counters for cached public pages. */
#include <stdatomic.h>

#include "api/freshness.h"
#include "util/hash.h"

enum { FRESHNESS_SLOTS = 4096 };

static atomic_uint_fast64_t generation[FRESHNESS_SLOTS];
/* Added to every slot's: both only grow, so their sum does too. */
static atomic_uint_fast64_t epoch;

/* Direct-mapped on purpose: articles that share a slot share a counter
 * (see freshness.h), so there is nothing to probe for. */
static uint32_t
slot_of(const char *article)
{
    return hash_string(article) % FRESHNESS_SLOTS;
}

uint64_t
freshness_of(const char *article)
{
    return atomic_load_explicit(&generation[slot_of(article)],
                                memory_order_acquire) +
           atomic_load_explicit(&epoch, memory_order_acquire);
}

void
freshness_bump(const char *article)
{
    atomic_fetch_add_explicit(&generation[slot_of(article)], 1,
                              memory_order_acq_rel);
}

void
freshness_bump_all(void)
{
    atomic_fetch_add_explicit(&epoch, 1, memory_order_acq_rel);
}
