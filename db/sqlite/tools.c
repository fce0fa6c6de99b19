/* Article state, flags, text fingerprints and erasure on SQLite.  SQL
 * lives in statements.def; this file binds, steps and maps rows. */
#include "db/sqlite/sqlite.h"

enum db_status
sq_article_state(struct db *db, const char *article, int *closed)
{
    sqlite3_stmt *st = sq(db)->stmt[STMT_ARTICLE_STATE_GET];
    enum db_status rc;
    int64_t v;

    db_bind_text(st, 1, article);
    rc = db_step_int64(st, -1, &v);
    db_stmt_done(st);
    *closed = (int)v;
    return rc;
}

enum db_status
sq_post_state(struct db *db, const char *article, int *closed,
              int64_t *rules_generation)
{
    sqlite3_stmt *st = sq(db)->stmt[STMT_POST_STATE];
    enum db_status rc = DB_ERROR;
    int step;

    *closed = -1;
    *rules_generation = 0;
    db_bind_text(st, 1, article);
    step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        if (sqlite3_column_type(st, 0) != SQLITE_NULL)
            *closed = sqlite3_column_int(st, 0);
        *rules_generation = sqlite3_column_int64(st, 1);
        rc = DB_OK;
    } else if ((step & 0xff) == SQLITE_BUSY) {
        rc = DB_BUSY;
    }
    db_stmt_done(st);
    return rc;
}

enum db_status
sq_article_set_state(struct db *db, const char *article, bool closed,
                     const char *moderator, int64_t now)
{
    sqlite3_stmt *st = sq(db)->stmt[STMT_ARTICLE_STATE_SET];
    enum db_status rc;

    db_bind_text(st, 1, article);
    sqlite3_bind_int(st, 2, closed);
    db_bind_text(st, 3, moderator);
    sqlite3_bind_int64(st, 4, now);
    rc = db_step_done(st);
    db_stmt_done(st);
    return rc;
}

enum db_status
sq_article_first_comment_at(struct db *db, const char *article, int64_t *at)
{
    sqlite3_stmt *st = sq(db)->stmt[STMT_ARTICLE_FIRST_COMMENT_AT];
    enum db_status rc;

    db_bind_text(st, 1, article);
    rc = db_step_int64(st, 0, at);
    db_stmt_done(st);
    return rc;
}

enum db_status
sq_flag_add(struct db *db, int64_t comment_id, const char *kind,
            const char *detail)
{
    sqlite3_stmt *st = sq(db)->stmt[STMT_FLAG_EXISTS];
    enum db_status rc;
    int64_t exists;

    sqlite3_bind_int64(st, 1, comment_id);
    db_bind_text(st, 2, kind);
    db_bind_text(st, 3, detail);
    rc = db_step_int64(st, 0, &exists);
    db_stmt_done(st);
    if (rc != DB_OK || exists)
        return rc;
    st = sq(db)->stmt[STMT_FLAG_INSERT];
    sqlite3_bind_int64(st, 1, comment_id);
    db_bind_text(st, 2, kind);
    db_bind_text(st, 3, detail);
    rc = db_step_done(st);
    db_stmt_done(st);
    return rc;
}

struct flags {
    flag_fn fn;
    void *arg;
};

static int
flag_row(sqlite3_stmt *st, void *arg)
{
    const struct flags *w = arg;
    struct flag_record f = {.kind = db_col_text(st, 0),
                            .detail = db_col_text(st, 1)};

    return w->fn(&f, w->arg);
}

enum db_status
sq_flag_list(struct db *db, int64_t comment_id, flag_fn fn, void *arg)
{
    sqlite3_stmt *st = sq(db)->stmt[STMT_FLAG_LIST];
    struct flags w = {.fn = fn, .arg = arg};

    sqlite3_bind_int64(st, 1, comment_id);
    return sq_each_row(st, flag_row, &w);
}

enum db_status
sq_flagged_count(struct db *db, const char *article, enum comment_status status,
                 int64_t *n)
{
    sqlite3_stmt *st = sq(db)->stmt[STMT_FLAGGED_COUNT];
    enum db_status rc;

    db_bind_text(st, 1, article ? article : "");
    db_bind_text(st, 2, comment_status_name(status));
    rc = db_step_int64(st, 0, n);
    db_stmt_done(st);
    return rc;
}

enum db_status
sq_fingerprint_add(struct db *db, const struct fingerprint *f)
{
    sqlite3_stmt *st = sq(db)->stmt[STMT_FINGERPRINT_INSERT];
    enum db_status rc;

    sqlite3_bind_int64(st, 1, f->hash);
    db_bind_text(st, 2, f->article);
    sqlite3_bind_int64(st, 3, f->comment_id);
    rc = db_step_done(st);
    db_stmt_done(st);
    return rc;
}

enum db_status
sq_fingerprint_same_article(struct db *db, const struct fingerprint *f,
                            int64_t *other)
{
    sqlite3_stmt *st = sq(db)->stmt[STMT_FINGERPRINT_IN_ARTICLE];
    enum db_status rc;

    sqlite3_bind_int64(st, 1, f->hash);
    db_bind_text(st, 2, f->article);
    sqlite3_bind_int64(st, 3, f->comment_id);
    rc = db_step_int64(st, 0, other);
    db_stmt_done(st);
    return rc;
}

enum db_status
sq_fingerprint_delete(struct db *db, const struct fingerprint *f)
{
    sqlite3_stmt *st = sq(db)->stmt[STMT_FINGERPRINT_DELETE];
    enum db_status rc;

    sqlite3_bind_int64(st, 1, f->hash);
    db_bind_text(st, 2, f->article);
    sqlite3_bind_int64(st, 3, f->comment_id);
    rc = db_step_done(st);
    db_stmt_done(st);
    return rc;
}

enum db_status
sq_comment_erased(struct db *db, int64_t id, bool *erased)
{
    sqlite3_stmt *st = sq(db)->stmt[STMT_COMMENT_ERASED];
    enum db_status rc;
    int64_t v;

    sqlite3_bind_int64(st, 1, id);
    rc = db_step_int64(st, -1, &v);
    db_stmt_done(st);
    if (rc == DB_OK && v < 0)
        rc = DB_NOT_FOUND;
    *erased = v > 0;
    return rc;
}

static enum db_status
run_on_comment(struct db *db, enum sq_stmt which, int64_t id)
{
    sqlite3_stmt *st = sq(db)->stmt[which];
    enum db_status rc;

    sqlite3_bind_int64(st, 1, id);
    rc = db_step_done(st);
    db_stmt_done(st);
    return rc;
}

enum db_status
sq_comment_erase(struct db *db, int64_t id, int64_t expected_version,
                 int64_t now)
{
    sqlite3_stmt *st = sq(db)->stmt[STMT_COMMENT_ERASE];
    enum db_status rc;

    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, expected_version);
    sqlite3_bind_int64(st, 3, now);
    rc = db_step_done(st);
    db_stmt_done(st);
    if (rc == DB_OK && sqlite3_changes(sq(db)->conn) == 0)
        rc = DB_CONFLICT;
    if (rc == DB_OK)
        rc = run_on_comment(db, STMT_HISTORY_SCRUB, id);
    if (rc == DB_OK)
        rc = run_on_comment(db, STMT_ATTACHMENT_DELETE_OF_COMMENT, id);
    return rc;
}

/* secure_delete zeroed the old text in the database's pages; the WAL
 * frames written before may still hold it. */
enum db_status
sq_forget_erased(struct db *db)
{
    int rc = sqlite3_wal_checkpoint_v2(sq(db)->conn, NULL,
                                       SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);

    if (rc == SQLITE_OK)
        return DB_OK;
    return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED
               ? DB_BUSY
               : DB_ERROR;
}
