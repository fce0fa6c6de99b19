/* Copies of a live database, and the check that a copy is sound.  The
 * attachment files are ops/'s (ops/backup.c); this is the SQLite part. */
#ifndef YKIEN_DB_BACKUP_H
#define YKIEN_DB_BACKUP_H

#include <stddef.h>

#include "db/db.h"

/* Copies the database of db into a new file at dest_path with SQLite's
 * online backup, in one step: the copy is one snapshot, taken under a read
 * transaction, while other connections (a running daemon) go on writing.
 * The copy is fsynced.  On failure the reason is in err and dest_path may
 * hold a partial file for the caller to remove. */
int db_backup(struct db *db, const char *dest_path, char *err, size_t err_len);

/* PRAGMA integrity_check: 0 when it says "ok", else -1 with its first
 * complaint in err. */
int db_integrity_check(struct db *db, char *err, size_t err_len);

#endif
