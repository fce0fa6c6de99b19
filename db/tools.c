/* The public calls of tools.h: dispatch to the backend
 * (db/sqlite/tools.c, db/pg/tools.c). */
#include "db/backend.h"

enum db_status
db_article_state(struct db *db, const char *article, int *closed)
{
    return DB_DISPATCH(db, article_state, db, article, closed);
}

enum db_status
db_post_state(struct db *db, const char *article, int *closed,
              int64_t *rules_generation)
{
    return DB_DISPATCH(db, post_state, db, article, closed, rules_generation);
}

enum db_status
db_article_set_state(struct db *db, const char *article, bool closed,
                     const char *moderator, int64_t now)
{
    return DB_DISPATCH(db, article_set_state, db, article, closed, moderator,
                       now);
}

enum db_status
db_article_first_comment_at(struct db *db, const char *article, int64_t *at)
{
    return DB_DISPATCH(db, article_first_comment_at, db, article, at);
}

enum db_status
db_flag_add(struct db *db, int64_t comment_id, const char *kind,
            const char *detail)
{
    return DB_DISPATCH(db, flag_add, db, comment_id, kind, detail);
}

enum db_status
db_flag_list(struct db *db, int64_t comment_id, flag_fn fn, void *arg)
{
    return DB_DISPATCH(db, flag_list, db, comment_id, fn, arg);
}

enum db_status
db_flagged_count(struct db *db, const char *article, enum comment_status status,
                 int64_t *n)
{
    return DB_DISPATCH(db, flagged_count, db, article, status, n);
}

enum db_status
db_fingerprint_add(struct db *db, const struct fingerprint *f)
{
    return DB_DISPATCH(db, fingerprint_add, db, f);
}

enum db_status
db_fingerprint_same_article(struct db *db, const struct fingerprint *f,
                            int64_t *other)
{
    return DB_DISPATCH(db, fingerprint_same_article, db, f, other);
}

enum db_status
db_fingerprint_delete(struct db *db, const struct fingerprint *f)
{
    return DB_DISPATCH(db, fingerprint_delete, db, f);
}

enum db_status
db_comment_erased(struct db *db, int64_t id, bool *erased)
{
    return DB_DISPATCH(db, comment_erased, db, id, erased);
}

enum db_status
db_comment_erase(struct db *db, int64_t id, int64_t expected_version,
                 int64_t now)
{
    return DB_DISPATCH(db, comment_erase, db, id, expected_version, now);
}

enum db_status
db_forget_erased(struct db *db)
{
    return DB_DISPATCH(db, forget_erased, db);
}
