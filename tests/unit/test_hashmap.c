/* Unit tests for util/: the hash function and the hash table. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "util/hash.h"
#include "util/hashmap.h"
#include "check.h"

static void
test_hash(void)
{
    /* FNV-1a test vectors */
    CHECK(hash_bytes("", 0) == 0x811c9dc5u);
    CHECK(hash_bytes("a", 1) == 0xe40c292cu);
    CHECK(hash_bytes("foobar", 6) == 0xbf9cf968u);
    CHECK(hash_string("foobar") == 0xbf9cf968u);
    CHECK(hash_bytes("foobar!", 6) == hash_string("foobar"));
}

static void
test_table(void)
{
    static char keys[16][8];
    struct hashmap m;
    bool added;
    int a, b;

    memset(keys, 0, sizeof keys);
    hashmap_init(&m, &keys[0][0], 16, 8, 0);
    CHECK(hashmap_find(&m, "an", 2) == -1);
    a = hashmap_add(&m, "an", 2, &added);
    CHECK(a >= 0 && added);
    CHECK(hashmap_add(&m, "an", 2, &added) == a && !added);
    CHECK(hashmap_find(&m, "an", 2) == a);
    CHECK(hashmap_find(&m, "ant", 2) == a); /* only the first n bytes */
    CHECK(hashmap_find(&m, "a", 1) == -1);
    CHECK_STR(hashmap_key(&m, (unsigned)a), "an");
    b = hashmap_add(&m, "ba", 2, &added);
    CHECK(b >= 0 && b != a && added);
    /* empty keys and keys that do not fit are refused */
    CHECK(hashmap_add(&m, "", 0, &added) == -1 && !added);
    CHECK(hashmap_add(&m, "12345678", 8, &added) == -1);
    CHECK(hashmap_find(&m, "12345678", 8) == -1);
    CHECK(hashmap_add(&m, "1234567", 7, &added) >= 0 && added);
    /* the table fills up, and then refuses */
    for (int i = 0; i < 13; i++) {
        char k[3] = {'k', (char)('a' + i), 0};

        CHECK(hashmap_add(&m, k, 2, &added) >= 0 && added);
    }
    CHECK(hashmap_add(&m, "zz", 2, &added) == -1);
    CHECK(hashmap_find(&m, "zz", 2) == -1);
    CHECK(hashmap_find(&m, "ba", 2) == b);
}

static void
test_window(void)
{
    static char keys[64][16];
    struct hashmap m;
    bool added;
    unsigned first, slot;
    int n = 0;

    memset(keys, 0, sizeof keys);
    hashmap_init(&m, &keys[0][0], 64, 16, 2);
    /* the probe window is 2 slots: consecutive, from the key's hash */
    first = hashmap_window_slot(&m, "x", 1, 0);
    CHECK(first == (hash_bytes("x", 1) & 63));
    CHECK(hashmap_window_slot(&m, "x", 1, 1) == ((first + 1) & 63));
    /* fill x's window with other keys */
    for (int i = 0; i < 100000 && n < 2; i++) {
        char k[16];
        size_t len = (size_t)snprintf(k, sizeof k, "k%d", i);
        unsigned home = hashmap_window_slot(&m, k, len, 0);

        if ((home == first || home == ((first + 1) & 63)) &&
            keys[home][0] == '\0' &&
            hashmap_add(&m, k, len, &added) == (int)home)
            n++;
    }
    CHECK(n == 2);
    CHECK(hashmap_add(&m, "x", 1, &added) == -1);
    /* a slot of the window is reused: the old key is gone, the new one found */
    slot = hashmap_window_slot(&m, "x", 1, 1);
    hashmap_set_key(&m, slot, "x", 1);
    CHECK(hashmap_find(&m, "x", 1) == (int)slot);
    CHECK_STR(hashmap_key(&m, slot), "x");
    /* set_key cuts a key that does not fit */
    hashmap_set_key(&m, slot, "0123456789abcdefXYZ", 19);
    CHECK_STR(hashmap_key(&m, slot), "0123456789abcde");
}

int
main(void)
{
    test_hash();
    test_table();
    test_window();
    return check_report();
}
