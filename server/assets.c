/* Serving the embedded web files: content negotiation (gzip), validators
 * (ETag / If-None-Match) and the caching and security headers of each
 * kind of file. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/errors.h"
#include "server/assets.h"

#define CONSOLE_PATH "/moderation/"

/* The console's policy: its own scripts and styles only, no inline code,
 * images from itself or from object URLs (attachments fetched with the
 * token), never framed. */
static const char console_csp[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

const struct asset *
assets_find(const char *path)
{
    for (int i = 0; i < assets_count; i++) {
        if (strcmp(assets_table[i].path, path) == 0)
            return &assets_table[i];
    }
    return NULL;
}

/* Skips optional white space. */
static const char *
skip_ows(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* A q value of zero: "0", "0.", "0.0" ... "0.000". */
static bool
q_is_zero(const char *v)
{
    size_t n = strcspn(v, ",; \t");

    if (n == 0 || v[0] != '0')
        return false;
    if (n > 1 && v[1] != '.')
        return false;
    for (size_t i = 2; i < n; i++) {
        if (v[i] != '0')
            return false;
    }
    return true;
}

int
assets_accepts_gzip(const char *h)
{
    int gzip = -1, any = -1; /* -1: not named; 0: q=0; 1: accepted */

    if (!h)
        return 0;
    while (*h) {
        const char *name, *end;
        size_t len;
        int ok = 1;

        h = skip_ows(h);
        name = h;
        len = strcspn(h, ",; \t");
        end = h + strcspn(h, ",");
        /* Parameters: only q matters. */
        for (const char *p = memchr(h, ';', (size_t)(end - h)); p && p < end;
             p = memchr(p + 1, ';', (size_t)(end - p - 1))) {
            const char *v = skip_ows(p + 1);

            if ((v[0] == 'q' || v[0] == 'Q') && v[1] == '=')
                ok = !q_is_zero(v + 2);
        }
        if (len == 4 && strncasecmp(name, "gzip", 4) == 0)
            gzip = ok;
        else if (len == 1 && name[0] == '*')
            any = ok;
        h = *end ? end + 1 : end;
    }
    return gzip >= 0 ? gzip : any > 0;
}

static bool
etag_matches(const char *if_none_match, const char *etag)
{
    const char *p;
    size_t n = strlen(etag);

    if (!if_none_match)
        return false;
    if (strcmp(skip_ows(if_none_match), "*") == 0)
        return true;
    /* A list of tags; weak comparison is what If-None-Match uses. */
    for (p = strstr(if_none_match, etag); p; p = strstr(p + 1, etag)) {
        char after = p[n];

        if (after == '\0' || after == ',' || after == ' ' || after == '\t')
            return true;
    }
    return false;
}

static struct MHD_Response *
redirect(const char *location)
{
    static const char body[] = "Moved: " CONSOLE_PATH "\n";
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        sizeof body - 1, (void *)body, MHD_RESPMEM_PERSISTENT);

    if (resp) {
        MHD_add_response_header(resp, "Location", location);
        MHD_add_response_header(resp, "Content-Type",
                                "text/plain; charset=utf-8");
        MHD_add_response_header(resp, "Cache-Control", "public, max-age=3600");
    }
    return resp;
}

static struct MHD_Response *
method_not_allowed(struct MHD_Connection *conn, uint64_t *bytes)
{
    const char *lang =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept-Language");
    json_t *err = api_error_json(API_E_METHOD_NOT_ALLOWED,
                                 api_lang_from_header(lang), NULL);
    char *text = err ? json_dumps(err, JSON_COMPACT) : NULL;
    struct MHD_Response *resp = NULL;

    json_decref(err);
    if (!text)
        return NULL;
    *bytes = strlen(text);
    resp = MHD_create_response_from_buffer(strlen(text), text,
                                           MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(text);
        return NULL;
    }
    MHD_add_response_header(resp, "Content-Type",
                            "application/json; charset=utf-8");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "Allow", "GET, HEAD");
    return resp;
}

static void
add_kind_headers(struct MHD_Response *resp, const struct asset *a)
{
    switch (a->kind) {
    case ASSET_HASHED:
        /* Its name changes with its content. */
        MHD_add_response_header(resp, "Cache-Control",
                                "public, max-age=31536000, immutable");
        MHD_add_response_header(resp, "Cross-Origin-Resource-Policy",
                                "cross-origin");
        break;
    case ASSET_STABLE:
        /* Embedded in sites' pages: a new version reaches readers within
         * minutes, and revalidation is a 304. */
        MHD_add_response_header(resp, "Cache-Control", "public, max-age=300");
        MHD_add_response_header(resp, "Cross-Origin-Resource-Policy",
                                "cross-origin");
        break;
    case ASSET_PAGE:
        MHD_add_response_header(resp, "Cache-Control", "no-cache");
        MHD_add_response_header(resp, "Content-Security-Policy", console_csp);
        MHD_add_response_header(resp, "X-Frame-Options", "DENY");
        MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
        MHD_add_response_header(resp, "Cross-Origin-Opener-Policy",
                                "same-origin");
        break;
    }
}

unsigned
assets_reply(struct MHD_Connection *conn, const char *method, const char *url,
             struct MHD_Response **resp, uint64_t *bytes)
{
    const struct asset *a = assets_find(url);
    bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    bool gz;
    const char *etag;
    unsigned status;

    *resp = NULL;
    *bytes = 0;
    if (!a && strcmp(url, "/moderation") != 0)
        return 0;
    if (!get) {
        *resp = method_not_allowed(conn, bytes);
        return 405;
    }
    if (!a) {
        *resp = redirect(CONSOLE_PATH);
        return 301;
    }
    gz = a->gz_len < a->body_len &&
         assets_accepts_gzip(MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                         "Accept-Encoding"));
    etag = gz ? a->gz_etag : a->etag;
    if (etag_matches(
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "If-None-Match"),
            etag)) {
        *resp = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
        status = 304;
    } else {
        /* Persistent: the bytes live in the binary. */
        *resp = MHD_create_response_from_buffer(gz ? a->gz_len : a->body_len,
                                                (void *)(gz ? a->gz : a->body),
                                                MHD_RESPMEM_PERSISTENT);
        *bytes = gz ? a->gz_len : a->body_len;
        status = 200;
    }
    if (!*resp)
        return 500;
    if (status == 200) {
        MHD_add_response_header(*resp, "Content-Type", a->content_type);
        if (gz)
            MHD_add_response_header(*resp, "Content-Encoding", "gzip");
    }
    MHD_add_response_header(*resp, "ETag", etag);
    MHD_add_response_header(*resp, "Vary", "Accept-Encoding");
    add_kind_headers(*resp, a);
    return status;
}
