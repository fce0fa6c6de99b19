/* The SQLite backend's content store: files under DIR/files/ab/<sha256>,
 * beside the database, made durable (file and folder fsynced) before the
 * transaction that refers to them commits, and read with sendfile. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db/sqlite/sqlite.h"

static void
store_path(const struct sq_db *s, const char *sha256, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%.2s/%s", s->files_dir, sha256, sha256);
}

static int
fsync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc;

    if (fd < 0)
        return -1;
    rc = fsync(fd);
    close(fd);
    return rc;
}

enum db_status
sq_blob_put(struct db *db, const char *sha256, char *tmp_path, int64_t size)
{
    struct sq_db *s = sq(db);
    char dir[4400], path[4600];

    DB_ASSERT_IN_TRANSACTION(db);
    snprintf(dir, sizeof dir, "%s/%.2s", s->files_dir, sha256);
    if (mkdir(dir, 0750) == 0) {
        /* The new folder's own entry must be durable too. */
        if (fsync_dir(s->files_dir) != 0)
            return DB_ERROR;
    } else if (errno != EEXIST) {
        return DB_ERROR;
    }
    store_path(s, sha256, path, sizeof path);
    if (access(path, F_OK) == 0) {
        /* Same content already stored: share it. */
        unlink(tmp_path);
    } else if (rename(tmp_path, path) != 0) {
        return DB_ERROR;
    }
    /* The staged name is gone; forget it so that nobody unlinks a later
     * upload that happens to get the same name. */
    tmp_path[0] = '\0';
    return fsync_dir(dir) == 0 ? DB_OK : DB_ERROR;
}

/* An open stored file. */
struct sq_blob {
    struct db_blob base;
    int fd;
};

static int
blob_take_fd(struct db_blob *b)
{
    struct sq_blob *f = (struct sq_blob *)b;
    int fd = f->fd;

    f->fd = -1;
    return fd;
}

static ssize_t
blob_read(struct db_blob *b, uint64_t offset, void *buf, size_t len)
{
    struct sq_blob *f = (struct sq_blob *)b;

    return f->fd < 0 ? -1 : pread(f->fd, buf, len, (off_t)offset);
}

static void
blob_close(struct db_blob *b)
{
    struct sq_blob *f = (struct sq_blob *)b;

    if (f->fd >= 0)
        close(f->fd);
    free(f);
}

static const struct db_blob_ops file_ops = {
    .take_fd = blob_take_fd,
    .read = blob_read,
    .close = blob_close,
};

enum db_status
sq_blob_open(struct db *db, const char *sha256, int64_t size,
             struct db_blob **out)
{
    struct sq_blob *f = malloc(sizeof *f);
    char path[4600];

    if (!f)
        return DB_ERROR;
    store_path(sq(db), sha256, path, sizeof path);
    f->base.ops = &file_ops;
    f->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (f->fd < 0) {
        free(f);
        return errno == ENOENT ? DB_NOT_FOUND : DB_ERROR;
    }
    *out = &f->base;
    return DB_OK;
}

enum db_status
sq_blob_release(struct db *db, const char *sha256)
{
    char path[4600], dir[4400];
    enum db_status st = sq_attachment_sha_in_use(db, sha256);

    if (st == DB_OK)
        return DB_OK;
    if (st != DB_NOT_FOUND)
        return st;
    store_path(sq(db), sha256, path, sizeof path);
    if (unlink(path) != 0 && errno != ENOENT)
        return DB_ERROR;
    snprintf(dir, sizeof dir, "%s/%.2s", sq(db)->files_dir, sha256);
    fsync_dir(dir);
    return DB_OK;
}

static bool
is_sha_name(const char *s)
{
    size_t n = strspn(s, "0123456789abcdef");

    return n == 64 && s[64] == '\0';
}

/* Removes the files of dir that no attachment row refers to. */
static void
sweep_dir(struct db *db, const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[4900];

    if (!d)
        return;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (is_sha_name(e->d_name) &&
            sq_attachment_sha_in_use(db, e->d_name) != DB_NOT_FOUND)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
}

enum db_status
sq_blob_sweep(struct db *db)
{
    struct sq_db *s = sq(db);
    DIR *d = opendir(s->files_dir);
    struct dirent *e;

    if (!d)
        return DB_OK;
    while ((e = readdir(d))) {
        char sub[4600];

        if (e->d_name[0] == '.' || strlen(e->d_name) != 2)
            continue;
        snprintf(sub, sizeof sub, "%s/%s", s->files_dir, e->d_name);
        sweep_dir(db, sub);
    }
    closedir(d);
    return DB_OK;
}
