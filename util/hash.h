/* The one hash function of ykien's in-memory tables: 32-bit FNV-1a.  Fast on
 * the short keys the tables hold (client addresses, article ids, page keys,
 * syllables); not meant to resist keys chosen to collide, so every table
 * that uses it has a fixed size and a bounded cost per lookup.
 *
 * Header only, so that the text engine's hot loop can inline it. */
#ifndef YKIEN_UTIL_HASH_H
#define YKIEN_UTIL_HASH_H

#include <stddef.h>
#include <stdint.h>

/* FNV-1a of s[0..n). */
static inline uint32_t
hash_bytes(const void *s, size_t n)
{
    const unsigned char *p = s;
    uint32_t h = 2166136261u;

    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

/* FNV-1a of a NUL-terminated string, without its NUL. */
static inline uint32_t
hash_string(const char *s)
{
    uint32_t h = 2166136261u;

    while (*s)
        h = (h ^ (unsigned char)*s++) * 16777619u;
    return h;
}

#endif
