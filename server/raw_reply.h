/* An error reply written straight to a client's socket, for when
 * libmicrohttpd cannot queue one: in the middle of a body, when the
 * connection's memory pool is full, or from the deadline watchdog's
 * thread.  The reply asks for the end of the connection (Connection:
 * close); the caller then ends it. */
#ifndef YKIEN_SERVER_RAW_REPLY_H
#define YKIEN_SERVER_RAW_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "api/errors.h"

/* A new string (the caller frees it): the whole HTTP/1.1 message of the
 * JSON error e, its length in *len and its body's length in *body_len.
 * NULL when memory is short. */
char *raw_reply_new(enum api_error e, enum api_lang lang, const char *field,
                    size_t *len, size_t *body_len);
/* Sends msg without blocking; true when all of it went into the socket. */
bool raw_reply_send(int fd, const char *msg, size_t len);

#endif
