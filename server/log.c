/* stderr logging.  Each line is written with one call so lines from worker
 * threads do not interleave. */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

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

void
log_request(const char *client, const char *method, const char *path, unsigned status,
            uint64_t bytes, uint64_t micros)
{
    char when[32], safe[256];
    size_t o = 0;

    stamp(when, sizeof when);
    /* The path is cut and its control bytes escaped, so a hostile URL can
     * neither flood the log nor forge lines in it. */
    for (const unsigned char *p = (const unsigned char *)path; *p && o + 5 < sizeof safe; p++) {
        if (*p < 0x20 || *p == 0x7F || *p == ' ')
            o += (size_t)snprintf(safe + o, sizeof safe - o, "%%%02X", *p);
        else
            safe[o++] = (char)*p;
    }
    safe[o] = '\0';
    fprintf(stderr, "%s %s %.16s %s %u %llu %lluus\n", when, client, method, safe, status,
            (unsigned long long)bytes, (unsigned long long)micros);
}
