/* A streaming multipart/form-data parser (RFC 7578 on RFC 2046 §5.1):
 * body bytes in, in pieces of any size; parts out, through callbacks.
 * Pure: no libmicrohttpd, no I/O.  Memory: one fixed buffer per parser.
 *
 * What it accepts, as RFC 7578 allows and browsers and HTTP libraries
 * send: a boundary parameter quoted or not, among other parameters, in any
 * letter case; part headers in any letter case; Content-Disposition
 * parameters quoted or not, in any order and letter case, with \" and \\
 * escaped in quoted strings (other backslashes are kept: browsers send
 * Windows paths as they are), and filename*=UTF-8''… (RFC 8187, also
 * ISO-8859-1), which wins over filename.  What it refuses (MULTIPART_BAD):
 * a part without Content-Disposition: form-data and a name, a parameter
 * given twice, a filename* it cannot decode to UTF-8, a transfer encoding
 * other than 7bit/8bit/binary, part headers over MULTIPART_HEADERS_MAX,
 * and a body that ends before the closing boundary.
 *
 * libmicrohttpd's post processor (0.9.75) reads only quoted, lower-case
 * parameters and refuses a quoted boundary followed by anything, so parts
 * that RFC 7578 allows were silently dropped: hence this parser. */
#ifndef YKIEN_SERVER_MULTIPART_H
#define YKIEN_SERVER_MULTIPART_H

#include <stdbool.h>
#include <stddef.h>

enum {
    MULTIPART_BOUNDARY_MAX = 70,  /* RFC 2046 */
    MULTIPART_HEADERS_MAX = 8192, /* one part's header lines */
};

/* One part, as its header lines describe it.  The strings are the
 * parser's, valid during the begin() callback only. */
struct multipart_part {
    const char *name;         /* never NULL */
    const char *filename;     /* decoded; NULL for a part without one */
    const char *content_type; /* as sent; NULL when absent */
};

/* Each callback returns 0 to go on or -1 to stop the parser
 * (MULTIPART_STOPPED). */
struct multipart_handler {
    int (*begin)(void *arg, const struct multipart_part *part);
    int (*data)(void *arg, const char *data, size_t len); /* len > 0 */
    int (*end)(void *arg);
    void *arg;
};

enum multipart_status {
    MULTIPART_OK,
    MULTIPART_BAD,     /* not well-formed: see above */
    MULTIPART_STOPPED, /* a callback said stop */
};

struct multipart;

/* 0 and the boundary of a Content-Type value in out, or -1 when the value
 * is not multipart/form-data with a valid boundary (1 to 70 characters of
 * RFC 2046's set, not ending in a space). */
int multipart_boundary(const char *content_type,
                       char out[MULTIPART_BOUNDARY_MAX + 1]);

/* A new parser for boundary (copied); h is copied too.  NULL when memory
 * is short. */
struct multipart *multipart_new(const char *boundary,
                                const struct multipart_handler *h);
/* Parses the next len bytes.  After anything but MULTIPART_OK the parser
 * has stopped and returns that again. */
enum multipart_status multipart_feed(struct multipart *m, const char *data,
                                     size_t len);
/* The body has ended: MULTIPART_BAD unless the closing boundary was seen. */
enum multipart_status multipart_finish(struct multipart *m);
void multipart_free(struct multipart *m);

#endif
