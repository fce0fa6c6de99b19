/* The loop over a statement's rows that every listing of db/sqlite/ would
 * otherwise write again. */
#include "db/sqlite/sqlite.h"

enum db_status
sq_each_row(sqlite3_stmt *st, int (*row)(sqlite3_stmt *, void *), void *arg)
{
    enum db_status rc = DB_OK;
    int step;

    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (row(st, arg) != 0) {
            rc = DB_ERROR;
            break;
        }
    }
    if (rc == DB_OK && step != SQLITE_DONE)
        rc = (step & 0xff) == SQLITE_BUSY ? DB_BUSY : DB_ERROR;
    db_stmt_done(st);
    return rc;
}
