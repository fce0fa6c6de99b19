/* An LD_PRELOAD shim for the durability test: it wraps fsync() and
 * fdatasync() (SQLite syncs its WAL with fdatasync) and, for the files it
 * is told to watch, records which test comments a sync made durable.
 *
 * Before the real sync of a watched file, the whole file is read and
 * searched for markers (MARK followed by DIGITS decimal digits).  After the
 * sync returned 0, every marker not seen before is appended to LOG, one
 * line each ("mark MARKER"), followed by one "sync PATH NEW_MARKERS" line;
 * a marker in that file is therefore on disk before its line is written,
 * and its line is written before the sync returns to the daemon.  A reply
 * that the daemon sends after the sync thus finds its comment's marker in
 * LOG; one sent before it (or without one) does not.
 *
 * Configured by the environment; without YKIEN_SYNCSHIM_LOG it only passes
 * the calls on:
 *   YKIEN_SYNCSHIM_LOG       file to append to
 *   YKIEN_SYNCSHIM_WATCH     path prefix of the files to search
 *                            (e.g. DATA/ykien.db: the database and its WAL)
 *   YKIEN_SYNCSHIM_MARK      marker prefix
 *   YKIEN_SYNCSHIM_DIGITS    digits after it [8]
 *   YKIEN_SYNCSHIM_DELAY_US  sleep before each watched sync [0]: widens the
 *                            window in which an early reply would be seen
 * Test code only: it is never linked into ykien. */
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { MARK_MAX = 64, SEEN_SLOTS = 1 << 16 };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char seen[SEEN_SLOTS][MARK_MAX];
static size_t n_seen;

struct config {
    const char *log, *watch, *mark;
    size_t mark_len, digits;
    long delay_us;
};

/* NULL when the shim is off. */
static const struct config *
config(void)
{
    static struct config c;
    static int state; /* 0 unread, 1 on, -1 off; read under lock */

    pthread_mutex_lock(&lock);
    if (state == 0) {
        const char *digits = getenv("YKIEN_SYNCSHIM_DIGITS");
        const char *delay = getenv("YKIEN_SYNCSHIM_DELAY_US");

        c.log = getenv("YKIEN_SYNCSHIM_LOG");
        c.watch = getenv("YKIEN_SYNCSHIM_WATCH");
        c.mark = getenv("YKIEN_SYNCSHIM_MARK");
        c.digits = digits ? strtoul(digits, NULL, 10) : 8;
        c.delay_us = delay ? strtol(delay, NULL, 10) : 0;
        c.mark_len = c.mark ? strlen(c.mark) : 0;
        state =
            c.log && c.watch && c.mark_len && c.mark_len + c.digits < MARK_MAX
                ? 1
                : -1;
    }
    pthread_mutex_unlock(&lock);
    return state > 0 ? &c : NULL;
}

static size_t
slot_of(const char *mark, size_t len)
{
    size_t h = 14695981039346656037ull;

    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)mark[i]) * 1099511628211ull;
    return h % SEEN_SLOTS;
}

/* Adds the marker; true when it was new.  Called under lock. */
static int
remember(const char *mark, size_t len)
{
    size_t i = slot_of(mark, len);

    if (n_seen >= SEEN_SLOTS - 1)
        return 0;
    while (seen[i][0]) {
        if (strncmp(seen[i], mark, len) == 0 && seen[i][len] == '\0')
            return 0;
        i = (i + 1) % SEEN_SLOTS;
    }
    memcpy(seen[i], mark, len);
    seen[i][len] = '\0';
    n_seen++;
    return 1;
}

/* The file's contents (a new buffer, *len bytes), or NULL. */
static char *
slurp(int fd, size_t *len)
{
    struct stat st;
    char *buf;
    size_t got = 0;

    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        return NULL;
    buf = malloc((size_t)st.st_size + 1);
    if (!buf)
        return NULL;
    while (got < (size_t)st.st_size) {
        ssize_t n = pread(fd, buf + got, (size_t)st.st_size - got, (off_t)got);

        if (n <= 0)
            break;
        got += (size_t)n;
    }
    *len = got;
    return buf;
}

/* Markers found in buf, as "mark M\n" lines in a new string (*out_len
 * bytes), each found for the first time; *n_new counts them. */
static char *
new_marks(const struct config *c, const char *buf, size_t len, size_t *out_len,
          size_t *n_new)
{
    size_t cap = 4096, used = 0, whole = c->mark_len + c->digits;
    char *out = malloc(cap);
    const char *p = buf, *end = buf + len;

    *n_new = 0;
    if (!out)
        return NULL;
    pthread_mutex_lock(&lock);
    while ((size_t)(end - p) >= whole) {
        const char *hit = memmem(p, (size_t)(end - p), c->mark, c->mark_len);
        size_t i;

        if (!hit || (size_t)(end - hit) < whole)
            break;
        for (i = 0; i < c->digits && hit[c->mark_len + i] >= '0' &&
                    hit[c->mark_len + i] <= '9';
             i++)
            ;
        if (i == c->digits && remember(hit, whole)) {
            if (used + whole + 8 > cap) {
                char *bigger = realloc(out, cap * 2 + whole + 8);

                if (!bigger)
                    break;
                out = bigger;
                cap = cap * 2 + whole + 8;
            }
            memcpy(out + used, "mark ", 5);
            memcpy(out + used + 5, hit, whole);
            out[used + 5 + whole] = '\n';
            used += whole + 6;
            (*n_new)++;
        }
        p = hit + c->mark_len;
    }
    pthread_mutex_unlock(&lock);
    *out_len = used;
    return out;
}

static void
append(const char *path, const char *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);

    if (fd < 0)
        return;
    /* One write: lines from two threads never interleave. */
    if (write(fd, data, len) != (ssize_t)len)
        (void)0;
    close(fd);
}

static int
watched_sync(int fd, int (*real)(int))
{
    const struct config *c = config();
    char path[4096], *buf, *marks = NULL, tail[4200];
    ssize_t plen;
    size_t len = 0, marks_len = 0, n_new = 0;
    int rc;

    if (!c)
        return real(fd);
    snprintf(tail, sizeof tail, "/proc/self/fd/%d", fd);
    plen = readlink(tail, path, sizeof path - 1);
    if (plen <= 0)
        return real(fd);
    path[plen] = '\0';
    if (strncmp(path, c->watch, strlen(c->watch)) != 0)
        return real(fd);
    buf = slurp(fd, &len);
    if (buf)
        marks = new_marks(c, buf, len, &marks_len, &n_new);
    free(buf);
    if (c->delay_us > 0) {
        struct timespec ts = {c->delay_us / 1000000,
                              (c->delay_us % 1000000) * 1000};

        nanosleep(&ts, NULL);
    }
    rc = real(fd);
    if (rc == 0) {
        if (marks && marks_len)
            append(c->log, marks, marks_len);
        snprintf(tail, sizeof tail, "sync %s %zu\n", path, n_new);
        append(c->log, tail, strlen(tail));
    }
    free(marks);
    return rc;
}

int fsync(int fd);
int fdatasync(int fd);

int
fsync(int fd)
{
    static int (*real)(int);

    if (!real)
        real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    return watched_sync(fd, real);
}

int
fdatasync(int fd)
{
    static int (*real)(int);

    if (!real)
        real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    return watched_sync(fd, real);
}
