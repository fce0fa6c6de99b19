/* multipart/form-data, streamed.  The body goes through one buffer: the
 * parser looks for the delimiter "\r\n--BOUNDARY" in it and hands over
 * everything before it, keeping back only what could be the start of a
 * delimiter.  No MHD, no allocation after multipart_new(). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/unicode.h"
#include "server/multipart.h"

enum {
    DELIM_MAX = 4 + MULTIPART_BOUNDARY_MAX,
    BUF_SIZE = MULTIPART_HEADERS_MAX + 4 + DELIM_MAX,
    SCRATCH_SIZE = MULTIPART_HEADERS_MAX + 16,
};

enum state {
    S_PREAMBLE,    /* before the first delimiter: ignored */
    S_AFTER_DELIM, /* "--" (the end) or padding and CRLF (a part) */
    S_HEADERS,     /* a part's header lines, up to an empty line */
    S_BODY,        /* a part's content, up to the next delimiter */
    S_EPILOGUE,    /* after the closing delimiter: ignored */
};

struct multipart {
    struct multipart_handler h;
    enum state state;
    enum multipart_status status; /* sticky once not OK */
    char delim[DELIM_MAX + 1];    /* "\r\n--" BOUNDARY */
    size_t delim_len;
    size_t used;
    char buf[BUF_SIZE];
    /* the current part's decoded strings */
    char scratch[SCRATCH_SIZE];
    size_t scratch_used;
};

/* ---- Content-Type ------------------------------------------------------- */

static bool
is_tchar(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch >= '0' && ch <= '9') ||
           (ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

static const char *
skip_ows(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

/* One "; name=value" parameter at *pp (quoted values unescaped into val,
 * which has room for val_max bytes and a NUL).  0, -1 when malformed, or
 * 1 at the end of the list. */
static int
next_param(const char **pp, const char *end, const char **name,
           size_t *name_len, char *val, size_t val_max, size_t *val_len)
{
    const char *p = skip_ows(*pp, end);
    size_t n = 0;

    if (p == end)
        return 1;
    if (*p != ';')
        return -1;
    p = skip_ows(p + 1, end);
    if (p == end)
        return 1; /* a trailing ';' */
    *name = p;
    while (p < end && is_tchar((unsigned char)*p))
        p++;
    *name_len = (size_t)(p - *name);
    if (*name_len == 0)
        return -1;
    p = skip_ows(p, end);
    if (p == end || *p != '=')
        return -1;
    p = skip_ows(p + 1, end);
    if (p < end && *p == '"') {
        for (p++;; p++) {
            if (p == end)
                return -1; /* no closing quote */
            if (*p == '"')
                break;
            /* A quoted-pair for '"' and '\\' only: browsers send Windows
             * paths (C:\x\y.png) with bare backslashes. */
            if (*p == '\\' && p + 1 < end && (p[1] == '"' || p[1] == '\\'))
                p++;
            if (n == val_max)
                return -1;
            val[n++] = *p;
        }
        p++;
    } else {
        while (p < end && *p != ';' && *p != ' ' && *p != '\t') {
            if (*p == '"' || (unsigned char)*p < 0x20 || n == val_max)
                return -1;
            val[n++] = *p++;
        }
        if (n == 0)
            return -1;
    }
    val[n] = '\0';
    *val_len = n;
    p = skip_ows(p, end);
    if (p < end && *p != ';')
        return -1;
    *pp = p;
    return 0;
}

static bool
name_is(const char *name, size_t len, const char *want)
{
    return strlen(want) == len && strncasecmp(name, want, len) == 0;
}

static bool
boundary_valid(const char *b, size_t n)
{
    /* RFC 2046 §5.1.1 bcharsnospace and space, not last */
    if (n == 0 || n > MULTIPART_BOUNDARY_MAX || b[n - 1] == ' ')
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)b[i];

        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
              (ch >= '0' && ch <= '9') || strchr("'()+_,-./:=? ", ch)))
            return false;
    }
    return true;
}

int
multipart_boundary(const char *ct, char out[MULTIPART_BOUNDARY_MAX + 1])
{
    static const char type[] = "multipart/form-data";
    const char *p, *end, *name;
    char val[MULTIPART_BOUNDARY_MAX + 2];
    size_t name_len, val_len;
    bool found = false;
    int rc;

    if (!ct)
        return -1;
    end = ct + strlen(ct);
    p = skip_ows(ct, end);
    if (strncasecmp(p, type, sizeof type - 1) != 0)
        return -1;
    p += sizeof type - 1;
    while ((rc = next_param(&p, end, &name, &name_len, val, sizeof val - 1,
                            &val_len)) == 0) {
        if (!name_is(name, name_len, "boundary"))
            continue;
        if (found || !boundary_valid(val, val_len))
            return -1;
        memcpy(out, val, val_len + 1);
        found = true;
    }
    return rc == 1 && found ? 0 : -1;
}

/* ---- part headers -------------------------------------------------------- */

/* Copies s[0..n) into the scratch buffer; NULL when it is full. */
static char *
keep(struct multipart *m, const char *s, size_t n)
{
    char *out = m->scratch + m->scratch_used;

    if (n + 1 > SCRATCH_SIZE - m->scratch_used)
        return NULL;
    memcpy(out, s, n);
    out[n] = '\0';
    m->scratch_used += n + 1;
    return out;
}

static int
hex(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* filename*'s ext-value (RFC 8187): charset'language'percent-encoded, in
 * UTF-8 or ISO-8859-1; decoded to UTF-8 in the scratch buffer. */
static const char *
decode_ext_value(struct multipart *m, const char *v, size_t n)
{
    const char *q1 = memchr(v, '\'', n), *q2, *end = v + n;
    char *out = m->scratch + m->scratch_used;
    size_t room = SCRATCH_SIZE - m->scratch_used, len = 0;
    bool latin1;

    if (!q1 || !(q2 = memchr(q1 + 1, '\'', (size_t)(end - q1 - 1))))
        return NULL;
    if ((size_t)(q1 - v) == 5 && strncasecmp(v, "UTF-8", 5) == 0)
        latin1 = false;
    else if ((size_t)(q1 - v) == 10 && strncasecmp(v, "ISO-8859-1", 10) == 0)
        latin1 = true;
    else
        return NULL;
    for (const char *p = q2 + 1; p < end; p++) {
        unsigned char ch = (unsigned char)*p;

        if (ch == '%') {
            if (end - p < 3 || hex(p[1]) < 0 || hex(p[2]) < 0)
                return NULL;
            ch = (unsigned char)(hex(p[1]) << 4 | hex(p[2]));
            p += 2;
        } else if (ch <= 0x20 || ch >= 0x7f) {
            return NULL; /* must be percent-encoded */
        }
        if (ch == 0 || len + 3 > room)
            return NULL;
        if (latin1 && ch >= 0x80) {
            out[len++] = (char)(0xc0 | ch >> 6);
            out[len++] = (char)(0x80 | (ch & 0x3f));
        } else {
            out[len++] = (char)ch;
        }
    }
    if (!latin1 && !uni_valid_utf8(out, len))
        return NULL;
    out[len] = '\0';
    m->scratch_used += len + 1;
    return out;
}

/* Content-Disposition: form-data; name=…; filename=…; filename*=… */
static int
parse_disposition(struct multipart *m, const char *p, const char *end,
                  struct multipart_part *part)
{
    static const char type[] = "form-data";
    const char *name, *filename = NULL, *filename_ext = NULL;
    char val[MULTIPART_HEADERS_MAX];
    size_t name_len, val_len;
    int rc;

    if ((size_t)(end - p) < sizeof type - 1 ||
        strncasecmp(p, type, sizeof type - 1) != 0)
        return -1;
    p += sizeof type - 1;
    if (p < end && *p != ';' && *p != ' ' && *p != '\t')
        return -1; /* "form-datax" */
    while ((rc = next_param(&p, end, &name, &name_len, val, sizeof val - 1,
                            &val_len)) == 0) {
        const char **slot = NULL;

        if (name_is(name, name_len, "name"))
            slot = &part->name;
        else if (name_is(name, name_len, "filename"))
            slot = &filename;
        else if (name_is(name, name_len, "filename*"))
            slot = &filename_ext;
        else
            continue;
        if (*slot)
            return -1; /* given twice: which one would be meant? */
        *slot = slot == &filename_ext ? decode_ext_value(m, val, val_len)
                                      : keep(m, val, val_len);
        if (!*slot)
            return -1;
    }
    if (rc != 1 || !part->name)
        return -1;
    part->filename = filename_ext ? filename_ext : filename;
    return 0;
}

/* The header block block[0..len) of a part, lines ended by CRLF. */
static int
parse_headers(struct multipart *m, char *block, size_t len,
              struct multipart_part *part)
{
    bool disposition = false;
    char *line = block, *end = block + len;

    memset(part, 0, sizeof *part);
    m->scratch_used = 0;
    if (memchr(block, '\0', len))
        return -1;
    /* Folded lines (a CRLF followed by white space) are one line. */
    for (char *p = block; p + 2 < end; p++) {
        if (p[0] == '\r' && p[1] == '\n' && (p[2] == ' ' || p[2] == '\t')) {
            p[0] = ' ';
            p[1] = ' ';
        }
    }
    while (line < end) {
        char *eol = memmem(line, (size_t)(end - line), "\r\n", 2);
        char *colon, *value, *vend;
        size_t name_len;

        if (!eol)
            eol = end;
        colon = memchr(line, ':', (size_t)(eol - line));
        if (!colon || colon == line)
            return -1;
        name_len = (size_t)(colon - line);
        for (size_t i = 0; i < name_len; i++) {
            if (!is_tchar((unsigned char)line[i]))
                return -1;
        }
        value = (char *)skip_ows(colon + 1, eol);
        vend = eol;
        while (vend > value && (vend[-1] == ' ' || vend[-1] == '\t'))
            vend--;
        if (name_is(line, name_len, "Content-Disposition")) {
            if (disposition || parse_disposition(m, value, vend, part) != 0)
                return -1;
            disposition = true;
        } else if (name_is(line, name_len, "Content-Type")) {
            if (part->content_type ||
                !(part->content_type = keep(m, value, (size_t)(vend - value))))
                return -1;
        } else if (name_is(line, name_len, "Content-Transfer-Encoding")) {
            /* RFC 7578 §4.7: deprecated; only identity codings are read. */
            size_t n = (size_t)(vend - value);

            if (!((n == 4 && strncasecmp(value, "7bit", 4) == 0) ||
                  (n == 4 && strncasecmp(value, "8bit", 4) == 0) ||
                  (n == 6 && strncasecmp(value, "binary", 6) == 0)))
                return -1;
        }
        line = eol == end ? end : eol + 2;
    }
    return disposition ? 0 : -1;
}

/* ---- the stream ---------------------------------------------------------- */

static void
consume(struct multipart *m, size_t n)
{
    memmove(m->buf, m->buf + n, m->used - n);
    m->used -= n;
}

/* Keeps back only what may be the start of a delimiter. */
static size_t
safe_length(const struct multipart *m)
{
    return m->used > m->delim_len - 1 ? m->used - (m->delim_len - 1) : 0;
}

static enum multipart_status
process(struct multipart *m)
{
    for (;;) {
        char *p;
        size_t n;

        switch (m->state) {
        case S_PREAMBLE:
            p = memmem(m->buf, m->used, m->delim, m->delim_len);
            if (!p) {
                consume(m, safe_length(m));
                return MULTIPART_OK;
            }
            consume(m, (size_t)(p - m->buf) + m->delim_len);
            m->state = S_AFTER_DELIM;
            break;
        case S_AFTER_DELIM:
            if (m->used < 2)
                return MULTIPART_OK;
            if (m->buf[0] == '-' && m->buf[1] == '-') {
                m->state = S_EPILOGUE;
                break;
            }
            n = 0;
            while (n < m->used && (m->buf[n] == ' ' || m->buf[n] == '\t'))
                n++; /* transport padding */
            if (n + 2 > m->used)
                return m->used == BUF_SIZE ? MULTIPART_BAD : MULTIPART_OK;
            if (m->buf[n] != '\r' || m->buf[n + 1] != '\n')
                return MULTIPART_BAD;
            consume(m, n + 2);
            m->state = S_HEADERS;
            break;
        case S_HEADERS: {
            struct multipart_part part;
            size_t len;

            if (m->used >= 2 && m->buf[0] == '\r' && m->buf[1] == '\n')
                return MULTIPART_BAD; /* no header lines at all */
            p = memmem(m->buf, m->used, "\r\n\r\n", 4);
            if (!p)
                return m->used >= MULTIPART_HEADERS_MAX ? MULTIPART_BAD
                                                        : MULTIPART_OK;
            len = (size_t)(p - m->buf);
            if (len > MULTIPART_HEADERS_MAX ||
                parse_headers(m, m->buf, len, &part) != 0)
                return MULTIPART_BAD;
            consume(m, len + 4);
            m->state = S_BODY;
            if (m->h.begin(m->h.arg, &part) != 0)
                return MULTIPART_STOPPED;
            break;
        }
        case S_BODY:
            p = memmem(m->buf, m->used, m->delim, m->delim_len);
            n = p ? (size_t)(p - m->buf) : safe_length(m);
            if (n > 0 && m->h.data(m->h.arg, m->buf, n) != 0)
                return MULTIPART_STOPPED;
            if (!p) {
                consume(m, n);
                return MULTIPART_OK;
            }
            if (m->h.end(m->h.arg) != 0)
                return MULTIPART_STOPPED;
            consume(m, n + m->delim_len);
            m->state = S_AFTER_DELIM;
            break;
        case S_EPILOGUE:
            m->used = 0;
            return MULTIPART_OK;
        }
    }
}

struct multipart *
multipart_new(const char *boundary, const struct multipart_handler *h)
{
    struct multipart *m;
    size_t blen = strlen(boundary);

    if (blen == 0 || blen > MULTIPART_BOUNDARY_MAX)
        return NULL;
    m = malloc(sizeof *m);
    if (!m)
        return NULL;
    m->h = *h;
    m->state = S_PREAMBLE;
    m->status = MULTIPART_OK;
    memcpy(m->delim, "\r\n--", 4);
    memcpy(m->delim + 4, boundary, blen + 1);
    m->delim_len = 4 + blen;
    /* As if a line ended just before the body: the first delimiter needs
     * no CRLF of its own. */
    memcpy(m->buf, "\r\n", 2);
    m->used = 2;
    m->scratch_used = 0;
    return m;
}

enum multipart_status
multipart_feed(struct multipart *m, const char *data, size_t len)
{
    while (m->status == MULTIPART_OK && len > 0) {
        size_t n = BUF_SIZE - m->used < len ? BUF_SIZE - m->used : len;

        memcpy(m->buf + m->used, data, n);
        m->used += n;
        data += n;
        len -= n;
        m->status = process(m);
    }
    return m->status;
}

enum multipart_status
multipart_finish(struct multipart *m)
{
    if (m->status == MULTIPART_OK && m->state != S_EPILOGUE)
        m->status = MULTIPART_BAD;
    return m->status;
}

void
multipart_free(struct multipart *m)
{
    free(m);
}
