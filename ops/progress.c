/* The import progress bar. */
#include <stdio.h>
#include <time.h>

#include "ops/progress.h"

enum { BAR_WIDTH = 30 };

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
progress_start(struct progress *p, bool enabled, int64_t total_bytes)
{
    p->enabled = enabled;
    p->total_bytes = total_bytes;
    p->started = now();
    p->drawn = 0;
}

static void
draw(struct progress *p, int64_t bytes, int64_t comments, double t)
{
    double elapsed = t - p->started;
    double rate = elapsed > 0 ? (double)comments / elapsed : 0;
    char bar[BAR_WIDTH + 1];

    if (p->total_bytes > 0) {
        double done = (double)bytes / (double)p->total_bytes;
        int fill = (int)(done * BAR_WIDTH);

        if (done > 1)
            done = 1;
        for (int i = 0; i < BAR_WIDTH; i++)
            bar[i] = i < fill ? '#' : '-';
        bar[BAR_WIDTH] = '\0';
        fprintf(stderr, "\r[%s] %5.1f%%  %.1f/%.1f MB  %lld comments  %.0f/s ",
                bar, done * 100, (double)bytes / 1e6,
                (double)p->total_bytes / 1e6, (long long)comments, rate);
    } else {
        fprintf(stderr, "\r%.1f MB  %lld comments  %.0f/s ",
                (double)bytes / 1e6, (long long)comments, rate);
    }
    fflush(stderr);
    p->drawn = t;
}

void
progress_update(struct progress *p, int64_t bytes, int64_t comments)
{
    double t;

    if (!p->enabled)
        return;
    t = now();
    if (t - p->drawn >= 0.1)
        draw(p, bytes, comments, t);
}

void
progress_end(struct progress *p, int64_t bytes, int64_t comments)
{
    if (!p->enabled)
        return;
    draw(p, bytes, comments, now());
    fputc('\n', stderr);
}
