/* The daemon's wiring: libmicrohttpd's options (poll, thread pool, limits,
 * callbacks), start and stop, each worker thread's database connection, the
 * watchdog's hold on every connection, and the wait for requests in flight
 * on the way down.  Implements server/http.h.  It must not look at a
 * request: what happens to one is server/request.c's business, and its
 * replies server/reply.c's. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "api/freshness.h"
#include "db/db.h"
#include "db/shared.h"
#include "server/cache.h"
#include "server/framing.h"
#include "server/http.h"
#include "server/log.h"
#include "server/metrics.h"
#include "server/ratelimit.h"
#include "server/request.h"
#include "server/watchdog.h"
#include "server/writer.h"

uint64_t
daemon_now_us(void)
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

/* Opened on first use; a failed opening is tried again at most every
 * RETRY_OPEN_US (the database may be down: each request should not wait
 * for a connect to fail). */
struct db *
daemon_db(struct server *s)
{
    enum { RETRY_OPEN_US = 200000 };
    static _Thread_local uint64_t next_try_us;
    struct db *db = pthread_getspecific(s->db_key);
    char err[512];

    if (db)
        return db;
    if (daemon_now_us() < next_try_us)
        return NULL;
    if (db_connect(&s->cfg->db, &db, err, sizeof err) != 0) {
        log_error("database: %s", err);
        next_try_us = daemon_now_us() + RETRY_OPEN_US;
        return NULL;
    }
    pthread_setspecific(s->db_key, db);
    return db;
}

/* The watch's thread: another process sharing the database committed a
 * change of article; NULL when changes may have been missed. */
static void
on_changed(const char *article, void *arg)
{
    (void)arg;
    if (article)
        freshness_bump(article);
    else
        freshness_bump_all();
}

/* Gives every connection its deadlines (server/watchdog.h), and marks
 * those past --max-connections, which are answered 503 and closed
 * (libmicrohttpd's own, higher, limit would leave them waiting in the
 * listen queue instead). */
static void
on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
              enum MHD_ConnectionNotificationCode toe)
{
    struct server *s = cls;

    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        int n = metrics_connection_opened();
        const union MHD_ConnectionInfo *fd =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        const union MHD_ConnectionInfo *peer =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

        *socket_context = fd ? watchdog_add(s->watchdog, fd->connect_fd,
                                            peer ? peer->client_addr : NULL,
                                            n > (int)s->cfg->max_connections)
                             : NULL;
    } else {
        metrics_connection_closed();
        watchdog_remove(s->watchdog, *socket_context);
        *socket_context = NULL;
    }
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
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
                     MHD_USE_ITC | MHD_USE_TURBO | MHD_USE_ERROR_LOG |
                     MHD_ALLOW_SUSPEND_RESUME;
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
    s->watch = db_watch_start(&cfg->db, on_changed, s, err, err_len);
    s->writer =
        s->watch ? writer_start(&cfg->db, &cfg->api, err, err_len) : NULL;
    s->watchdog = s->writer ? watchdog_start(cfg->timeout_seconds,
                                             cfg->min_body_rate, err, err_len)
                            : NULL;
    if (!s->watchdog) {
        if (s->writer) {
            writer_stop(s->writer);
            writer_free(s->writer);
        }
        db_watch_stop(s->watch);
        cache_free(s->cache);
        ratelimit_free(s->rl);
        pthread_key_delete(s->db_key);
        free(s);
        return NULL;
    }
    if (cfg->addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    s->mhd = MHD_start_daemon(
        flags, 0, NULL, NULL, request_on_access, s, MHD_OPTION_EXTERNAL_LOGGER,
        mhd_log, NULL, MHD_OPTION_UNESCAPE_CALLBACK, unescape_keep_nul, NULL,
        MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&cfg->addr,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->threads,
        /* Room above --max-connections to answer the excess 503 (see
         * on_connection) rather than leave it in the listen queue. */
        MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)(cfg->max_connections + cfg->max_connections / 4 +
                   16 * cfg->threads),
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned)cfg->max_connections_per_address,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->timeout_seconds,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
        /* Per connection: request line, headers and read buffer.  Not
         * less: readers' browsers send the news site's cookies too. */
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_POOL_BYTES,
        MHD_OPTION_NOTIFY_COMPLETED, request_on_completed, s,
        MHD_OPTION_URI_LOG_CALLBACK, request_on_uri, s, MHD_OPTION_END);
    if (!s->mhd) {
        snprintf(err, err_len, "cannot listen on %s: %s", cfg->listen,
                 errno ? strerror(errno)
                       : "libmicrohttpd refused the settings");
        writer_stop(s->writer);
        writer_free(s->writer);
        watchdog_stop(s->watchdog);
        db_watch_stop(s->watch);
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
    while (atomic_load(&s->in_flight) > 0 && daemon_now_us() < deadline)
        usleep(10000);
}

void
http_stop(struct server *s, unsigned wait_seconds)
{
    MHD_socket listen_fd;
    uint64_t deadline = daemon_now_us() + (uint64_t)wait_seconds * 1000000u;

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
    wait_in_flight(s, daemon_now_us() + 2000000u);
    MHD_stop_daemon(s->mhd);
    watchdog_stop(s->watchdog); /* every connection is gone */
    writer_free(s->writer);
    db_watch_stop(s->watch);
    cache_free(s->cache);
    ratelimit_free(s->rl);
    pthread_key_delete(s->db_key);
    free(s);
}
