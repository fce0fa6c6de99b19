/* Checks of a request's head that libmicrohttpd leaves to us.  Pure: no
 * libmicrohttpd, no sockets.
 *
 * Framing: a proxy in front of ykien and ykien must agree on where a
 * request's body ends, or a request can hide in another's body (request
 * smuggling).  So anything but one plain framing is refused, never guessed
 * (RFC 9112 §6.1, §6.3). */
#ifndef YKIEN_SERVER_FRAMING_H
#define YKIEN_SERVER_FRAMING_H

#include <stdbool.h>
#include <stddef.h>

/* The Content-Length and Transfer-Encoding field lines of a request: the
 * first two values of each (as libmicrohttpd keeps them: without the white
 * space around them) and how many lines there were. */
struct framing {
    const char *length[2];
    size_t n_length;
    const char *encoding[2];
    size_t n_encoding;
};

/* NULL when the request is framed in one way only: no body header at all;
 * exactly one Content-Length line of digits only; or exactly one
 * Transfer-Encoding line saying "chunked" (in any letter case) and no
 * Content-Length.  Otherwise the name of the field at fault: two lengths
 * (even equal ones), "+5", "5, 5", a length with chunked, a coding list, an
 * unknown coding. */
const char *framing_fault(const struct framing *f);

#endif
