/* Word rule rows and their generation on SQLite.  No matching here:
 * api/rules.c compiles what db_rule_list() hands over. */
#include "db/sqlite/sqlite.h"

enum db_status
sq_rule_add(struct db *db, const struct rule_record *r, int64_t *id)
{
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

struct rules {
    rule_fn fn;
    void *arg;
    int rows;
};

static int
rule_row(sqlite3_stmt *st, void *arg)
{
    struct rules *w = arg;
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

    w->rows++;
    return w->fn(&r, w->arg);
}

enum db_status
sq_rule_get(struct db *db, int64_t id, rule_fn fn, void *arg)
{
    sqlite3_stmt *st = sq(db)->stmt[STMT_RULE_GET];
    struct rules w = {.fn = fn, .arg = arg};
    enum db_status rc;

    sqlite3_bind_int64(st, 1, id);
    rc = sq_each_row(st, rule_row, &w);
    return rc == DB_OK && w.rows == 0 ? DB_NOT_FOUND : rc;
}

enum db_status
sq_rule_list(struct db *db, rule_fn fn, void *arg)
{
    struct rules w = {.fn = fn, .arg = arg};

    return sq_each_row(sq(db)->stmt[STMT_RULE_LIST], rule_row, &w);
}

enum db_status
sq_rule_delete(struct db *db, int64_t id)
{
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
sq_rule_generation(struct db *db, int64_t *generation)
{
    sqlite3_stmt *st = sq(db)->stmt[STMT_RULE_GENERATION];
    enum db_status rc = db_step_int64(st, 0, generation);

    db_stmt_done(st);
    return rc;
}
