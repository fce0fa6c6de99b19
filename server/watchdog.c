/* Connection deadlines: a list of watched connections and a thread that
 * checks it.  See watchdog.h for the rules. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "server/log.h"
#include "server/raw_reply.h"
#include "server/watchdog.h"

enum { CHECK_INTERVAL_MS = 200 };

struct conn_watch {
    struct conn_watch *prev, *next; /* under the watchdog's lock */
    int fd;
    bool over_limit;
    atomic_int phase;              /* enum watch_phase */
    atomic_uint_fast64_t start_ms; /* when the phase began */
    atomic_uint_fast64_t body_bytes;
    atomic_int lang; /* of the 408, enum api_lang */
    struct sockaddr_storage peer;
};

struct watchdog {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping;
    struct conn_watch *head;
    unsigned timeout_seconds;
    unsigned min_body_rate;
    /* the 408 as bytes, per language */
    char *late_body[2];
    size_t late_body_len[2];
};

static uint64_t
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

bool
watch_deadline_passed(enum watch_phase phase, uint64_t elapsed_ms,
                      uint64_t body_bytes, unsigned timeout_seconds,
                      unsigned min_body_rate)
{
    uint64_t timeout_ms = (uint64_t)timeout_seconds * 1000u;

    if (elapsed_ms <= timeout_ms)
        return false;
    if (phase == WATCH_HEADERS)
        return true;
    if (phase != WATCH_BODY || min_body_rate == 0)
        return false;
    /* An average of min_body_rate bytes a second since the headers. */
    return body_bytes * 1000u < (uint64_t)min_body_rate * elapsed_ms;
}

static void
describe(const struct sockaddr_storage *peer, char *out, size_t len)
{
    snprintf(out, len, "unknown");
    if (peer->ss_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)peer)->sin_addr, out,
                  (socklen_t)len);
    else if (peer->ss_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)peer)->sin6_addr,
                  out, (socklen_t)len);
}

/* Under w->lock: closes c when it is past its deadline. */
static void
check(struct watchdog *w, struct conn_watch *c, uint64_t now)
{
    int phase = atomic_load(&c->phase);
    uint64_t start = atomic_load(&c->start_ms);
    char peer[INET6_ADDRSTRLEN];

    if (phase != WATCH_HEADERS && phase != WATCH_BODY)
        return;
    if (!watch_deadline_passed(phase, now > start ? now - start : 0,
                               atomic_load(&c->body_bytes), w->timeout_seconds,
                               w->min_body_rate))
        return;
    /* Whoever moves the phase first owns the reply: the connection's own
     * thread (watch_none) or this one. */
    if (!atomic_compare_exchange_strong(&c->phase, &phase, WATCH_EXPIRED))
        return;
    describe(&c->peer, peer, sizeof peer);
    if (phase == WATCH_BODY) {
        int lang = atomic_load(&c->lang) == API_LANG_EN ? 1 : 0;

        log_info("%s: closed a body slower than %u bytes/s after %u s", peer,
                 w->min_body_rate, (unsigned)((now - start) / 1000u));
        if (w->late_body[lang])
            raw_reply_send(c->fd, w->late_body[lang], w->late_body_len[lang]);
    } else {
        log_info("%s: closed: request headers not complete within %u s", peer,
                 w->timeout_seconds);
    }
    shutdown(c->fd, SHUT_RDWR);
}

static void *
watchdog_main(void *arg)
{
    struct watchdog *w = arg;

    pthread_mutex_lock(&w->lock);
    while (!w->stopping) {
        struct timespec until;
        uint64_t now;

        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += CHECK_INTERVAL_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&w->wake, &w->lock, &until);
        now = now_ms();
        for (struct conn_watch *c = w->head; c; c = c->next)
            check(w, c, now);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

struct watchdog *
watchdog_start(unsigned timeout_seconds, unsigned min_body_rate, char *err,
               size_t err_len)
{
    struct watchdog *w = calloc(1, sizeof *w);
    pthread_condattr_t attr;
    size_t body_len;

    if (!w) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    w->timeout_seconds = timeout_seconds;
    w->min_body_rate = min_body_rate;
    w->late_body[0] = raw_reply_new(API_E_REQUEST_TIMEOUT, API_LANG_VI, NULL,
                                    &w->late_body_len[0], &body_len);
    w->late_body[1] = raw_reply_new(API_E_REQUEST_TIMEOUT, API_LANG_EN, NULL,
                                    &w->late_body_len[1], &body_len);
    pthread_mutex_init(&w->lock, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&w->wake, &attr);
    pthread_condattr_destroy(&attr);
    if (pthread_create(&w->thread, NULL, watchdog_main, w) != 0) {
        snprintf(err, err_len, "cannot start the watchdog thread");
        pthread_mutex_destroy(&w->lock);
        pthread_cond_destroy(&w->wake);
        free(w->late_body[0]);
        free(w->late_body[1]);
        free(w);
        return NULL;
    }
    return w;
}

void
watchdog_stop(struct watchdog *w)
{
    pthread_mutex_lock(&w->lock);
    w->stopping = true;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->wake);
    free(w->late_body[0]);
    free(w->late_body[1]);
    free(w);
}

struct conn_watch *
watchdog_add(struct watchdog *w, int fd, const struct sockaddr *peer,
             bool over_limit)
{
    struct conn_watch *c = calloc(1, sizeof *c);

    if (!c)
        return NULL;
    c->fd = fd;
    c->over_limit = over_limit;
    atomic_init(&c->phase, WATCH_HEADERS);
    atomic_init(&c->start_ms, now_ms());
    atomic_init(&c->body_bytes, 0);
    atomic_init(&c->lang, API_LANG_VI);
    if (peer && peer->sa_family == AF_INET)
        memcpy(&c->peer, peer, sizeof(struct sockaddr_in));
    else if (peer && peer->sa_family == AF_INET6)
        memcpy(&c->peer, peer, sizeof(struct sockaddr_in6));
    pthread_mutex_lock(&w->lock);
    c->next = w->head;
    if (w->head)
        w->head->prev = c;
    w->head = c;
    pthread_mutex_unlock(&w->lock);
    return c;
}

void
watchdog_remove(struct watchdog *w, struct conn_watch *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&w->lock);
    if (c->prev)
        c->prev->next = c->next;
    else
        w->head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    pthread_mutex_unlock(&w->lock);
    free(c);
}

bool
watch_over_limit(const struct conn_watch *c)
{
    return c->over_limit;
}

/* Moves c into phase p (its clock restarted when restart) unless the
 * watchdog has closed it. */
static bool
enter(struct conn_watch *c, enum watch_phase p, bool restart)
{
    int cur;

    if (!c)
        return true;
    cur = atomic_load(&c->phase);
    if (cur == WATCH_EXPIRED)
        return false;
    if (cur == (int)p && !restart)
        return true;
    /* The clock first: the watchdog must never judge the new phase by the
     * old phase's start. */
    if (restart) {
        atomic_store(&c->body_bytes, 0);
        atomic_store(&c->start_ms, now_ms());
    }
    while (!atomic_compare_exchange_weak(&c->phase, &cur, (int)p)) {
        if (cur == WATCH_EXPIRED)
            return false;
    }
    return true;
}

bool
watch_headers(struct conn_watch *c)
{
    return enter(c, WATCH_HEADERS, true);
}

bool
watch_body(struct conn_watch *c, enum api_lang lang)
{
    if (c)
        atomic_store(&c->lang, (int)lang);
    return enter(c, WATCH_BODY, true);
}

bool
watch_body_bytes(struct conn_watch *c, size_t n)
{
    if (!c)
        return true;
    atomic_fetch_add(&c->body_bytes, (uint64_t)n);
    return atomic_load(&c->phase) != WATCH_EXPIRED;
}

bool
watch_none(struct conn_watch *c)
{
    return enter(c, WATCH_NONE, false);
}

bool
watch_expired(const struct conn_watch *c)
{
    return c && atomic_load(&c->phase) == WATCH_EXPIRED;
}
