/* Comments, history and attachment rows on PostgreSQL.  SQL lives in
 * statements.def; this file binds, runs and maps rows, as
 * db/sqlite/comments.c does for SQLite.  No moderation rules here. */
#include <stdio.h>
#include <string.h>

#include "db/pg/pg.h"

static enum db_status walk_attachments(PGresult *r, bool with_status,
                                       attachment_fn fn, void *arg);

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
pg_read_comment(const PGresult *r, int row, struct comment_record *c)
{
    c->id = pg_i64(r, row, 0);
    c->article = pg_str(r, row, 1);
    c->parent_id = pg_i64(r, row, 2);
    c->author = pg_str(r, row, 3);
    c->email = pg_str(r, row, 4);
    c->body = pg_str(r, row, 5);
    c->original_body = pg_str(r, row, 6);
    c->status = status_of(pg_str(r, row, 7));
    c->created_at = pg_i64(r, row, 8);
    c->published_at = pg_i64(r, row, 9);
    c->edited = pg_i64(r, row, 10) != 0;
    c->version = pg_i64(r, row, 11);
}

enum db_status
pg_comment_insert(struct db *db, const struct comment_new *in, int64_t *id)
{
    struct pg_params p = {0};
    PGresult *r;
    enum db_status st;

    DB_ASSERT_IN_TRANSACTION(db);
    pg_text(&p, in->article);
    pg_int_or_null(&p, in->parent_id);
    pg_text(&p, in->author);
    pg_text(&p, in->email);
    pg_text(&p, in->body);
    pg_int(&p, in->created_at);
    pg_text(&p, in->client_addr);
    if ((st = pg_run(pg(db), PG_COMMENT_INSERT, &p, false, &r)) != DB_OK)
        return st;
    *id = pg_i64(r, 0, 0);
    PQclear(r);
    if (in->post_key) {
        memset(&p, 0, sizeof p);
        pg_text(&p, in->post_key);
        pg_int(&p, *id);
        pg_int(&p, in->created_at);
        pg_int(&p, in->post_key_since);
        if ((st = pg_run(pg(db), PG_POST_KEY_INSERT, &p, false, &r)) != DB_OK)
            return st;
        st = strcmp(PQcmdTuples(r), "1") == 0 ? DB_OK : DB_CONFLICT;
        PQclear(r);
        if (st != DB_OK)
            return st;
    }
    return DB_OK; /* the history entry came with the comment */
}

enum db_status
pg_post_key_find(struct db *db, const char *key, int64_t since, int64_t *id)
{
    struct pg_params p = {0};
    PGresult *r;
    enum db_status st;

    pg_text(&p, key);
    pg_int(&p, since);
    if ((st = pg_run(pg(db), PG_POST_KEY_FIND, &p, false, &r)) != DB_OK)
        return st;
    st = PQntuples(r) > 0 ? DB_OK : DB_NOT_FOUND;
    if (st == DB_OK)
        *id = pg_i64(r, 0, 0);
    PQclear(r);
    return st;
}

/* Hands each row of r to fn; DB_NOT_FOUND when there was none and
 * want_one is set.  Clears r. */
static enum db_status
walk_comments(PGresult *r, bool want_one, comment_fn fn, void *arg)
{
    enum db_status st = DB_OK;
    int rows = PQntuples(r);

    for (int i = 0; i < rows; i++) {
        struct comment_record c;

        pg_read_comment(r, i, &c);
        if (fn(&c, arg) != 0) {
            st = DB_ERROR;
            break;
        }
    }
    if (st == DB_OK && want_one && rows == 0)
        st = DB_NOT_FOUND;
    PQclear(r);
    return st;
}

enum db_status
pg_comment_get(struct db *db, int64_t id, comment_fn fn, void *arg)
{
    struct pg_params p = {0};
    PGresult *r;
    enum db_status st;
    /* In a transaction the comment is read to be changed: locked. */
    bool locked = PQtransactionStatus(pg(db)->conn) == PQTRANS_INTRANS;

    pg_int(&p, id);
    st = pg_run(pg(db), locked ? PG_COMMENT_GET_LOCKED : PG_COMMENT_GET, &p,
                false, &r);
    return st == DB_OK ? walk_comments(r, true, fn, arg) : st;
}

enum db_status
pg_comment_list(struct db *db, const struct comment_query *q, comment_fn fn,
                void *arg)
{
    struct pg_params p = {0};
    enum pg_stmt which;
    PGresult *r;
    enum db_status st;
    int64_t after = q->after_id;

    if (q->article)
        which = q->newest_first ? PG_COMMENT_LIST_ARTICLE_DESC
                                : PG_COMMENT_LIST_ARTICLE_ASC;
    else
        which = q->newest_first ? PG_COMMENT_LIST_STATUS_DESC
                                : PG_COMMENT_LIST_STATUS_ASC;
    /* Filtered by flags: the same lists with "flagged = $n" (the partial
     * indexes of migration 0003 serve the flagged ones). */
    if (q->flagged != COMMENT_FLAGS_ANY) {
        if (q->article)
            which = q->newest_first ? PG_COMMENT_LIST_FLAGGED_ARTICLE_DESC
                                    : PG_COMMENT_LIST_FLAGGED_ARTICLE_ASC;
        else
            which = q->newest_first ? PG_COMMENT_LIST_FLAGGED_STATUS_DESC
                                    : PG_COMMENT_LIST_FLAGGED_STATUS_ASC;
    }
    if (q->newest_first && after <= 0)
        after = INT64_MAX;
    if (q->article)
        pg_text(&p, q->article);
    pg_text(&p, comment_status_name(q->status));
    pg_int(&p, after);
    pg_int(&p, q->limit);
    if (q->flagged != COMMENT_FLAGS_ANY)
        pg_text(&p, q->flagged == COMMENT_FLAGS_FLAGGED ? "true" : "false");
    st = pg_run(pg(db), which, &p, false, &r);
    return st == DB_OK ? walk_comments(r, false, fn, arg) : st;
}

enum db_status
pg_comment_count(struct db *db, const char *article, enum comment_status status,
                 int64_t *n)
{
    struct pg_params p = {0};
    PGresult *r;
    enum db_status st;

    pg_text(&p, article ? article : "");
    pg_text(&p, comment_status_name(status));
    if ((st = pg_run(pg(db), PG_COMMENT_COUNT, &p, false, &r)) != DB_OK)
        return st;
    *n = PQntuples(r) > 0 ? pg_i64(r, 0, 0) : 0;
    PQclear(r);
    return DB_OK;
}

enum db_status
pg_comment_update(struct db *db, int64_t id, int64_t expected_version,
                  enum comment_status status, const char *body, bool edited,
                  int64_t published_at)
{
    struct pg_params p = {0};
    PGresult *r;
    enum db_status st;

    DB_ASSERT_IN_TRANSACTION(db);
    pg_int(&p, id);
    pg_int(&p, expected_version);
    pg_text(&p, comment_status_name(status));
    pg_text(&p, body);
    pg_int(&p, edited);
    pg_int_or_null(&p, published_at);
    if ((st = pg_run(pg(db), PG_COMMENT_UPDATE, &p, false, &r)) != DB_OK)
        return st;
    st = strcmp(PQcmdTuples(r), "0") == 0 ? DB_CONFLICT : DB_OK;
    PQclear(r);
    return st;
}

enum db_status
pg_history_add(struct db *db, int64_t comment_id, const char *action,
               const char *moderator, int64_t at, const char *reason)
{
    struct pg_params p = {0};

    DB_ASSERT_IN_TRANSACTION(db);
    pg_int(&p, comment_id);
    pg_text(&p, action);
    pg_text(&p, moderator);
    pg_int(&p, at);
    pg_text(&p, reason);
    return pg_run(pg(db), PG_HISTORY_INSERT, &p, false, NULL);
}

/* Hands each history row of r to fn; comment_id -1: it is column 4.
 * Clears r. */
static enum db_status
walk_history(PGresult *r, int64_t comment_id, history_fn fn, void *arg)
{
    enum db_status st = DB_OK;

    for (int i = 0; i < PQntuples(r); i++) {
        struct history_record h = {
            .comment_id = comment_id >= 0 ? comment_id : pg_i64(r, i, 4),
            .action = pg_str(r, i, 0),
            .moderator = pg_str(r, i, 1),
            .at = pg_i64(r, i, 2),
            .reason = pg_str(r, i, 3),
        };
        if (fn(&h, arg) != 0) {
            st = DB_ERROR;
            break;
        }
    }
    PQclear(r);
    return st;
}

enum db_status
pg_history_list(struct db *db, int64_t comment_id, history_fn fn, void *arg)
{
    struct pg_params p = {0};
    PGresult *r;
    enum db_status st;

    pg_int(&p, comment_id);
    if ((st = pg_run(pg(db), PG_HISTORY_LIST, &p, false, &r)) != DB_OK)
        return st;
    return walk_history(r, comment_id, fn, arg);
}

/* "{1,2,3}": the comment ids as a bigint[] literal, in buf (at least
 * 21 bytes per id, and 3). */
static const char *
id_array(const int64_t *ids, size_t n, char *buf, size_t len)
{
    size_t o = 0;

    buf[o++] = '{';
    for (size_t i = 0; i < n && o + 22 < len; i++)
        o += (size_t)snprintf(buf + o, len - o, "%s%lld", i ? "," : "",
                              (long long)ids[i]);
    snprintf(buf + o, len - o, "}");
    return buf;
}

enum db_status
pg_history_list_many(struct db *db, const int64_t *comment_ids, size_t n,
                     history_fn fn, void *arg)
{
    char ids[DB_LIST_MANY * 21 + 3];
    struct pg_params p = {0};
    PGresult *r;
    enum db_status st;

    assert(n <= DB_LIST_MANY);
    if (n == 0)
        return DB_OK;
    pg_text(&p, id_array(comment_ids, n, ids, sizeof ids));
    if ((st = pg_run(pg(db), PG_HISTORY_LIST_MANY, &p, false, &r)) != DB_OK)
        return st;
    return walk_history(r, -1, fn, arg);
}

enum db_status
pg_attachment_list_many(struct db *db, const int64_t *comment_ids, size_t n,
                        attachment_fn fn, void *arg)
{
    char ids[DB_LIST_MANY * 21 + 3];
    struct pg_params p = {0};
    PGresult *r;
    enum db_status st;

    assert(n <= DB_LIST_MANY);
    if (n == 0)
        return DB_OK;
    pg_text(&p, id_array(comment_ids, n, ids, sizeof ids));
    st = pg_run(pg(db), PG_ATTACHMENT_LIST_MANY, &p, false, &r);
    return st == DB_OK ? walk_attachments(r, false, fn, arg) : st;
}

enum db_status
pg_attachment_insert(struct db *db, const struct attachment_record *a,
                     int64_t *id)
{
    struct pg_params p = {0};
    PGresult *r;
    enum db_status st;

    DB_ASSERT_IN_TRANSACTION(db);
    pg_int(&p, a->comment_id);
    pg_text(&p, a->filename);
    pg_text(&p, a->content_type);
    pg_int(&p, a->size);
    pg_text(&p, a->sha256);
    pg_int_or_null(&p, a->width);
    pg_int_or_null(&p, a->height);
    if ((st = pg_run(pg(db), PG_ATTACHMENT_INSERT, &p, false, &r)) != DB_OK)
        return st;
    *id = pg_i64(r, 0, 0);
    PQclear(r);
    return DB_OK;
}

static enum db_status
walk_attachments(PGresult *r, bool with_status, attachment_fn fn, void *arg)
{
    enum db_status st = DB_OK;
    int rows = PQntuples(r);

    for (int i = 0; i < rows; i++) {
        struct attachment_record a = {
            .id = pg_i64(r, i, 0),
            .comment_id = pg_i64(r, i, 1),
            .filename = pg_str(r, i, 2),
            .content_type = pg_str(r, i, 3),
            .size = pg_i64(r, i, 4),
            .sha256 = pg_str(r, i, 5),
            .width = pg_i64(r, i, 6), /* NULL reads as 0 */
            .height = pg_i64(r, i, 7),
            .comment_status =
                with_status ? status_of(pg_str(r, i, 8)) : COMMENT_PENDING,
        };
        if (fn(&a, arg) != 0) {
            st = DB_ERROR;
            break;
        }
    }
    if (st == DB_OK && with_status && rows == 0)
        st = DB_NOT_FOUND;
    PQclear(r);
    return st;
}

enum db_status
pg_attachment_list(struct db *db, int64_t comment_id, attachment_fn fn,
                   void *arg)
{
    struct pg_params p = {0};
    PGresult *r;
    enum db_status st;

    pg_int(&p, comment_id);
    st = pg_run(pg(db), PG_ATTACHMENT_LIST, &p, false, &r);
    return st == DB_OK ? walk_attachments(r, false, fn, arg) : st;
}

enum db_status
pg_attachment_get(struct db *db, int64_t id, attachment_fn fn, void *arg)
{
    struct pg_params p = {0};
    PGresult *r;
    enum db_status st;

    pg_int(&p, id);
    st = pg_run(pg(db), PG_ATTACHMENT_GET, &p, false, &r);
    return st == DB_OK ? walk_attachments(r, true, fn, arg) : st;
}
