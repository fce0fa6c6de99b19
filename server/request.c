/* A request's life on libmicrohttpd, in three phases:
 *   first call   headers only: check the head's framing and size, route,
 *                answer a CORS preflight, authenticate, plan the body,
 *                rate-limit, refuse early (401, 404, 405, 413, 415, 429)
 *                before any body byte is read; for a request without a
 *                body this waits for the last call, as libmicrohttpd closes
 *                the connection after an early reply;
 *   body calls   consume, count and stream; no reply can be queued here;
 *   last call    dispatch to the api/ handler (a new comment to
 *                server/submit.c) and have server/reply.c render the result;
 * then completion, which logs the request and frees it.  Everything a
 * request allocates hangs off its struct request and is freed in one place,
 * request_on_completed().  No response is built here (server/reply.c), and
 * no daemon setting (server/daemon.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "api/auth.h"
#include "api/freshness.h"
#include "api/handlers.h"
#include "db/shared.h"
#include "server/assets.h"
#include "server/forwarded.h"
#include "server/framing.h"
#include "server/log.h"
#include "server/metrics.h"
#include "server/ratelimit.h"
#include "server/request.h"
#include "server/router.h"
#include "server/upload.h"
#include "server/watchdog.h"

#define MODERATION_PREFIX "/api/v1/moderation/"

enum {
    MULTIPART_SLACK = 256 * 1024,
};

const char *
request_header(struct MHD_Connection *conn, const char *name)
{
    return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

/* ---- first call ------------------------------------------------------- */

static enum MHD_Result
collect_query(void *cls, enum MHD_ValueKind kind, const char *key,
              const char *value)
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

struct xff_lines {
    const char *line[FORWARDED_LINES_MAX];
    size_t n;
};

/* Keeps the last FORWARDED_LINES_MAX X-Forwarded-For lines, in order: the
 * ones on the right are those our proxies wrote. */
static enum MHD_Result
collect_xff(void *cls, enum MHD_ValueKind kind, const char *key,
            const char *value)
{
    struct xff_lines *x = cls;

    (void)kind;
    if (strcasecmp(key, "X-Forwarded-For") != 0 || !value)
        return MHD_YES;
    if (x->n == FORWARDED_LINES_MAX) {
        memmove(x->line, x->line + 1, sizeof x->line - sizeof x->line[0]);
        x->n--;
    }
    x->line[x->n++] = value;
    return MHD_YES;
}

/* The client address: the TCP peer, or, when the peer is a trusted proxy,
 * what X-Forwarded-For says behind it (see server/forwarded.h). */
static void
client_address(struct request *r, struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    const struct config *cfg = r->srv->cfg;
    struct xff_lines xff = {.n = 0};
    char forwarded[FORWARDED_ADDR_MAX];

    snprintf(r->client, sizeof r->client, "unknown");
    if (!sa)
        return;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
                  r->client, sizeof r->client);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr,
                  r->client, sizeof r->client);
    if (cfg->n_proxies == 0 ||
        !forwarded_trusted(sa, cfg->proxies, cfg->n_proxies))
        return;
    MHD_get_connection_values(conn, MHD_HEADER_KIND, collect_xff, &xff);
    if (forwarded_client(xff.line, xff.n, cfg->proxies, cfg->n_proxies,
                         forwarded) == 0)
        snprintf(r->client, sizeof r->client, "%s", forwarded);
}

static bool
media_type_is(const char *ct, const char *type)
{
    size_t n = strlen(type);

    return ct && strncasecmp(ct, type, n) == 0 &&
           (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

static uint64_t
multipart_cap(const struct config *cfg)
{
    return (uint64_t)cfg->api.max_attachments *
               (uint64_t)cfg->api.max_attachment_bytes +
           cfg->max_json_bytes * 2 + MULTIPART_SLACK;
}

static bool
declares_body(struct MHD_Connection *conn)
{
    const char *cl = request_header(conn, "Content-Length");

    return (cl && strcmp(cl, "0") != 0) ||
           request_header(conn, "Transfer-Encoding");
}

/* Chooses how to read the body; replies early when it cannot be valid. */
static enum MHD_Result
plan_body(struct request *r, struct MHD_Connection *conn)
{
    const struct route *route = r->match.route;
    const char *ct = request_header(conn, "Content-Type");
    const char *cl = request_header(conn, "Content-Length");
    const char *te = request_header(conn, "Transfer-Encoding");
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
            return reply_error(r, conn, API_E_UNSUPPORTED_MEDIA_TYPE,
                               "Content-Type");
        }
    } else if (route->body == ROUTE_BODY_JSON && has_body) {
        if (ct && !media_type_is(ct, "application/json"))
            return reply_error(r, conn, API_E_UNSUPPORTED_MEDIA_TYPE,
                               "Content-Type");
        r->mode = BODY_BUFFER;
    }
    if (declared > r->body_cap)
        return reply_error(r, conn, API_E_PAYLOAD_TOO_LARGE, NULL);
    return MHD_YES;
}

static struct conn_watch *
connection_watch(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

    return ci ? ci->socket_context : NULL;
}

/* Past --max-connections, or without deadlines for want of memory. */
static bool
connection_over_limit(struct request *r)
{
    return !r->watch || watch_over_limit(r->watch);
}

/* A token that was not accepted: 401, or 503 when the database could not
 * tell (a busy database must not make a moderator doubt their token). */
static enum MHD_Result
refuse_token(struct request *r, struct MHD_Connection *conn,
             enum auth_result token, const char *where)
{
    if (token == AUTH_UNAVAILABLE) {
        log_error("%s: moderator token not checked on %s: database unavailable",
                  r->client, where);
        return reply_error(r, conn, API_E_UNAVAILABLE, NULL);
    }
    log_info("%s: refused moderator token on %s", r->client, where);
    return reply_error(r, conn, API_E_UNAUTHORIZED, NULL);
}

/* Under the moderation prefix a bad token is 401 whatever the path or
 * method, so that nobody learns which routes or ids exist there.  A CORS
 * preflight carries no token and only learns what Allow says. */
static bool
under_moderation_prefix(const struct request *r)
{
    /* The prefix without its final slash: "/api/v1/moderation" too. */
    size_t n = sizeof MODERATION_PREFIX - 2;

    return strncmp(r->url, MODERATION_PREFIX, n) == 0 &&
           (r->url[n] == '\0' || r->url[n] == '/') &&
           strcmp(r->method, "OPTIONS") != 0;
}

/* Takes a token from the client's bucket: 0, or the seconds to wait.  A
 * database that other processes share keeps the buckets, so that a client
 * spread over them gets --rate-limit in all (the same GCRA and keys as
 * server/ratelimit.c); one that does not answer lets the request through:
 * what it asks for will meet the database anyway. */
static unsigned
rate_limit_wait(struct request *r, const struct route *route, struct db *db)
{
    unsigned factor = (unsigned)route->rate_limited;
    struct timespec ts;

    if (!db)
        return 0;
    if (db_shared(db)) {
        uint64_t interval_ms, burst_ms;
        char key[CLIENT_MAX + 16];
        unsigned wait = 0;

        ratelimit_shape(r->srv->cfg->rate_limit, factor, &interval_ms,
                        &burst_ms);
        ratelimit_key(r->client, factor, key, sizeof key);
        return db_rate_take(db, key, interval_ms, burst_ms, &wait) == DB_OK
                   ? wait
                   : 0;
    }
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ratelimit_take_scaled(r->srv->rl, r->client, factor,
                                 (uint64_t)ts.tv_sec * 1000u +
                                     (uint64_t)ts.tv_nsec / 1000000u);
}

static enum MHD_Result
on_first_call(struct request *r, struct MHD_Connection *conn)
{
    struct server *s = r->srv;
    const struct route *route;
    enum route_result found;
    enum auth_result token;
    struct db *db;

    client_address(r, conn);
    if (atomic_load(&s->stopping) || connection_over_limit(r))
        return reply_unavailable(r, conn);
    found = route_match(r->method, r->url, &r->match);
    if (found == ROUTE_NO_PATH) {
        /* The widget and the console (server/assets.h). */
        struct MHD_Response *resp;
        unsigned status =
            assets_reply(conn, r->method, r->url, &resp, &r->bytes);

        if (status)
            return reply_queue(r, conn, status, resp);
    }
    if (under_moderation_prefix(r)) {
        db = daemon_db(s);
        if (!db)
            return reply_error(r, conn, API_E_UNAVAILABLE, NULL);
        token = auth_check(db, request_header(conn, "Authorization"),
                           r->moderator, sizeof r->moderator);
        if (token != AUTH_OK)
            return refuse_token(r, conn, token, "the moderation prefix");
    }
    switch (found) {
    case ROUTE_NO_PATH:
        return reply_error(r, conn, API_E_NOT_FOUND, NULL);
    case ROUTE_NO_METHOD:
        if (strcmp(r->method, "OPTIONS") == 0)
            return reply_preflight(r, conn);
        return reply_error(r, conn, API_E_METHOD_NOT_ALLOWED, NULL);
    case ROUTE_FOUND:
        break;
    }
    route = r->match.route;
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_query, r);
    if (r->query_overflow)
        return reply_error(r, conn, API_E_BAD_QUERY, NULL);
    /* The connection is taken when something needs it, so that an early
     * refusal (413, 415) never waits for one to open.  It may be NULL (the
     * database cannot be reached): what needs it says 503, what does not
     * (a cached page, the web files) is served. */
    db = NULL;
    if (route->auth != ROUTE_PUBLIC && !r->moderator[0]) {
        const char *authz = request_header(conn, "Authorization");

        if (authz || route->auth == ROUTE_MODERATOR) {
            db = daemon_db(s);
            token =
                db ? auth_check(db, authz, r->moderator, sizeof r->moderator)
                   : AUTH_UNAVAILABLE;
            if (token != AUTH_OK)
                return refuse_token(r, conn, token, route->name);
        }
    }
    if (plan_body(r, conn) != MHD_YES || r->replied)
        return r->replied ? MHD_YES : MHD_NO;
    if (route->rate_limited && s->rl) {
        unsigned wait = rate_limit_wait(r, route, db ? db : daemon_db(s));

        if (wait > 0)
            return reply_rate_limited(r, conn, wait);
    }
    if (r->mode == BODY_FORM) {
        r->form =
            upload_begin(request_header(conn, "Content-Type"), &s->cfg->api);
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
on_body(struct request *r, struct MHD_Connection *conn, const char *data,
        size_t size)
{
    r->body_seen += size;
    if (r->body_seen > r->body_cap)
        return reply_cut_off(r, conn, API_E_PAYLOAD_TOO_LARGE, NULL);
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
                return reply_cut_off(r, conn, e, field);
            r->error = e;
            r->error_field = field;
            r->mode = BODY_DISCARD;
            drop_form(
                r); /* refused: its staged files go now, not after draining */
        }
        break;
    case BODY_IGNORE:
    case BODY_DISCARD:
        break;
    }
    return MHD_YES;
}

/* ---- last call -------------------------------------------------------- */

void
request_api_call(struct request *r, struct MHD_Connection *conn,
                 struct api_call *c)
{
    *c = (struct api_call){
        .cfg = &r->srv->cfg->api,
        .db = daemon_db(r->srv),
        .lang = reply_lang(conn),
        .article = r->match.article,
        .id = r->match.id,
        .moderator = r->moderator[0] ? r->moderator : NULL,
        .body = r->body,
        .body_len = r->body_len,
        .query = r->query,
        .n_query = r->n_query,
        .if_match = request_header(conn, "If-Match"),
        .if_none_match = request_header(conn, "If-None-Match"),
        .client_addr = r->client,
        .post_key = request_header(conn, "Idempotency-Key"),
    };
}

/* Every route but a new comment's: its handler, or the page cache. */
static enum MHD_Result
dispatch(struct request *r, struct MHD_Connection *conn)
{
    struct api_call c;
    char key[CACHE_KEY_MAX];
    uint64_t generation = 0;
    bool cacheable;

    request_api_call(r, conn, &c);
    cacheable = reply_cacheable(r, conn, key);
    if (cacheable) {
        /* Before reading: see api/freshness.h.  Served even while the
         * database cannot be reached. */
        generation = freshness_of(r->match.article);
        if (reply_cached(r, conn, key, generation) == MHD_YES)
            return MHD_YES;
    }
    if (!c.db)
        return reply_error(r, conn, API_E_UNAVAILABLE, NULL);
    r->match.route->handler(&c);
    return reply_call(r, conn, &c, cacheable ? key : NULL, generation);
}

static enum MHD_Result
on_last_call(struct request *r, struct MHD_Connection *conn)
{
    if (r->job)
        return submit_finish(r, conn); /* resumed after the writer's commit */
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
    if (r->match.route->special == ROUTE_NEW_COMMENT)
        return submit_comment(r, conn);
    return dispatch(r, conn);
}

static enum MHD_Result
collect_framing(void *cls, enum MHD_ValueKind kind, const char *key,
                const char *value)
{
    struct framing *f = cls;

    (void)kind;
    if (strcasecmp(key, "Content-Length") == 0) {
        if (f->n_length < 2)
            f->length[f->n_length] = value;
        f->n_length++;
    } else if (strcasecmp(key, "Transfer-Encoding") == 0) {
        if (f->n_encoding < 2)
            f->encoding[f->n_encoding] = value;
        f->n_encoding++;
    }
    return MHD_YES;
}

/* The pool bytes the request's head takes (see server/framing.h). */
static bool
head_fits(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
    int values = MHD_get_connection_values(
        conn, MHD_HEADER_KIND | MHD_COOKIE_KIND | MHD_GET_ARGUMENT_KIND, NULL,
        NULL);
    const char *cookie = request_header(conn, "Cookie");

    return !ci ||
           framing_head_fits(ci->header_size, values > 0 ? (size_t)values : 0,
                             cookie ? strlen(cookie) : 0);
}

/* The first call of every request: refuses what must not be read any
 * further, each time ending the connection.  MHD_YES to go on. */
static enum MHD_Result
check_head(struct request *r, struct MHD_Connection *conn, bool query_was_cut)
{
    struct framing framing = {.n_length = 0};
    const char *fault;

    if (!head_fits(conn)) {
        client_address(r, conn);
        r->headers_done = true;
        /* The pool may be too full for libmicrohttpd to build any reply. */
        return reply_on_socket(r, conn,
                               query_was_cut ? API_E_URI_TOO_LONG
                                             : API_E_HEADERS_TOO_LARGE,
                               NULL, "request head too large");
    }
    if (query_was_cut) {
        client_address(r, conn);
        r->headers_done = true;
        log_info("%s: refused a query of more than %d parameters", r->client,
                 QUERY_MAX);
        return reply_and_close(r, conn, API_E_URI_TOO_LONG, NULL);
    }
    /* A request whose body a proxy in front may delimit otherwise (see
     * server/framing.h); the connection must end, as what follows cannot
     * be told from a next request. */
    MHD_get_connection_values(conn, MHD_HEADER_KIND, collect_framing, &framing);
    fault = framing_fault(&framing);
    if (fault) {
        client_address(r, conn);
        r->headers_done = true;
        log_info("%s: refused an ambiguous %s", r->client, fault);
        return reply_and_close(r, conn, API_E_BAD_REQUEST, fault);
    }
    return MHD_YES;
}

/* What on_uri() returns for a request whose query it cut. */
static char query_cut;

/* Called with the request line's URI before libmicrohttpd parses its
 * query into records in the connection's pool.  A query of more
 * parameters than any handler reads would fill the pool (and then get no
 * reply at all): it is cut here, and the request refused with a 414.
 * libmicrohttpd (0.9.75) parses the query from this very buffer after we
 * return, hence the write through a const pointer. */
void *
request_on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    char *q;

    (void)cls;
    (void)conn;
    if (framing_query_params(uri) <= QUERY_MAX)
        return NULL;
    q = strchr(uri, '?');
    q[1] = '\0';
    return &query_cut;
}

enum MHD_Result
request_on_access(void *cls, struct MHD_Connection *conn, const char *url,
                  const char *method, const char *version,
                  const char *upload_data, size_t *upload_data_size,
                  void **req_cls)
{
    struct request *r = *req_cls;
    enum MHD_Result ret;

    (void)version;
    if (!r || r == (void *)&query_cut) {
        bool query_was_cut = r != NULL;

        r = malloc(sizeof *r);
        if (!r)
            return MHD_NO;
        memset(r, 0, offsetof(struct request, query));
        r->srv = cls;
        r->method = method;
        r->url = url;
        r->started_us = daemon_now_us();
        *req_cls = r;
        atomic_fetch_add(&r->srv->in_flight, 1);
        /* The header section is complete: its deadline gives way to the
         * body's, or to none. */
        r->watch = connection_watch(conn);
        if (!(declares_body(conn) ? watch_body(r->watch, reply_lang(conn))
                                  : watch_none(r->watch)))
            return MHD_NO;
        ret = check_head(r, conn, query_was_cut);
        if (ret != MHD_YES || r->replied)
            return ret;
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
        if (!watch_body_bytes(r->watch, size))
            return MHD_NO;
        if (r->replied)
            return MHD_YES;
        return on_body(r, conn, upload_data, size);
    }
    /* The whole body is in: from here on the reply is ours to give, unless
     * the watchdog has already closed the connection as too slow. */
    if (!watch_none(r->watch))
        return MHD_NO;
    if (!r->headers_done) {
        r->headers_done = true;
        if (on_first_call(r, conn) != MHD_YES)
            return MHD_NO;
    }
    if (r->replied)
        return MHD_YES;
    return on_last_call(r, conn);
}

void
request_on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                     enum MHD_RequestTerminationCode toe)
{
    struct request *r = *req_cls;
    uint64_t micros;
    int route;

    (void)cls;
    if (!r || r == (void *)&query_cut) {
        watch_headers(connection_watch(conn));
        return;
    }
    micros = daemon_now_us() - r->started_us;
    route = r->match.route ? route_index(r->match.route) : -1;
    if (r->status == 0 && watch_expired(r->watch))
        r->status = 408; /* closed by the watchdog: too slow */
    else if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && r->status == 0)
        r->status = 499; /* the client went away before a reply */
    /* A next request on this connection starts now. */
    watch_headers(r->watch);
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
