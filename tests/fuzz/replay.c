/* Replays fuzz inputs without libFuzzer: for each argument, a file or a
 * folder of files (read in name order, dot files skipped), calls the
 * target's LLVMFuzzerTestOneInput once per file.  A crash or a broken
 * invariant aborts; otherwise the exit status is 0, or 1 when an argument
 * cannot be read or names no input at all (a missing corpus is a mistake).
 * Each input is read into a buffer of exactly its size, so that an
 * overread shows under ASan or valgrind as it would under libFuzzer. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 0 after running the file, -1 when it cannot be read. */
static int
replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    long len;
    int rc = -1;

    if (!f)
        goto out;
    if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0)
        goto out;
    /* malloc(0) may return NULL; the target never reads an empty input. */
    buf = malloc(len > 0 ? (size_t)len : 1);
    if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len)
        goto out;
    LLVMFuzzerTestOneInput(buf, (size_t)len);
    rc = 0;
out:
    if (rc != 0)
        fprintf(stderr, "replay: cannot read %s: %s\n", path, strerror(errno));
    free(buf);
    if (f)
        fclose(f);
    return rc;
}

static int
by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int
not_hidden(const struct dirent *d)
{
    return d->d_name[0] != '.';
}

/* The number of inputs replayed from dir, or -1. */
static int
replay_dir(const char *dir)
{
    struct dirent **names;
    int n = scandir(dir, &names, not_hidden, by_name);
    int done = 0;

    if (n < 0) {
        fprintf(stderr, "replay: cannot read %s: %s\n", dir, strerror(errno));
        return -1;
    }
    for (int i = 0; i < n; i++) {
        char path[4096];
        struct stat st;

        snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            if (replay_file(path) != 0)
                done = -1;
            else if (done >= 0)
                done++;
        }
        free(names[i]);
    }
    free(names);
    return done;
}

int
main(int argc, char **argv)
{
    int total = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR|FILE...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        struct stat st;
        int n;

        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
            return 1;
        }
        n = S_ISDIR(st.st_mode)         ? replay_dir(argv[i])
            : replay_file(argv[i]) == 0 ? 1
                                        : -1;
        if (n < 0)
            return 1;
        total += n;
    }
    if (total == 0) {
        fprintf(stderr, "replay: no inputs\n");
        return 1;
    }
    printf("replayed %d inputs without a crash\n", total);
    return 0;
}
