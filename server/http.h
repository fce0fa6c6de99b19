/* The HTTP daemon: libmicrohttpd in poll mode with a pool of worker
 * threads, each with its own database connection.  Knows HTTP, not
 * comments: requests are routed to api/ handlers and their results
 * rendered.  Wired in server/daemon.c; a request's life is in
 * server/request.c, its replies in server/reply.c, a new comment's way
 * through the writer in server/submit.c. */
#ifndef YKIEN_SERVER_HTTP_H
#define YKIEN_SERVER_HTTP_H

#include <stdint.h>

#include "server/config.h"

struct server;

/* Starts listening; the config must outlive the server.  NULL with a reason
 * in err on failure. */
struct server *http_start(const struct config *cfg, char *err, size_t err_len);
/* The bound port (useful with port 0). */
uint16_t http_port(struct server *s);
/* Stops accepting, lets requests in flight finish (up to wait_seconds),
 * then closes everything and frees s. */
void http_stop(struct server *s, unsigned wait_seconds);

#endif
