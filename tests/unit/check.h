/* A tiny test harness: CHECK() records a failure and goes on; each program
 * ends with check_report(), which prints "N passed, M failed". */
#ifndef YKIEN_TESTS_CHECK_H
#define YKIEN_TESTS_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (cond) {                                                            \
            check_passed++;                                                    \
        } else {                                                               \
            check_failed++;                                                    \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__,   \
                    #cond);                                                    \
        }                                                                      \
    } while (0)

#define CHECK_STR(got, want)                                                   \
    do {                                                                       \
        const char *got_ = (got), *want_ = (want);                             \
        if (got_ && want_ && strcmp(got_, want_) == 0) {                       \
            check_passed++;                                                    \
        } else {                                                               \
            check_failed++;                                                    \
            fprintf(stderr, "%s:%d: got \"%s\", want \"%s\"\n", __FILE__,      \
                    __LINE__, got_ ? got_ : "(null)",                          \
                    want_ ? want_ : "(null)");                                 \
        }                                                                      \
    } while (0)

static inline int
check_report(void)
{
    printf("%d passed, %d failed\n", check_passed, check_failed);
    return check_failed ? 1 : 0;
}

#endif
