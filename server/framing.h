/* Checks of a request's head that libmicrohttpd leaves to us.  Pure: no
 * libmicrohttpd, no sockets.
 *
 * Framing: a proxy in front of ykien and ykien must agree on where a
 * request's body ends, or a request can hide in another's body (request
 * smuggling).  So anything but one plain framing is refused, never guessed
 * (RFC 9112 §6.1, §6.3).
 *
 * Size: libmicrohttpd keeps a request's head (request line, header lines,
 * and a record for every header, cookie and query parameter) in the
 * connection's memory pool (HTTP_POOL_BYTES), and builds the reply's
 * header lines there too.  A head that fills the pool gets no reply at
 * all, so ykien refuses heads well before that, and cuts the query
 * parameters it would never read before libmicrohttpd parses them. */
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

enum {
    /* MHD_OPTION_CONNECTION_MEMORY_LIMIT */
    HTTP_POOL_BYTES = 32 * 1024,
    /* A head costing more than this is refused (431), leaving room in the
     * pool for the reply. */
    FRAMING_HEAD_BUDGET = 24 * 1024,
    /* Pool bytes per header, cookie or query parameter record, rounded up. */
    FRAMING_VALUE_COST = 64,
};

/* Members of the query string of uri (the part after '?', split at '&'):
 * an upper bound of what libmicrohttpd will parse, counted before it does. */
size_t framing_query_params(const char *uri);

/* Whether a request head fits the budget: header_bytes as libmicrohttpd
 * counts them (request line and header lines), values records (headers,
 * cookies, query parameters), cookie_bytes the Cookie header's length
 * (libmicrohttpd parses a copy of it). */
bool framing_head_fits(size_t header_bytes, size_t values, size_t cookie_bytes);

#endif
