/* SQLite's online backup of a database, and its integrity check. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "db/sqlite/sqlite.h"

int
sq_backup(struct db *db, const char *dest_path, char *err, size_t err_len)
{
    sqlite3 *dest = NULL;
    sqlite3_backup *b;
    int rc = -1, step, fd;

    if (sqlite3_open_v2(dest_path, &dest,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                        NULL) != SQLITE_OK) {
        snprintf(err, err_len, "cannot create %s: %s", dest_path,
                 dest ? sqlite3_errmsg(dest) : "out of memory");
        goto out;
    }
    b = sqlite3_backup_init(dest, "main", sq(db)->conn, "main");
    if (!b) {
        snprintf(err, err_len, "cannot start the backup: %s",
                 sqlite3_errmsg(dest));
        goto out;
    }
    /* All pages in one step: the source stays one snapshot (a step of
     * fewer pages lets a writer in between, and the backup would start
     * over on every commit of a busy daemon). */
    do {
        step = sqlite3_backup_step(b, -1);
        if (step == SQLITE_BUSY || step == SQLITE_LOCKED)
            sqlite3_sleep(50);
    } while (step == SQLITE_BUSY || step == SQLITE_LOCKED || step == SQLITE_OK);
    if (sqlite3_backup_finish(b) != SQLITE_OK || step != SQLITE_DONE) {
        snprintf(err, err_len, "backup failed: %s", sqlite3_errmsg(dest));
        goto out;
    }
    if (sqlite3_close(dest) != SQLITE_OK) {
        snprintf(err, err_len, "cannot close %s", dest_path);
        dest = NULL;
        goto out;
    }
    dest = NULL;
    fd = open(dest_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) != 0) {
        snprintf(err, err_len, "cannot sync %s", dest_path);
        if (fd >= 0)
            close(fd);
        goto out;
    }
    close(fd);
    rc = 0;
out:
    sqlite3_close(dest);
    return rc;
}

int
sq_integrity_check(struct db *db, char *err, size_t err_len)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;

    if (sqlite3_prepare_v2(sq(db)->conn, "PRAGMA integrity_check", -1, &st,
                           NULL) != SQLITE_OK) {
        snprintf(err, err_len, "%s", sqlite3_errmsg(sq(db)->conn));
        goto out;
    }
    if (sqlite3_step(st) != SQLITE_ROW) {
        snprintf(err, err_len, "%s", sqlite3_errmsg(sq(db)->conn));
        goto out;
    }
    snprintf(err, err_len, "%s", db_col_text(st, 0));
    if (strcmp(err, "ok") == 0)
        rc = 0;
out:
    sqlite3_finalize(st);
    return rc;
}
