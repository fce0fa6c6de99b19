/* Linear probing over caller-owned key storage.  See hashmap.h. */
#include <assert.h>
#include <string.h>

#include "util/hash.h"
#include "util/hashmap.h"

void
hashmap_init(struct hashmap *m, char *keys, unsigned slots, unsigned key_size,
             unsigned probe)
{
    assert(slots > 0 && (slots & (slots - 1)) == 0);
    assert(key_size >= 2);
    m->keys = keys;
    m->slots = slots;
    m->key_size = key_size;
    m->probe = probe == 0 || probe > slots ? slots : probe;
}

static char *
slot_key(const struct hashmap *m, unsigned slot)
{
    return m->keys + (size_t)slot * m->key_size;
}

unsigned
hashmap_window_slot(const struct hashmap *m, const char *key, size_t n,
                    unsigned i)
{
    return (hash_bytes(key, n) + i) & (m->slots - 1);
}

/* Walks key's probe window: the slot holding key, or else the first free
 * slot (*found false), or -1 when neither is in the window. */
static int
probe(const struct hashmap *m, const char *key, size_t n, bool *found)
{
    unsigned h = hash_bytes(key, n);

    *found = false;
    for (unsigned i = 0; i < m->probe; i++) {
        unsigned slot = (h + i) & (m->slots - 1);
        const char *k = slot_key(m, slot);

        if (k[0] == '\0')
            return (int)slot;
        if (memcmp(k, key, n) == 0 && k[n] == '\0') {
            *found = true;
            return (int)slot;
        }
    }
    return -1;
}

int
hashmap_find(const struct hashmap *m, const char *key, size_t n)
{
    bool found;
    int slot;

    if (n == 0 || n >= m->key_size)
        return -1;
    slot = probe(m, key, n, &found);
    return found ? slot : -1;
}

int
hashmap_add(struct hashmap *m, const char *key, size_t n, bool *added)
{
    bool found;
    int slot;

    *added = false;
    if (n == 0 || n >= m->key_size)
        return -1;
    slot = probe(m, key, n, &found);
    if (slot >= 0 && !found) {
        hashmap_set_key(m, (unsigned)slot, key, n);
        *added = true;
    }
    return slot;
}

void
hashmap_set_key(struct hashmap *m, unsigned slot, const char *key, size_t n)
{
    char *k = slot_key(m, slot);

    if (n >= m->key_size)
        n = m->key_size - 1;
    memcpy(k, key, n);
    memset(k + n, 0, m->key_size - n);
}

const char *
hashmap_key(const struct hashmap *m, unsigned slot)
{
    return slot_key(m, slot);
}
