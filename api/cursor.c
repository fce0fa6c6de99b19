/* Cursor encoding: "v1:<a|d>:<id>" in unpadded base64url. */
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cursor.h"

void
cursor_encode(bool newest_first, int64_t last_id, char buf[CURSOR_MAX])
{
    char plain[32];
    int n = snprintf(plain, sizeof plain, "v1:%c:%lld",
                     newest_first ? 'd' : 'a', (long long)last_id);

    sodium_bin2base64(buf, CURSOR_MAX, (const unsigned char *)plain, (size_t)n,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int
cursor_decode(const char *cursor, bool newest_first, int64_t *last_id)
{
    unsigned char plain[32];
    size_t n = 0;
    char *end;
    long long id;

    if (strlen(cursor) >= CURSOR_MAX)
        return -1;
    if (sodium_base642bin(plain, sizeof plain - 1, cursor, strlen(cursor), NULL,
                          &n, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
        return -1;
    plain[n] = '\0';
    if (strlen((const char *)plain) != n)
        return -1; /* an embedded NUL */
    if (n < 6 || memcmp(plain, "v1:", 3) != 0 || plain[4] != ':')
        return -1;
    if (plain[3] != (newest_first ? 'd' : 'a'))
        return -1;
    if (plain[5] < '1' || plain[5] > '9')
        return -1;
    id = strtoll((const char *)plain + 5, &end, 10);
    if (*end != '\0' || id <= 0 || id == LLONG_MAX)
        return -1;
    *last_id = id;
    return 0;
}
