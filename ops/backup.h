/* ykien backup: a consistent copy of a data folder while the daemon keeps
 * serving.  The database is copied with SQLite's online backup (one
 * snapshot: every comment committed before the backup started is in it);
 * the attachment files its rows name are then hard-linked into the copy
 * (stored files are never changed, only removed), or copied where the
 * file system does not allow a link.  The copy is checked with
 * PRAGMA integrity_check, and appears under DEST/ykien.db only when
 * complete; `ykien serve --data DEST` then starts from it. */
#ifndef YKIEN_OPS_BACKUP_H
#define YKIEN_OPS_BACKUP_H

#include <stddef.h>
#include <stdint.h>

struct backup_report {
    int64_t files_linked;
    int64_t files_copied;
    int64_t files_missing; /* removed since the snapshot (erasure) */
    double db_seconds;     /* the database copy and its check */
    double files_seconds;
};

/* Copies data_dir into dest, which must not exist or be an empty
 * folder.  0, or -1 with a reason in err. */
int backup_run(const char *data_dir, const char *dest, struct backup_report *r,
               char *err, size_t err_len);

#endif
