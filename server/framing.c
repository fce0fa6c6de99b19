/* Request framing checks.  No MHD here. */
#include <string.h>
#include <strings.h>

#include "server/framing.h"

static bool
digits_only(const char *s)
{
    if (!s || !*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
    }
    return true;
}

const char *
framing_fault(const struct framing *f)
{
    if (f->n_encoding > 0) {
        /* A length next to chunked is how a front proxy and ykien come to
         * read different bodies: refused even though chunked would win. */
        if (f->n_length > 0)
            return "Content-Length";
        if (f->n_encoding > 1 || !f->encoding[0] ||
            strcasecmp(f->encoding[0], "chunked") != 0)
            return "Transfer-Encoding";
        return NULL;
    }
    if (f->n_length > 1 || (f->n_length == 1 && !digits_only(f->length[0])))
        return "Content-Length";
    return NULL;
}

size_t
framing_query_params(const char *uri)
{
    const char *q = strchr(uri, '?');
    size_t n;

    if (!q || q[1] == '\0')
        return 0;
    n = 1;
    for (q++; *q; q++)
        n += *q == '&';
    return n;
}

bool
framing_head_fits(size_t header_bytes, size_t values, size_t cookie_bytes)
{
    /* Each term alone first, so that the sum cannot overflow. */
    if (values > FRAMING_HEAD_BUDGET / FRAMING_VALUE_COST ||
        header_bytes > FRAMING_HEAD_BUDGET ||
        cookie_bytes > FRAMING_HEAD_BUDGET)
        return false;
    return header_bytes + cookie_bytes + values * FRAMING_VALUE_COST <=
           FRAMING_HEAD_BUDGET;
}
