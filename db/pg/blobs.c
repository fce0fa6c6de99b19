/* Attachment contents on PostgreSQL: a blob row per content and its bytes
 * in chunks of BLOB_CHUNK_BYTES, written from the staged file and read
 * back one chunk at a time, so that a process holds at most one chunk of
 * a content however large it is, and any process sharing the database
 * serves any content. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/pg/pg.h"

/* Reads exactly len bytes unless the file ends first; the count or -1. */
static ssize_t
read_full(int fd, unsigned char *buf, size_t len)
{
    size_t got = 0;

    while (got < len) {
        ssize_t n = read(fd, buf + got, len - got);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

enum db_status
pg_blob_put(struct db *db, const char *sha256, char *path, int64_t size)
{
    struct pg_params p = {0};
    unsigned char *chunk = NULL;
    PGresult *r;
    enum db_status st;
    int64_t written = 0;
    int fd = -1;

    DB_ASSERT_IN_TRANSACTION(db);
    pg_text(&p, sha256);
    pg_int(&p, size);
    if ((st = pg_run(pg(db), PG_BLOB_INSERT, &p, false, &r)) != DB_OK)
        return st;
    st = strcmp(PQcmdTuples(r), "1") == 0 ? DB_OK : DB_CONFLICT;
    PQclear(r);
    if (st == DB_CONFLICT)
        return DB_OK; /* stored already: shared */
    st = DB_ERROR;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    chunk = malloc(BLOB_CHUNK_BYTES);
    if (fd < 0 || !chunk)
        goto out;
    for (int seq = 0;; seq++) {
        ssize_t n = read_full(fd, chunk, BLOB_CHUNK_BYTES);

        if (n < 0)
            goto out;
        if (n == 0 && seq > 0)
            break;
        memset(&p, 0, sizeof p);
        pg_text(&p, sha256);
        pg_int(&p, seq);
        pg_bytes(&p, chunk, (int)n);
        if ((st = pg_run(pg(db), PG_BLOB_CHUNK_INSERT, &p, false, NULL)) !=
            DB_OK)
            goto out;
        st = DB_ERROR;
        written += n;
        if (n < BLOB_CHUNK_BYTES)
            break;
    }
    /* The file is what was uploaded and hashed: it cannot have changed. */
    st = written == size ? DB_OK : DB_ERROR;
out:
    free(chunk);
    if (fd >= 0)
        close(fd);
    return st;
}

/* An open content: one chunk at a time in buf. */
struct pg_blob {
    struct db_blob base;
    struct pg_db *p;
    char sha256[65];
    int64_t size;
    int seq;            /* the chunk in buf, -1: none */
    size_t len;         /* its length */
    unsigned char *buf; /* BLOB_CHUNK_BYTES */
};

/* Loads chunk seq into b->buf. */
static enum db_status
load(struct pg_blob *b, int seq)
{
    struct pg_params p = {0};
    PGresult *r;
    enum db_status st;

    pg_text(&p, b->sha256);
    pg_int(&p, seq);
    if ((st = pg_run(b->p, PG_BLOB_CHUNK_GET, &p, true, &r)) != DB_OK)
        return st;
    if (PQntuples(r) != 1 || PQgetlength(r, 0, 0) > BLOB_CHUNK_BYTES) {
        PQclear(r);
        return DB_NOT_FOUND;
    }
    b->len = (size_t)PQgetlength(r, 0, 0);
    memcpy(b->buf, PQgetvalue(r, 0, 0), b->len);
    b->seq = seq;
    PQclear(r);
    return DB_OK;
}

static ssize_t
blob_read(struct db_blob *base, uint64_t offset, void *out, size_t len)
{
    struct pg_blob *b = (struct pg_blob *)base;
    int seq = (int)(offset / BLOB_CHUNK_BYTES);
    size_t at = (size_t)(offset % BLOB_CHUNK_BYTES);

    if (offset >= (uint64_t)b->size)
        return 0;
    if (b->seq != seq && load(b, seq) != DB_OK)
        return -1;
    if (at >= b->len)
        return -1;
    if (len > b->len - at)
        len = b->len - at;
    memcpy(out, b->buf + at, len);
    return (ssize_t)len;
}

static void
blob_close(struct db_blob *base)
{
    struct pg_blob *b = (struct pg_blob *)base;

    free(b->buf);
    free(b);
}

static const struct db_blob_ops chunk_ops = {
    .take_fd = NULL,
    .read = blob_read,
    .close = blob_close,
};

enum db_status
pg_blob_open(struct db *db, const char *sha256, int64_t size,
             struct db_blob **out)
{
    struct pg_blob *b = calloc(1, sizeof *b);
    enum db_status st;

    if (!b || !(b->buf = malloc(BLOB_CHUNK_BYTES))) {
        free(b);
        return DB_ERROR;
    }
    b->base.ops = &chunk_ops;
    b->p = pg(db);
    snprintf(b->sha256, sizeof b->sha256, "%s", sha256);
    b->size = size;
    b->seq = -1;
    /* The first chunk now: a missing content is an error reply, not a cut
     * download, and a small file needs no other round trip. */
    if ((st = load(b, 0)) != DB_OK) {
        blob_close(&b->base);
        return st;
    }
    *out = &b->base;
    return DB_OK;
}

enum db_status
pg_blob_release(struct db *db, const char *sha256)
{
    struct pg_params p = {0};

    pg_text(&p, sha256);
    return pg_run(pg(db), PG_BLOB_RELEASE, &p, false, NULL);
}

enum db_status
pg_blob_sweep(struct db *db)
{
    /* A content that a transaction in flight is starting to refer to
     * again makes the foreign key refuse the deletion: it is kept, and
     * swept at a later start if it is then unreferenced. */
    enum db_status st = pg_run(pg(db), PG_BLOB_SWEEP, NULL, false, NULL);

    return st == DB_CONFLICT ? DB_OK : st;
}
