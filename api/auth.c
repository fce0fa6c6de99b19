/* Tokens on libsodium: its CSPRNG, SHA-256 and constant-time compare. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api/auth.h"
#include "db/tokens.h"

enum { TOKEN_RANDOM_BYTES = 32 };
static const char token_prefix[] = "yk_";

bool
auth_name_valid(const char *name)
{
    size_t n = 0;

    for (; name[n]; n++) {
        char ch = name[n];

        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
              (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-' ||
              ch == '@'))
            return false;
    }
    return n >= 1 && n <= AUTH_NAME_MAX;
}

static void
token_hash(const char *token, size_t len, unsigned char hash[TOKEN_HASH_BYTES])
{
    crypto_hash_sha256(hash, (const unsigned char *)token, len);
}

int
auth_token_add(struct db *db, const char *name, char token[AUTH_TOKEN_MAX],
               char *err, size_t err_len)
{
    unsigned char random[TOKEN_RANDOM_BYTES];
    unsigned char hash[TOKEN_HASH_BYTES];
    size_t prefix = sizeof token_prefix - 1;
    enum db_status st;

    randombytes_buf(random, sizeof random);
    memcpy(token, token_prefix, prefix);
    sodium_bin2base64(token + prefix, AUTH_TOKEN_MAX - prefix, random,
                      sizeof random, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(random, sizeof random);
    token_hash(token, strlen(token), hash);
    st = db_token_add(db, name, hash, (int64_t)time(NULL));
    if (st == DB_OK)
        return 0;
    sodium_memzero(token, AUTH_TOKEN_MAX);
    if (st == DB_CONFLICT)
        snprintf(err, err_len,
                 "a token named %s already exists (revoke it first)", name);
    else
        snprintf(err, err_len, "cannot store the token: %s", db_errmsg(db));
    return -1;
}

enum auth_result
auth_check(struct db *db, const char *h, char *name_buf, size_t name_len)
{
    unsigned char hash[TOKEN_HASH_BYTES], stored[TOKEN_HASH_BYTES];
    size_t len;

    if (!h || strncasecmp(h, "Bearer ", 7) != 0)
        return AUTH_DENIED;
    h += 7;
    while (*h == ' ')
        h++;
    len = strlen(h);
    while (len > 0 && h[len - 1] == ' ')
        len--;
    if (len == 0 || len >= AUTH_TOKEN_MAX)
        return AUTH_DENIED;
    /* The lookup is by hash, so its timing says nothing about how much of a
     * guessed token was right; the compare below is constant-time anyway. */
    token_hash(h, len, hash);
    switch (db_token_find(db, hash, name_buf, name_len, stored)) {
    case DB_OK:
        break;
    case DB_NOT_FOUND:
        return AUTH_DENIED;
    default:
        return AUTH_UNAVAILABLE;
    }
    return sodium_memcmp(hash, stored, TOKEN_HASH_BYTES) == 0 ? AUTH_OK
                                                              : AUTH_DENIED;
}
