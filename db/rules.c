/* Word rule rows and their generation.  No matching here: api/rules.c
 * compiles what db_rule_list() hands over. */
#include "db/internal.h"
#include "db/pg/tools.h"
#include "db/rules.h"

enum db_status
db_rule_add(struct db *db, const struct rule_record *r, int64_t *id)
{
    DB_PG_HANDS_OVER(db, pg_rule_add(db, r, id));
    sqlite3_stmt *st = sq(db)->stmt[STMT_RULE_INSERT];
    enum db_status rc;

    db_bind_text(st, 1, r->pattern);
    db_bind_text(st, 2, r->reject ? "reject" : "hold");
    sqlite3_bind_int(st, 3, r->ignore_marks);
    db_bind_text(st, 4, r->note);
    db_bind_text(st, 5, r->created_by);
    sqlite3_bind_int64(st, 6, r->created_at);
    rc = db_step_done(st);
    db_stmt_done(st);
    if (rc == DB_OK)
        *id = sqlite3_last_insert_rowid(sq(db)->conn);
    return rc;
}

static enum db_status
walk_rules(sqlite3_stmt *st, bool want_one, rule_fn fn, void *arg)
{
    enum db_status rc = DB_OK;
    int rows = 0;
    int step;

    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *action = db_col_text(st, 2);
        struct rule_record r = {
            .id = sqlite3_column_int64(st, 0),
            .pattern = db_col_text(st, 1),
            .reject = action && action[0] == 'r',
            .ignore_marks = sqlite3_column_int(st, 3) != 0,
            .note = db_col_text(st, 4),
            .created_by = db_col_text(st, 5),
            .created_at = sqlite3_column_int64(st, 6),
        };

        rows++;
        if (fn(&r, arg) != 0) {
            rc = DB_ERROR;
            break;
        }
    }
    if (rc == DB_OK && step != SQLITE_DONE)
        rc = (step & 0xff) == SQLITE_BUSY ? DB_BUSY : DB_ERROR;
    if (rc == DB_OK && want_one && rows == 0)
        rc = DB_NOT_FOUND;
    db_stmt_done(st);
    return rc;
}

enum db_status
db_rule_get(struct db *db, int64_t id, rule_fn fn, void *arg)
{
    DB_PG_HANDS_OVER(db, pg_rule_get(db, id, fn, arg));
    sqlite3_stmt *st = sq(db)->stmt[STMT_RULE_GET];

    sqlite3_bind_int64(st, 1, id);
    return walk_rules(st, true, fn, arg);
}

enum db_status
db_rule_list(struct db *db, rule_fn fn, void *arg)
{
    DB_PG_HANDS_OVER(db, pg_rule_list(db, fn, arg));
    return walk_rules(sq(db)->stmt[STMT_RULE_LIST], false, fn, arg);
}

enum db_status
db_rule_delete(struct db *db, int64_t id)
{
    DB_PG_HANDS_OVER(db, pg_rule_delete(db, id));
    sqlite3_stmt *st = sq(db)->stmt[STMT_RULE_DELETE];
    enum db_status rc;

    sqlite3_bind_int64(st, 1, id);
    rc = db_step_done(st);
    db_stmt_done(st);
    if (rc == DB_OK && sqlite3_changes(sq(db)->conn) == 0)
        rc = DB_NOT_FOUND;
    return rc;
}

enum db_status
db_rule_generation(struct db *db, int64_t *generation)
{
    DB_PG_HANDS_OVER(db, pg_rule_generation(db, generation));
    sqlite3_stmt *st = sq(db)->stmt[STMT_RULE_GENERATION];
    enum db_status rc = db_step_int64(st, 0, generation);

    db_stmt_done(st);
    return rc;
}
