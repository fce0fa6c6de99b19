/* The moderators' tools on PostgreSQL (db/pg/tools.c): what db/tools.c,
 * db/rules.c and db/outbox.c hand over to when the connection is
 * PostgreSQL's.  Shared by db/ only. */
#ifndef YKIEN_DB_PG_TOOLS_H
#define YKIEN_DB_PG_TOOLS_H

#include "db/outbox.h"
#include "db/rules.h"
#include "db/tools.h"

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
enum db_status pg_rule_add(struct db *db, const struct rule_record *rule,
                           int64_t *id);
enum db_status pg_rule_get(struct db *db, int64_t id, rule_fn fn, void *arg);
enum db_status pg_rule_list(struct db *db, rule_fn fn, void *arg);
enum db_status pg_rule_delete(struct db *db, int64_t id);
enum db_status pg_rule_generation(struct db *db, int64_t *generation);
enum db_status pg_outbox_add(struct db *db, const struct outbox_record *o);
enum db_status pg_outbox_due(struct db *db, int64_t now_ms, int limit,
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

/* First statement of a call of tools.c, rules.c or outbox.c: PostgreSQL's
 * connections go to its own implementation (pg_call), others on to the
 * SQLite code that follows. */
#define DB_PG_HANDS_OVER(db, pg_call)                                          \
    do {                                                                       \
        if ((db)->ops == &db_pg_ops)                                           \
            return (pg_call);                                                  \
        DB_SQLITE_ONLY(db);                                                    \
    } while (0)

#endif
