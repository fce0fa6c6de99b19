/* Fuzz target: the two request headers the moderator API parses itself,
 * If-Match (comment_if_match_parse) and Authorization (auth_check), each
 * given the whole input up to its first NUL (header values are C strings).
 *
 * The database, opened once in a scratch folder, holds one active token
 * ("mod") and one revoked token ("gone").  So that the fuzzer can reach
 * them, "@T" in the input stands for the active token and "@R" for the
 * revoked one.  Each parser is checked against a plain restatement of
 * what it is documented to accept:
 *  - If-Match: optional leading spaces, then "*", or "N" or W/"N" with N
 *    decimal digits worth 1 to INT64_MAX;
 *  - Authorization: "Bearer" in any case, a space, then the active token
 *    with spaces around it; everything else, the revoked token included,
 *    is refused. */
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api/auth.h"
#include "api/comment.h"
#include "db/db.h"
#include "db/tokens.h"
#include "fuzz.h"

enum { HEADER_MAX = 4096 };

static char data_dir[4096];
static struct db *db;
static char token[AUTH_TOKEN_MAX], revoked[AUTH_TOKEN_MAX];

static void
teardown(void)
{
    db_close(db);
    fuzz_rm_tree(data_dir);
}

static void
setup(void)
{
    char path[4200], err[256], name[AUTH_NAME_MAX + 1];

    if (sodium_init() < 0)
        fuzz_die("sodium_init");
    fuzz_make_data_dir(data_dir);
    snprintf(path, sizeof path, "%s/ykien.db", data_dir);
    if (db_open(path, &db, err, sizeof err) != 0)
        fuzz_die(err);
    atexit(teardown);
    if (auth_token_add(db, "gone", revoked, err, sizeof err) != 0 ||
        db_token_revoke(db, "gone", (int64_t)time(NULL)) != DB_OK ||
        auth_token_add(db, "mod", token, err, sizeof err) != 0)
        fuzz_die("adding the tokens");
    /* The set-up itself: the token works, the revoked one does not. */
    snprintf(path, sizeof path, "Bearer %s", token);
    if (auth_check(db, path, name, sizeof name) != AUTH_OK ||
        strcmp(name, "mod") != 0)
        fuzz_die("the new token is refused");
    snprintf(path, sizeof path, "Bearer %s", revoked);
    if (auth_check(db, path, name, sizeof name) != AUTH_DENIED)
        fuzz_die("the revoked token is accepted");
}

/* Copies data up to its first NUL into out, with @T and @R replaced. */
static void
expand(const uint8_t *data, size_t size, char out[HEADER_MAX])
{
    size_t o = 0;

    for (size_t i = 0; i < size && data[i] != '\0' && o + 1 < HEADER_MAX; i++) {
        const char *with = NULL;

        if (data[i] == '@' && i + 1 < size &&
            (data[i + 1] == 'T' || data[i + 1] == 'R'))
            with = data[i + 1] == 'T' ? token : revoked;
        if (with && o + strlen(with) + 1 < HEADER_MAX) {
            memcpy(out + o, with, strlen(with));
            o += strlen(with);
            i++;
        } else {
            out[o++] = (char)data[i];
        }
    }
    out[o] = '\0';
}

/* The If-Match grammar, restated; -1 for "*" and -2 for a refusal. */
static int64_t
expected_if_match(const char *h)
{
    const char *digits, *end;
    size_t n;

    while (*h == ' ')
        h++;
    if (strcmp(h, "*") == 0)
        return -1;
    if (strncmp(h, "W/", 2) == 0)
        h += 2;
    if (*h != '"')
        return -2;
    digits = h + 1;
    end = digits + strspn(digits, "0123456789");
    if (end == digits || strcmp(end, "\"") != 0)
        return -2;
    while (*digits == '0' && digits + 1 < end)
        digits++;
    n = (size_t)(end - digits);
    /* 9223372036854775807 is INT64_MAX, 19 digits. */
    if (n > 19 || (n == 19 && memcmp(digits, "9223372036854775807", 19) > 0))
        return -2;
    if (n == 1 && digits[0] == '0')
        return -2;
    return strtoll(digits, NULL, 10);
}

static void
check_if_match(const char *h)
{
    int64_t version = 0, want = expected_if_match(h);
    int rc = comment_if_match_parse(h, &version);

    if (want == -2) {
        FUZZ_CHECK(rc == -1);
    } else {
        FUZZ_CHECK(rc == 0);
        FUZZ_CHECK(version == want);
    }
}

/* The Authorization rule, restated. */
static bool
expected_auth(const char *h)
{
    size_t len;

    if (strncasecmp(h, "Bearer ", 7) != 0)
        return false;
    h += 7;
    while (*h == ' ')
        h++;
    len = strlen(h);
    while (len > 0 && h[len - 1] == ' ')
        len--;
    return len == strlen(token) && memcmp(h, token, len) == 0;
}

static void
check_auth(const char *h)
{
    char name[AUTH_NAME_MAX + 1] = "";
    bool want = expected_auth(h);
    enum auth_result rc = auth_check(db, h, name, sizeof name);

    /* The database is healthy here: never AUTH_UNAVAILABLE. */
    FUZZ_CHECK(rc == AUTH_OK || rc == AUTH_DENIED);
    FUZZ_CHECK((rc == AUTH_OK) == want);
    if (rc == AUTH_OK)
        FUZZ_CHECK(strcmp(name, "mod") == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char h[HEADER_MAX];
    int64_t version = 0;

    if (!db)
        setup();
    expand(data, size, h);
    check_if_match(h);
    check_auth(h);
    FUZZ_CHECK(comment_if_match_parse(NULL, &version) == 0 && version == -1);
    FUZZ_CHECK(auth_check(db, NULL, h, sizeof h) == AUTH_DENIED);
    return 0;
}
