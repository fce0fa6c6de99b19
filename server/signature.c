/* HMAC-SHA256 from libsodium, with a key of any length. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "server/signature.h"

void
signature_value(const unsigned char *secret, size_t secret_len, int64_t t,
                const char *body, size_t body_len, char out[SIGNATURE_MAX])
{
    crypto_auth_hmacsha256_state st;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    char stamp[24], hex[2 * sizeof mac + 1];
    int n = snprintf(stamp, sizeof stamp, "%lld", (long long)t);

    crypto_auth_hmacsha256_init(&st, secret, secret_len);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)stamp,
                                  (unsigned long long)n);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, body_len);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
    snprintf(out, SIGNATURE_MAX, "t=%s,v1=%s", stamp, hex);
    sodium_memzero(&st, sizeof st);
}
