/* What ykien keeps per connection, and the watchdog that enforces its
 * deadlines.  libmicrohttpd's own timeout is an idle timeout, which a
 * client resets with every byte it sends: one byte every two seconds kept a
 * connection open for ever.  So, on top of it:
 *
 *   headers  a request's header section must be complete within --timeout
 *            of the request's start (the connection's opening, or the end
 *            of the previous request on it);
 *   body     once --timeout has passed since the headers, the body must
 *            have come at --min-body-rate bytes a second on average since
 *            them: a body of N bytes has max(--timeout, N / rate) seconds,
 *            and a slow but steady upload is not cut short.
 *
 * While ykien works on a request or sends its reply there is no deadline
 * (libmicrohttpd's idle timeout still applies).  A watchdog thread looks at
 * every connection several times a second and shuts down the socket of one
 * past its deadline; libmicrohttpd then finds the connection ended and
 * cleans up as for a client that went away.  A late body is first answered
 * 408 request_timeout; late headers are not, as the connection may be an
 * idle keep-alive one with no request to answer.
 *
 * Threads: watchdog_add() and watchdog_remove() run in libmicrohttpd's
 * connection callbacks, the watch_*() phase changes on the connection's
 * worker thread, the checks on the watchdog's own.  A connection's phase,
 * start and byte count are atomics; the list of connections is under one
 * mutex, which watchdog_remove() takes, so a connection (and its socket)
 * outlives any check the watchdog is making on it. */
#ifndef YKIEN_SERVER_WATCHDOG_H
#define YKIEN_SERVER_WATCHDOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "api/errors.h"

enum watch_phase {
    WATCH_HEADERS, /* reading a request's header section */
    WATCH_BODY,    /* reading its body */
    WATCH_NONE,    /* working on the request or replying: no deadline */
    WATCH_EXPIRED, /* past its deadline: the watchdog has closed it */
};

struct watchdog;
struct conn_watch;

/* Whether a connection in phase, elapsed_ms into it, with body_bytes of
 * body received, is past its deadline.  min_body_rate 0: no body rate. */
bool watch_deadline_passed(enum watch_phase phase, uint64_t elapsed_ms,
                           uint64_t body_bytes, unsigned timeout_seconds,
                           unsigned min_body_rate);

/* NULL with a reason in err on failure. */
struct watchdog *watchdog_start(unsigned timeout_seconds,
                                unsigned min_body_rate, char *err,
                                size_t err_len);
/* Stops the thread and frees w; every connection must have been removed. */
void watchdog_stop(struct watchdog *w);

/* A new connection on socket fd, in its header phase; over_limit records
 * that it came past --max-connections (see watch_over_limit).  NULL when
 * memory is short.  The watch belongs to w until watchdog_remove(). */
struct conn_watch *watchdog_add(struct watchdog *w, int fd,
                                const struct sockaddr *peer, bool over_limit);
/* Before libmicrohttpd closes the connection's socket. */
void watchdog_remove(struct watchdog *w, struct conn_watch *c);

bool watch_over_limit(const struct conn_watch *c);

/* Phase changes.  Each returns false, changing nothing, when the watchdog
 * has already closed the connection: the caller then gives up on it (and
 * must not reply).  A NULL c is a connection without deadlines. */
bool watch_headers(struct conn_watch *c); /* a next request begins */
bool watch_body(struct conn_watch *c,
                enum api_lang lang); /* headers done, a body follows */
bool watch_body_bytes(struct conn_watch *c,
                      size_t n);       /* n more body bytes arrived */
bool watch_none(struct conn_watch *c); /* claims the reply */
/* Whether the watchdog closed the connection. */
bool watch_expired(const struct conn_watch *c);

#endif
