/* What an import did, for the summary it prints at the end: comments
 * imported, skipped (already there, or not comments) and refused, with
 * the reasons.  Reasons are static strings. */
#ifndef YKIEN_OPS_REPORT_H
#define YKIEN_OPS_REPORT_H

#include <stdint.h>
#include <stdio.h>

enum { REPORT_REASONS = 24 };

struct import_report {
    int64_t imported;
    int64_t skipped;
    int64_t refused;
    int64_t attachments; /* files stored (JSON Lines only) */
    int64_t replies_linked;
    int64_t replies_unlinked; /* parent missing: kept top-level */
    struct {
        const char *why; /* static */
        int skipped;     /* counted as skipped, not refused */
        int64_t n;
    } reasons[REPORT_REASONS];
    int n_reasons;
};

/* Counts one comment skipped (skip != 0) or refused, for why. */
void report_count(struct import_report *r, int skip, const char *why);
/* The summary, a few lines. */
void report_print(const struct import_report *r, FILE *out);

#endif
