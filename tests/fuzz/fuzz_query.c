/* Fuzz target: what the server reads from a request line and its
 * headers before any handler runs.  The input is taken, whole, as
 *  - a URL: the part before '?' goes to route_match() with each method,
 *    the part after it is split on '&' and '=' into the query parameters
 *    present_list_params() reads (limit, order, cursor);
 *  - a cursor, decoded for both orders;
 *  - an Accept-Language header.
 * and eight bytes of it make ids whose cursors must round-trip.
 *
 * Invariants: a found route has the method asked for (GET for HEAD), a
 * positive id where its pattern has {id}, and its path matches for GET and
 * HEAD alike; a wrong method gets an Allow list without it, an unknown
 * path none; a cursor decodes for one order at most, to an id > 0, and
 * decode(encode(id)) == id; the language is English only when the header
 * names "en". */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/cursor.h"
#include "api/errors.h"
#include "api/present.h"
#include "server/router.h"
#include "fuzz.h"

enum { MAX_PARAMS = 16 };

static const char *const methods[] = {
    "GET", "HEAD", "POST", "PATCH", "PUT", "DELETE", "OPTIONS", "get", ""};

/* Whether method is one of the comma-separated names in allow. */
static bool
allowed(const char *allow, const char *method)
{
    size_t n = strlen(method);

    for (const char *p = allow; *p;) {
        size_t len = strcspn(p, ",");

        if (len == n && memcmp(p, method, n) == 0)
            return true;
        p += len;
        while (*p == ',' || *p == ' ')
            p++;
    }
    return false;
}

static void
check_route(const char *path)
{
    enum route_result found[sizeof methods / sizeof methods[0]];

    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        struct route_match m;
        const char *method = methods[i];

        found[i] = route_match(method, path, &m);
        FUZZ_CHECK(strlen(m.allow) < ROUTE_ALLOW_MAX);
        FUZZ_CHECK(strlen(m.article) < ROUTE_PARAM_MAX);
        switch (found[i]) {
        case ROUTE_FOUND:
            FUZZ_CHECK(m.route != NULL);
            FUZZ_CHECK(route_index(m.route) >= 0 &&
                       route_index(m.route) < route_count());
            FUZZ_CHECK(route_at(route_index(m.route)) == m.route);
            FUZZ_CHECK(strcmp(m.route->method, method) == 0 ||
                       (strcmp(method, "HEAD") == 0 &&
                        strcmp(m.route->method, "GET") == 0));
            FUZZ_CHECK(allowed(m.allow, method));
            if (strstr(m.route->pattern, "{id}"))
                FUZZ_CHECK(m.id > 0);
            else
                FUZZ_CHECK(m.id == 0);
            if (strstr(m.route->pattern, "{article}") && m.article[0])
                FUZZ_CHECK(strstr(path, m.article) != NULL);
            break;
        case ROUTE_NO_METHOD:
            FUZZ_CHECK(m.route == NULL && m.allow[0] != '\0');
            FUZZ_CHECK(!allowed(m.allow, method));
            break;
        case ROUTE_NO_PATH:
            FUZZ_CHECK(m.route == NULL && m.allow[0] == '\0');
            break;
        }
    }
    /* HEAD is served wherever GET is; the path is known to all or none. */
    FUZZ_CHECK((found[0] == ROUTE_FOUND) == (found[1] == ROUTE_FOUND));
    for (size_t i = 1; i < sizeof methods / sizeof methods[0]; i++)
        FUZZ_CHECK((found[i] == ROUTE_NO_PATH) == (found[0] == ROUTE_NO_PATH));
}

static void
check_cursor(const char *cursor)
{
    int64_t a = -1, d = -1;
    int ra = cursor_decode(cursor, false, &a);
    int rd = cursor_decode(cursor, true, &d);

    FUZZ_CHECK(ra == 0 || ra == -1);
    FUZZ_CHECK(rd == 0 || rd == -1);
    FUZZ_CHECK(ra != 0 || rd != 0);
    if (ra == 0)
        FUZZ_CHECK(a > 0);
    if (rd == 0)
        FUZZ_CHECK(d > 0);
}

static void
check_round_trip(int64_t id)
{
    for (int newest = 0; newest < 2; newest++) {
        char buf[CURSOR_MAX];
        int64_t back = -1;

        cursor_encode(newest, id, buf);
        FUZZ_CHECK(memchr(buf, '\0', CURSOR_MAX) != NULL);
        if (id > 0 && id < INT64_MAX) {
            FUZZ_CHECK(cursor_decode(buf, newest, &back) == 0 && back == id);
            FUZZ_CHECK(cursor_decode(buf, !newest, &back) == -1);
        } else if (id <= 0) {
            FUZZ_CHECK(cursor_decode(buf, newest, &back) == -1);
        }
    }
}

/* Splits query in place into params; returns how many. */
static size_t
split_query(char *query, struct api_param *params)
{
    size_t n = 0;

    for (char *p = query; p && n < MAX_PARAMS;) {
        char *amp = strchr(p, '&');
        char *eq;

        if (amp)
            *amp = '\0';
        eq = strchr(p, '=');
        if (eq)
            *eq = '\0';
        params[n].key = p;
        params[n].value = eq ? eq + 1 : "";
        n++;
        p = amp ? amp + 1 : NULL;
    }
    return n;
}

static void
check_list_params(char *query)
{
    struct api_param params[MAX_PARAMS];
    struct api_call c = {.query = params};
    struct list_params p;

    c.n_query = split_query(query, params);
    if (present_list_params(&c, &p) == 0) {
        FUZZ_CHECK(c.reply == NULL);
        FUZZ_CHECK(p.limit >= 1 && p.limit <= 100);
        FUZZ_CHECK(p.after_id >= 0);
    } else {
        FUZZ_CHECK(c.status == 400 &&
                   json_is_object(json_object_get(c.reply, "error")));
    }
    api_call_clear(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    char *q;
    enum api_lang lang;
    uint64_t bits = 0;

    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0'; /* request lines and headers are C strings */

    check_cursor(s);
    lang = api_lang_from_header(s);
    FUZZ_CHECK(lang == API_LANG_VI || lang == API_LANG_EN);
    if (!strcasestr(s, "en"))
        FUZZ_CHECK(lang == API_LANG_VI);

    memcpy(&bits, data, size < sizeof bits ? size : sizeof bits);
    check_round_trip((int64_t)bits);
    check_round_trip((int64_t)(bits >> 1));
    check_round_trip((int64_t)(bits >> 33));
    check_round_trip((int64_t)(bits & 0xFFFF));

    q = strchr(s, '?');
    if (q)
        *q++ = '\0';
    check_route(s);
    if (q)
        check_list_params(q);
    free(s);
    return 0;
}
