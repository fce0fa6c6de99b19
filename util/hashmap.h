/* The one hash table: a fixed number of slots holding short string keys,
 * open addressing with linear probing, hashed with util/hash.h.
 *
 * It only finds slots.  Values live in the caller's own arrays, indexed by
 * slot number, so one table serves every value type: a word's flags, a
 * rhyme's index, a client's next allowed time.  Entries are never removed;
 * a caller that must make room picks a slot of the key's probe window and
 * gives it the new key (hashmap_set_key), as the rate limiter does.
 *
 * Ownership: the key storage is the caller's (slots * key_size bytes,
 * zeroed), sized once, so the table never allocates; keys passed in are
 * copied.  Not thread-safe: fill it once and then only read, or lock. */
#ifndef YKIEN_UTIL_HASHMAP_H
#define YKIEN_UTIL_HASHMAP_H

#include <stdbool.h>
#include <stddef.h>

struct hashmap {
    char *keys;        /* slots * key_size bytes; "" marks a free slot */
    unsigned slots;    /* a power of two */
    unsigned key_size; /* bytes per key, its NUL included */
    unsigned probe;    /* slots a lookup looks at, 1 to slots */
};

/* Sets m up over keys (zeroed, slots * key_size bytes).  slots must be a
 * power of two; probe 0 means the whole table. */
void hashmap_init(struct hashmap *m, char *keys, unsigned slots,
                  unsigned key_size, unsigned probe);

/* The slot holding key[0..n), or -1 when it is not in the table (or is
 * empty, or too long to be). */
int hashmap_find(const struct hashmap *m, const char *key, size_t n);

/* The slot holding key[0..n), storing the key in the first free slot of its
 * probe window if it was not there yet (then *added is true).  -1 when the
 * window is full or the key cannot be stored (empty, or key_size or longer). */
int hashmap_add(struct hashmap *m, const char *key, size_t n, bool *added);

/* Slot i (0 to probe - 1) of key's probe window: where the caller may look
 * for a slot to reuse when hashmap_add() finds the window full. */
unsigned hashmap_window_slot(const struct hashmap *m, const char *key, size_t n,
                             unsigned i);

/* Gives slot the key key[0..n) (truncated to key_size - 1 bytes), replacing
 * whatever key it held.  The caller resets the slot's value. */
void hashmap_set_key(struct hashmap *m, unsigned slot, const char *key,
                     size_t n);

/* The key in slot: "" when the slot is free. */
const char *hashmap_key(const struct hashmap *m, unsigned slot);

#endif
