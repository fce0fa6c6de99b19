/* The webhook signature against values computed independently (Python's
 * hmac module): t=<t>,v1=<hex HMAC-SHA256 of "<t>.<body>">, with short and
 * long (hashed first) keys, and an empty body. */
#include <sodium.h>
#include <string.h>

#include "server/signature.h"
#include "check.h"

int
main(void)
{
    const char *secret = "whsec-test-secret";
    const char *body = "{\"id\":\"e1\",\"event\":\"comment.created\"}";
    unsigned char long_key[100];
    char out[SIGNATURE_MAX];

    if (sodium_init() < 0)
        return 1;
    signature_value((const unsigned char *)secret, strlen(secret), 1700000000,
                    body, strlen(body), out);
    CHECK_STR(
        out,
        "t=1700000000,v1="
        "7bb98ae56e1127438bab578c296a05461bc098c3e47fdc6b9c13c43c1d62e79f");

    /* A key longer than SHA-256's block is hashed first (RFC 2104). */
    memset(long_key, 'k', sizeof long_key);
    signature_value(long_key, sizeof long_key, 0, "", 0, out);
    CHECK_STR(
        out,
        "t=0,v1=243c2f8200e1d4ee892e7a7ded377a65e2beb1c64b997c54b8b0f516216d4b0f");

    /* The body is signed byte for byte: one byte more, another MAC. */
    signature_value((const unsigned char *)secret, strlen(secret), 1700000000,
                    body, strlen(body) - 1, out);
    CHECK(
        strcmp(
            out,
            "t=1700000000,v1="
            "7bb98ae56e1127438bab578c296a05461bc098c3e47fdc6b9c13c43c1d62e79f") !=
        0);
    CHECK(strlen(out) == strlen("t=1700000000,v1=") + 64);
    return check_report();
}
