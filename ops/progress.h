/* A progress bar on stderr for long imports: bytes read of the total,
 * comments imported, and the rate.  Drawn only when enabled (stderr is a
 * terminal), at most ten times a second. */
#ifndef YKIEN_OPS_PROGRESS_H
#define YKIEN_OPS_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct progress {
    bool enabled;
    int64_t total_bytes; /* 0: unknown (a pipe) */
    double started;
    double drawn;
};

void progress_start(struct progress *p, bool enabled, int64_t total_bytes);
void progress_update(struct progress *p, int64_t bytes, int64_t comments);
/* Draws the last state and ends the line. */
void progress_end(struct progress *p, int64_t bytes, int64_t comments);

#endif
