/* The request lifecycle on libmicrohttpd, in three phases:
 *   first call   headers only: route, authenticate, refuse early (401, 404,
 *                405, 413, 415, 429) before any body byte is read; for a
 *                request without a body this waits for the last call, as
 *                libmicrohttpd closes the connection after an early reply;
 *   body calls   consume, count and stream; no reply can be queued here;
 *   last call    dispatch to the api/ handler and render its result.
 * Everything a request allocates hangs off its struct request and is freed
 * in one place, on_completed(). */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "api/auth.h"
#include "api/freshness.h"
#include "api/handlers.h"
#include "db/db.h"
#include "server/cache.h"
#include "server/http.h"
#include "server/log.h"
#include "server/metrics.h"
#include "server/ratelimit.h"
#include "server/router.h"
#include "server/upload.h"
#include "server/writer.h"

#define MODERATION_PREFIX "/api/v1/moderation/"

enum {
    QUERY_MAX = 128,
    CLIENT_MAX = 64,
    MULTIPART_SLACK = 256 * 1024,
};

struct server {
    const struct config *cfg;
    struct MHD_Daemon *mhd;
    struct ratelimit *rl;
    struct writer *writer;
    struct cache *cache;
    pthread_key_t db_key;
    atomic_int in_flight;
    atomic_int open_connections;
    atomic_bool stopping;           /* new requests are refused with 503 */
    uint16_t port;
};

enum body_mode {
    BODY_IGNORE,    /* not wanted: counted and dropped */
    BODY_BUFFER,    /* JSON, kept in memory up to body_cap */
    BODY_FORM,      /* multipart, streamed */
    BODY_DISCARD,   /* refused mid-way: drained to reply properly */
};

struct request {
    struct server *srv;
    struct route_match match;
    const char *method;
    const char *url;
    enum api_error error;           /* decided while reading the body */
    const char *error_field;
    bool replied;
    bool headers_done;              /* on_first_call() has run */
    enum body_mode mode;
    bool chunked;
    uint64_t body_cap;
    uint64_t body_seen;
    char *body;
    size_t body_len;
    size_t body_alloc;
    struct upload_form *form;
    /* a new comment waiting for the writer, with the connection suspended */
    struct MHD_Connection *conn;
    struct comment_job *job;
    struct writer_item item;
    size_t n_query;
    bool query_overflow;
    char client[CLIENT_MAX];
    char moderator[AUTH_NAME_MAX + 1];
    uint64_t started_us;
    unsigned status;
    uint64_t bytes;
    /* Last, and not zeroed on creation: only query[0..n_query) is used. */
    struct api_param query[QUERY_MAX];
};

static uint64_t
now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void
close_db(void *db)
{
    db_close(db);
}

/* The calling worker thread's connection, opened on first use. */
static struct db *
thread_db(struct server *s)
{
    struct db *db = pthread_getspecific(s->db_key);
    char err[256];

    if (db)
        return db;
    if (db_open(s->cfg->db_path, &db, err, sizeof err) != 0) {
        log_error("database: %s", err);
        return NULL;
    }
    pthread_setspecific(s->db_key, db);
    return db;
}

static const char *
header(struct MHD_Connection *conn, const char *name)
{
    return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

/* ---- replies ---------------------------------------------------------- */

static void
add_common_headers(struct request *r, struct MHD_Connection *conn, struct MHD_Response *resp)
{
    const struct config *cfg = r->srv->cfg;
    const char *origin = header(conn, "Origin");

    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (origin) {
        for (int i = 0; i < cfg->n_origins; i++) {
            if (strcmp(origin, cfg->origins[i]) == 0) {
                MHD_add_response_header(resp, "Access-Control-Allow-Origin", origin);
                MHD_add_response_header(resp, "Vary", "Origin");
                break;
            }
        }
    }
}

static enum MHD_Result
queue(struct request *r, struct MHD_Connection *conn, unsigned status,
      struct MHD_Response *resp)
{
    enum MHD_Result ret;

    if (!resp)
        return MHD_NO;
    add_common_headers(r, conn, resp);
    r->status = status;
    r->replied = true;
    ret = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* A response whose body is body (a new reference, taken) as JSON text. */
static struct MHD_Response *
json_response(struct request *r, json_t *body, bool private_reply)
{
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    struct MHD_Response *resp;
    size_t len;

    json_decref(body);
    if (!text)
        return NULL;
    len = strlen(text);
    /* A final newline keeps curl's output readable. */
    char *with_nl = realloc(text, len + 2);

    if (!with_nl) {
        free(text);
        return NULL;
    }
    with_nl[len++] = '\n';
    with_nl[len] = '\0';
    resp = MHD_create_response_from_buffer(len, with_nl, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(with_nl);
        return NULL;
    }
    r->bytes = len;
    MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
    MHD_add_response_header(resp, "Cache-Control", private_reply ? "no-store" : "no-cache");
    return resp;
}

static enum api_lang
request_lang(struct MHD_Connection *conn)
{
    return api_lang_from_header(header(conn, "Accept-Language"));
}

static enum MHD_Result
reply_error(struct request *r, struct MHD_Connection *conn, enum api_error e,
            const char *field)
{
    struct MHD_Response *resp;

    resp = json_response(r, api_error_json(e, request_lang(conn), field), true);
    if (resp && e == API_E_METHOD_NOT_ALLOWED)
        MHD_add_response_header(resp, "Allow", r->match.allow);
    if (resp && e == API_E_UNAUTHORIZED)
        MHD_add_response_header(resp, "WWW-Authenticate", "Bearer realm=\"ykien\"");
    return queue(r, conn, api_error_status(e), resp);
}

/* Past a limit in a body without a declared length, libmicrohttpd cannot
 * queue a reply any more: write the error straight to the socket, then
 * close the connection (return MHD_NO). */
static enum MHD_Result
cut_off(struct request *r, struct MHD_Connection *conn, enum api_error e, const char *field)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    json_t *body = api_error_json(e, request_lang(conn), field);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    char head[512];
    int n;

    json_decref(body);
    r->status = api_error_status(e);
    r->replied = true;
    /* Logged before the client can see the end of the reply. */
    log_info("%s: body cut off past a limit", r->client);
    if (ci && text) {
        n = snprintf(head, sizeof head,
                     "HTTP/1.1 %u %s\r\nContent-Type: application/json; charset=utf-8\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n"
                     "X-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\n\r\n",
                     r->status, MHD_get_reason_phrase_for(r->status), strlen(text));
        if (n > 0 && (size_t)n < sizeof head &&
            send(ci->connect_fd, head, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) == n &&
            send(ci->connect_fd, text, strlen(text), MSG_NOSIGNAL | MSG_DONTWAIT) > 0) {
            r->bytes = strlen(text);
            shutdown(ci->connect_fd, SHUT_WR);
        }
    }
    free(text);
    return MHD_NO;
}

/* ---- first call ------------------------------------------------------- */

static enum MHD_Result
collect_query(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    struct request *r = cls;

    (void)kind;
    if (r->n_query == QUERY_MAX) {
        r->query_overflow = true;
        return MHD_NO;
    }
    r->query[r->n_query].key = key;
    r->query[r->n_query].value = value ? value : "";
    r->n_query++;
    return MHD_YES;
}

static bool
same_ip(const struct sockaddr *a, const struct sockaddr_storage *b)
{
    if (a->sa_family != b->ss_family)
        return false;
    if (a->sa_family == AF_INET)
        return memcmp(&((const struct sockaddr_in *)a)->sin_addr,
                      &((const struct sockaddr_in *)b)->sin_addr, sizeof(struct in_addr)) == 0;
    if (a->sa_family == AF_INET6)
        return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
                      &((const struct sockaddr_in6 *)b)->sin6_addr,
                      sizeof(struct in6_addr)) == 0;
    return false;
}

/* The client address: the TCP peer, or, when the peer is a trusted proxy,
 * the last address of X-Forwarded-For (the one that proxy saw). */
static void
client_address(struct request *r, struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    const struct config *cfg = r->srv->cfg;

    snprintf(r->client, sizeof r->client, "unknown");
    if (!sa)
        return;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, r->client,
                  sizeof r->client);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, r->client,
                  sizeof r->client);
    for (int i = 0; i < cfg->n_proxies; i++) {
        const char *xff;
        const char *last;
        char candidate[CLIENT_MAX];
        struct sockaddr_storage parsed;
        size_t len;

        if (!same_ip(sa, &cfg->proxies[i]))
            continue;
        xff = header(conn, "X-Forwarded-For");
        if (!xff)
            return;
        last = strrchr(xff, ',');
        last = last ? last + 1 : xff;
        while (*last == ' ')
            last++;
        len = strcspn(last, " ");
        if (len == 0 || len >= sizeof candidate)
            return;
        memcpy(candidate, last, len);
        candidate[len] = '\0';
        if (cfg_parse_ip(candidate, &parsed) == 0)
            memcpy(r->client, candidate, len + 1);
        return;
    }
}

static bool
media_type_is(const char *ct, const char *type)
{
    size_t n = strlen(type);

    return ct && strncasecmp(ct, type, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

static uint64_t
multipart_cap(const struct config *cfg)
{
    return (uint64_t)cfg->api.max_attachments * (uint64_t)cfg->api.max_attachment_bytes +
           cfg->max_json_bytes * 2 + MULTIPART_SLACK;
}

static bool
declares_body(struct MHD_Connection *conn)
{
    const char *cl = header(conn, "Content-Length");

    return (cl && strcmp(cl, "0") != 0) || header(conn, "Transfer-Encoding");
}

/* Chooses how to read the body; replies early when it cannot be valid. */
static enum MHD_Result
plan_body(struct request *r, struct MHD_Connection *conn)
{
    const struct route *route = r->match.route;
    const char *ct = header(conn, "Content-Type");
    const char *cl = header(conn, "Content-Length");
    const char *te = header(conn, "Transfer-Encoding");
    bool has_body = declares_body(conn);
    uint64_t declared = 0;

    r->chunked = te && !cl;
    if (cl) {
        char *end;

        errno = 0;
        declared = strtoull(cl, &end, 10);
        if (errno || *end)
            return reply_error(r, conn, API_E_BAD_REQUEST, "Content-Length");
    }
    r->mode = BODY_IGNORE;
    r->body_cap = r->srv->cfg->max_json_bytes;
    if (route->body == ROUTE_BODY_COMMENT) {
        if (media_type_is(ct, "multipart/form-data")) {
            r->mode = BODY_FORM;
            r->body_cap = multipart_cap(r->srv->cfg);
        } else if (media_type_is(ct, "application/json")) {
            r->mode = BODY_BUFFER;
        } else {
            return reply_error(r, conn, API_E_UNSUPPORTED_MEDIA_TYPE, "Content-Type");
        }
    } else if (route->body == ROUTE_BODY_JSON && has_body) {
        if (ct && !media_type_is(ct, "application/json"))
            return reply_error(r, conn, API_E_UNSUPPORTED_MEDIA_TYPE, "Content-Type");
        r->mode = BODY_BUFFER;
    }
    if (declared > r->body_cap)
        return reply_error(r, conn, API_E_PAYLOAD_TOO_LARGE, NULL);
    return MHD_YES;
}

/* Marks connections past --max-connections, which are answered 503 and
 * closed (libmicrohttpd's own, higher, limit would leave them waiting in the
 * listen queue instead). */
static void
on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
              enum MHD_ConnectionNotificationCode toe)
{
    struct server *s = cls;
    static int over_limit;

    (void)conn;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        int n = atomic_fetch_add(&s->open_connections, 1) + 1;

        *socket_context = n > (int)s->cfg->max_connections ? &over_limit : NULL;
    } else {
        atomic_fetch_sub(&s->open_connections, 1);
    }
}

static bool
connection_over_limit(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

    return ci && ci->socket_context != NULL;
}

static enum MHD_Result
on_first_call(struct request *r, struct MHD_Connection *conn)
{
    struct server *s = r->srv;
    const struct route *route;
    enum route_result found;
    struct db *db;

    client_address(r, conn);
    if (atomic_load(&s->stopping) || connection_over_limit(conn)) {
        struct MHD_Response *resp =
            json_response(r, api_error_json(API_E_UNAVAILABLE, request_lang(conn), NULL), true);

        if (resp) {
            MHD_add_response_header(resp, "Connection", "close");
            MHD_add_response_header(resp, "Retry-After", "1");
        }
        return queue(r, conn, 503, resp);
    }
    found = route_match(r->method, r->url, &r->match);
    /* Under the moderation prefix a bad token is 401 whatever the path or
     * method, so that nobody learns which routes or ids exist there.  A
     * CORS preflight carries no token and only learns what Allow says. */
    if (strncmp(r->url, MODERATION_PREFIX, sizeof MODERATION_PREFIX - 2) == 0 &&
        (r->url[sizeof MODERATION_PREFIX - 2] == '\0' ||
         r->url[sizeof MODERATION_PREFIX - 2] == '/') &&
        strcmp(r->method, "OPTIONS") != 0) {
        db = thread_db(s);
        if (!db)
            return reply_error(r, conn, API_E_UNAVAILABLE, NULL);
        if (auth_check(db, header(conn, "Authorization"), r->moderator, sizeof r->moderator) != 0) {
            log_info("%s: refused moderator token", r->client);
            return reply_error(r, conn, API_E_UNAUTHORIZED, NULL);
        }
    }
    switch (found) {
    case ROUTE_NO_PATH:
        return reply_error(r, conn, API_E_NOT_FOUND, NULL);
    case ROUTE_NO_METHOD:
        if (strcmp(r->method, "OPTIONS") == 0) {
            struct MHD_Response *resp = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);

            if (resp) {
                MHD_add_response_header(resp, "Allow", r->match.allow);
                MHD_add_response_header(resp, "Access-Control-Allow-Methods", r->match.allow);
                MHD_add_response_header(resp, "Access-Control-Allow-Headers",
                                        "Content-Type, Authorization, If-Match, Accept-Language");
                MHD_add_response_header(resp, "Access-Control-Max-Age", "600");
            }
            return queue(r, conn, 204, resp);
        }
        return reply_error(r, conn, API_E_METHOD_NOT_ALLOWED, NULL);
    case ROUTE_FOUND:
        break;
    }
    route = r->match.route;
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_query, r);
    if (r->query_overflow)
        return reply_error(r, conn, API_E_BAD_QUERY, NULL);
    db = thread_db(s);
    if (!db)
        return reply_error(r, conn, API_E_UNAVAILABLE, NULL);
    if (route->auth != ROUTE_PUBLIC && !r->moderator[0]) {
        const char *authz = header(conn, "Authorization");

        if ((authz || route->auth == ROUTE_MODERATOR) &&
            auth_check(db, authz, r->moderator, sizeof r->moderator) != 0) {
            log_info("%s: refused moderator token on %s", r->client, route->name);
            return reply_error(r, conn, API_E_UNAUTHORIZED, NULL);
        }
    }
    if (plan_body(r, conn) != MHD_YES || r->replied)
        return r->replied ? MHD_YES : MHD_NO;
    if (route->rate_limited && s->rl) {
        struct timespec ts;
        unsigned wait;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        wait = ratelimit_take(s->rl, r->client,
                              (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
        if (wait > 0) {
            char secs[16];
            struct MHD_Response *resp;

            snprintf(secs, sizeof secs, "%u", wait);
            resp = json_response(r, api_error_json(API_E_RATE_LIMITED, request_lang(conn), NULL),
                                 true);
            if (resp)
                MHD_add_response_header(resp, "Retry-After", secs);
            return queue(r, conn, 429, resp);
        }
    }
    if (r->mode == BODY_FORM) {
        r->form = upload_begin(conn, &s->cfg->api);
        if (!r->form)
            return reply_error(r, conn, API_E_BAD_MULTIPART, "Content-Type");
    }
    return MHD_YES;
}

/* ---- body calls ------------------------------------------------------- */

/* Releases a refused form (closing and removing its staged files) early. */
static void
drop_form(struct request *r)
{
    if (!r->form)
        return;
    metrics_upload_bytes(upload_file_bytes(r->form));
    upload_release(r->form);
    r->form = NULL;
}

static enum MHD_Result
on_body(struct request *r, struct MHD_Connection *conn, const char *data, size_t size)
{
    r->body_seen += size;
    if (r->body_seen > r->body_cap)
        return cut_off(r, conn, API_E_PAYLOAD_TOO_LARGE, NULL);
    switch (r->mode) {
    case BODY_BUFFER:
        if (r->body_len + size + 1 > r->body_alloc) {
            size_t want = r->body_alloc ? r->body_alloc * 2 : 4096;
            char *bigger;

            while (want < r->body_len + size + 1)
                want *= 2;
            if (want > r->body_cap + 1)
                want = (size_t)r->body_cap + 1;
            bigger = realloc(r->body, want);
            if (!bigger)
                return MHD_NO;
            r->body = bigger;
            r->body_alloc = want;
        }
        memcpy(r->body + r->body_len, data, size);
        r->body_len += size;
        r->body[r->body_len] = '\0';
        break;
    case BODY_FORM:
        if (upload_feed(r->form, data, size) != 0) {
            const char *field;
            enum api_error e = upload_error(r->form, &field);

            if (r->chunked)
                return cut_off(r, conn, e, field);
            r->error = e;
            r->error_field = field;
            r->mode = BODY_DISCARD;
            drop_form(r);   /* refused: its staged files go now, not after draining */
        }
        break;
    case BODY_IGNORE:
    case BODY_DISCARD:
        break;
    }
    return MHD_YES;
}

/* ---- last call -------------------------------------------------------- */

static enum MHD_Result
reply_metrics(struct request *r, struct MHD_Connection *conn)
{
    struct api_stats stats = {0};
    struct db *db = thread_db(r->srv);
    int ok = db && api_stats_read(db, &stats) == 0;
    char *text = metrics_render(&stats, ok);
    struct MHD_Response *resp;

    if (!text)
        return reply_error(r, conn, API_E_INTERNAL, NULL);
    r->bytes = strlen(text);
    resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    if (resp) {
        MHD_add_response_header(resp, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        MHD_add_response_header(resp, "Cache-Control", "no-store");
    } else {
        free(text);
    }
    return queue(r, conn, 200, resp);
}

static struct MHD_Response *
file_response(struct request *r, struct api_call *c)
{
    struct MHD_Response *resp =
        MHD_create_response_from_fd((uint64_t)c->file.size, c->file.fd);

    if (!resp)
        return NULL;
    c->file.fd = -1;    /* libmicrohttpd closes it with the response */
    r->bytes = (uint64_t)c->file.size;
    MHD_add_response_header(resp, "Content-Type", c->file.content_type);
    if (c->file.disposition)
        MHD_add_response_header(resp, "Content-Disposition", c->file.disposition);
    /* Even if a browser renders it, an attachment runs nothing and loads
     * nothing. */
    MHD_add_response_header(resp, "Content-Security-Policy", "default-src 'none'; sandbox");
    return resp;
}

/* Runs on the writer's thread once the comment's batch is committed. */
static void
on_job_done(void *arg)
{
    struct request *r = arg;

    MHD_resume_connection(r->conn);
}

static const char *
first_query(const struct request *r, const char *key)
{
    for (size_t i = 0; i < r->n_query; i++) {
        if (strcmp(r->query[i].key, key) == 0)
            return r->query[i].value;
    }
    return NULL;
}

/* The cache key of a public page: its path and the values of the
 * parameters its handler reads (the first of each name, as api_query()
 * takes it), each length-prefixed so that no decoded value can pass for
 * another parameter. */
static bool
cache_key(const struct request *r, char key[CACHE_KEY_MAX])
{
    size_t n = (size_t)snprintf(key, CACHE_KEY_MAX, "%zu:%s", strlen(r->url), r->url);

    for (const char *const *p = r->match.route->cache_params; *p && n < CACHE_KEY_MAX; p++) {
        const char *v = first_query(r, *p);

        if (v)
            n += (size_t)snprintf(key + n, CACHE_KEY_MAX - n, "|%zu:%s", strlen(v), v);
        else
            n += (size_t)snprintf(key + n, CACHE_KEY_MAX - n, "|-");
    }
    return n < CACHE_KEY_MAX;
}

/* Cached pages are shared by every connection, so they cannot carry
 * per-request CORS headers: a request from an allowed origin bypasses the
 * cache. */
static bool
may_use_cache(const struct request *r, struct MHD_Connection *conn)
{
    return r->srv->cache && r->match.route->cache_params &&
           !(r->srv->cfg->n_origins > 0 && header(conn, "Origin"));
}

static enum MHD_Result
serve_cached_page(struct request *r, struct MHD_Connection *conn, const char *key,
                  uint64_t generation)
{
    uint64_t bytes = 0;
    unsigned status = cache_serve(r->srv->cache, key, generation,
                                  header(conn, "If-None-Match"), conn, &bytes);

    if (status) {
        r->status = status;
        r->bytes = bytes;
        r->replied = true;
    }
    return status ? MHD_YES : MHD_NO;
}

static enum MHD_Result
dispatch(struct request *r, struct MHD_Connection *conn)
{
    struct comment_form form;
    struct api_call c = {
        .cfg = &r->srv->cfg->api,
        .db = thread_db(r->srv),
        .lang = request_lang(conn),
        .article = r->match.article,
        .id = r->match.id,
        .moderator = r->moderator[0] ? r->moderator : NULL,
        .body = r->body,
        .body_len = r->body_len,
        .query = r->query,
        .n_query = r->n_query,
        .if_match = header(conn, "If-Match"),
        .if_none_match = header(conn, "If-None-Match"),
        .client_addr = r->client,
        .file = {.fd = -1},
    };
    struct MHD_Response *resp = NULL;
    enum MHD_Result ret;
    char key[CACHE_KEY_MAX];
    uint64_t generation = 0;
    bool cacheable = may_use_cache(r, conn) && cache_key(r, key);

    if (!c.db)
        return reply_error(r, conn, API_E_UNAVAILABLE, NULL);
    if (cacheable) {
        /* Before reading: see api/freshness.h. */
        generation = freshness_of(r->match.article);
        if (serve_cached_page(r, conn, key, generation) == MHD_YES)
            return MHD_YES;
    }
    if (r->form) {
        if (upload_comment_form(r->form, &form) != 0) {
            const char *field;
            enum api_error e = upload_error(r->form, &field);

            return reply_error(r, conn, e, field);
        }
        c.form = &form;
    }
    if (r->job) {
        /* Resumed: the writer has stored the comment (or failed to). */
        api_comment_finish(&c, r->job);
    } else if (r->match.route->special == ROUTE_NEW_COMMENT) {
        if (api_comment_prepare(&c, &r->job) == 0) {
            r->conn = conn;
            r->item = (struct writer_item){.job = r->job, .done = on_job_done, .arg = r};
            /* Suspend first: the writer may finish before submit returns. */
            MHD_suspend_connection(conn);
            writer_submit(r->srv->writer, &r->item);
            return MHD_YES;
        }
    } else {
        r->match.route->handler(&c);
    }
    if (c.status == 304 || c.status == 204) {
        resp = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
    } else if (c.file.fd >= 0) {
        resp = file_response(r, &c);
    } else {
        resp = json_response(r, c.reply, c.private_reply);
        c.reply = NULL;
    }
    if (resp) {
        if (c.location[0])
            MHD_add_response_header(resp, "Location", c.location);
        if (c.etag[0])
            MHD_add_response_header(resp, "ETag", c.etag);
        /* JSON replies got theirs in json_response(). */
        if (c.status == 304 || c.status == 204 || c.file.size > 0 || c.file.disposition)
            MHD_add_response_header(resp, "Cache-Control",
                                    c.private_reply ? "private, no-store" : "no-cache");
    }
    if (c.status >= 500)
        log_error("%s %s answered %u", r->method, r->match.route->name, c.status);
    if (cacheable && resp && c.status == 200) {
        char etag[CACHE_ETAG_MAX];

        cache_etag(r->srv->cache, generation, c.fresh_until, etag);
        MHD_add_response_header(resp, "ETag", etag);
        add_common_headers(r, conn, resp);
        r->status = 200;
        r->replied = true;
        ret = MHD_queue_response(conn, 200, resp);
        if (!cache_store(r->srv->cache, key, generation, c.fresh_until, resp, (size_t)r->bytes))
            MHD_destroy_response(resp);
        api_call_clear(&c);
        return ret;
    }
    ret = queue(r, conn, c.status ? c.status : 500, resp);
    api_call_clear(&c);
    return ret;
}

static enum MHD_Result
on_last_call(struct request *r, struct MHD_Connection *conn)
{
    if (r->job)
        return dispatch(r, conn);   /* resumed after the writer's commit */
    if (r->form && r->mode == BODY_FORM && upload_finish(r->form) != 0) {
        r->error = upload_error(r->form, &r->error_field);
    }
    if (r->error != API_OK) {
        /* Nothing staged may outlive the refusal the client reads. */
        drop_form(r);
        return reply_error(r, conn, r->error, r->error_field);
    }
    if (r->match.route->special == ROUTE_METRICS)
        return reply_metrics(r, conn);
    return dispatch(r, conn);
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
           const char *version, const char *upload_data, size_t *upload_data_size,
           void **req_cls)
{
    struct request *r = *req_cls;

    (void)version;
    if (!r) {
        r = malloc(sizeof *r);
        if (!r)
            return MHD_NO;
        memset(r, 0, offsetof(struct request, query));
        r->srv = cls;
        r->method = method;
        r->url = url;
        r->started_us = now_us();
        *req_cls = r;
        atomic_fetch_add(&r->srv->in_flight, 1);
        /* A reply queued before the body phase makes libmicrohttpd close
         * the connection, dropping a keep-alive client's next requests.
         * Without a body nothing is gained by refusing early: wait. */
        if (!declares_body(conn))
            return MHD_YES;
        r->headers_done = true;
        return on_first_call(r, conn);
    }
    if (*upload_data_size > 0) {
        size_t size = *upload_data_size;

        *upload_data_size = 0;
        if (r->replied)
            return MHD_YES;
        return on_body(r, conn, upload_data, size);
    }
    if (!r->headers_done) {
        r->headers_done = true;
        if (on_first_call(r, conn) != MHD_YES)
            return MHD_NO;
    }
    if (r->replied)
        return MHD_YES;
    return on_last_call(r, conn);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
             enum MHD_RequestTerminationCode toe)
{
    struct request *r = *req_cls;
    uint64_t micros;
    int route;

    (void)cls;
    (void)conn;
    if (!r)
        return;
    micros = now_us() - r->started_us;
    route = r->match.route ? route_index(r->match.route) : -1;
    if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && r->status == 0)
        r->status = 499;    /* the client went away before a reply */
    metrics_request(route, r->status, micros);
    log_request(r->client, r->method, r->url, r->status, r->bytes, micros);
    api_comment_job_free(r->job);
    if (r->form)
        metrics_upload_bytes(upload_file_bytes(r->form));
    upload_release(r->form);
    free(r->body);
    atomic_fetch_sub(&r->srv->in_flight, 1);
    free(r);
    *req_cls = NULL;
}

__attribute__((format(printf, 2, 0))) static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
    char line[512];

    (void)cls;
    vsnprintf(line, sizeof line, fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    log_info("http: %s", line);
}

static int
hex_digit(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* Percent-decodes the path and query values in place, as libmicrohttpd
 * does, except that "%00" is kept as it is: a NUL would cut the string
 * short, so that "a%00b" would be read as "a" instead of refused. */
static size_t
unescape_keep_nul(void *cls, struct MHD_Connection *conn, char *s)
{
    char *w = s;

    (void)cls;
    (void)conn;
    for (const char *p = s; *p; p++) {
        int hi = p[0] == '%' ? hex_digit(p[1]) : -1;
        int lo = hi >= 0 ? hex_digit(p[2]) : -1;

        if (lo >= 0 && (hi | lo) != 0) {
            *w++ = (char)(hi << 4 | lo);
            p += 2;
        } else {
            *w++ = *p;
        }
    }
    *w = '\0';
    return (size_t)(w - s);
}

struct server *
http_start(const struct config *cfg, char *err, size_t err_len)
{
    struct server *s = calloc(1, sizeof *s);
    /* poll(), not epoll: libmicrohttpd's edge-triggered epoll misses a close
     * that arrives with a request's last buffered bytes, so a client gone
     * mid-upload would hold its request (and SIGTERM) until the timeout. */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC |
                     MHD_USE_TURBO | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
    const union MHD_DaemonInfo *info;

    if (!s) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    s->cfg = cfg;
    if (pthread_key_create(&s->db_key, close_db) != 0) {
        snprintf(err, err_len, "cannot create a thread key");
        free(s);
        return NULL;
    }
    s->rl = ratelimit_new(cfg->rate_limit);
    s->cache = cfg->page_cache_bytes ? cache_new(cfg->page_cache_bytes) : NULL;
    s->writer = writer_start(cfg->db_path, &cfg->api, err, err_len);
    if (!s->writer) {
        cache_free(s->cache);
        ratelimit_free(s->rl);
        pthread_key_delete(s->db_key);
        free(s);
        return NULL;
    }
    if (cfg->addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    s->mhd = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
        MHD_OPTION_UNESCAPE_CALLBACK, unescape_keep_nul, NULL,
        MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&cfg->addr,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->threads,
        /* Room above --max-connections to answer the excess 503 (see
         * on_connection) rather than leave it in the listen queue. */
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)(cfg->max_connections + cfg->max_connections / 4 +
                                                16 * cfg->threads),
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)cfg->max_connections_per_address,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->timeout_seconds,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
        /* Per connection: request line, headers and read buffer.  Not
         * less: readers' browsers send the news site's cookies too. */
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024),
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_END);
    if (!s->mhd) {
        snprintf(err, err_len, "cannot listen on %s: %s", cfg->listen,
                 errno ? strerror(errno) : "libmicrohttpd refused the settings");
        writer_stop(s->writer);
        writer_free(s->writer);
        cache_free(s->cache);
        ratelimit_free(s->rl);
        pthread_key_delete(s->db_key);
        free(s);
        return NULL;
    }
    info = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : 0;
    return s;
}

uint16_t
http_port(struct server *s)
{
    return s->port;
}

static void
wait_in_flight(struct server *s, uint64_t deadline)
{
    while (atomic_load(&s->in_flight) > 0 && now_us() < deadline)
        usleep(10000);
}

void
http_stop(struct server *s, unsigned wait_seconds)
{
    MHD_socket listen_fd;
    uint64_t deadline = now_us() + (uint64_t)wait_seconds * 1000000u;

    /* Keep-alive connections outlive the listening socket: from now on
     * their new requests get 503 and a close, so in-flight work drains. */
    atomic_store(&s->stopping, true);
    listen_fd = MHD_quiesce_daemon(s->mhd);
    if (listen_fd != MHD_INVALID_SOCKET)
        close(listen_fd);
    /* Requests in flight include comments waiting for the writer, whose
     * connections are suspended: libmicrohttpd must not be stopped under
     * them, and the writer must outlive them.  writer_stop() commits what
     * is queued and answers later submissions itself (503). */
    wait_in_flight(s, deadline);
    writer_stop(s->writer);
    wait_in_flight(s, now_us() + 2000000u);
    MHD_stop_daemon(s->mhd);
    writer_free(s->writer);
    cache_free(s->cache);
    ratelimit_free(s->rl);
    pthread_key_delete(s->db_key);
    free(s);
}
