/* Helpers shared by the fuzz targets: a check that survives NDEBUG, and a
 * scratch data folder made once per process and removed at exit.  Header
 * only, so that each target stays one .c file plus this. */
#ifndef YKIEN_TESTS_FUZZ_H
#define YKIEN_TESTS_FUZZ_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A broken invariant is a crash, so that libFuzzer keeps the input. */
#define FUZZ_CHECK(cond)                                                       \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__,         \
                    __LINE__, #cond);                                          \
            abort();                                                           \
        }                                                                      \
    } while (0)

static inline void
fuzz_die(const char *what)
{
    fprintf(stderr, "fuzz set-up failed: %s\n", what);
    exit(1);
}

static inline int
fuzz_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

/* Removes dir and everything under it. */
static inline void
fuzz_rm_tree(const char *dir)
{
    nftw(dir, fuzz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Makes $TMPDIR/ykien-fuzz-XXXXXX with the daemon's tmp/ and files/ in it;
 * dir receives its path (4096 bytes). */
static inline void
fuzz_make_data_dir(char dir[4096])
{
    const char *tmp = getenv("TMPDIR");
    char sub[4200];

    snprintf(dir, 4096, "%s/ykien-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir))
        fuzz_die("mkdtemp");
    snprintf(sub, sizeof sub, "%s/tmp", dir);
    if (mkdir(sub, 0700) != 0)
        fuzz_die("mkdir tmp");
    snprintf(sub, sizeof sub, "%s/files", dir);
    if (mkdir(sub, 0700) != 0)
        fuzz_die("mkdir files");
}

#endif
