/* The SQLite backend's own declarations, shared by the files of
 * db/sqlite/ only: the only code that includes sqlite3.h.  A connection is
 * a struct sq_db; its functions are the entries of db_sqlite_ops
 * (db/sqlite/db.c), named sq_ and the public call's name. */
#ifndef YKIEN_DB_SQLITE_SQLITE_H
#define YKIEN_DB_SQLITE_SQLITE_H

#include <assert.h>
#include <sqlite3.h>

#include "db/backend.h"

enum sq_stmt {
#define S(name, sql) STMT_##name,
#include "db/sqlite/statements.def"
#undef S
    STMT_COUNT
};

struct sq_db {
    struct db base; /* first: a struct db * is a struct sq_db * */
    sqlite3 *conn;
    sqlite3_stmt *stmt[STMT_COUNT];
    char files_dir[4200]; /* the content store: DIR/files beside the database */
};

static inline struct sq_db *
sq(struct db *db)
{
    assert(db->ops == &db_sqlite_ops);
    return (struct sq_db *)db;
}

/* The comment, history and attachment writes are steps of a transaction's
 * work (db_transaction): this says so, and checks it in debug builds. */
#define DB_ASSERT_IN_TRANSACTION(db)                                           \
    assert(!sqlite3_get_autocommit(sq(db)->conn))

/* Resets a statement after use so it holds no read lock. */
void db_stmt_done(sqlite3_stmt *st);
/* Binds a C string or NULL. */
int db_bind_text(sqlite3_stmt *st, int idx, const char *s);
/* Column as a C string (NULL for SQL NULL). */
const char *db_col_text(sqlite3_stmt *st, int col);
/* Reads a row of COMMENT_COLUMNS (statements.def). */
struct comment_record;
void db_read_comment(sqlite3_stmt *st, struct comment_record *c);

/* Steps a statement that returns no row and maps the outcome. */
static inline enum db_status
db_step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);

    if (rc == SQLITE_DONE)
        return DB_OK;
    if ((rc & 0xff) == SQLITE_BUSY)
        return DB_BUSY;
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
        return DB_CONFLICT;
    return DB_ERROR;
}

/* Steps a statement that returns at most one integer: *out is the first
 * column of the row, or dflt when there is none (or it is NULL). */
static inline enum db_status
db_step_int64(sqlite3_stmt *st, int64_t dflt, int64_t *out)
{
    int rc = sqlite3_step(st);

    *out = dflt;
    if (rc == SQLITE_ROW) {
        if (sqlite3_column_type(st, 0) != SQLITE_NULL)
            *out = sqlite3_column_int64(st, 0);
        return DB_OK;
    }
    if (rc == SQLITE_DONE)
        return DB_OK;
    return (rc & 0xff) == SQLITE_BUSY ? DB_BUSY : DB_ERROR;
}

/* Steps st to its end, handing each row to row(st, arg): DB_OK, DB_BUSY,
 * or DB_ERROR (a failed step, or row returned non-zero and the walk
 * stopped there).  The statement is reset (and its bindings cleared) in
 * every case. */
enum db_status sq_each_row(sqlite3_stmt *st, int (*row)(sqlite3_stmt *, void *),
                           void *arg);

/* comments.c */
enum db_status sq_comment_insert(struct db *db, const struct comment_new *in,
                                 int64_t *id);
enum db_status sq_post_key_find(struct db *db, const char *key, int64_t since,
                                int64_t *id);
enum db_status sq_comment_get(struct db *db, int64_t id, comment_fn fn,
                              void *arg);
enum db_status sq_comment_list(struct db *db, const struct comment_query *q,
                               comment_fn fn, void *arg);
enum db_status sq_comment_count(struct db *db, const char *article,
                                enum comment_status status, int64_t *n);
enum db_status sq_comment_update(struct db *db, int64_t id,
                                 int64_t expected_version,
                                 enum comment_status status, const char *body,
                                 bool edited, int64_t published_at);
enum db_status sq_history_add(struct db *db, int64_t comment_id,
                              const char *action, const char *moderator,
                              int64_t at, const char *reason);
enum db_status sq_history_list(struct db *db, int64_t comment_id, history_fn fn,
                               void *arg);
enum db_status sq_attachment_insert(struct db *db,
                                    const struct attachment_record *a,
                                    int64_t *id);
enum db_status sq_attachment_list(struct db *db, int64_t comment_id,
                                  attachment_fn fn, void *arg);
enum db_status sq_history_list_many(struct db *db, const int64_t *comment_ids,
                                    size_t n, history_fn fn, void *arg);
enum db_status sq_attachment_list_many(struct db *db,
                                       const int64_t *comment_ids, size_t n,
                                       attachment_fn fn, void *arg);
enum db_status sq_attachment_get(struct db *db, int64_t id, attachment_fn fn,
                                 void *arg);
/* DB_OK when some attachment row still refers to this content. */
enum db_status sq_attachment_sha_in_use(struct db *db, const char *sha256);

/* tokens.c */
enum db_status sq_token_add(struct db *db, const char *name,
                            const unsigned char hash[TOKEN_HASH_BYTES],
                            int64_t now);
enum db_status sq_token_find(struct db *db,
                             const unsigned char hash[TOKEN_HASH_BYTES],
                             char *name_buf, size_t name_len,
                             unsigned char stored_hash[TOKEN_HASH_BYTES]);
enum db_status sq_token_list(struct db *db, token_fn fn, void *arg);
enum db_status sq_token_revoke(struct db *db, const char *name, int64_t now);

/* imports.c */
enum db_status sq_import_comment(struct db *db, const struct import_comment *c,
                                 int64_t *id);
enum db_status sq_import_attachment(struct db *db,
                                    const struct attachment_record *a,
                                    int64_t *id);
enum db_status sq_import_same_comment(struct db *db, int64_t id,
                                      const char *article, int64_t created_at,
                                      const char *original_body);
enum db_status sq_source_find(struct db *db, const char *source,
                              const char *source_id, int64_t *comment_id);
enum db_status sq_source_add(struct db *db, const char *source,
                             const char *source_id, int64_t comment_id);
enum db_status sq_source_list(struct db *db, int64_t comment_id, source_fn fn,
                              void *arg);
enum db_status sq_comment_walk(struct db *db, int64_t after_id, comment_fn fn,
                               void *arg);
enum db_status sq_attachment_shas(struct db *db, sha_fn fn, void *arg);
enum db_status sq_snapshot(struct db *db, db_work_fn work, void *arg);
enum db_status sq_import_open(struct db *db, struct db_import **out);

/* backup.c */
int sq_backup(struct db *db, const char *dest_path, char *err, size_t err_len);
int sq_integrity_check(struct db *db, char *err, size_t err_len);

/* files.c: the content store */
enum db_status sq_blob_put(struct db *db, const char *sha256, char *path,
                           int64_t size);
enum db_status sq_blob_open(struct db *db, const char *sha256, int64_t size,
                            struct db_blob **out);
enum db_status sq_blob_release(struct db *db, const char *sha256);
enum db_status sq_blob_sweep(struct db *db);

/* tools.c */
enum db_status sq_article_state(struct db *db, const char *article,
                                int *closed);
enum db_status sq_post_state(struct db *db, const char *article, int *closed,
                             int64_t *rules_generation);
enum db_status sq_article_set_state(struct db *db, const char *article,
                                    bool closed, const char *moderator,
                                    int64_t now);
enum db_status sq_article_first_comment_at(struct db *db, const char *article,
                                           int64_t *at);
enum db_status sq_flag_add(struct db *db, int64_t comment_id, const char *kind,
                           const char *detail);
enum db_status sq_flag_list(struct db *db, int64_t comment_id, flag_fn fn,
                            void *arg);
enum db_status sq_flagged_count(struct db *db, const char *article,
                                enum comment_status status, int64_t *n);
enum db_status sq_fingerprint_add(struct db *db, const struct fingerprint *f);
enum db_status sq_fingerprint_same_article(struct db *db,
                                           const struct fingerprint *f,
                                           int64_t *other);
enum db_status sq_fingerprint_delete(struct db *db,
                                     const struct fingerprint *f);
enum db_status sq_comment_erased(struct db *db, int64_t id, bool *erased);
enum db_status sq_comment_erase(struct db *db, int64_t id,
                                int64_t expected_version, int64_t now);
enum db_status sq_forget_erased(struct db *db);

/* rules.c */
enum db_status sq_rule_add(struct db *db, const struct rule_record *r,
                           int64_t *id);
enum db_status sq_rule_get(struct db *db, int64_t id, rule_fn fn, void *arg);
enum db_status sq_rule_list(struct db *db, rule_fn fn, void *arg);
enum db_status sq_rule_delete(struct db *db, int64_t id);
enum db_status sq_rule_generation(struct db *db, int64_t *generation);

/* outbox.c */
enum db_status sq_outbox_add(struct db *db, const struct outbox_record *r);
enum db_status sq_outbox_claim(struct db *db, int64_t now_ms,
                               int64_t lease_until_ms, int limit,
                               const char *const *webhooks, size_t n,
                               outbox_fn fn, void *arg);
enum db_status sq_outbox_next_at(struct db *db, int64_t *next_ms);
enum db_status sq_outbox_delete(struct db *db, int64_t id);
enum db_status sq_outbox_retry(struct db *db, int64_t id, int attempts,
                               int64_t next_ms);
enum db_status sq_outbox_depth(struct db *db, int64_t *n);
enum db_status sq_outbox_of_comment(struct db *db, int64_t comment_id,
                                    outbox_fn fn, void *arg);
enum db_status sq_outbox_set_body(struct db *db, int64_t id, const char *body);
enum db_status sq_outbox_webhooks(struct db *db, outbox_fn fn, void *arg);
enum db_status sq_outbox_drop_webhook(struct db *db, const char *webhook,
                                      int64_t *n);

#endif
