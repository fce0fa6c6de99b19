/* Attachment contents, stored once per SHA-256 whatever the number of
 * attachments that share them.  On SQLite they are files under
 * DATA/files/ab/<sha256> (read with sendfile); on PostgreSQL rows of
 * BLOB_CHUNK_BYTES in the database, written and read a chunk at a time so
 * that memory stays flat whatever the file's size, and served by any
 * process that shares the database. */
#ifndef YKIEN_DB_BLOBS_H
#define YKIEN_DB_BLOBS_H

#include <stdint.h>
#include <sys/types.h>

#include "db/db.h"

enum { BLOB_CHUNK_BYTES = 256 * 1024 };

/* Stores the file at path (size bytes, whose SHA-256 in lower-case hex is
 * sha256) as that content, unless it is stored already; durable when the
 * transaction commits.  A step of a transaction's work.  The file may be
 * taken over: path is then set to "" (the caller must not remove it any
 * more); otherwise it stays the caller's. */
enum db_status db_blob_put(struct db *db, const char *sha256, char *path,
                           int64_t size);

/* A stored content opened for reading: reads go through the connection
 * that opened it, so it is read on that connection's thread and closed
 * before the connection is. */
struct db_blob;

/* Opens content sha256 of size bytes.  DB_NOT_FOUND when it is not
 * stored.  *out is new, released by db_blob_close(). */
enum db_status db_blob_open(struct db *db, const char *sha256, int64_t size,
                            struct db_blob **out);
/* The content as a file descriptor positioned at 0, handed over to the
 * caller (who closes it), when the backend keeps it as a file; -1
 * otherwise, and then it is read with db_blob_read(). */
int db_blob_take_fd(struct db_blob *b);
/* Copies up to len bytes from offset into buf: the count, 0 past the end,
 * -1 on failure. */
ssize_t db_blob_read(struct db_blob *b, uint64_t offset, void *buf, size_t len);
void db_blob_close(struct db_blob *b);

/* Removes content sha256 when no attachment refers to it any more (an
 * erased comment's files): DB_OK also when it is still referenced, or was
 * not stored. */
enum db_status db_blob_release(struct db *db, const char *sha256);

/* Start-up sweep: removes contents that no attachment refers to any more
 * (and, on SQLite, the stores' leftovers of a crash). */
enum db_status db_blob_sweep(struct db *db);

#endif
