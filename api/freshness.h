/* Per-article generation numbers for caches of public pages.  A change a
 * reader can see (approve, reject, edit) bumps its article's generation
 * after it committed; a reader takes the generation before it reads, so a
 * page built from older data is always recognised as stale.  Lock-free,
 * fixed memory: articles share FRESHNESS_SLOTS counters by hash, so a bump
 * may also expire pages of an unrelated article (a miss, never an error). */
#ifndef YKIEN_API_FRESHNESS_H
#define YKIEN_API_FRESHNESS_H

#include <stdint.h>

uint64_t freshness_of(const char *article);
void freshness_bump(const char *article);
/* Expires every page: when changes may have been missed (a process
 * sharing the database told of them while this one was not listening). */
void freshness_bump_all(void);

#endif
