/* stderr logging.  Each line is written with one call so lines from worker
 * threads do not interleave. */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "server/log.h"

/* The time stamp changes once a second: each thread formats it once a
 * second, not once a line. */
static void
stamp(char *buf, size_t len)
{
    static _Thread_local time_t last;
    static _Thread_local char text[32];
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME_COARSE, &ts);
    if (ts.tv_sec != last) {
        struct tm tm;

        gmtime_r(&ts.tv_sec, &tm);
        strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
        last = ts.tv_sec;
    }
    snprintf(buf, len, "%s", text);
}

__attribute__((format(printf, 2, 0))) static void
vlog(const char *level, const char *fmt, va_list ap)
{
    char line[1024], when[32];
    int n;

    stamp(when, sizeof when);
    n = snprintf(line, sizeof line, "%s %s ", when, level);
    if (n > 0 && (size_t)n < sizeof line)
        vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    fprintf(stderr, "%s\n", line);
}

void
log_info(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog("info", fmt, ap);
    va_end(ap);
}

void
log_error(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog("error", fmt, ap);
    va_end(ap);
}

/* Appends s (at most max bytes of it) to the line at *o. */
static void
put_str(char *line, size_t cap, size_t *o, const char *s, size_t max)
{
    for (size_t i = 0; s[i] && i < max && *o < cap; i++)
        line[(*o)++] = s[i];
}

static void
put_uint(char *line, size_t cap, size_t *o, uint64_t v)
{
    char digits[24];
    size_t n = 0;

    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n > 0 && *o < cap)
        line[(*o)++] = digits[--n];
}

/* Appends at most max bytes for s, escaping control bytes and spaces as
 * %XX.  The line has room for it: callers pass fixed small maxima. */
static void
put_escaped(char *line, size_t *o, const char *s, size_t max)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t end = *o + max;

    for (const unsigned char *p = (const unsigned char *)s; *p && *o + 3 <= end;
         p++) {
        if (*p < 0x20 || *p == 0x7F || *p == ' ') {
            line[(*o)++] = '%';
            line[(*o)++] = hex[*p >> 4];
            line[(*o)++] = hex[*p & 15];
        } else {
            line[(*o)++] = (char)*p;
        }
    }
}

void
log_request(const char *client, const char *method, const char *path,
            unsigned status, uint64_t bytes, uint64_t micros)
{
    /* Formatted by hand and written with one write(2): this runs for every
     * request, and stdio's formatting was a visible share of a cached
     * page's cost. */
    char line[512], when[32];
    size_t o = 0, cap = sizeof line - 1;

    stamp(when, sizeof when);
    put_str(line, cap, &o, when, sizeof when);
    line[o++] = ' ';
    put_str(line, cap, &o, client, 64);
    line[o++] = ' ';
    /* Method and path are the client's words: cut, with control bytes
     * escaped, so that they can neither flood the log nor forge lines or
     * terminal sequences in it. */
    put_escaped(line, &o, method, 16);
    line[o++] = ' ';
    put_escaped(line, &o, path, 255);
    line[o++] = ' ';
    put_uint(line, cap, &o, status);
    line[o++] = ' ';
    put_uint(line, cap, &o, bytes);
    line[o++] = ' ';
    put_uint(line, cap, &o, micros);
    put_str(line, cap, &o, "us", 2);
    line[o++] = '\n';
    if (write(STDERR_FILENO, line, o) < 0) {
        /* Nowhere left to report it. */
    }
}
