/* The public calls of comments.h: the status words, and dispatch to the
 * backend (db/sqlite/comments.c, db/pg/comments.c). */
#include <string.h>

#include "db/backend.h"

static const char *const status_names[] = {
    [COMMENT_PENDING] = "pending",
    [COMMENT_APPROVED] = "approved",
    [COMMENT_REJECTED] = "rejected",
};

const char *
comment_status_name(enum comment_status s)
{
    return status_names[s];
}

int
comment_status_parse(const char *word, enum comment_status *out)
{
    for (size_t i = 0; i < sizeof status_names / sizeof status_names[0]; i++) {
        if (strcmp(word, status_names[i]) == 0) {
            *out = (enum comment_status)i;
            return 0;
        }
    }
    return -1;
}

enum db_status
db_comment_insert(struct db *db, const struct comment_new *in, int64_t *id)
{
    return DB_DISPATCH(db, comment_insert, db, in, id);
}

enum db_status
db_post_key_find(struct db *db, const char *key, int64_t since, int64_t *id)
{
    return DB_DISPATCH(db, post_key_find, db, key, since, id);
}

enum db_status
db_comment_get(struct db *db, int64_t id, comment_fn fn, void *arg)
{
    return DB_DISPATCH(db, comment_get, db, id, fn, arg);
}

enum db_status
db_comment_list(struct db *db, const struct comment_query *q, comment_fn fn,
                void *arg)
{
    return DB_DISPATCH(db, comment_list, db, q, fn, arg);
}

enum db_status
db_comment_count(struct db *db, const char *article, enum comment_status status,
                 int64_t *n)
{
    return DB_DISPATCH(db, comment_count, db, article, status, n);
}

enum db_status
db_comment_update(struct db *db, int64_t id, int64_t expected_version,
                  enum comment_status status, const char *body, bool edited,
                  int64_t published_at)
{
    return DB_DISPATCH(db, comment_update, db, id, expected_version, status,
                       body, edited, published_at);
}

enum db_status
db_history_add(struct db *db, int64_t comment_id, const char *action,
               const char *moderator, int64_t at, const char *reason)
{
    return DB_DISPATCH(db, history_add, db, comment_id, action, moderator, at,
                       reason);
}

enum db_status
db_history_list(struct db *db, int64_t comment_id, history_fn fn, void *arg)
{
    return DB_DISPATCH(db, history_list, db, comment_id, fn, arg);
}

enum db_status
db_history_list_many(struct db *db, const int64_t *comment_ids, size_t n,
                     history_fn fn, void *arg)
{
    return DB_DISPATCH(db, history_list_many, db, comment_ids, n, fn, arg);
}

enum db_status
db_attachment_list_many(struct db *db, const int64_t *comment_ids, size_t n,
                        attachment_fn fn, void *arg)
{
    return DB_DISPATCH(db, attachment_list_many, db, comment_ids, n, fn, arg);
}

enum db_status
db_attachment_insert(struct db *db, const struct attachment_record *a,
                     int64_t *id)
{
    return DB_DISPATCH(db, attachment_insert, db, a, id);
}

enum db_status
db_attachment_list(struct db *db, int64_t comment_id, attachment_fn fn,
                   void *arg)
{
    return DB_DISPATCH(db, attachment_list, db, comment_id, fn, arg);
}

enum db_status
db_attachment_get(struct db *db, int64_t id, attachment_fn fn, void *arg)
{
    return DB_DISPATCH(db, attachment_get, db, id, fn, arg);
}
