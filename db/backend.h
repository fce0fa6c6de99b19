/* What a storage backend provides: one table of functions, one entry per
 * public call of the headers of db/, which the public calls dispatch to
 * (db/db.c, db/comments.c, db/tokens.c, db/blobs.c, db/shared.c,
 * db/tools.c, db/rules.c, db/outbox.c, db/imports.c, db/backup.c).
 * Shared by the files of db/ only.
 *
 * A backend's connection starts with a struct db (its first member), whose
 * ops point to the backend's table; the backend casts back to its own
 * type.  An entry may be NULL: the backend does not have that call yet,
 * and the public call answers DB_ERROR with a message that says so (see
 * db_unsupported()).  That is how a call is added for one backend first:
 * add its entry here, its public function with DB_DISPATCH, and its
 * implementation in that backend's folder. */
#ifndef YKIEN_DB_BACKEND_H
#define YKIEN_DB_BACKEND_H

#include <stdbool.h>
#include <sys/types.h>

#include "db/blobs.h"
#include "db/comments.h"
#include "db/db.h"
#include "db/imports.h"
#include "db/outbox.h"
#include "db/rules.h"
#include "db/shared.h"
#include "db/tokens.h"
#include "db/tools.h"

struct db_ops {
    const char *name; /* "SQLite", "PostgreSQL": for messages */
    bool shared;      /* see db_shared() */

    /* db.h */
    void (*close)(struct db *db);
    const char *(*errmsg)(struct db *db);
    int (*schema_version)(void);
    enum db_status (*transaction)(struct db *db, db_work_fn work, void *arg);
    enum db_status (*savepoint)(struct db *db, db_work_fn work, void *arg);
    enum db_status (*health)(struct db *db);

    /* comments.h */
    enum db_status (*comment_insert)(struct db *db,
                                     const struct comment_new *in, int64_t *id);
    enum db_status (*post_key_find)(struct db *db, const char *key,
                                    int64_t since, int64_t *id);
    enum db_status (*comment_get)(struct db *db, int64_t id, comment_fn fn,
                                  void *arg);
    enum db_status (*comment_list)(struct db *db, const struct comment_query *q,
                                   comment_fn fn, void *arg);
    enum db_status (*comment_count)(struct db *db, const char *article,
                                    enum comment_status status, int64_t *n);
    enum db_status (*comment_update)(struct db *db, int64_t id,
                                     int64_t expected_version,
                                     enum comment_status status,
                                     const char *body, bool edited,
                                     int64_t published_at);
    enum db_status (*history_add)(struct db *db, int64_t comment_id,
                                  const char *action, const char *moderator,
                                  int64_t at, const char *reason);
    enum db_status (*history_list)(struct db *db, int64_t comment_id,
                                   history_fn fn, void *arg);
    enum db_status (*attachment_insert)(struct db *db,
                                        const struct attachment_record *a,
                                        int64_t *id);
    enum db_status (*attachment_list)(struct db *db, int64_t comment_id,
                                      attachment_fn fn, void *arg);
    enum db_status (*history_list_many)(struct db *db,
                                        const int64_t *comment_ids, size_t n,
                                        history_fn fn, void *arg);
    enum db_status (*attachment_list_many)(struct db *db,
                                           const int64_t *comment_ids, size_t n,
                                           attachment_fn fn, void *arg);
    enum db_status (*attachment_get)(struct db *db, int64_t id,
                                     attachment_fn fn, void *arg);

    /* tokens.h */
    enum db_status (*token_add)(struct db *db, const char *name,
                                const unsigned char hash[TOKEN_HASH_BYTES],
                                int64_t now);
    enum db_status (*token_find)(struct db *db,
                                 const unsigned char hash[TOKEN_HASH_BYTES],
                                 char *name_buf, size_t name_len,
                                 unsigned char stored_hash[TOKEN_HASH_BYTES]);
    enum db_status (*token_list)(struct db *db, token_fn fn, void *arg);
    enum db_status (*token_revoke)(struct db *db, const char *name,
                                   int64_t now);

    /* blobs.h */
    enum db_status (*blob_put)(struct db *db, const char *sha256, char *path,
                               int64_t size);
    enum db_status (*blob_open)(struct db *db, const char *sha256, int64_t size,
                                struct db_blob **out);
    enum db_status (*blob_release)(struct db *db, const char *sha256);
    enum db_status (*blob_sweep)(struct db *db);

    /* shared.h */
    enum db_status (*rate_take)(struct db *db, const char *key,
                                uint64_t interval_ms, uint64_t burst_ms,
                                unsigned *wait_s);
    enum db_status (*changed)(struct db *db, const char *article);

    /* imports.h */
    enum db_status (*import_comment)(struct db *db,
                                     const struct import_comment *c,
                                     int64_t *id);
    enum db_status (*import_attachment)(struct db *db,
                                        const struct attachment_record *a,
                                        int64_t *id);
    enum db_status (*import_same_comment)(struct db *db, int64_t id,
                                          const char *article,
                                          int64_t created_at,
                                          const char *original_body);
    enum db_status (*source_find)(struct db *db, const char *source,
                                  const char *source_id, int64_t *comment_id);
    enum db_status (*source_add)(struct db *db, const char *source,
                                 const char *source_id, int64_t comment_id);
    enum db_status (*source_list)(struct db *db, int64_t comment_id,
                                  source_fn fn, void *arg);
    enum db_status (*comment_walk)(struct db *db, int64_t after_id,
                                   comment_fn fn, void *arg);
    enum db_status (*attachment_shas)(struct db *db, sha_fn fn, void *arg);
    enum db_status (*snapshot)(struct db *db, db_work_fn work, void *arg);
    enum db_status (*import_open)(struct db *db, struct db_import **out);

    /* backup.h: backup NULL where the backend has no copy of its own */
    int (*backup)(struct db *db, const char *dest_path, char *err,
                  size_t err_len);
    int (*integrity_check)(struct db *db, char *err, size_t err_len);
    /* tools.h */
    enum db_status (*article_state)(struct db *db, const char *article,
                                    int *closed);
    enum db_status (*post_state)(struct db *db, const char *article,
                                 int *closed, int64_t *rules_generation);
    enum db_status (*article_set_state)(struct db *db, const char *article,
                                        bool closed, const char *moderator,
                                        int64_t now);
    enum db_status (*article_first_comment_at)(struct db *db,
                                               const char *article,
                                               int64_t *at);
    enum db_status (*flag_add)(struct db *db, int64_t comment_id,
                               const char *kind, const char *detail);
    enum db_status (*flag_list)(struct db *db, int64_t comment_id, flag_fn fn,
                                void *arg);
    enum db_status (*flagged_count)(struct db *db, const char *article,
                                    enum comment_status status, int64_t *n);
    enum db_status (*fingerprint_add)(struct db *db,
                                      const struct fingerprint *f);
    enum db_status (*fingerprint_same_article)(struct db *db,
                                               const struct fingerprint *f,
                                               int64_t *other);
    enum db_status (*fingerprint_delete)(struct db *db,
                                         const struct fingerprint *f);
    enum db_status (*comment_erased)(struct db *db, int64_t id, bool *erased);
    enum db_status (*comment_erase)(struct db *db, int64_t id,
                                    int64_t expected_version, int64_t now);
    enum db_status (*forget_erased)(struct db *db);

    /* rules.h */
    enum db_status (*rule_add)(struct db *db, const struct rule_record *r,
                               int64_t *id);
    enum db_status (*rule_get)(struct db *db, int64_t id, rule_fn fn,
                               void *arg);
    enum db_status (*rule_list)(struct db *db, rule_fn fn, void *arg);
    enum db_status (*rule_delete)(struct db *db, int64_t id);
    enum db_status (*rule_generation)(struct db *db, int64_t *generation);

    /* outbox.h */
    enum db_status (*outbox_add)(struct db *db, const struct outbox_record *r);
    enum db_status (*outbox_claim)(struct db *db, int64_t now_ms,
                                   int64_t lease_until_ms, int limit,
                                   const char *const *webhooks, size_t n,
                                   outbox_fn fn, void *arg);
    enum db_status (*outbox_next_at)(struct db *db, int64_t *next_ms);
    enum db_status (*outbox_delete)(struct db *db, int64_t id);
    enum db_status (*outbox_retry)(struct db *db, int64_t id, int attempts,
                                   int64_t next_ms);
    enum db_status (*outbox_depth)(struct db *db, int64_t *n);
    enum db_status (*outbox_of_comment)(struct db *db, int64_t comment_id,
                                        outbox_fn fn, void *arg);
    enum db_status (*outbox_set_body)(struct db *db, int64_t id,
                                      const char *body);
    enum db_status (*outbox_webhooks)(struct db *db, outbox_fn fn, void *arg);
    enum db_status (*outbox_drop_webhook)(struct db *db, const char *webhook,
                                          int64_t *n);
};

struct db {
    const struct db_ops *ops;
};

/* An open content: the backend's reader starts with this. */
struct db_blob_ops {
    int (*take_fd)(struct db_blob *b);
    ssize_t (*read)(struct db_blob *b, uint64_t offset, void *buf, size_t len);
    void (*close)(struct db_blob *b);
};

struct db_blob {
    const struct db_blob_ops *ops;
};

/* An import's staging area: the backend's starts with this; its calls are
 * those of imports.h that take a struct db_import. */
struct db_import_ops {
    void (*close)(struct db_import *imp);
    enum db_status (*finish)(struct db_import *imp);
    enum db_status (*key_set)(struct db_import *imp, const char *key,
                              int64_t comment_id);
    enum db_status (*parent_note)(struct db_import *imp, int64_t comment_id,
                                  const char *parent_key);
    enum db_status (*resolve_parents)(struct db_import *imp, const char *source,
                                      int64_t *linked, int64_t *missing);
    enum db_status (*thread_set)(struct db_import *imp, const char *key,
                                 const char *article);
    enum db_status (*thread_get)(struct db_import *imp, const char *key,
                                 char *buf, size_t len);
    enum db_status (*orphan_add)(struct db_import *imp,
                                 const struct import_orphan *o);
    enum db_status (*orphan_walk)(struct db_import *imp, orphan_fn fn,
                                  void *arg);
    /* NULL: db_import_entry_each(), and nothing to flush. */
    enum db_status (*entry)(struct db_import *imp,
                            const struct import_entry *e);
    enum db_status (*flush)(struct db_import *imp);
};

struct db_import {
    const struct db_import_ops *ops;
    struct db *db;
    import_done_fn done;
    void *done_arg;
};

/* db_import_entry() one statement at a time, in a savepoint, with the calls
 * of imports.h. */
enum db_status db_import_entry_each(struct db_import *imp,
                                    const struct import_entry *e);

/* The backends' tables and their connection makers. */
extern const struct db_ops db_sqlite_ops;
extern const struct db_ops db_pg_ops;
int db_sqlite_open(const char *path, struct db **out, char *err,
                   size_t err_len);
int db_pg_connect(const char *url, struct db **out, char *err, size_t err_len);
struct db_watch *db_pg_watch_start(const char *url, db_changed_fn changed,
                                   void *arg, char *err, size_t err_len);
void db_pg_watch_stop(struct db_watch *w);

/* The answer to a call whose entry is NULL: DB_ERROR, and db_errmsg()
 * names the call and the backend until the next call. */
enum db_status db_unsupported(struct db *db, const char *call);

/* The body of a public call: the backend's entry called with the
 * arguments that follow (db first, again), or db_unsupported(). */
#define DB_DISPATCH(db, call, ...)                                             \
    ((db)->ops->call ? (db)->ops->call(__VA_ARGS__)                            \
                     : db_unsupported((db), #call))

#endif
