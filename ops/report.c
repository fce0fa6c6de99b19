/* The summary of an import. */
#include <string.h>

#include "ops/report.h"

void
report_count(struct import_report *r, int skip, const char *why)
{
    int i;

    if (skip)
        r->skipped++;
    else
        r->refused++;
    for (i = 0; i < r->n_reasons; i++) {
        if (strcmp(r->reasons[i].why, why) == 0)
            break;
    }
    if (i == r->n_reasons) {
        if (i == REPORT_REASONS)
            return; /* the totals still count it */
        r->reasons[i].why = why;
        r->reasons[i].skipped = skip;
        r->n_reasons++;
    }
    r->reasons[i].n++;
}

static void
print_reasons(const struct import_report *r, FILE *out, int skipped)
{
    for (int i = 0; i < r->n_reasons; i++) {
        if (r->reasons[i].skipped == skipped)
            fprintf(out, "  %10lld  %s\n", (long long)r->reasons[i].n,
                    r->reasons[i].why);
    }
}

void
report_print(const struct import_report *r, FILE *out)
{
    fprintf(out, "imported %lld comments", (long long)r->imported);
    if (r->attachments)
        fprintf(out, " with %lld attachments", (long long)r->attachments);
    fprintf(out, ", skipped %lld, refused %lld\n", (long long)r->skipped,
            (long long)r->refused);
    print_reasons(r, out, 1);
    print_reasons(r, out, 0);
    if (r->replies_linked || r->replies_unlinked)
        fprintf(out,
                "replies: %lld linked to their parent, %lld kept top-level "
                "(parent missing or in another article)\n",
                (long long)r->replies_linked, (long long)r->replies_unlinked);
}
