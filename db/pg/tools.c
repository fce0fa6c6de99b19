/* The moderators' tools on PostgreSQL: article state, flags, text
 * fingerprints, erasure, word rules and the webhook outbox (tools.h,
 * rules.h, outbox.h), as db/sqlite/tools.c, rules.c and outbox.c keep them
 * on SQLite. */
#include <stdlib.h>
#include <string.h>

#include "db/pg/pg.h"

/* Runs s and reads the first column of its first row as a number: dflt
 * when there is no row or it is NULL. */
static enum db_status
one_int(struct db *db, enum pg_stmt s, const struct pg_params *p, int64_t dflt,
        int64_t *out)
{
    PGresult *r;
    enum db_status st = pg_run(pg(db), s, p, false, &r);

    *out = dflt;
    if (st != DB_OK)
        return st;
    if (PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
        *out = pg_i64(r, 0, 0);
    PQclear(r);
    return DB_OK;
}

/* Runs s; *changed, when asked, the rows it changed. */
static enum db_status
run(struct db *db, enum pg_stmt s, const struct pg_params *p, int64_t *changed)
{
    PGresult *r;
    enum db_status st = pg_run(pg(db), s, p, false, &r);

    if (st != DB_OK)
        return st;
    if (changed)
        *changed = strtoll(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    return DB_OK;
}

enum db_status
pg_article_state(struct db *db, const char *article, int *closed)
{
    struct pg_params p = {0};
    int64_t v;
    enum db_status st;

    pg_text(&p, article);
    st = one_int(db, PG_ARTICLE_STATE_GET, &p, -1, &v);
    *closed = (int)v;
    return st;
}

/* One round trip for a new comment's two reads. */
enum db_status
pg_post_state(struct db *db, const char *article, int *closed,
              int64_t *rules_generation)
{
    struct pg_params p = {0};
    PGresult *r;
    enum db_status st;

    *closed = -1;
    *rules_generation = 0;
    pg_text(&p, article);
    st = pg_run(pg(db), PG_POST_STATE, &p, false, &r);
    if (st != DB_OK)
        return st;
    if (PQntuples(r) > 0) {
        if (!PQgetisnull(r, 0, 0))
            *closed = (int)pg_i64(r, 0, 0);
        if (!PQgetisnull(r, 0, 1))
            *rules_generation = pg_i64(r, 0, 1);
    }
    PQclear(r);
    return DB_OK;
}

enum db_status
pg_article_set_state(struct db *db, const char *article, bool closed,
                     const char *moderator, int64_t now)
{
    struct pg_params p = {0};

    pg_text(&p, article);
    pg_int(&p, closed);
    pg_text(&p, moderator);
    pg_int(&p, now);
    return run(db, PG_ARTICLE_STATE_SET, &p, NULL);
}

enum db_status
pg_article_first_comment_at(struct db *db, const char *article, int64_t *at)
{
    struct pg_params p = {0};

    pg_text(&p, article);
    return one_int(db, PG_ARTICLE_FIRST_COMMENT_AT, &p, 0, at);
}

enum db_status
pg_flag_add(struct db *db, int64_t comment_id, const char *kind,
            const char *detail)
{
    struct pg_params p = {0};

    pg_int(&p, comment_id);
    pg_text(&p, kind);
    pg_text(&p, detail);
    return run(db, PG_FLAG_INSERT, &p, NULL);
}

enum db_status
pg_flag_list(struct db *db, int64_t comment_id, flag_fn fn, void *arg)
{
    struct pg_params p = {0};
    PGresult *r;
    enum db_status st;

    pg_int(&p, comment_id);
    if ((st = pg_run(pg(db), PG_FLAG_LIST, &p, false, &r)) != DB_OK)
        return st;
    for (int i = 0; st == DB_OK && i < PQntuples(r); i++) {
        struct flag_record f = {.kind = pg_str(r, i, 0),
                                .detail = pg_str(r, i, 1)};

        if (fn(&f, arg) != 0)
            st = DB_ERROR;
    }
    PQclear(r);
    return st;
}

enum db_status
pg_flagged_count(struct db *db, const char *article, enum comment_status status,
                 int64_t *n)
{
    struct pg_params p = {0};

    pg_text(&p, article ? article : "");
    pg_text(&p, comment_status_name(status));
    return one_int(db, PG_FLAGGED_COUNT, &p, 0, n);
}

static void
fingerprint_params(struct pg_params *p, const struct fingerprint *f)
{
    pg_int(p, f->hash);
    pg_text(p, f->article);
    pg_int(p, f->comment_id);
}

enum db_status
pg_fingerprint_add(struct db *db, const struct fingerprint *f)
{
    struct pg_params p = {0};

    fingerprint_params(&p, f);
    return run(db, PG_FINGERPRINT_INSERT, &p, NULL);
}

enum db_status
pg_fingerprint_same_article(struct db *db, const struct fingerprint *f,
                            int64_t *other)
{
    struct pg_params p = {0};

    fingerprint_params(&p, f);
    return one_int(db, PG_FINGERPRINT_IN_ARTICLE, &p, 0, other);
}

enum db_status
pg_fingerprint_delete(struct db *db, const struct fingerprint *f)
{
    struct pg_params p = {0};

    fingerprint_params(&p, f);
    return run(db, PG_FINGERPRINT_DELETE, &p, NULL);
}

enum db_status
pg_comment_erased(struct db *db, int64_t id, bool *erased)
{
    struct pg_params p = {0};
    int64_t v;
    enum db_status st;

    pg_int(&p, id);
    st = one_int(db, PG_COMMENT_ERASED, &p, -1, &v);
    if (st == DB_OK && v < 0)
        st = DB_NOT_FOUND;
    *erased = v > 0;
    return st;
}

enum db_status
pg_comment_erase(struct db *db, int64_t id, int64_t expected_version,
                 int64_t now)
{
    struct pg_params p = {0};
    int64_t changed = 0;
    enum db_status st;

    DB_ASSERT_IN_TRANSACTION(db);
    pg_int(&p, id);
    pg_int(&p, expected_version);
    pg_int(&p, now);
    st = run(db, PG_COMMENT_ERASE, &p, &changed);
    if (st == DB_OK && changed == 0)
        st = DB_CONFLICT;
    memset(&p, 0, sizeof p);
    pg_int(&p, id);
    if (st == DB_OK)
        st = run(db, PG_HISTORY_SCRUB, &p, NULL);
    if (st == DB_OK)
        st = run(db, PG_ATTACHMENT_DELETE_OF_COMMENT, &p, NULL);
    return st;
}

/* The tables whose rows an erasure changes or deletes (comment, history,
 * attachment, text_fingerprint, the events rewritten in outbox) or whose
 * content it releases (blob, blob_chunk); each with its TOAST table.
 * VACUUM cannot run in a transaction block nor as a prepared statement:
 * plain SQL on the idle connection. */
enum db_status
pg_forget_erased(struct db *db)
{
    assert(PQtransactionStatus(pg(db)->conn) != PQTRANS_INTRANS);
    return pg_exec(pg(db), "VACUUM comment, history, attachment,"
                           " text_fingerprint, outbox, blob, blob_chunk");
}

/* ---- rules -------------------------------------------------------------- */

enum db_status
pg_rule_add(struct db *db, const struct rule_record *rule, int64_t *id)
{
    struct pg_params p = {0};

    pg_text(&p, rule->pattern);
    pg_text(&p, rule->reject ? "reject" : "hold");
    pg_int(&p, rule->ignore_marks);
    pg_text(&p, rule->note);
    pg_text(&p, rule->created_by);
    pg_int(&p, rule->created_at);
    return one_int(db, PG_RULE_INSERT, &p, 0, id);
}

static enum db_status
walk_rules(PGresult *r, bool want_one, rule_fn fn, void *arg)
{
    enum db_status st = DB_OK;
    int rows = PQntuples(r);

    for (int i = 0; st == DB_OK && i < rows; i++) {
        const char *action = pg_str(r, i, 2);
        struct rule_record rule = {
            .id = pg_i64(r, i, 0),
            .pattern = pg_str(r, i, 1),
            .reject = action && action[0] == 'r',
            .ignore_marks = pg_i64(r, i, 3) != 0,
            .note = pg_str(r, i, 4),
            .created_by = pg_str(r, i, 5),
            .created_at = pg_i64(r, i, 6),
        };
        if (fn(&rule, arg) != 0)
            st = DB_ERROR;
    }
    if (st == DB_OK && want_one && rows == 0)
        st = DB_NOT_FOUND;
    PQclear(r);
    return st;
}

enum db_status
pg_rule_get(struct db *db, int64_t id, rule_fn fn, void *arg)
{
    struct pg_params p = {0};
    PGresult *r;
    enum db_status st;

    pg_int(&p, id);
    st = pg_run(pg(db), PG_RULE_GET, &p, false, &r);
    return st == DB_OK ? walk_rules(r, true, fn, arg) : st;
}

enum db_status
pg_rule_list(struct db *db, rule_fn fn, void *arg)
{
    PGresult *r;
    enum db_status st = pg_run(pg(db), PG_RULE_LIST, NULL, false, &r);

    return st == DB_OK ? walk_rules(r, false, fn, arg) : st;
}

enum db_status
pg_rule_delete(struct db *db, int64_t id)
{
    struct pg_params p = {0};
    int64_t changed = 0;
    enum db_status st;

    pg_int(&p, id);
    st = run(db, PG_RULE_DELETE, &p, &changed);
    return st == DB_OK && changed == 0 ? DB_NOT_FOUND : st;
}

enum db_status
pg_rule_generation(struct db *db, int64_t *generation)
{
    return one_int(db, PG_RULE_GENERATION, NULL, 0, generation);
}

/* ---- the outbox --------------------------------------------------------- */

enum db_status
pg_outbox_add(struct db *db, const struct outbox_record *o)
{
    struct pg_params p = {0};

    pg_text(&p, o->event_id);
    pg_int(&p, o->comment_id);
    pg_text(&p, o->webhook);
    pg_text(&p, o->body);
    pg_int(&p, o->created_at);
    pg_int(&p, o->next_at);
    return run(db, PG_OUTBOX_INSERT, &p, NULL);
}

/* Rows of id, event_id, webhook, body, attempts, created_at; or fewer
 * columns, as the statement has them.  Clears r. */
static enum db_status
walk_outbox(PGresult *r, outbox_fn fn, void *arg)
{
    int cols = PQnfields(r);
    enum db_status st = DB_OK;

    for (int i = 0; st == DB_OK && i < PQntuples(r); i++) {
        struct outbox_record o = {0};

        if (cols == 6) {
            o.id = pg_i64(r, i, 0);
            o.event_id = pg_str(r, i, 1);
            o.webhook = pg_str(r, i, 2);
            o.body = pg_str(r, i, 3);
            o.attempts = (int)pg_i64(r, i, 4);
            o.created_at = pg_i64(r, i, 5);
        } else if (cols == 2) {
            o.id = pg_i64(r, i, 0);
            o.body = pg_str(r, i, 1);
        } else {
            o.webhook = pg_str(r, i, 0);
        }
        if (fn(&o, arg) != 0)
            st = DB_ERROR;
    }
    PQclear(r);
    return st;
}

/* One statement, outside any transaction: the rows it locks (skipping
 * those another process is claiming) are claimed when it ends, and no
 * transaction stays open while the events are delivered. */
/* The strings as one text, a line each (URLs hold no line break), for
 * string_to_array($n, E'\n'); NULL when out of memory. */
static char *
join_lines(const char *const *lines, size_t n)
{
    size_t len = 1, at = 0;
    char *out;

    for (size_t i = 0; i < n; i++)
        len += strlen(lines[i]) + 1;
    out = malloc(len);
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(lines[i]);

        memcpy(out + at, lines[i], l);
        at += l;
        if (i + 1 < n)
            out[at++] = '\n';
    }
    out[at] = '\0';
    return out;
}

enum db_status
pg_outbox_claim(struct db *db, int64_t now_ms, int64_t lease_until_ms,
                int limit, const char *const *webhooks, size_t n, outbox_fn fn,
                void *arg)
{
    struct pg_params p = {0};
    PGresult *r;
    enum db_status st;
    char *list = join_lines(webhooks, n);

    if (!list)
        return DB_ERROR;
    pg_int(&p, now_ms);
    pg_int(&p, lease_until_ms);
    pg_int(&p, limit);
    pg_text(&p, list);
    st = pg_run(pg(db), PG_OUTBOX_CLAIM, &p, false, &r);
    free(list);
    return st == DB_OK ? walk_outbox(r, fn, arg) : st;
}

enum db_status
pg_outbox_next_at(struct db *db, int64_t *next_ms)
{
    return one_int(db, PG_OUTBOX_NEXT_AT, NULL, 0, next_ms);
}

enum db_status
pg_outbox_delete(struct db *db, int64_t id)
{
    struct pg_params p = {0};

    pg_int(&p, id);
    return run(db, PG_OUTBOX_DELETE, &p, NULL);
}

enum db_status
pg_outbox_retry(struct db *db, int64_t id, int attempts, int64_t next_ms)
{
    struct pg_params p = {0};

    pg_int(&p, id);
    pg_int(&p, attempts);
    pg_int(&p, next_ms);
    return run(db, PG_OUTBOX_RETRY, &p, NULL);
}

enum db_status
pg_outbox_depth(struct db *db, int64_t *n)
{
    return one_int(db, PG_OUTBOX_DEPTH, NULL, 0, n);
}

enum db_status
pg_outbox_of_comment(struct db *db, int64_t comment_id, outbox_fn fn, void *arg)
{
    struct pg_params p = {0};
    PGresult *r;
    enum db_status st;

    pg_int(&p, comment_id);
    st = pg_run(pg(db), PG_OUTBOX_OF_COMMENT, &p, false, &r);
    return st == DB_OK ? walk_outbox(r, fn, arg) : st;
}

enum db_status
pg_outbox_set_body(struct db *db, int64_t id, const char *body)
{
    struct pg_params p = {0};

    pg_int(&p, id);
    pg_text(&p, body);
    return run(db, PG_OUTBOX_SET_BODY, &p, NULL);
}

enum db_status
pg_outbox_webhooks(struct db *db, outbox_fn fn, void *arg)
{
    PGresult *r;
    enum db_status st = pg_run(pg(db), PG_OUTBOX_WEBHOOKS, NULL, false, &r);

    return st == DB_OK ? walk_outbox(r, fn, arg) : st;
}

enum db_status
pg_outbox_drop_webhook(struct db *db, const char *webhook, int64_t *n)
{
    struct pg_params p = {0};

    *n = 0;
    pg_text(&p, webhook);
    return run(db, PG_OUTBOX_DROP_WEBHOOK, &p, n);
}
