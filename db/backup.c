/* Copies of a live database and their checks: the public calls of
 * backup.h, dispatched to the backend (db/sqlite/backup.c). */
#include <stdio.h>

#include "db/backend.h"
#include "db/backup.h"

int
db_backup(struct db *db, const char *dest_path, char *err, size_t err_len)
{
    if (!db->ops->backup) {
        snprintf(err, err_len,
                 "backup copies a SQLite database; on %s use its own tools "
                 "(pg_dump)",
                 db->ops->name);
        return -1;
    }
    return db->ops->backup(db, dest_path, err, err_len);
}

int
db_integrity_check(struct db *db, char *err, size_t err_len)
{
    if (!db->ops->integrity_check)
        return 0; /* nothing of ours to check (PostgreSQL checks its pages) */
    return db->ops->integrity_check(db, err, err_len);
}
