/* Routes are data: method, path pattern, handler, what the body may be and
 * who may call.  route_match() finds the route of a request, or says
 * whether the path is unknown (404) or the method is wrong (405 + Allow). */
#ifndef YKIEN_SERVER_ROUTER_H
#define YKIEN_SERVER_ROUTER_H

#include <stdint.h>

#include "api/call.h"

enum route_body {
    ROUTE_BODY_NONE,    /* a body, if any, is ignored */
    ROUTE_BODY_JSON,    /* optional JSON object */
    ROUTE_BODY_COMMENT, /* JSON or multipart/form-data (a new comment) */
};

enum route_auth {
    ROUTE_PUBLIC,
    ROUTE_MODERATOR,          /* Authorization: Bearer <token> required */
    ROUTE_MODERATOR_OPTIONAL, /* a token widens access; a bad one is 401 */
};

enum route_special {
    ROUTE_API,         /* handled by an api/ handler */
    ROUTE_METRICS,     /* rendered by the server itself */
    ROUTE_NEW_COMMENT, /* prepared by api/, stored by the writer */
};

struct route {
    const char *name; /* label in metrics and logs */
    const char *method;
    const char *pattern; /* segments; {article} and {id} capture */
    api_handler handler;
    enum route_body body;
    enum route_auth auth;
    enum route_special special;
    int rate_limited; /* counts against --rate-limit times this (0: not) */
    /* Public page kept in the response cache, keyed by the path and these
     * query parameters (NULL-terminated; the handler reads no others). */
    const char *const *cache_params;
};

enum { ROUTE_PARAM_MAX = 256, ROUTE_ALLOW_MAX = 64 };

struct route_match {
    const struct route *route;
    char article[ROUTE_PARAM_MAX]; /* "" when absent or too long */
    int64_t id;
    char allow[ROUTE_ALLOW_MAX]; /* for 405 */
};

enum route_result { ROUTE_FOUND, ROUTE_NO_PATH, ROUTE_NO_METHOD };

enum route_result route_match(const char *method, const char *path,
                              struct route_match *m);

/* The table, for metrics: route_count() entries, route_at(i). */
int route_count(void);
const struct route *route_at(int i);
int route_index(const struct route *r);

#endif
