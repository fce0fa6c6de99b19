/* The backup command: the database through db/backup.h, then the files. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "db/backup.h"
#include "db/imports.h"
#include "ops/backup.h"

enum { PATH_MAX_BYTES = 4400 };

struct copy {
    const char *from, *to; /* the data folders */
    struct backup_report *r;
    char *err;
    size_t err_len;
};

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
fsync_path(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int rc;

    if (fd < 0)
        return -1;
    rc = fsync(fd);
    close(fd);
    return rc;
}

/* Copies a file byte for byte and makes the copy durable. */
static int
copy_file(const char *from, const char *to)
{
    char buf[65536];
    int in = open(from, O_RDONLY | O_CLOEXEC), out = -1, rc = -1;
    ssize_t n;

    if (in < 0)
        return -1;
    out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (out < 0)
        goto out;
    while ((n = read(in, buf, sizeof buf)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || write(out, buf, (size_t)n) != n)
            goto out;
    }
    rc = fsync(out);
out:
    if (out >= 0 && close(out) != 0)
        rc = -1;
    close(in);
    if (rc != 0 && out >= 0)
        unlink(to);
    return rc;
}

static int
copy_stored(const char *sha256, void *arg)
{
    struct copy *c = arg;
    char from[PATH_MAX_BYTES], dir[PATH_MAX_BYTES], to[PATH_MAX_BYTES + 80];

    snprintf(from, sizeof from, "%s/files/%.2s/%s", c->from, sha256, sha256);
    snprintf(dir, sizeof dir, "%s/files/%.2s", c->to, sha256);
    snprintf(to, sizeof to, "%s/%s", dir, sha256);
    if (mkdir(dir, 0750) != 0 && errno != EEXIST)
        goto fail;
    if (link(from, to) == 0) {
        c->r->files_linked++;
        return 0;
    }
    if (errno == ENOENT && access(from, F_OK) != 0) {
        /* erased after the snapshot: its comment no longer shows it */
        fprintf(stderr, "ykien: backup: %s is gone (erased meanwhile)\n",
                sha256);
        c->r->files_missing++;
        return 0;
    }
    if (errno == EEXIST || copy_file(from, to) == 0) {
        c->r->files_copied++;
        return 0;
    }
fail:
    snprintf(c->err, c->err_len, "cannot copy %s to %s: %s", from, to,
             strerror(errno));
    return -1;
}

/* Makes the copy's folders durable, the per-prefix ones included. */
static int
sync_folders(const char *dest)
{
    char path[PATH_MAX_BYTES];
    struct dirent *e;
    DIR *d;
    int rc = 0;

    snprintf(path, sizeof path, "%s/files", dest);
    d = opendir(path);
    if (!d)
        return -1;
    while ((e = readdir(d))) {
        char sub[PATH_MAX_BYTES + 300];

        if (e->d_name[0] == '.')
            continue;
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        rc |= fsync_path(sub);
    }
    closedir(d);
    return rc | fsync_path(path) | fsync_path(dest);
}

/* dest must be absent or an empty folder; then it and its sub-folders
 * are made. */
static int
prepare_dest(const char *dest, char *err, size_t err_len)
{
    const char *subdirs[] = {"/tmp", "/files"};
    DIR *d = opendir(dest);

    if (d) {
        struct dirent *e;

        while ((e = readdir(d))) {
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
                closedir(d);
                snprintf(err, err_len, "%s is not empty", dest);
                return -1;
            }
        }
        closedir(d);
    } else if (errno != ENOENT || mkdir(dest, 0750) != 0) {
        snprintf(err, err_len, "cannot create %s: %s", dest, strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < sizeof subdirs / sizeof subdirs[0]; i++) {
        char path[PATH_MAX_BYTES];

        snprintf(path, sizeof path, "%s%s", dest, subdirs[i]);
        if (mkdir(path, 0750) != 0) {
            snprintf(err, err_len, "cannot create %s: %s", path,
                     strerror(errno));
            return -1;
        }
    }
    return 0;
}

int
backup_run(const char *data_dir, const char *dest, struct backup_report *r,
           char *err, size_t err_len)
{
    char src[PATH_MAX_BYTES], partial[PATH_MAX_BYTES], final[PATH_MAX_BYTES];
    char why[512];
    struct copy c = {
        .from = data_dir,
        .to = dest,
        .r = r,
        .err = err,
        .err_len = err_len,
    };
    struct db *db = NULL;
    struct stat sb;
    double t0 = now(), t1;
    int rc = -1;

    memset(r, 0, sizeof *r);
    snprintf(src, sizeof src, "%s/ykien.db", data_dir);
    snprintf(partial, sizeof partial, "%s/ykien.db.partial", dest);
    snprintf(final, sizeof final, "%s/ykien.db", dest);
    if (stat(src, &sb) != 0) {
        snprintf(err, err_len, "no database in %s: %s", data_dir,
                 strerror(errno));
        return -1;
    }
    if (prepare_dest(dest, err, err_len) != 0)
        return -1;
    if (db_open(src, &db, why, sizeof why) != 0) {
        snprintf(err, err_len, "%s", why);
        goto out;
    }
    if (db_backup(db, partial, err, err_len) != 0)
        goto out;
    db_close(db);
    db = NULL;
    /* The copy, checked and read for the files it names. */
    if (db_open(partial, &db, why, sizeof why) != 0) {
        snprintf(err, err_len, "the copy does not open: %s", why);
        goto out;
    }
    if (db_integrity_check(db, why, sizeof why) != 0) {
        snprintf(err, err_len, "the copy fails its integrity check: %s", why);
        goto out;
    }
    t1 = now();
    r->db_seconds = t1 - t0;
    if (db_attachment_shas(db, copy_stored, &c) != DB_OK) {
        if (!err[0])
            snprintf(err, err_len, "cannot list the attachments: %s",
                     db_errmsg(db));
        goto out;
    }
    db_close(db);
    db = NULL;
    if (sync_folders(dest) != 0 || rename(partial, final) != 0 ||
        fsync_path(dest) != 0) {
        snprintf(err, err_len, "cannot finish %s: %s", final, strerror(errno));
        goto out;
    }
    r->files_seconds = now() - t1;
    rc = 0;
out:
    db_close(db);
    return rc;
}
