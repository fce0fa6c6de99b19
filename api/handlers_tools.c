/* The moderators' tools (API.md 1.1): article state, word rules, bulk
 * actions and erasure.  The server has already checked the token;
 * c->moderator names it.  Writes run in one transaction per request, and
 * the page cache hears of a change only after its commit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/attachments.h"
#include "api/comment.h"
#include "api/fold.h"
#include "api/freshness.h"
#include "api/handlers.h"
#include "api/json_map.h"
#include "api/moderation.h"
#include "api/outbox.h"
#include "api/rules.h"
#include "api/unicode.h"
#include "db/rules.h"
#include "db/shared.h"
#include "db/tools.h"

enum { BULK_MAX = 100 };

/* Parses the request body as a JSON object into *root (NULL when there is
 * no body and !required).  On failure the call carries the error. */
static int
read_object(struct api_call *c, bool required, json_t **root)
{
    json_error_t err;

    *root = NULL;
    if (!c->body || c->body_len == 0) {
        if (!required)
            return 0;
        api_fail(c, API_E_BAD_JSON, NULL);
        return -1;
    }
    if (!uni_valid_utf8(c->body, c->body_len)) {
        api_fail(c, API_E_BAD_UTF8, NULL);
        return -1;
    }
    *root = json_loadb(c->body, c->body_len,
                       JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &err);
    if (!*root) {
        api_fail(c, API_E_BAD_JSON, NULL);
        return -1;
    }
    if (!json_is_object(*root)) {
        api_fail(c, API_E_NOT_OBJECT, NULL);
        return -1;
    }
    return 0;
}

/* An optional moderator's note member, cleaned; *out NULL when absent. */
static int
read_note(struct api_call *c, json_t *root, const char *key, char **out)
{
    json_t *v = json_object_get(root, key);
    enum api_error e;

    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v)) {
        api_fail(c, API_E_WRONG_TYPE, key);
        return -1;
    }
    e = comment_clean_note(json_string_value(v), json_string_length(v), out);
    if (e != API_OK) {
        api_fail(c, e, key);
        return -1;
    }
    return 0;
}

/* ---- article state ----------------------------------------------------- */

static void
reply_article(struct api_call *c)
{
    struct article_state state;
    int64_t n[3];

    if (article_state_read(c->db, c->cfg, c->article, (int64_t)time(NULL),
                           &state) != 0)
        goto fail;
    for (int s = COMMENT_PENDING; s <= COMMENT_REJECTED; s++) {
        if (db_comment_count(c->db, c->article, (enum comment_status)s,
                             &n[s]) != DB_OK)
            goto fail;
    }
    api_reply(c, 200,
              json_pack("{s:s, s:b, s:{s:I, s:I, s:I}}", "article", c->article,
                        "closed", (int)state.closed, "counts", "pending",
                        (json_int_t)n[COMMENT_PENDING], "approved",
                        (json_int_t)n[COMMENT_APPROVED], "rejected",
                        (json_int_t)n[COMMENT_REJECTED]));
    return;
fail:
    api_fail(c, API_E_INTERNAL, NULL);
}

void
api_article_show(struct api_call *c)
{
    c->private_reply = true;
    if (!comment_article_valid(c->article)) {
        api_fail(c, API_E_BAD_ARTICLE, "article");
        return;
    }
    reply_article(c);
}

/* arg: "1" closes the article, "" re-opens it. */
static int
set_state_work(struct api_call *c, void *arg)
{
    enum db_status st =
        db_article_set_state(c->db, c->article, *(const char *)arg != '\0',
                             c->moderator, (int64_t)time(NULL));

    /* Other processes sharing the database drop the article's pages. */
    if (st == DB_OK && (st = db_changed(c->db, c->article)) == DB_OK)
        return 0;
    api_fail_db(c, st == DB_BUSY ? DB_BUSY : DB_ERROR);
    return -1;
}

void
api_article_update(struct api_call *c)
{
    json_t *root = NULL, *closed;

    c->private_reply = true;
    if (!comment_article_valid(c->article)) {
        api_fail(c, API_E_BAD_ARTICLE, "article");
        return;
    }
    if (read_object(c, true, &root) != 0)
        goto out;
    closed = json_object_get(root, "closed");
    if (!closed || json_is_null(closed)) {
        api_fail(c, API_E_INVALID_FIELD, "closed");
        goto out;
    }
    if (!json_is_boolean(closed)) {
        api_fail(c, API_E_WRONG_TYPE, "closed");
        goto out;
    }
    if (api_transaction(c, set_state_work,
                        (void *)(json_is_true(closed) ? "1" : "")) != 0)
        goto out;
    /* Readers see "closed" in the list at once. */
    freshness_bump(c->article);
    reply_article(c);
out:
    json_decref(root);
}

/* ---- word rules -------------------------------------------------------- */

static json_t *
rule_json(const struct rule_record *r)
{
    char at[32];

    json_map_time(r->created_at, at, sizeof at);
    return json_pack("{s:I, s:s, s:s, s:b, s:o, s:o, s:s}", "id",
                     (json_int_t)r->id, "pattern", r->pattern ? r->pattern : "",
                     "action", r->reject ? "reject" : "hold", "ignore_marks",
                     (int)r->ignore_marks, "note",
                     r->note ? json_string(r->note) : json_null(), "created_by",
                     r->created_by ? json_string(r->created_by) : json_null(),
                     "created_at", at);
}

static int
add_rule(const struct rule_record *r, void *arg)
{
    return json_array_append_new(arg, rule_json(r));
}

void
api_rules_list(struct api_call *c)
{
    json_t *rules = json_array();

    c->private_reply = true;
    if (!rules || db_rule_list(c->db, add_rule, rules) != DB_OK) {
        json_decref(rules);
        api_fail(c, API_E_INTERNAL, NULL);
        return;
    }
    api_reply(c, 200, json_pack("{s:o}", "rules", rules));
}

static int
reply_rule(const struct rule_record *r, void *arg)
{
    api_reply(arg, 201, rule_json(r));
    return 0;
}

/* Reads the members of a new rule; on failure the call carries the error. */
static int
read_rule(struct api_call *c, json_t *root, struct rule_record *r,
          char **pattern, char **note)
{
    json_t *v = json_object_get(root, "pattern");
    enum api_error e;
    const char *action;

    if (!v || json_is_null(v)) {
        api_fail(c, API_E_EMPTY, "pattern");
        return -1;
    }
    if (!json_is_string(v)) {
        api_fail(c, API_E_WRONG_TYPE, "pattern");
        return -1;
    }
    e = rules_clean_pattern(json_string_value(v), json_string_length(v),
                            pattern);
    if (e != API_OK) {
        api_fail(c, e, "pattern");
        return -1;
    }
    v = json_object_get(root, "action");
    if (v && !json_is_null(v) && !json_is_string(v)) {
        api_fail(c, API_E_WRONG_TYPE, "action");
        return -1;
    }
    action = json_string_value(v);
    if (!action ||
        (strcmp(action, "reject") != 0 && strcmp(action, "hold") != 0)) {
        api_fail(c, API_E_INVALID_FIELD, "action");
        return -1;
    }
    v = json_object_get(root, "ignore_marks");
    if (v && !json_is_null(v) && !json_is_boolean(v)) {
        api_fail(c, API_E_WRONG_TYPE, "ignore_marks");
        return -1;
    }
    if (read_note(c, root, "note", note) != 0)
        return -1;
    *r = (struct rule_record){
        .pattern = *pattern,
        .reject = action[0] == 'r',
        .ignore_marks = json_is_true(v),
        .note = *note,
        .created_by = c->moderator,
        .created_at = (int64_t)time(NULL),
    };
    return 0;
}

struct rule_add {
    const struct rule_record *rule;
    int64_t *id;
};

static int
rule_add_work(struct api_call *c, void *arg)
{
    struct rule_add *a = arg;

    if (db_rule_add(c->db, a->rule, a->id) == DB_OK)
        return 0;
    api_fail(c, API_E_INTERNAL, NULL);
    return -1;
}

void
api_rule_create(struct api_call *c)
{
    json_t *root = NULL;
    char *pattern = NULL, *note = NULL;
    struct rule_record r;
    int64_t id;

    c->private_reply = true;
    if (read_object(c, true, &root) != 0 ||
        read_rule(c, root, &r, &pattern, &note) != 0)
        goto out;
    if (api_transaction(c, rule_add_work,
                        &(struct rule_add){.rule = &r, .id = &id}) != 0)
        goto out;
    if (db_rule_get(c->db, id, reply_rule, c) != DB_OK)
        api_fail(c, API_E_INTERNAL, NULL);
out:
    json_decref(root);
    free(pattern);
    free(note);
}

static int
rule_delete_work(struct api_call *c, void *arg)
{
    enum db_status st = db_rule_delete(c->db, c->id);

    (void)arg;
    if (st == DB_OK)
        return 0;
    api_fail(c, st == DB_NOT_FOUND ? API_E_NOT_FOUND : API_E_INTERNAL, NULL);
    return -1;
}

void
api_rule_delete(struct api_call *c)
{
    c->private_reply = true;
    if (api_transaction(c, rule_delete_work, NULL) != 0)
        return;
    c->status = 204;
}

/* ---- bulk actions ------------------------------------------------------ */

/* Reads {"action", "ids", "reason"}; on failure the call carries the error. */
static int
read_bulk(struct api_call *c, json_t *root, enum comment_action *action,
          json_t **ids, char **reason)
{
    json_t *v = json_object_get(root, "action");
    const char *word;
    size_t i;
    json_t *id;

    if (v && !json_is_null(v) && !json_is_string(v)) {
        api_fail(c, API_E_WRONG_TYPE, "action");
        return -1;
    }
    word = json_string_value(v);
    if (word && strcmp(word, "approve") == 0) {
        *action = ACTION_APPROVE;
    } else if (word && strcmp(word, "reject") == 0) {
        *action = ACTION_REJECT;
    } else {
        api_fail(c, API_E_INVALID_FIELD, "action");
        return -1;
    }
    *ids = json_object_get(root, "ids");
    if (!*ids || json_is_null(*ids)) {
        api_fail(c, API_E_INVALID_FIELD, "ids");
        return -1;
    }
    if (!json_is_array(*ids)) {
        api_fail(c, API_E_WRONG_TYPE, "ids");
        return -1;
    }
    json_array_foreach(*ids, i, id)
    {
        if (!json_is_integer(id)) {
            api_fail(c, API_E_WRONG_TYPE, "ids");
            return -1;
        }
    }
    if (json_array_size(*ids) == 0 || json_array_size(*ids) > BULK_MAX) {
        api_fail(c, API_E_INVALID_FIELD, "ids");
        return -1;
    }
    return read_note(c, root, "reason", reason);
}

/* Remembers an article whose public pages an item changed, once. */
static void
touch(char (*articles)[ARTICLE_MAX + 1], size_t *n, const char *article)
{
    for (size_t i = 0; i < *n; i++) {
        if (strcmp(articles[i], article) == 0)
            return;
    }
    snprintf(articles[(*n)++], ARTICLE_MAX + 1, "%s", article);
}

/* A bulk request: its items, and what the transaction made of them. */
struct bulk {
    json_t *ids;
    enum comment_action action;
    const char *reason;
    json_t *results;                          /* one result per id */
    char articles[BULK_MAX][ARTICLE_MAX + 1]; /* whose pages changed */
    size_t n_articles;
};

/* Every id as its single action would go, in one transaction: a 404 or a
 * 409 is that item's result, a failure of ours fails the whole request. */
static int
bulk_work(struct api_call *c, void *arg)
{
    struct bulk *b = arg;
    json_t *id;
    size_t i;

    /* From the start each time the transaction runs. */
    json_array_clear(b->results);
    b->n_articles = 0;
    json_array_foreach(b->ids, i, id)
    {
        struct api_call item = {
            .cfg = c->cfg,
            .db = c->db,
            .lang = c->lang,
            .moderator = c->moderator,
            .id = json_integer_value(id),
        };
        struct moderation_request req = {
            .action = b->action, .reason = b->reason, .if_match = -1};
        char article[ARTICLE_MAX + 1];
        json_t *res;

        if (item.id <= 0) {
            /* Not an id any comment can have: as unknown as a missing one. */
            api_fail(&item, API_E_NOT_FOUND, NULL);
        } else if (moderation_apply(&item, &req, article) == 0) {
            touch(b->articles, &b->n_articles, article);
            item.status = 200;
        } else if (item.status >= 500) {
            api_call_clear(&item);
            api_fail(c, API_E_INTERNAL, NULL);
            return -1;
        }
        res = json_pack("{s:I, s:i}", "id", (json_int_t)item.id, "status",
                        (int)item.status);
        if (res && item.status != 200)
            json_object_set(res, "error", json_object_get(item.reply, "error"));
        api_call_clear(&item);
        if (json_array_append_new(b->results, res) != 0) {
            api_fail(c, API_E_INTERNAL, NULL);
            return -1;
        }
    }
    return 0;
}

void
api_bulk(struct api_call *c)
{
    struct bulk *b = calloc(1, sizeof *b);
    json_t *root = NULL;
    char *reason = NULL;

    c->private_reply = true;
    if (!b) {
        api_fail(c, API_E_INTERNAL, NULL);
        return;
    }
    if (read_object(c, true, &root) != 0 ||
        read_bulk(c, root, &b->action, &b->ids, &reason) != 0)
        goto out;
    b->reason = reason;
    b->results = json_array();
    if (!b->results) {
        api_fail(c, API_E_INTERNAL, NULL);
        goto out;
    }
    if (api_transaction(c, bulk_work, b) != 0)
        goto out;
    /* Once per article, after the commit. */
    for (size_t a = 0; a < b->n_articles; a++)
        freshness_bump(b->articles[a]);
    outbox_kick();
    api_reply(c, 200, json_pack("{s:O}", "results", b->results));
out:
    json_decref(b->results);
    json_decref(root);
    free(reason);
    free(b);
}

/* ---- erasure ----------------------------------------------------------- */

struct erase_target {
    bool found;
    int64_t version;
    int64_t hash; /* fingerprint of the body as posted */
    enum comment_status status;
    char article[ARTICLE_MAX + 1];
};

static int
read_target(const struct comment_record *rec, void *arg)
{
    struct erase_target *t = arg;

    t->found = true;
    t->version = rec->version;
    t->status = rec->status;
    t->hash = fold_fingerprint(rec->original_body, strlen(rec->original_body));
    snprintf(t->article, sizeof t->article, "%s", rec->article);
    return 0;
}

struct shas {
    char (*sha)[65];
    size_t n;
};

static int
add_sha(const struct attachment_record *a, void *arg)
{
    struct shas *s = arg;
    char(*bigger)[65] = realloc(s->sha, (s->n + 1) * sizeof *bigger);

    if (!bigger)
        return -1;
    s->sha = bigger;
    snprintf(s->sha[s->n++], 65, "%s", a->sha256);
    return 0;
}

/* The transaction of an erasure; on failure the call carries the error. */
static int
erase(struct api_call *c, int64_t if_match, const char *reason,
      struct erase_target *t, struct shas *files)
{
    int64_t now = (int64_t)time(NULL);
    enum db_status st;
    bool erased;

    st = db_comment_get(c->db, c->id, read_target, t);
    if (st == DB_NOT_FOUND) {
        api_fail(c, API_E_NOT_FOUND, NULL);
        return -1;
    }
    if (st != DB_OK || db_comment_erased(c->db, c->id, &erased) != DB_OK)
        goto fail;
    if (erased || (if_match >= 0 && if_match != t->version)) {
        json_t *err = api_fail(c, API_E_CONFLICT, NULL);

        if (err)
            json_object_set_new(err, "status",
                                json_string(comment_status_name(t->status)));
        return -1;
    }
    if (db_attachment_list(c->db, c->id, add_sha, files) != DB_OK)
        goto fail;
    {
        struct fingerprint f = {
            .hash = t->hash, .article = t->article, .comment_id = c->id};

        if (outbox_scrub(c->db, c->id) != DB_OK ||
            db_comment_erase(c->db, c->id, t->version, now) != DB_OK ||
            db_fingerprint_delete(c->db, &f) != DB_OK ||
            db_history_add(c->db, c->id, "erased", c->moderator, now, reason) !=
                DB_OK ||
            outbox_record(c->db, c->cfg, c->id, "comment.erased", now) != DB_OK)
            goto fail;
    }
    return 0;
fail:
    api_fail(c, API_E_INTERNAL, NULL);
    return -1;
}

/* Deletes the files no other comment uses, under the write lock so that no
 * upload can start sharing one meanwhile.  Failures are left to the sweep
 * at the next start. */
static int
release_work(struct api_call *c, void *arg)
{
    const struct shas *files = arg;

    for (size_t i = 0; i < files->n; i++)
        attachment_release(c->cfg, c->db, files->sha[i]);
    return 0;
}

static void
release_files(struct api_call *c, const struct shas *files)
{
    struct api_call quiet = *c; /* a failure here is not the reply's */

    quiet.reply = NULL;
    if (files->n > 0 &&
        api_transaction(&quiet, release_work, (void *)files) != 0)
        json_decref(quiet.reply);
}

/* An erasure's transaction: erase(), from the start each time it runs. */
struct erasure {
    int64_t if_match;
    const char *reason;
    struct erase_target t;
    struct shas files;
};

static int
erase_work(struct api_call *c, void *arg)
{
    struct erasure *e = arg;

    e->t = (struct erase_target){0};
    e->files.n = 0;
    if (erase(c, e->if_match, e->reason, &e->t, &e->files) != 0)
        return -1;
    if (db_changed(c->db, e->t.article) == DB_OK)
        return 0;
    api_fail(c, API_E_INTERNAL, NULL);
    return -1;
}

void
api_moderation_erase(struct api_call *c)
{
    struct erasure e = {0};
    json_t *root = NULL;
    char *reason = NULL;

    c->private_reply = true;
    if (comment_if_match_parse(c->if_match, &e.if_match) != 0) {
        api_fail(c, API_E_BAD_REQUEST, "If-Match");
        return;
    }
    if (read_object(c, false, &root) != 0 ||
        read_note(c, root, "reason", &reason) != 0)
        goto out;
    e.reason = reason;
    if (api_transaction(c, erase_work, &e) != 0)
        goto out;
    freshness_bump(e.t.article);
    outbox_kick();
    release_files(c, &e.files);
    /* The old text may still be in old row versions (SQLite's WAL frames,
     * PostgreSQL's dead tuples): db_forget_erased() removes them.  A
     * failure (busy readers) only delays this to the next erasure,
     * checkpoint or vacuum. */
    db_forget_erased(c->db);
    api_moderation_show(c);
out:
    json_decref(root);
    free(reason);
    free(e.files.sha);
}
