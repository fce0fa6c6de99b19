/* Private to the HTTP layer: the server and one request as daemon.c,
 * request.c, reply.c and submit.c share them, and the internals each of
 * them offers the others.  Nothing outside those four files includes it;
 * the rest of the program sees server/http.h only.
 *
 * Ownership: a struct server belongs to http_start()/http_stop(); a struct
 * request, and everything hanging off it, to libmicrohttpd's request-
 * completed callback (request_on_completed()), which frees it. */
#ifndef YKIEN_SERVER_REQUEST_H
#define YKIEN_SERVER_REQUEST_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>

#include "api/auth.h"
#include "api/call.h"
#include "server/cache.h"
#include "server/config.h"
#include "server/router.h"
#include "server/upload.h"
#include "server/watchdog.h"
#include "server/writer.h"

enum {
    QUERY_MAX = 128,
    CLIENT_MAX = 64,
};

struct server {
    const struct config *cfg;
    struct MHD_Daemon *mhd;
    struct ratelimit *rl;
    struct writer *writer;
    struct cache *cache;
    struct watchdog *watchdog;
    struct db_watch *watch; /* other processes' changes (PostgreSQL) */
    pthread_key_t db_key;
    atomic_int in_flight;
    atomic_bool stopping; /* new requests are refused with 503 */
    uint16_t port;
};

enum body_mode {
    BODY_IGNORE,  /* not wanted: counted and dropped */
    BODY_BUFFER,  /* JSON, kept in memory up to body_cap */
    BODY_FORM,    /* multipart, streamed */
    BODY_DISCARD, /* refused mid-way: drained to reply properly */
};

struct request {
    struct server *srv;
    struct conn_watch *watch; /* the connection's deadlines */
    struct route_match match;
    const char *method;
    const char *url;
    enum api_error error; /* decided while reading the body */
    const char *error_field;
    bool replied;
    bool headers_done; /* the first call has run */
    enum body_mode mode;
    bool chunked;
    uint64_t body_cap;
    uint64_t body_seen;
    char *body;
    size_t body_len;
    size_t body_alloc;
    struct upload_form *form;
    /* a new comment waiting for the writer, with the connection suspended
     * (server/submit.c) */
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

/* ---- daemon.c --------------------------------------------------------- */

/* Microseconds on the monotonic clock. */
uint64_t daemon_now_us(void);
/* The calling worker thread's database connection, opened on first use and
 * owned by the thread (closed when it ends).  NULL, logged, on failure. */
struct db *daemon_db(struct server *s);

/* ---- request.c: libmicrohttpd's callbacks ----------------------------- */

/* The access handler (MHD_AccessHandlerCallback); cls is the server. */
enum MHD_Result request_on_access(void *cls, struct MHD_Connection *conn,
                                  const char *url, const char *method,
                                  const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls);
/* The request-completed callback: frees the request. */
void request_on_completed(void *cls, struct MHD_Connection *conn,
                          void **req_cls, enum MHD_RequestTerminationCode toe);
/* The URI log callback: cuts a query of too many parameters. */
void *request_on_uri(void *cls, const char *uri, struct MHD_Connection *conn);
/* A request header's value (borrowed from libmicrohttpd), or NULL. */
const char *request_header(struct MHD_Connection *conn, const char *name);
/* Fills c's inputs from r; they are borrowed from r and conn.  c->db is
 * NULL when the worker has no database connection. */
void request_api_call(struct request *r, struct MHD_Connection *conn,
                      struct api_call *c);

/* ---- reply.c ---------------------------------------------------------- */

/* Every reply_ function queues (or writes) at most one reply, marks r as
 * replied and returns what the access handler is to return. */
enum api_lang reply_lang(struct MHD_Connection *conn);
/* Adds the common headers and queues resp (taken; NULL fails). */
enum MHD_Result reply_queue(struct request *r, struct MHD_Connection *conn,
                            unsigned status, struct MHD_Response *resp);
/* A response whose body is body (a new reference, taken) as JSON text. */
struct MHD_Response *reply_json_response(struct request *r, json_t *body,
                                         bool private_reply);
enum MHD_Result reply_error(struct request *r, struct MHD_Connection *conn,
                            enum api_error e, const char *field);
/* Written straight to the socket where libmicrohttpd cannot queue a reply;
 * closes the connection (returns MHD_NO).  why goes to the log. */
enum MHD_Result reply_on_socket(struct request *r, struct MHD_Connection *conn,
                                enum api_error e, const char *field,
                                const char *why);
/* A body cut off past a limit: reply_on_socket(). */
enum MHD_Result reply_cut_off(struct request *r, struct MHD_Connection *conn,
                              enum api_error e, const char *field);
/* Queues the error with Connection: close. */
enum MHD_Result reply_and_close(struct request *r, struct MHD_Connection *conn,
                                enum api_error e, const char *field);
/* 503 with Retry-After and Connection: close (stopping, or over the
 * connection limit). */
enum MHD_Result reply_unavailable(struct request *r,
                                  struct MHD_Connection *conn);
/* 429 with Retry-After: wait_seconds. */
enum MHD_Result reply_rate_limited(struct request *r,
                                   struct MHD_Connection *conn,
                                   unsigned wait_seconds);
/* 204 to a CORS preflight, with what r->match.allow allows. */
enum MHD_Result reply_preflight(struct request *r, struct MHD_Connection *conn);
/* GET /metrics. */
enum MHD_Result reply_metrics(struct request *r, struct MHD_Connection *conn);
/* Cache glue: true with the page's key in key when r's reply may come from,
 * and go to, the page cache. */
bool reply_cacheable(const struct request *r, struct MHD_Connection *conn,
                     char key[CACHE_KEY_MAX]);
/* Serves the cached page for key at generation: MHD_YES, or MHD_NO when
 * there is none to serve. */
enum MHD_Result reply_cached(struct request *r, struct MHD_Connection *conn,
                             const char *key, uint64_t generation);
/* Renders what the handler answered in c, and clears c.  With a key (from
 * reply_cacheable()), a 200 is stored in the page cache at generation. */
enum MHD_Result reply_call(struct request *r, struct MHD_Connection *conn,
                           struct api_call *c, const char *key,
                           uint64_t generation);

/* ---- submit.c --------------------------------------------------------- */

/* POST of a new comment, on the last call: validates it and hands it to
 * the writer with the connection suspended, or replies the refusal. */
enum MHD_Result submit_comment(struct request *r, struct MHD_Connection *conn);
/* The last call again, once the writer resumed the connection: replies
 * with the stored comment, or the writer's failure. */
enum MHD_Result submit_finish(struct request *r, struct MHD_Connection *conn);

#endif
