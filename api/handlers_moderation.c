/* Moderator endpoints: the queue, the moderation form, and the three
 * actions (approve, reject, edit).  The server has already checked the
 * token; c->moderator names it.  Each action runs in one write transaction
 * and its UPDATE is guarded by the version it read, so two moderators never
 * silently overwrite each other. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/comment.h"
#include "api/freshness.h"
#include "api/handlers.h"
#include "api/moderation.h"
#include "api/outbox.h"
#include "api/present.h"
#include "api/screening.h"
#include "api/unicode.h"
#include "db/shared.h"
#include "db/tools.h"

void
api_queue(struct api_call *c)
{
    const char *status = api_query(c, "status");
    const char *article = api_query(c, "article");
    const char *flagged = api_query(c, "flagged");
    struct comment_query q = {.status = COMMENT_PENDING};
    struct list_params p;
    enum db_status st;
    int64_t total, n_flagged = 0;

    c->private_reply = true;
    if (status && comment_status_parse(status, &q.status) != 0) {
        api_fail(c, API_E_BAD_QUERY, "status");
        return;
    }
    if (article && !comment_article_valid(article)) {
        api_fail(c, API_E_BAD_ARTICLE, "article");
        return;
    }
    if (flagged) {
        if (strcmp(flagged, "true") == 0) {
            q.flagged = COMMENT_FLAGS_FLAGGED;
        } else if (strcmp(flagged, "false") == 0) {
            q.flagged = COMMENT_FLAGS_UNFLAGGED;
        } else {
            api_fail(c, API_E_BAD_QUERY, "flagged");
            return;
        }
    }
    if (present_list_params(c, &p) != 0)
        return;
    if ((st = db_comment_count(c->db, article, q.status, &total)) != DB_OK ||
        (flagged && (st = db_flagged_count(c->db, article, q.status,
                                           &n_flagged)) != DB_OK)) {
        api_fail_db(c, st == DB_NOT_FOUND ? DB_ERROR : st);
        return;
    }
    if (q.flagged == COMMENT_FLAGS_FLAGGED)
        total = n_flagged;
    else if (q.flagged == COMMENT_FLAGS_UNFLAGGED)
        total -= n_flagged;
    q.article = article;
    q.after_id = p.after_id;
    q.newest_first = p.newest_first;
    q.limit = p.limit;
    present_list(c, &q, true, total);
    /* The console polls the queue: unchanged pages are 304. */
    api_reply_etag(c);
}

static int
show_moderation(const struct comment_record *rec, void *arg)
{
    struct api_call *c = arg;

    snprintf(c->etag, sizeof c->etag, "\"%lld\"", (long long)rec->version);
    api_reply(c, 200, present_comment(c->db, rec, true));
    return 0;
}

void
api_moderation_show(struct api_call *c)
{
    enum db_status st;

    c->private_reply = true;
    st = db_comment_get(c->db, c->id, show_moderation, c);
    if (st != DB_OK)
        api_fail_db(c, st);
}

/* What an action request asks for, read from its optional JSON body. */
struct action_request {
    enum comment_action action;
    json_t *root;
    char *body;                  /* cleaned new text, or NULL */
    char *reason;                /* cleaned note or reason, or NULL */
    int64_t if_match;            /* -1: no If-Match */
    struct screening *screening; /* what the word rules said of body */
};

static int
read_action(struct api_call *c, struct action_request *r)
{
    const char *reason_key = r->action == ACTION_REJECT ? "reason" : "note";
    json_error_t err;
    json_t *v;

    if (comment_if_match_parse(c->if_match, &r->if_match) != 0) {
        api_fail(c, API_E_BAD_REQUEST, "If-Match");
        return -1;
    }
    if (c->body && c->body_len > 0) {
        if (!uni_valid_utf8(c->body, c->body_len)) {
            api_fail(c, API_E_BAD_UTF8, NULL);
            return -1;
        }
        r->root = json_loadb(c->body, c->body_len,
                             JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &err);
        if (!r->root) {
            api_fail(c, API_E_BAD_JSON, NULL);
            return -1;
        }
        if (!json_is_object(r->root)) {
            api_fail(c, API_E_NOT_OBJECT, NULL);
            return -1;
        }
    }
    v = json_object_get(r->root, reason_key);
    if (v && !json_is_null(v)) {
        enum api_error e;

        if (!json_is_string(v)) {
            api_fail(c, API_E_WRONG_TYPE, reason_key);
            return -1;
        }
        e = comment_clean_note(json_string_value(v), json_string_length(v),
                               &r->reason);
        if (e != API_OK) {
            api_fail(c, e, reason_key);
            return -1;
        }
    }
    v = r->action == ACTION_REJECT ? NULL : json_object_get(r->root, "body");
    if (v && !json_is_null(v)) {
        char *suggestion = NULL;
        enum api_error e;
        json_t *e_obj;

        if (!json_is_string(v)) {
            api_fail(c, API_E_WRONG_TYPE, "body");
            return -1;
        }
        e = comment_clean_text(c->cfg, TEXT_FIELD_BODY, json_string_value(v),
                               json_string_length(v), &r->body, &suggestion);
        if (e != API_OK) {
            e_obj = api_fail(c, e, "body");
            if (suggestion && e_obj)
                json_object_set_new(e_obj, "suggestion",
                                    json_string(suggestion));
            free(suggestion);
            return -1;
        }
        if (screening_check_edit(c, r->body, &r->screening) != 0)
            return -1;
    } else if (r->action == ACTION_EDIT) {
        api_fail(c, API_E_EMPTY, "body");
        return -1;
    }
    return 0;
}

struct current {
    bool found;
    enum comment_status status;
    int64_t version;
    int64_t published_at;
    bool edited;
    char *body;
    char article[ARTICLE_MAX + 1];
};

static int
read_current(const struct comment_record *rec, void *arg)
{
    struct current *cur = arg;

    cur->found = true;
    cur->status = rec->status;
    cur->version = rec->version;
    cur->published_at = rec->published_at;
    cur->edited = rec->edited;
    cur->body = strdup(rec->body);
    snprintf(cur->article, sizeof cur->article, "%s", rec->article);
    return cur->body ? 0 : -1;
}

static void
fail_conflict(struct api_call *c, enum comment_status now)
{
    json_t *err = api_fail(c, API_E_CONFLICT, NULL);

    if (err)
        json_object_set_new(err, "status",
                            json_string(comment_status_name(now)));
}

static const char *const action_word[] = {
    [ACTION_APPROVE] = "approved",
    [ACTION_REJECT] = "rejected",
    [ACTION_EDIT] = "edited",
};

static const char *const action_event[] = {
    [ACTION_APPROVE] = "comment.approved",
    [ACTION_REJECT] = "comment.rejected",
    [ACTION_EDIT] = "comment.edited",
};

int
moderation_apply(struct api_call *c, const struct moderation_request *r,
                 char article[ARTICLE_MAX + 1])
{
    struct current cur = {0};
    int64_t now = (int64_t)time(NULL);
    enum db_status st;
    enum comment_status target;
    bool changes_body, erased = false;
    int rc = -1;

    st = db_comment_get(c->db, c->id, read_current, &cur);
    if (st == DB_NOT_FOUND) {
        api_fail(c, API_E_NOT_FOUND, NULL);
        goto out;
    }
    if (st != DB_OK || (st = db_comment_erased(c->db, c->id, &erased)) != DB_OK)
        goto fail;
    /* An erased comment stays rejected and empty for good. */
    if ((r->if_match >= 0 && r->if_match != cur.version) ||
        !comment_action_allowed(cur.status, r->action) ||
        (erased && r->action != ACTION_REJECT)) {
        fail_conflict(c, cur.status);
        goto out;
    }
    target = comment_action_target(cur.status, r->action);
    changes_body = r->body && strcmp(r->body, cur.body) != 0;
    st = db_comment_update(
        c->db, c->id, cur.version, target, changes_body ? r->body : cur.body,
        cur.edited || changes_body,
        target == COMMENT_APPROVED
            ? (cur.status == COMMENT_APPROVED ? cur.published_at : now)
            : 0);
    if (st == DB_CONFLICT) {
        fail_conflict(c, cur.status);
        goto out;
    }
    if (st != DB_OK)
        goto fail;
    if (changes_body &&
        (st = screening_store_flags(c->db, c->id, r->screening)) != DB_OK)
        goto fail;
    if (changes_body && r->action != ACTION_EDIT &&
        ((st = db_history_add(c->db, c->id, "edited", c->moderator, now,
                              NULL)) != DB_OK ||
         (st = outbox_record(c->db, c->cfg, c->id, "comment.edited", now)) !=
             DB_OK))
        goto fail;
    st = db_history_add(c->db, c->id, action_word[r->action], c->moderator, now,
                        r->reason);
    if (st != DB_OK)
        goto fail;
    if ((st = outbox_record(c->db, c->cfg, c->id, action_event[r->action],
                            now)) != DB_OK)
        goto fail;
    /* Other processes sharing the database drop their pages of this
     * article when it commits; this one bumps its own after the commit. */
    if ((st = db_changed(c->db, cur.article)) != DB_OK)
        goto fail;
    snprintf(article, ARTICLE_MAX + 1, "%s", cur.article);
    rc = 0;
    goto out;
fail:
    /* A busy or unreachable database is 503: the moderator may retry. */
    api_fail_db(c, st == DB_BUSY ? DB_BUSY : DB_ERROR);
out:
    free(cur.body);
    return rc;
}

/* The single action's transaction: moderation_apply() does the work. */
struct action_tx {
    const struct moderation_request *req;
    char article[ARTICLE_MAX + 1];
};

static int
action_work(struct api_call *c, void *arg)
{
    struct action_tx *tx = arg;

    return moderation_apply(c, tx->req, tx->article);
}

/* Returns 0 on success; otherwise the call already carries the error. */
static int
apply_action(struct api_call *c, struct action_request *r)
{
    struct moderation_request req = {
        .action = r->action,
        .body = r->body,
        .reason = r->reason,
        .if_match = r->if_match,
        .screening = r->screening,
    };
    struct action_tx tx = {.req = &req};

    if (api_transaction(c, action_work, &tx) != 0)
        return -1;
    /* After the commit, never before: see api/freshness.h. */
    freshness_bump(tx.article);
    outbox_kick();
    return 0;
}

static void
moderate(struct api_call *c, enum comment_action action)
{
    struct action_request r = {.action = action, .if_match = -1};

    c->private_reply = true;
    if (read_action(c, &r) == 0 && apply_action(c, &r) == 0)
        api_moderation_show(c);
    json_decref(r.root);
    free(r.body);
    free(r.reason);
    screening_free(r.screening);
}

void
api_moderation_approve(struct api_call *c)
{
    moderate(c, ACTION_APPROVE);
}

void
api_moderation_reject(struct api_call *c)
{
    moderate(c, ACTION_REJECT);
}

void
api_moderation_edit(struct api_call *c)
{
    moderate(c, ACTION_EDIT);
}
