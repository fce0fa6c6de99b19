/* Request framing checks.  No MHD here. */
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
        if (f->n_encoding > 1 || !f->encoding[0] || strcasecmp(f->encoding[0], "chunked") != 0)
            return "Transfer-Encoding";
        return NULL;
    }
    if (f->n_length > 1 || (f->n_length == 1 && !digits_only(f->length[0])))
        return "Content-Length";
    return NULL;
}
