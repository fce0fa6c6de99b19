/* Comments, history and attachment rows on SQLite.  SQL lives in
 * statements.def; this file binds, steps and maps rows.  No moderation
 * rules here: api/ decides, the SQL guards (version) only make a race
 * visible as DB_CONFLICT. */
#include <stdio.h>
#include <string.h>

#include "db/sqlite/sqlite.h"

static enum comment_status
status_of(const char *word)
{
    enum comment_status s = COMMENT_PENDING;

    /* The CHECK constraint keeps other words out of the table. */
    if (word)
        comment_status_parse(word, &s);
    return s;
}

void
db_read_comment(sqlite3_stmt *st, struct comment_record *c)
{
    c->id = sqlite3_column_int64(st, 0);
    c->article = db_col_text(st, 1);
    c->parent_id = sqlite3_column_int64(st, 2);
    c->author = db_col_text(st, 3);
    c->email = db_col_text(st, 4);
    c->body = db_col_text(st, 5);
    c->original_body = db_col_text(st, 6);
    c->status = status_of(db_col_text(st, 7));
    c->created_at = sqlite3_column_int64(st, 8);
    c->published_at = sqlite3_column_int64(st, 9);
    c->edited = sqlite3_column_int(st, 10) != 0;
    c->version = sqlite3_column_int64(st, 11);
}

enum db_status
sq_comment_insert(struct db *db, const struct comment_new *in, int64_t *id)
{
    sqlite3_stmt *st = sq(db)->stmt[STMT_COMMENT_INSERT];
    enum db_status rc;

    DB_ASSERT_IN_TRANSACTION(db);
    db_bind_text(st, 1, in->article);
    if (in->parent_id > 0)
        sqlite3_bind_int64(st, 2, in->parent_id);
    db_bind_text(st, 3, in->author);
    db_bind_text(st, 4, in->email);
    db_bind_text(st, 5, in->body);
    sqlite3_bind_int64(st, 6, in->created_at);
    db_bind_text(st, 7, in->client_addr);
    rc = db_step_done(st);
    db_stmt_done(st);
    if (rc != DB_OK)
        return rc;
    *id = sqlite3_last_insert_rowid(sq(db)->conn);
    if (in->post_key) {
        st = sq(db)->stmt[STMT_POST_KEY_INSERT];
        db_bind_text(st, 1, in->post_key);
        sqlite3_bind_int64(st, 2, *id);
        sqlite3_bind_int64(st, 3, in->created_at);
        rc = db_step_done(st);
        db_stmt_done(st);
        if (rc != DB_OK)
            return rc;
    }
    return sq_history_add(db, *id, "created", NULL, in->created_at, NULL);
}

enum db_status
sq_post_key_find(struct db *db, const char *key, int64_t since, int64_t *id)
{
    sqlite3_stmt *st = sq(db)->stmt[STMT_POST_KEY_FIND];
    enum db_status rc = DB_NOT_FOUND;
    int step;

    db_bind_text(st, 1, key);
    sqlite3_bind_int64(st, 2, since);
    step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        *id = sqlite3_column_int64(st, 0);
        rc = DB_OK;
    } else if (step != SQLITE_DONE) {
        rc = DB_ERROR;
    }
    db_stmt_done(st);
    return rc;
}

/* A walk over rows of COMMENT_COLUMNS, for sq_each_row(). */
struct comment_walk {
    comment_fn fn;
    void *arg;
    int rows;
};

static int
comment_row(sqlite3_stmt *st, void *arg)
{
    struct comment_walk *w = arg;
    struct comment_record c;

    db_read_comment(st, &c);
    w->rows++;
    return w->fn(&c, w->arg);
}

/* Steps st to the end, handing each row to fn; DB_NOT_FOUND when there was
 * no row and want_one is set. */
static enum db_status
walk_comments(sqlite3_stmt *st, bool want_one, comment_fn fn, void *arg)
{
    struct comment_walk w = {.fn = fn, .arg = arg};
    enum db_status rc = sq_each_row(st, comment_row, &w);

    if (rc == DB_OK && want_one && w.rows == 0)
        rc = DB_NOT_FOUND;
    return rc;
}

enum db_status
sq_comment_get(struct db *db, int64_t id, comment_fn fn, void *arg)
{
    sqlite3_stmt *st = sq(db)->stmt[STMT_COMMENT_GET];

    sqlite3_bind_int64(st, 1, id);
    return walk_comments(st, true, fn, arg);
}

/* The statement of a list filtered by flags: partial indexes serve the
 * flagged ones, the plain ones the rest. */
static enum sq_stmt
list_by_flags(const struct comment_query *q)
{
    static const enum sq_stmt table[2][2][2] = {
        /* [unflagged][article][newest] */
        {{STMT_COMMENT_LIST_FLAGGED_STATUS_ASC,
          STMT_COMMENT_LIST_FLAGGED_STATUS_DESC},
         {STMT_COMMENT_LIST_FLAGGED_ARTICLE_ASC,
          STMT_COMMENT_LIST_FLAGGED_ARTICLE_DESC}},
        {{STMT_COMMENT_LIST_UNFLAGGED_STATUS_ASC,
          STMT_COMMENT_LIST_UNFLAGGED_STATUS_DESC},
         {STMT_COMMENT_LIST_UNFLAGGED_ARTICLE_ASC,
          STMT_COMMENT_LIST_UNFLAGGED_ARTICLE_DESC}},
    };

    return table[q->flagged == COMMENT_FLAGS_UNFLAGGED][q->article != NULL]
                [q->newest_first];
}

enum db_status
sq_comment_list(struct db *db, const struct comment_query *q, comment_fn fn,
                void *arg)
{
    enum sq_stmt which;
    sqlite3_stmt *st;
    int64_t after = q->after_id;

    if (q->article)
        which = q->newest_first ? STMT_COMMENT_LIST_ARTICLE_DESC
                                : STMT_COMMENT_LIST_ARTICLE_ASC;
    else
        which = q->newest_first ? STMT_COMMENT_LIST_STATUS_DESC
                                : STMT_COMMENT_LIST_STATUS_ASC;
    if (q->flagged != COMMENT_FLAGS_ANY)
        which = list_by_flags(q);
    if (q->newest_first && after <= 0)
        after = INT64_MAX;
    st = sq(db)->stmt[which];
    if (q->article)
        db_bind_text(st, 1, q->article);
    db_bind_text(st, 2, comment_status_name(q->status));
    sqlite3_bind_int64(st, 3, after);
    sqlite3_bind_int(st, 4, q->limit);
    return walk_comments(st, false, fn, arg);
}

enum db_status
sq_comment_count(struct db *db, const char *article, enum comment_status status,
                 int64_t *n)
{
    sqlite3_stmt *st = sq(db)->stmt[STMT_COMMENT_COUNT];
    enum db_status rc = DB_OK;
    int step;

    db_bind_text(st, 1, article ? article : "");
    db_bind_text(st, 2, comment_status_name(status));
    step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        *n = sqlite3_column_int64(st, 0);
    else if (step == SQLITE_DONE)
        *n = 0;
    else
        rc = DB_ERROR;
    db_stmt_done(st);
    return rc;
}

enum db_status
sq_comment_update(struct db *db, int64_t id, int64_t expected_version,
                  enum comment_status status, const char *body, bool edited,
                  int64_t published_at)
{
    sqlite3_stmt *st = sq(db)->stmt[STMT_COMMENT_UPDATE];
    enum db_status rc;

    DB_ASSERT_IN_TRANSACTION(db);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, expected_version);
    db_bind_text(st, 3, comment_status_name(status));
    db_bind_text(st, 4, body);
    sqlite3_bind_int(st, 5, edited);
    if (published_at > 0)
        sqlite3_bind_int64(st, 6, published_at);
    rc = db_step_done(st);
    db_stmt_done(st);
    if (rc == DB_OK && sqlite3_changes(sq(db)->conn) == 0)
        rc = DB_CONFLICT;
    return rc;
}

enum db_status
sq_history_add(struct db *db, int64_t comment_id, const char *action,
               const char *moderator, int64_t at, const char *reason)
{
    sqlite3_stmt *st = sq(db)->stmt[STMT_HISTORY_INSERT];
    enum db_status rc;

    DB_ASSERT_IN_TRANSACTION(db);
    sqlite3_bind_int64(st, 1, comment_id);
    db_bind_text(st, 2, action);
    db_bind_text(st, 3, moderator);
    sqlite3_bind_int64(st, 4, at);
    db_bind_text(st, 5, reason);
    rc = db_step_done(st);
    db_stmt_done(st);
    return rc;
}

struct history_walk {
    int64_t comment_id;
    history_fn fn;
    void *arg;
};

static int
history_row(sqlite3_stmt *st, void *arg)
{
    struct history_walk *w = arg;
    struct history_record h = {
        .comment_id = w->comment_id,
        .action = db_col_text(st, 0),
        .moderator = db_col_text(st, 1),
        .at = sqlite3_column_int64(st, 2),
        .reason = db_col_text(st, 3),
    };

    return w->fn(&h, w->arg);
}

enum db_status
sq_history_list(struct db *db, int64_t comment_id, history_fn fn, void *arg)
{
    sqlite3_stmt *st = sq(db)->stmt[STMT_HISTORY_LIST];
    struct history_walk w = {.comment_id = comment_id, .fn = fn, .arg = arg};

    sqlite3_bind_int64(st, 1, comment_id);
    return sq_each_row(st, history_row, &w);
}

/* A positive number, or NULL for 0 ("not known"). */
static void
bind_positive(sqlite3_stmt *st, int idx, int64_t v)
{
    if (v > 0)
        sqlite3_bind_int64(st, idx, v);
    else
        sqlite3_bind_null(st, idx);
}

enum db_status
sq_attachment_insert(struct db *db, const struct attachment_record *a,
                     int64_t *id)
{
    sqlite3_stmt *st = sq(db)->stmt[STMT_ATTACHMENT_INSERT];
    enum db_status rc;

    DB_ASSERT_IN_TRANSACTION(db);
    sqlite3_bind_int64(st, 1, a->comment_id);
    db_bind_text(st, 2, a->filename);
    db_bind_text(st, 3, a->content_type);
    sqlite3_bind_int64(st, 4, a->size);
    db_bind_text(st, 5, a->sha256);
    bind_positive(st, 6, a->width);
    bind_positive(st, 7, a->height);
    rc = db_step_done(st);
    db_stmt_done(st);
    if (rc == DB_OK)
        *id = sqlite3_last_insert_rowid(sq(db)->conn);
    return rc;
}

struct attachment_walk {
    bool with_status;
    attachment_fn fn;
    void *arg;
    int rows;
};

static int
attachment_row(sqlite3_stmt *st, void *arg)
{
    struct attachment_walk *w = arg;
    struct attachment_record a = {
        .id = sqlite3_column_int64(st, 0),
        .comment_id = sqlite3_column_int64(st, 1),
        .filename = db_col_text(st, 2),
        .content_type = db_col_text(st, 3),
        .size = sqlite3_column_int64(st, 4),
        .sha256 = db_col_text(st, 5),
        .width = sqlite3_column_int64(st, 6), /* NULL reads as 0 */
        .height = sqlite3_column_int64(st, 7),
        .comment_status =
            w->with_status ? status_of(db_col_text(st, 8)) : COMMENT_PENDING,
    };

    w->rows++;
    return w->fn(&a, w->arg);
}

static enum db_status
walk_attachments(sqlite3_stmt *st, bool with_status, attachment_fn fn,
                 void *arg)
{
    struct attachment_walk w = {
        .with_status = with_status, .fn = fn, .arg = arg};
    enum db_status rc = sq_each_row(st, attachment_row, &w);

    if (rc == DB_OK && with_status && w.rows == 0)
        rc = DB_NOT_FOUND;
    return rc;
}

enum db_status
sq_attachment_list(struct db *db, int64_t comment_id, attachment_fn fn,
                   void *arg)
{
    sqlite3_stmt *st = sq(db)->stmt[STMT_ATTACHMENT_LIST];

    sqlite3_bind_int64(st, 1, comment_id);
    return walk_attachments(st, false, fn, arg);
}

enum db_status
sq_attachment_get(struct db *db, int64_t id, attachment_fn fn, void *arg)
{
    sqlite3_stmt *st = sq(db)->stmt[STMT_ATTACHMENT_GET];

    sqlite3_bind_int64(st, 1, id);
    return walk_attachments(st, true, fn, arg);
}

enum db_status
sq_attachment_sha_in_use(struct db *db, const char *sha256)
{
    sqlite3_stmt *st = sq(db)->stmt[STMT_ATTACHMENT_SHA_IN_USE];
    int step;

    db_bind_text(st, 1, sha256);
    step = sqlite3_step(st);
    db_stmt_done(st);
    if (step == SQLITE_ROW)
        return DB_OK;
    return step == SQLITE_DONE ? DB_NOT_FOUND : DB_ERROR;
}

/* In the process, a query per comment costs what one query for all would:
 * the single-comment statements, in turn. */
enum db_status
sq_history_list_many(struct db *db, const int64_t *comment_ids, size_t n,
                     history_fn fn, void *arg)
{
    enum db_status st = DB_OK;

    for (size_t i = 0; st == DB_OK && i < n; i++)
        st = sq_history_list(db, comment_ids[i], fn, arg);
    return st;
}

enum db_status
sq_attachment_list_many(struct db *db, const int64_t *comment_ids, size_t n,
                        attachment_fn fn, void *arg)
{
    enum db_status st = DB_OK;

    for (size_t i = 0; st == DB_OK && i < n; i++)
        st = sq_attachment_list(db, comment_ids[i], fn, arg);
    return st;
}
