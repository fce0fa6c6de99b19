/* Replies: every response the HTTP layer sends is built and queued here —
 * JSON, files, errors (from api/errors.def, one rendering), replies
 * written straight to the socket when libmicrohttpd can queue none, the
 * CORS preflight, the CORS and security headers every reply carries, the
 * page cache's glue, and /metrics.  It decides nothing about the request:
 * no routing, authentication or body reading here, and no comment logic
 * (the handler's answer arrives ready in struct api_call). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "api/handlers.h"
#include "db/blobs.h"
#include "server/cache.h"
#include "server/log.h"
#include "server/metrics.h"
#include "server/raw_reply.h"
#include "server/request.h"

static void
add_common_headers(struct request *r, struct MHD_Connection *conn,
                   struct MHD_Response *resp)
{
    const struct config *cfg = r->srv->cfg;
    const char *origin = request_header(conn, "Origin");

    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (origin) {
        for (int i = 0; i < cfg->n_origins; i++) {
            if (strcmp(origin, cfg->origins[i]) == 0) {
                MHD_add_response_header(resp, "Access-Control-Allow-Origin",
                                        origin);
                MHD_add_response_header(resp, "Access-Control-Expose-Headers",
                                        "Retry-After, Location, ETag");
                MHD_add_response_header(resp, "Vary", "Origin");
                break;
            }
        }
    }
}

enum MHD_Result
reply_queue(struct request *r, struct MHD_Connection *conn, unsigned status,
            struct MHD_Response *resp)
{
    enum MHD_Result ret;

    if (!resp)
        return MHD_NO;
    if (!watch_none(r->watch)) {
        /* The watchdog closed the connection first, with its own 408. */
        MHD_destroy_response(resp);
        return MHD_NO;
    }
    add_common_headers(r, conn, resp);
    /* Every 503 says when to come back: a handler's too (the database is
     * busy or cannot be reached, and will be there again in a moment). */
    if (status == 503 && !MHD_get_response_header(resp, "Retry-After"))
        MHD_add_response_header(resp, "Retry-After", "1");
    r->status = status;
    r->replied = true;
    ret = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

struct MHD_Response *
reply_json_response(struct request *r, json_t *body, bool private_reply)
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
    MHD_add_response_header(resp, "Content-Type",
                            "application/json; charset=utf-8");
    MHD_add_response_header(resp, "Cache-Control",
                            private_reply ? "no-store" : "no-cache");
    return resp;
}

enum api_lang
reply_lang(struct MHD_Connection *conn)
{
    return api_lang_from_header(request_header(conn, "Accept-Language"));
}

enum MHD_Result
reply_error(struct request *r, struct MHD_Connection *conn, enum api_error e,
            const char *field)
{
    struct MHD_Response *resp;

    resp = reply_json_response(r, api_error_json(e, reply_lang(conn), field),
                               true);
    if (resp && e == API_E_METHOD_NOT_ALLOWED)
        MHD_add_response_header(resp, "Allow", r->match.allow);
    if (resp && e == API_E_UNAUTHORIZED)
        MHD_add_response_header(resp, "WWW-Authenticate",
                                "Bearer realm=\"ykien\"");
    if (resp && e == API_E_UNAVAILABLE)
        MHD_add_response_header(resp, "Retry-After", "1");
    return reply_queue(r, conn, api_error_status(e), resp);
}

/* Where libmicrohttpd cannot queue a reply (past a limit in a body without
 * a declared length, or with the connection's memory pool full): writes the
 * error straight to the socket, then closes the connection (returns
 * MHD_NO).  why goes to the log, before the client can see the reply's
 * end. */
enum MHD_Result
reply_on_socket(struct request *r, struct MHD_Connection *conn,
                enum api_error e, const char *field, const char *why)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    size_t len = 0, body_len = 0;
    char *msg;

    if (!watch_none(r->watch))
        return MHD_NO;
    msg = raw_reply_new(e, reply_lang(conn), field, &len, &body_len);
    r->status = api_error_status(e);
    r->replied = true;
    log_info("%s: %s", r->client, why);
    if (ci && msg && raw_reply_send(ci->connect_fd, msg, len)) {
        r->bytes = body_len;
        shutdown(ci->connect_fd, SHUT_WR);
    }
    free(msg);
    return MHD_NO;
}

enum MHD_Result
reply_cut_off(struct request *r, struct MHD_Connection *conn, enum api_error e,
              const char *field)
{
    return reply_on_socket(r, conn, e, field, "body cut off past a limit");
}

/* Queues the error with Connection: close: the connection ends after it. */
enum MHD_Result
reply_and_close(struct request *r, struct MHD_Connection *conn,
                enum api_error e, const char *field)
{
    struct MHD_Response *resp = reply_json_response(
        r, api_error_json(e, reply_lang(conn), field), true);

    if (resp)
        MHD_add_response_header(resp, "Connection", "close");
    return reply_queue(r, conn, api_error_status(e), resp);
}

enum MHD_Result
reply_unavailable(struct request *r, struct MHD_Connection *conn)
{
    struct MHD_Response *resp = reply_json_response(
        r, api_error_json(API_E_UNAVAILABLE, reply_lang(conn), NULL), true);

    if (resp) {
        MHD_add_response_header(resp, "Connection", "close");
        MHD_add_response_header(resp, "Retry-After", "1");
    }
    return reply_queue(r, conn, 503, resp);
}

enum MHD_Result
reply_rate_limited(struct request *r, struct MHD_Connection *conn,
                   unsigned wait_seconds)
{
    char secs[16];
    struct MHD_Response *resp;

    snprintf(secs, sizeof secs, "%u", wait_seconds);
    resp = reply_json_response(
        r, api_error_json(API_E_RATE_LIMITED, reply_lang(conn), NULL), true);
    if (resp)
        MHD_add_response_header(resp, "Retry-After", secs);
    return reply_queue(r, conn, 429, resp);
}

enum MHD_Result
reply_preflight(struct request *r, struct MHD_Connection *conn)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);

    if (resp) {
        MHD_add_response_header(resp, "Allow", r->match.allow);
        MHD_add_response_header(resp, "Access-Control-Allow-Methods",
                                r->match.allow);
        MHD_add_response_header(
            resp, "Access-Control-Allow-Headers",
            "Content-Type, Authorization, If-Match, Accept-Language, "
            "Idempotency-Key");
        MHD_add_response_header(resp, "Access-Control-Max-Age", "600");
    }
    return reply_queue(r, conn, 204, resp);
}

enum MHD_Result
reply_metrics(struct request *r, struct MHD_Connection *conn)
{
    struct api_stats stats = {0};
    struct db *db = daemon_db(r->srv);
    int ok = db && api_stats_read(db, &stats) == 0;
    char *text = metrics_render(&stats, ok);
    struct MHD_Response *resp;

    if (!text)
        return reply_error(r, conn, API_E_INTERNAL, NULL);
    r->bytes = strlen(text);
    resp = MHD_create_response_from_buffer(strlen(text), text,
                                           MHD_RESPMEM_MUST_FREE);
    if (resp) {
        MHD_add_response_header(resp, "Content-Type",
                                "text/plain; version=0.0.4; charset=utf-8");
        MHD_add_response_header(resp, "Cache-Control", "no-store");
    } else {
        free(text);
    }
    return reply_queue(r, conn, 200, resp);
}

/* A stored content read a piece at a time (db_blob_read()) as
 * libmicrohttpd sends it, on the thread whose connection opened it. */
static ssize_t
read_blob(void *cls, uint64_t pos, char *buf, size_t max)
{
    ssize_t n = db_blob_read(cls, pos, buf, max);

    return n > 0 ? n : MHD_CONTENT_READER_END_WITH_ERROR;
}

static void
close_blob(void *cls)
{
    db_blob_close(cls);
}

enum { BLOB_BLOCK_BYTES = 64 * 1024 };

static struct MHD_Response *
file_response(struct request *r, struct api_call *c)
{
    int fd = db_blob_take_fd(c->file.blob);
    struct MHD_Response *resp;

    if (fd >= 0) {
        /* libmicrohttpd closes it with the response (sendfile). */
        resp = MHD_create_response_from_fd((uint64_t)c->file.size, fd);
        if (!resp)
            close(fd);
    } else {
        resp = MHD_create_response_from_callback((uint64_t)c->file.size,
                                                 BLOB_BLOCK_BYTES, read_blob,
                                                 c->file.blob, close_blob);
        if (resp)
            c->file.blob = NULL; /* the response's now */
    }
    if (!resp)
        return NULL;
    r->bytes = (uint64_t)c->file.size;
    MHD_add_response_header(resp, "Content-Type", c->file.content_type);
    if (c->file.disposition)
        MHD_add_response_header(resp, "Content-Disposition",
                                c->file.disposition);
    /* Even if a browser renders it, an attachment runs nothing and loads
     * nothing. */
    MHD_add_response_header(resp, "Content-Security-Policy",
                            "default-src 'none'; sandbox");
    return resp;
}

/* ---- the page cache's glue -------------------------------------------- */

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
    size_t n =
        (size_t)snprintf(key, CACHE_KEY_MAX, "%zu:%s", strlen(r->url), r->url);

    for (const char *const *p = r->match.route->cache_params;
         *p && n < CACHE_KEY_MAX; p++) {
        const char *v = first_query(r, *p);

        if (v)
            n += (size_t)snprintf(key + n, CACHE_KEY_MAX - n, "|%zu:%s",
                                  strlen(v), v);
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
           !(r->srv->cfg->n_origins > 0 && request_header(conn, "Origin"));
}

bool
reply_cacheable(const struct request *r, struct MHD_Connection *conn,
                char key[CACHE_KEY_MAX])
{
    return may_use_cache(r, conn) && cache_key(r, key);
}

enum MHD_Result
reply_cached(struct request *r, struct MHD_Connection *conn, const char *key,
             uint64_t generation)
{
    uint64_t bytes = 0;
    unsigned status =
        cache_serve(r->srv->cache, key, generation,
                    request_header(conn, "If-None-Match"), conn, &bytes);

    if (status) {
        r->status = status;
        r->bytes = bytes;
        r->replied = true;
    }
    return status ? MHD_YES : MHD_NO;
}

/* Queues a fresh public page and keeps it in the cache. */
static enum MHD_Result
queue_and_store(struct request *r, struct MHD_Connection *conn,
                struct MHD_Response *resp, const char *key, uint64_t generation,
                int64_t fresh_until)
{
    char etag[CACHE_ETAG_MAX];
    enum MHD_Result ret;

    cache_etag(r->srv->cache, generation, fresh_until, etag);
    MHD_add_response_header(resp, "ETag", etag);
    add_common_headers(r, conn, resp);
    r->status = 200;
    r->replied = true;
    ret = MHD_queue_response(conn, 200, resp);
    if (!cache_store(r->srv->cache, key, generation, fresh_until, resp,
                     (size_t)r->bytes))
        MHD_destroy_response(resp);
    return ret;
}

/* ---- a handler's answer ----------------------------------------------- */

enum MHD_Result
reply_call(struct request *r, struct MHD_Connection *conn, struct api_call *c,
           const char *key, uint64_t generation)
{
    struct MHD_Response *resp = NULL;
    enum MHD_Result ret;

    if (c->status == 304 || c->status == 204) {
        resp = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
    } else if (c->file.blob) {
        resp = file_response(r, c);
    } else {
        resp = reply_json_response(r, c->reply, c->private_reply);
        c->reply = NULL;
    }
    if (resp) {
        if (c->location[0])
            MHD_add_response_header(resp, "Location", c->location);
        if (c->etag[0])
            MHD_add_response_header(resp, "ETag", c->etag);
        /* JSON replies got theirs in reply_json_response(). */
        if (c->status == 304 || c->status == 204 || c->file.size > 0 ||
            c->file.disposition)
            MHD_add_response_header(resp, "Cache-Control",
                                    c->private_reply ? "private, no-store"
                                                     : "no-cache");
    }
    if (c->status >= 500)
        log_error("%s %s answered %u", r->method, r->match.route->name,
                  c->status);
    if (key && resp && c->status == 200)
        ret = queue_and_store(r, conn, resp, key, generation, c->fresh_until);
    else
        ret = reply_queue(r, conn, c->status ? c->status : 500, resp);
    api_call_clear(c);
    return ret;
}
