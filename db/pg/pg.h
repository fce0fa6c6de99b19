/* The PostgreSQL backend's own declarations, shared by the files of db/pg/
 * only: the only code that includes libpq-fe.h.  A connection is a struct
 * pg_db; its functions are the entries of db_pg_ops (db/pg/db.c), named
 * pg_ and the public call's name.
 *
 * Parameters go as text (numbers printed) or, for bytea, binary; results
 * come as text, except where a statement is run with binary results (the
 * token hash and the content chunks).  A lost connection is noticed by the
 * call that meets it (DB_BUSY) and reopened by a later call, at most every
 * RECONNECT_MS; a statement that met it outside a transaction is run once
 * more on the reopened connection. */
#ifndef YKIEN_DB_PG_PG_H
#define YKIEN_DB_PG_PG_H

#include <assert.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "db/backend.h"

enum pg_stmt {
#define S(name, sql) PG_##name,
#include "db/pg/statements.def"
#undef S
    PG_STMT_COUNT
};

struct pg_db {
    struct db base; /* first: a struct db * is a struct pg_db * */
    PGconn *conn;
    char *url;
    bool ready; /* connected, statements prepared */
    /* db_savepoint() in this transaction: none on a first run, which saves
     * two round trips each; a work that fails there sets savepoint_failed,
     * and the transaction runs again with them. */
    bool savepoints;
    bool savepoint_failed;
    uint64_t next_attempt_ms; /* no reconnection before this */
    /* An import's batch sent in pipeline mode, its answers not yet read:
     * any other call reads them first (pg_import_drain). */
    struct pg_import *pending;
    bool entry_prepared; /* the import's statement, on this connection */
    char errmsg[512];
};

static inline struct pg_db *
pg(struct db *db)
{
    assert(db->ops == &db_pg_ops);
    return (struct pg_db *)db;
}

#define DB_ASSERT_IN_TRANSACTION(db)                                           \
    assert(PQtransactionStatus(pg(db)->conn) == PQTRANS_INTRANS)

/* Parameters of one statement. */
enum { PG_PARAMS_MAX = 12 };
struct pg_params {
    int n;
    const char *value[PG_PARAMS_MAX];
    int length[PG_PARAMS_MAX];
    int format[PG_PARAMS_MAX];
    char number[PG_PARAMS_MAX][24];
};

/* Appends a text parameter (NULL: SQL NULL), a number, or bytes (bytea). */
void pg_text(struct pg_params *p, const char *s);
void pg_int(struct pg_params *p, int64_t v);
/* A positive number, or NULL for 0 and below ("none"). */
void pg_int_or_null(struct pg_params *p, int64_t v);
void pg_bytes(struct pg_params *p, const void *data, int len);

/* Runs prepared statement s.  On success (rows or command done) returns
 * DB_OK and *res (to PQclear) when res is not NULL; otherwise the outcome
 * (DB_CONFLICT for a constraint, DB_BUSY for a deadlock, serialization
 * failure or a lost connection, else DB_ERROR), with errmsg set. */
enum db_status pg_run(struct pg_db *p, enum pg_stmt s,
                      const struct pg_params *params, bool binary_result,
                      PGresult **res);
/* Runs sql, not prepared, with parameters (text results): for statements
 * on tables that do not exist when the connection opens (an import's
 * temporary tables).  Same outcomes as pg_run(). */
enum db_status pg_run_sql(struct pg_db *p, const char *sql,
                          const struct pg_params *params, PGresult **res);
/* The outcome of failed result r (NULL: the connection's error), with
 * errmsg set. */
enum db_status pg_failure(struct pg_db *p, PGresult *r);
/* Runs plain SQL (no parameters), keeping the same rules. */
enum db_status pg_exec(struct pg_db *p, const char *sql);
/* A connection ready for statements: reopened if it was lost and the
 * last attempt is RECONNECT_MS old.  False (errmsg set) when not. */
bool pg_ready(struct pg_db *p);
/* Field helpers: NULL / 0 for SQL NULL. */
const char *pg_str(const PGresult *r, int row, int col);
int64_t pg_i64(const PGresult *r, int row, int col);

/* comments.c */
enum db_status pg_comment_insert(struct db *db, const struct comment_new *in,
                                 int64_t *id);
enum db_status pg_post_key_find(struct db *db, const char *key, int64_t since,
                                int64_t *id);
enum db_status pg_comment_get(struct db *db, int64_t id, comment_fn fn,
                              void *arg);
enum db_status pg_comment_list(struct db *db, const struct comment_query *q,
                               comment_fn fn, void *arg);
enum db_status pg_comment_count(struct db *db, const char *article,
                                enum comment_status status, int64_t *n);
enum db_status pg_comment_update(struct db *db, int64_t id,
                                 int64_t expected_version,
                                 enum comment_status status, const char *body,
                                 bool edited, int64_t published_at);
enum db_status pg_history_add(struct db *db, int64_t comment_id,
                              const char *action, const char *moderator,
                              int64_t at, const char *reason);
enum db_status pg_history_list(struct db *db, int64_t comment_id, history_fn fn,
                               void *arg);
enum db_status pg_attachment_insert(struct db *db,
                                    const struct attachment_record *a,
                                    int64_t *id);
enum db_status pg_attachment_list(struct db *db, int64_t comment_id,
                                  attachment_fn fn, void *arg);
enum db_status pg_history_list_many(struct db *db, const int64_t *comment_ids,
                                    size_t n, history_fn fn, void *arg);
enum db_status pg_attachment_list_many(struct db *db,
                                       const int64_t *comment_ids, size_t n,
                                       attachment_fn fn, void *arg);
enum db_status pg_attachment_get(struct db *db, int64_t id, attachment_fn fn,
                                 void *arg);

/* Reads row of r, of COMMENT_COLUMNS (statements.def), into c. */
void pg_read_comment(const PGresult *r, int row, struct comment_record *c);

/* tokens.c */
enum db_status pg_token_add(struct db *db, const char *name,
                            const unsigned char hash[TOKEN_HASH_BYTES],
                            int64_t now);
enum db_status pg_token_find(struct db *db,
                             const unsigned char hash[TOKEN_HASH_BYTES],
                             char *name_buf, size_t name_len,
                             unsigned char stored_hash[TOKEN_HASH_BYTES]);
enum db_status pg_token_list(struct db *db, token_fn fn, void *arg);
enum db_status pg_token_revoke(struct db *db, const char *name, int64_t now);

/* blobs.c */
enum db_status pg_blob_put(struct db *db, const char *sha256, char *path,
                           int64_t size);
enum db_status pg_blob_open(struct db *db, const char *sha256, int64_t size,
                            struct db_blob **out);
enum db_status pg_blob_release(struct db *db, const char *sha256);
enum db_status pg_blob_sweep(struct db *db);

/* shared.c */
enum db_status pg_rate_take(struct db *db, const char *key,
                            uint64_t interval_ms, uint64_t burst_ms,
                            unsigned *wait_s);
enum db_status pg_changed(struct db *db, const char *article);

/* imports.c */
enum db_status pg_import_comment(struct db *db, const struct import_comment *c,
                                 int64_t *id);
enum db_status pg_import_attachment(struct db *db,
                                    const struct attachment_record *a,
                                    int64_t *id);
enum db_status pg_import_same_comment(struct db *db, int64_t id,
                                      const char *article, int64_t created_at,
                                      const char *original_body);
enum db_status pg_source_find(struct db *db, const char *source,
                              const char *source_id, int64_t *comment_id);
enum db_status pg_source_add(struct db *db, const char *source,
                             const char *source_id, int64_t comment_id);
enum db_status pg_source_list(struct db *db, int64_t comment_id, source_fn fn,
                              void *arg);
enum db_status pg_comment_walk(struct db *db, int64_t after_id, comment_fn fn,
                               void *arg);
enum db_status pg_attachment_shas(struct db *db, sha_fn fn, void *arg);
enum db_status pg_snapshot(struct db *db, db_work_fn work, void *arg);
enum db_status pg_import_open(struct db *db, struct db_import **out);
/* Reads the answers of an import's batch in flight, if any (before any
 * other statement on the connection); discards them, when the import
 * failed. */
enum db_status pg_import_drain(struct pg_db *p);
void pg_import_discard(struct pg_db *p);
/* tools.c: the moderators' tools (tools.h, rules.h, outbox.h) */
enum db_status pg_post_state(struct db *db, const char *article, int *closed,
                             int64_t *rules_generation);
enum db_status pg_article_state(struct db *db, const char *article,
                                int *closed);
enum db_status pg_article_set_state(struct db *db, const char *article,
                                    bool closed, const char *moderator,
                                    int64_t now);
enum db_status pg_article_first_comment_at(struct db *db, const char *article,
                                           int64_t *at);
enum db_status pg_flag_add(struct db *db, int64_t comment_id, const char *kind,
                           const char *detail);
enum db_status pg_flag_list(struct db *db, int64_t comment_id, flag_fn fn,
                            void *arg);
enum db_status pg_flagged_count(struct db *db, const char *article,
                                enum comment_status status, int64_t *n);
enum db_status pg_fingerprint_add(struct db *db, const struct fingerprint *f);
enum db_status pg_fingerprint_same_article(struct db *db,
                                           const struct fingerprint *f,
                                           int64_t *other);
enum db_status pg_fingerprint_delete(struct db *db,
                                     const struct fingerprint *f);
enum db_status pg_comment_erased(struct db *db, int64_t id, bool *erased);
enum db_status pg_comment_erase(struct db *db, int64_t id,
                                int64_t expected_version, int64_t now);
enum db_status pg_forget_erased(struct db *db);
enum db_status pg_rule_add(struct db *db, const struct rule_record *rule,
                           int64_t *id);
enum db_status pg_rule_get(struct db *db, int64_t id, rule_fn fn, void *arg);
enum db_status pg_rule_list(struct db *db, rule_fn fn, void *arg);
enum db_status pg_rule_delete(struct db *db, int64_t id);
enum db_status pg_rule_generation(struct db *db, int64_t *generation);
enum db_status pg_outbox_add(struct db *db, const struct outbox_record *o);
enum db_status pg_outbox_claim(struct db *db, int64_t now_ms,
                               int64_t lease_until_ms, int limit,
                               const char *const *webhooks, size_t n,
                               outbox_fn fn, void *arg);
enum db_status pg_outbox_next_at(struct db *db, int64_t *next_ms);
enum db_status pg_outbox_delete(struct db *db, int64_t id);
enum db_status pg_outbox_retry(struct db *db, int64_t id, int attempts,
                               int64_t next_ms);
enum db_status pg_outbox_depth(struct db *db, int64_t *n);
enum db_status pg_outbox_of_comment(struct db *db, int64_t comment_id,
                                    outbox_fn fn, void *arg);
enum db_status pg_outbox_set_body(struct db *db, int64_t id, const char *body);
enum db_status pg_outbox_webhooks(struct db *db, outbox_fn fn, void *arg);
enum db_status pg_outbox_drop_webhook(struct db *db, const char *webhook,
                                      int64_t *n);

/* Opens a libpq connection to url with ykien's defaults (connect timeout,
 * keepalives, application name), which url may override.  NULL, or a
 * connection whose status the caller checks. */
PGconn *pg_open_conn(const char *url);

#endif
