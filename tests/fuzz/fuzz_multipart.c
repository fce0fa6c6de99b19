/* Fuzz target: a new comment sent as multipart/form-data, through the real
 * daemon: the parser (server/multipart.c) and the upload streaming around
 * it, from the real request lifecycle.  The daemon is started once,
 * in-process, on 127.0.0.1 port 0 with a scratch
 * data folder (as `ykien serve --rate-limit 0` would be), and each input is
 * the body of one POST /api/v1/articles/fz/comments over a new loopback
 * connection, with "Content-Type: multipart/form-data; boundary=BOUNDARY"
 * and its exact Content-Length.
 *
 * Invariants: every input gets, within REPLY_SECONDS, an HTTP/1.1 response
 * whose status is below 500 (the client's mistakes are 4xx; a 5xx is
 * ours) and whose body is a JSON object, with error.code on a 4xx.
 * With YKIEN_FUZZ_VERBOSE set, each status and body is printed.
 *
 * The daemon's request log (a line per request) and info notes would
 * drown libFuzzer's output, so this file defines the three functions of
 * server/log.c itself: the static library's log.o is then never linked in.
 * Errors, which are our own faults, are still printed. */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "db/db.h"
#include "server/config.h"
#include "server/http.h"
#include "server/log.h"
#include "fuzz.h"

enum { REPLY_SECONDS = 10, REPLY_MAX = 1024 * 1024 };

static struct config cfg;
static struct server *srv;
static uint16_t port;

void
log_info(const char *fmt, ...)
{
    (void)fmt;
}

void
log_error(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fputs("ykien error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void
log_request(const char *client, const char *method, const char *path,
            unsigned status, uint64_t bytes, uint64_t micros)
{
    (void)client;
    (void)method;
    (void)path;
    (void)status;
    (void)bytes;
    (void)micros;
}

static void
teardown(void)
{
    http_stop(srv, 5);
    fuzz_rm_tree(cfg.data_dir);
}

static void
setup(void)
{
    char dir[4096], err[512];
    struct db *db;

    if (sodium_init() < 0)
        fuzz_die("sodium_init");
    signal(SIGPIPE, SIG_IGN);
    cfg_defaults(&cfg);
    fuzz_make_data_dir(dir);
    cfg_set_data_dir(&cfg, dir);
    snprintf(cfg.listen, sizeof cfg.listen, "127.0.0.1:0");
    if (cfg_parse_listen(cfg.listen, &cfg.addr, &cfg.addr_len) != 0)
        fuzz_die("cfg_parse_listen");
    cfg.rate_limit = 0;
    cfg.threads = 2;
    cfg.timeout_seconds = REPLY_SECONDS;
    /* Migrate once before any request, as cmd_serve does. */
    if (db_open(cfg.db_path, &db, err, sizeof err) != 0)
        fuzz_die(err);
    db_close(db);
    srv = http_start(&cfg, err, sizeof err);
    if (!srv)
        fuzz_die(err);
    port = http_port(srv);
    atexit(teardown);
}

static int
connect_daemon(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    struct timeval tv = {.tv_sec = REPLY_SECONDS};
    /* Reset instead of FIN on close: no TIME_WAIT pile-up at hundreds of
     * inputs a second. */
    struct linger lg = {.l_onoff = 1, .l_linger = 0};

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int attempt = 0;; attempt++) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

        if (fd < 0)
            fuzz_die("socket");
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
            return fd;
        /* libFuzzer's timeout check is a SIGALRM without SA_RESTART; an
         * interrupted connect cannot simply be called again, so start over
         * on a new socket. */
        if (errno != EINTR || attempt == 3) {
            fprintf(stderr, "connect: %s\n", strerror(errno));
            fuzz_die("connect");
        }
        close(fd);
    }
}

/* Sends everything it can; the daemon may answer and close before the
 * whole body is in, which is not an error here. */
static void
send_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;

    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        p += n;
        len -= (size_t)n;
    }
}

/* Where the body starts in a response of len bytes, or NULL while the
 * head is incomplete; *content_length is -1 without that header. */
static const char *
parse_head(const char *buf, size_t len, long *content_length)
{
    const char *end = memmem(buf, len, "\r\n\r\n", 4);

    *content_length = -1;
    if (!end)
        return NULL;
    for (const char *p = buf; p < end;) {
        const char *eol = memmem(p, (size_t)(end - p) + 2, "\r\n", 2);

        if (eol - p > 15 && strncasecmp(p, "Content-Length:", 15) == 0)
            *content_length = strtol(p + 15, NULL, 10);
        p = eol + 2;
    }
    return end + 4;
}

/* Reads one response into buf (NUL-terminated); its length. */
static size_t
read_reply(int fd, char *buf, size_t cap, const char **body,
           long *content_length)
{
    size_t len = 0;

    *body = NULL;
    while (len + 1 < cap) {
        ssize_t n = recv(fd, buf + len, cap - 1 - len, 0);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            buf[len] = '\0';
            fprintf(stderr, "no complete reply within %d s; got %zu bytes\n",
                    REPLY_SECONDS, len);
            FUZZ_CHECK(!"the daemon answers every request");
        }
        if (n <= 0)
            break; /* closed (or reset) by the daemon */
        len += (size_t)n;
        if (!*body)
            *body = parse_head(buf, len, content_length);
        if (*body && *content_length >= 0 &&
            (size_t)(buf + len - *body) >= (size_t)*content_length)
            break;
    }
    buf[len] = '\0';
    return len;
}

static void
check_reply(const char *buf, size_t len, const char *body, long content_length)
{
    unsigned status;
    size_t body_len;
    json_t *reply, *err;
    json_error_t jerr;

    FUZZ_CHECK(len > 12 && memcmp(buf, "HTTP/1.1 ", 9) == 0);
    FUZZ_CHECK(sscanf(buf + 9, "%3u", &status) == 1);
    FUZZ_CHECK(status >= 200 && status < 500);
    FUZZ_CHECK(body != NULL);
    body_len = (size_t)(buf + len - body);
    FUZZ_CHECK(content_length < 0 || (size_t)content_length == body_len);
    reply = json_loadb(body, body_len, 0, &jerr);
    FUZZ_CHECK(json_is_object(reply));
    if (status >= 400) {
        err = json_object_get(reply, "error");
        FUZZ_CHECK(json_is_string(json_object_get(err, "code")));
    }
    json_decref(reply);
    /* To see what the corpus exercises: YKIEN_FUZZ_VERBOSE=1 replay_multipart
     * DIR */
    if (getenv("YKIEN_FUZZ_VERBOSE"))
        fprintf(stderr, "%u %.*s", status, (int)body_len, body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char reply[REPLY_MAX];
    char head[512];
    const char *body;
    long content_length;
    size_t len;
    int n, fd;

    if (!srv)
        setup();
    n = snprintf(head, sizeof head,
                 "POST /api/v1/articles/fz/comments HTTP/1.1\r\n"
                 "Host: 127.0.0.1\r\n"
                 "Content-Type: multipart/form-data; boundary=BOUNDARY\r\n"
                 "Content-Length: %zu\r\n\r\n",
                 size);
    fd = connect_daemon();
    send_all(fd, head, (size_t)n);
    send_all(fd, data, size);
    len = read_reply(fd, reply, sizeof reply, &body, &content_length);
    close(fd);
    check_reply(reply, len, body, content_length);
    return 0;
}
