/* The route table and path matching.  HEAD is served wherever GET is. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/handlers.h"
#include "server/router.h"

/* The query parameters api_comment_list() reads. */
static const char *const list_params[] = {"limit", "order", "cursor", NULL};

/* clang-format off */
static const struct route routes[] = {
    {"comment_create", "POST", "/api/v1/articles/{article}/comments",
     NULL, ROUTE_BODY_COMMENT, ROUTE_PUBLIC,
     ROUTE_NEW_COMMENT, 1, NULL},
    {"comment_list", "GET", "/api/v1/articles/{article}/comments",
     api_comment_list, ROUTE_BODY_NONE, ROUTE_PUBLIC,
     ROUTE_API, 0, list_params},
    {"comment_show", "GET", "/api/v1/comments/{id}",
     api_comment_show, ROUTE_BODY_NONE, ROUTE_PUBLIC,
     ROUTE_API, 0, NULL},
    {"attachment_show", "GET", "/api/v1/attachments/{id}",
     api_attachment_show, ROUTE_BODY_NONE, ROUTE_MODERATOR_OPTIONAL,
     ROUTE_API, 0, NULL},
    {"counts", "GET", "/api/v1/counts",
     api_counts, ROUTE_BODY_NONE, ROUTE_PUBLIC,
     ROUTE_API, 0, NULL},
    {"queue", "GET", "/api/v1/moderation/queue",
     api_queue, ROUTE_BODY_NONE, ROUTE_MODERATOR,
     ROUTE_API, 0, NULL},
    {"moderation_show", "GET", "/api/v1/moderation/comments/{id}",
     api_moderation_show, ROUTE_BODY_NONE, ROUTE_MODERATOR,
     ROUTE_API, 0, NULL},
    {"moderation_edit", "PATCH", "/api/v1/moderation/comments/{id}",
     api_moderation_edit, ROUTE_BODY_JSON, ROUTE_MODERATOR,
     ROUTE_API, 0, NULL},
    {"moderation_approve", "POST", "/api/v1/moderation/comments/{id}/approve",
     api_moderation_approve, ROUTE_BODY_JSON, ROUTE_MODERATOR,
     ROUTE_API, 0, NULL},
    {"moderation_reject", "POST", "/api/v1/moderation/comments/{id}/reject",
     api_moderation_reject, ROUTE_BODY_JSON, ROUTE_MODERATOR,
     ROUTE_API, 0, NULL},
    {"moderation_erase", "POST", "/api/v1/moderation/comments/{id}/erase",
     api_moderation_erase, ROUTE_BODY_JSON, ROUTE_MODERATOR,
     ROUTE_API, 0, NULL},
    {"bulk", "POST", "/api/v1/moderation/bulk",
     api_bulk, ROUTE_BODY_JSON, ROUTE_MODERATOR,
     ROUTE_API, 0, NULL},
    {"article_show", "GET", "/api/v1/moderation/articles/{article}",
     api_article_show, ROUTE_BODY_NONE, ROUTE_MODERATOR,
     ROUTE_API, 0, NULL},
    {"article_update", "PUT", "/api/v1/moderation/articles/{article}",
     api_article_update, ROUTE_BODY_JSON, ROUTE_MODERATOR,
     ROUTE_API, 0, NULL},
    {"rules_list", "GET", "/api/v1/moderation/rules",
     api_rules_list, ROUTE_BODY_NONE, ROUTE_MODERATOR,
     ROUTE_API, 0, NULL},
    {"rule_create", "POST", "/api/v1/moderation/rules",
     api_rule_create, ROUTE_BODY_JSON, ROUTE_MODERATOR,
     ROUTE_API, 0, NULL},
    {"rule_delete", "DELETE", "/api/v1/moderation/rules/{id}",
     api_rule_delete, ROUTE_BODY_NONE, ROUTE_MODERATOR,
     ROUTE_API, 0, NULL},
    /* 20 times --rate-limit: a form asks while the reader types. */
    {"check_text", "POST", "/api/v1/check-text",
     api_check_text, ROUTE_BODY_JSON, ROUTE_PUBLIC,
     ROUTE_API, 20, NULL},
    {"openapi", "GET", "/api/v1/openapi.json",
     api_openapi, ROUTE_BODY_NONE, ROUTE_PUBLIC,
     ROUTE_API, 0, NULL},
    {"healthz", "GET", "/healthz",
     api_health, ROUTE_BODY_NONE, ROUTE_PUBLIC,
     ROUTE_API, 0, NULL},
    {"metrics", "GET", "/metrics",
     NULL, ROUTE_BODY_NONE, ROUTE_PUBLIC,
     ROUTE_METRICS, 0, NULL},
};
/* clang-format on */

enum { N_ROUTES = sizeof routes / sizeof routes[0] };

int
route_count(void)
{
    return N_ROUTES;
}

const struct route *
route_at(int i)
{
    return &routes[i];
}

int
route_index(const struct route *r)
{
    return (int)(r - routes);
}

/* A positive decimal id without sign or leading zeros. */
static bool
parse_id(const char *s, size_t len, int64_t *out)
{
    int64_t v = 0;

    if (len == 0 || len > 18 || s[0] == '0')
        return false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* Matches path against pattern segment by segment, capturing parameters. */
static bool
path_matches(const char *pattern, const char *path, struct route_match *m)
{
    const char *p = pattern, *s = path;

    while (*p && *s) {
        size_t plen, slen;

        if (*p != '/' || *s != '/')
            return false;
        p++;
        s++;
        plen = strcspn(p, "/");
        slen = strcspn(s, "/");
        if (plen == 9 && memcmp(p, "{article}", 9) == 0) {
            if (slen == 0)
                return false;
            if (slen < sizeof m->article) {
                memcpy(m->article, s, slen);
                m->article[slen] = '\0';
            } else {
                m->article[0] = '\0'; /* refused later as an invalid id */
            }
        } else if (plen == 4 && memcmp(p, "{id}", 4) == 0) {
            if (!parse_id(s, slen, &m->id))
                return false;
        } else if (plen != slen || memcmp(p, s, plen) != 0) {
            return false;
        }
        p += plen;
        s += slen;
    }
    return *p == '\0' && *s == '\0';
}

static void
add_allow(char *allow, const char *method)
{
    size_t n = strlen(allow);

    snprintf(allow + n, ROUTE_ALLOW_MAX - n, "%s%s", n ? ", " : "", method);
}

enum route_result
route_match(const char *method, const char *path, struct route_match *m)
{
    bool path_known = false;
    bool head = strcmp(method, "HEAD") == 0;
    struct route_match found; /* captures of the route being tried */

    m->route = NULL;
    m->article[0] = '\0';
    m->id = 0;
    m->allow[0] = '\0';
    for (int i = 0; i < N_ROUTES; i++) {
        found.article[0] = '\0';
        found.id = 0;
        if (!path_matches(routes[i].pattern, path, &found))
            continue;
        path_known = true;
        add_allow(m->allow, routes[i].method);
        if (strcmp(routes[i].method, "GET") == 0)
            add_allow(m->allow, "HEAD");
        if (!m->route && (strcmp(routes[i].method, method) == 0 ||
                          (head && strcmp(routes[i].method, "GET") == 0))) {
            m->route = &routes[i];
            memcpy(m->article, found.article, strlen(found.article) + 1);
            m->id = found.id;
        }
    }
    if (m->route)
        return ROUTE_FOUND;
    return path_known ? ROUTE_NO_METHOD : ROUTE_NO_PATH;
}
