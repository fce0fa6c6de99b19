/* Reader endpoints: post a comment, list and show approved comments, counts
 * and attachment downloads.  No authentication, except that a moderator
 * may fetch the attachments of unapproved comments. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/attachments.h"
#include "api/comment.h"
#include "api/handlers.h"
#include "api/image_size.h"
#include "api/outbox.h"
#include "api/present.h"
#include "api/screening.h"
#include "api/unicode.h"
#include "db/blobs.h"

/* Reads one optional string member of a JSON body into the form. */
static int
json_text_field(struct api_call *c, json_t *root, const char *key,
                const char **out, size_t *len)
{
    json_t *v = json_object_get(root, key);

    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v)) {
        api_fail(c, API_E_WRONG_TYPE, key);
        return -1;
    }
    *out = json_string_value(v);
    *len = json_string_length(v);
    return 0;
}

/* Fills form from a JSON body; the form borrows from *root. */
static int
form_from_json(struct api_call *c, struct comment_form *form, json_t **root)
{
    json_error_t err;
    json_t *parent;

    if (!c->body || c->body_len == 0) {
        api_fail(c, API_E_BAD_JSON, NULL);
        return -1;
    }
    if (!uni_valid_utf8(c->body, c->body_len)) {
        api_fail(c, API_E_BAD_UTF8, NULL);
        return -1;
    }
    /* NUL is let through the parser so that it is refused as a control
     * character (422) like the others, not as malformed JSON. */
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
    if (json_text_field(c, *root, "author", &form->author, &form->author_len) !=
            0 ||
        json_text_field(c, *root, "body", &form->body, &form->body_len) != 0 ||
        json_text_field(c, *root, "email", &form->email, &form->email_len) != 0)
        return -1;
    parent = json_object_get(*root, "parent_id");
    if (parent && !json_is_null(parent)) {
        if (!json_is_integer(parent)) {
            api_fail(c, API_E_WRONG_TYPE, "parent_id");
            return -1;
        }
        if (json_integer_value(parent) <= 0) {
            api_fail(c, API_E_INVALID_FIELD, "parent_id");
            return -1;
        }
        form->parent_id = json_integer_value(parent);
    }
    return 0;
}

/* Validates a text field; on failure replies and returns -1. */
static int
clean_field(struct api_call *c, enum text_field which, const char *name,
            const char *in, size_t len, char **out)
{
    char *suggestion = NULL;
    enum api_error e;
    json_t *err;

    if (!in) {
        api_fail(c, API_E_EMPTY, name);
        return -1;
    }
    e = comment_clean_text(c->cfg, which, in, len, out, &suggestion);
    if (e == API_OK)
        return 0;
    err = api_fail(c, e, name);
    if (suggestion && err)
        json_object_set_new(err, "suggestion", json_string(suggestion));
    free(suggestion);
    return -1;
}

static int
print_created(const struct comment_record *rec, void *arg)
{
    struct api_call *c = arg;

    api_reply(c, 201, present_comment(c->db, rec, false));
    return 0;
}

struct parent {
    char *article; /* ARTICLE_MAX + 1 bytes */
    enum comment_status status;
};

static int
read_parent(const struct comment_record *rec, void *arg)
{
    struct parent *p = arg;

    snprintf(p->article, ARTICLE_MAX + 1, "%s", rec->article);
    p->status = rec->status;
    return 0;
}

enum {
    POST_KEY_MIN = 16,
    POST_KEY_MAX = 64,
    POST_KEY_SECONDS = 24 * 3600, /* how long a key makes re-sending safe */
};

/* An Idempotency-Key: 16 to 64 of A-Z a-z 0-9 - _ (a UUID, a base64url
 * random string). */
static bool
post_key_valid(const char *k)
{
    size_t n = strspn(
        k, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    return k[n] == '\0' && n >= POST_KEY_MIN && n <= POST_KEY_MAX;
}

/* Reads each staged image's size from its header (API 1.1).  A file that
 * starts like an image but has no readable header is not that image: 415,
 * as for an unknown type.  Runs in the worker, so the writer's batch never
 * waits on file reads. */
static int
read_image_sizes(struct api_call *c, struct comment_form *form)
{
    for (size_t i = 0; i < form->n_uploads; i++) {
        struct api_upload *u = &form->uploads[i];
        struct image_size size;
        enum image_size_result res;
        int fd = open(u->tmp_path, O_RDONLY | O_CLOEXEC);

        if (fd < 0) {
            api_fail(c, API_E_INTERNAL, NULL);
            return -1;
        }
        res = image_size_of_fd(u->content_type, fd, &size);
        close(fd);
        if (res == IMAGE_SIZE_BAD) {
            api_fail(c, API_E_UNSUPPORTED_MEDIA_TYPE, "attachment");
            return -1;
        }
        u->width = res == IMAGE_SIZE_OK ? size.width : 0;
        u->height = res == IMAGE_SIZE_OK ? size.height : 0;
    }
    return 0;
}

/* A validated new comment waiting for the writer.  Owns its strings; the
 * uploads stay the server's. */
struct comment_job {
    struct comment_new in;
    char *author;
    char *body;
    char *email;
    char *post_key;
    struct api_upload *uploads;
    size_t n_uploads;
    struct screening *screening; /* flags earned before the writer */
    enum db_status result;
    int64_t id;
};

void
api_comment_job_free(struct comment_job *job)
{
    if (!job)
        return;
    free(job->author);
    free(job->body);
    free(job->email);
    free(job->post_key);
    screening_free(job->screening);
    free(job);
}

void
api_comment_job_refuse(struct comment_job *job)
{
    job->result = DB_BUSY;
}

int
api_comment_prepare(struct api_call *c, struct comment_job **out)
{
    struct comment_form json_form = {0};
    struct comment_form *form = c->form ? c->form : &json_form;
    struct comment_job *job = calloc(1, sizeof *job);
    json_t *root = NULL;
    char parent_article[ARTICLE_MAX + 1];
    enum api_error e;
    enum db_status st;
    int64_t rules_generation;
    int rc = -1;

    *out = NULL;
    if (!job) {
        api_fail(c, API_E_INTERNAL, NULL);
        return -1;
    }
    if (!comment_article_valid(c->article)) {
        api_fail(c, API_E_BAD_ARTICLE, "article");
        goto out;
    }
    if (c->post_key) {
        if (!post_key_valid(c->post_key)) {
            api_fail(c, API_E_BAD_REQUEST, "Idempotency-Key");
            goto out;
        }
        job->post_key = strdup(c->post_key);
        if (!job->post_key) {
            api_fail(c, API_E_INTERNAL, NULL);
            goto out;
        }
    }
    if (screening_article_open(c, &rules_generation) != 0)
        goto out;
    if (!c->form && form_from_json(c, form, &root) != 0)
        goto out;
    if (clean_field(c, TEXT_FIELD_AUTHOR, "author", form->author,
                    form->author_len, &job->author) != 0 ||
        clean_field(c, TEXT_FIELD_BODY, "body", form->body, form->body_len,
                    &job->body) != 0)
        goto out;
    if (form->email && (e = comment_clean_email(form->email, form->email_len,
                                                &job->email)) != API_OK) {
        api_fail(c, e, "email");
        goto out;
    }
    if (form->n_uploads > (size_t)c->cfg->max_attachments) {
        api_fail(c, API_E_TOO_MANY_ATTACHMENTS, "attachment");
        goto out;
    }
    if (read_image_sizes(c, form) != 0)
        goto out;
    if (form->parent_id > 0) {
        struct parent parent = {.article = parent_article};

        /* A reader replies to what readers can see: a hidden parent is as
         * unknown as a missing one, so ids of pending comments cannot be
         * probed. */
        st = db_comment_get(c->db, form->parent_id, read_parent, &parent);
        if (st == DB_NOT_FOUND ||
            (st == DB_OK && (strcmp(parent_article, c->article) != 0 ||
                             parent.status != COMMENT_APPROVED))) {
            api_fail(c, API_E_PARENT_NOT_FOUND, "parent_id");
            goto out;
        }
        if (st != DB_OK) {
            api_fail_db(c, st);
            goto out;
        }
    }
    if (screening_check(c, rules_generation, job->author, job->body,
                        &job->screening) != 0)
        goto out;
    job->in = (struct comment_new){
        .article = c->article,
        .parent_id = form->parent_id,
        .author = job->author,
        .email = job->email,
        .body = job->body,
        .client_addr = c->client_addr,
        .created_at = (int64_t)time(NULL),
        .post_key = job->post_key,
    };
    job->in.post_key_since = job->in.created_at - POST_KEY_SECONDS;
    job->uploads = form->uploads;
    job->n_uploads = form->n_uploads;
    *out = job;
    job = NULL;
    rc = 0;
out:
    api_comment_job_free(job);
    json_decref(root);
    return rc;
}

/* A batch of new comments: the work of the writer's transaction. */
struct batch {
    const struct api_config *cfg;
    struct comment_job **jobs;
    size_t n;
    size_t at; /* the job being stored */
};

/* One comment and its attachments, in its own savepoint.  Storing a file
 * twice is harmless (the second time finds it stored), so the batch may be
 * run again after a busy database. */
static enum db_status
insert_one(struct db *db, void *arg)
{
    struct batch *b = arg;
    struct comment_job *job = b->jobs[b->at];
    enum db_status st;

    /* Sent again with the key of a stored comment: that comment is the
     * answer, and nothing more is stored (its staged files are dropped
     * with the request). */
    if (job->in.post_key) {
        st = db_post_key_find(db, job->in.post_key, job->in.post_key_since,
                              &job->id);
        if (st != DB_NOT_FOUND) {
            job->result = st;
            return st;
        }
    }
    st = db_comment_insert(db, &job->in, &job->id);

    for (size_t i = 0; st == DB_OK && i < job->n_uploads; i++) {
        struct api_upload *u = &job->uploads[i];
        struct attachment_record a = {
            .comment_id = job->id,
            .filename = u->filename,
            .content_type = u->content_type,
            .size = u->size,
            .sha256 = u->sha256,
            .width = u->width,
            .height = u->height,
        };
        int64_t aid;

        st = db_blob_put(db, u->sha256, u->tmp_path, u->size);
        if (st == DB_OK)
            st = db_attachment_insert(db, &a, &aid);
    }
    if (st == DB_OK)
        st = screening_store(db, b->cfg, job->id, &job->in, job->screening);
    job->result = st;
    return st;
}

static enum db_status
insert_batch(struct db *db, void *arg)
{
    struct batch *b = arg;

    for (b->at = 0; b->at < b->n; b->at++) {
        /* A savepoint per comment: one that fails takes only itself back. */
        enum db_status st = db_savepoint(db, insert_one, b);

        if (st != DB_OK)
            return st;
    }
    return DB_OK;
}

enum db_status
api_comment_store_batch(struct db *db, const struct api_config *cfg,
                        struct comment_job **jobs, size_t n)
{
    struct batch b = {.cfg = cfg, .jobs = jobs, .n = n};
    enum db_status st = db_transaction(db, insert_batch, &b);

    if (st == DB_OK)
        outbox_kick(); /* the batch's comment.created events */
    if (st != DB_OK) {
        for (size_t i = 0; i < n; i++)
            jobs[i]->result = st;
    }
    return st;
}

void
api_comment_finish(struct api_call *c, struct comment_job *job)
{
    enum db_status st;

    /* Its key was taken between the writer's look-up and its insert (by
     * another process sharing the database): the comment stored under it
     * is the answer, as when the look-up finds it. */
    if (job->result == DB_CONFLICT && job->in.post_key &&
        db_post_key_find(c->db, job->in.post_key, job->in.post_key_since,
                         &job->id) == DB_OK)
        job->result = DB_OK;
    if (job->result != DB_OK) {
        api_fail_db(c, job->result == DB_NOT_FOUND ? DB_ERROR : job->result);
        return;
    }
    snprintf(c->location, sizeof c->location, "/api/v1/comments/%lld",
             (long long)job->id);
    st = db_comment_get(c->db, job->id, print_created, c);
    if (st != DB_OK)
        api_fail_db(c, st == DB_NOT_FOUND ? DB_ERROR : st);
}

void
api_comment_list(struct api_call *c)
{
    struct list_params p;
    enum db_status st;
    struct article_state state;
    int64_t total;

    if (!comment_article_valid(c->article)) {
        api_fail(c, API_E_BAD_ARTICLE, "article");
        return;
    }
    if (present_list_params(c, &p) != 0)
        return;
    if ((st = db_comment_count(c->db, c->article, COMMENT_APPROVED, &total)) !=
        DB_OK) {
        api_fail_db(c, st == DB_NOT_FOUND ? DB_ERROR : st);
        return;
    }
    if (article_state_read(c->db, c->cfg, c->article, (int64_t)time(NULL),
                           &state) != 0) {
        api_fail_storage(c);
        return;
    }
    struct comment_query q = {
        .article = c->article,
        .status = COMMENT_APPROVED,
        .after_id = p.after_id,
        .newest_first = p.newest_first,
        .limit = p.limit,
    };
    present_list(c, &q, false, total);
    if (c->status == 200)
        json_object_set_new(c->reply, "closed", json_boolean(state.closed));
    /* A page that says "open" is stale once --close-after-days closes the
     * article: the page cache keeps it until then only. */
    c->fresh_until = state.closes_at;
}

static int
show_public(const struct comment_record *rec, void *arg)
{
    struct api_call *c = arg;

    if (rec->status != COMMENT_APPROVED)
        api_fail(c, API_E_NOT_FOUND, NULL);
    else
        api_reply(c, 200, present_comment(c->db, rec, false));
    return 0;
}

void
api_comment_show(struct api_call *c)
{
    enum db_status st = db_comment_get(c->db, c->id, show_public, c);

    if (st != DB_OK)
        api_fail_db(c, st);
}

enum { COUNTS_MAX = 100 };

void
api_counts(struct api_call *c)
{
    json_t *counts = json_object();
    enum db_status st;
    size_t n = 0;

    for (size_t i = 0; counts && i < c->n_query; i++) {
        const char *article = c->query[i].value;
        int64_t total;

        if (strcmp(c->query[i].key, "article") != 0)
            continue;
        if (!comment_article_valid(article)) {
            api_fail(c, API_E_BAD_ARTICLE, "article");
            goto fail;
        }
        if (++n > COUNTS_MAX) {
            api_fail(c, API_E_BAD_QUERY, "article");
            goto fail;
        }
        if ((st = db_comment_count(c->db, article, COMMENT_APPROVED, &total)) !=
            DB_OK) {
            api_fail_db(c, st == DB_NOT_FOUND ? DB_ERROR : st);
            goto fail;
        }
        json_object_set_new(counts, article, json_integer(total));
    }
    api_reply(c, 200, json_pack("{s:o}", "counts", counts));
    return;
fail:
    json_decref(counts);
}

static int
open_attachment(const struct attachment_record *a, void *arg)
{
    struct api_call *c = arg;
    enum db_status st;
    char etag[80];

    /* Unapproved comments' files are private; a moderator sees them all. */
    if (a->comment_status != COMMENT_APPROVED && !c->moderator) {
        api_fail(c, API_E_NOT_FOUND, NULL);
        return 0;
    }
    snprintf(etag, sizeof etag, "\"%s\"", a->sha256);
    snprintf(c->etag, sizeof c->etag, "%s", etag);
    c->private_reply = a->comment_status != COMMENT_APPROVED;
    if (c->if_none_match && (strstr(c->if_none_match, etag) ||
                             strcmp(c->if_none_match, "*") == 0)) {
        c->status = 304;
        return 0;
    }
    st = db_blob_open(c->db, a->sha256, a->size, &c->file.blob);
    if (st != DB_OK) {
        api_fail_db(c, st == DB_NOT_FOUND ? DB_ERROR : st);
        return 0;
    }
    c->file.size = a->size;
    /* The row's string dies with the statement: keep a static copy of the
     * type, one of the words the schema's CHECK allows. */
    c->file.content_type =
        strcmp(a->content_type, "image/jpeg") == 0   ? "image/jpeg"
        : strcmp(a->content_type, "image/png") == 0  ? "image/png"
        : strcmp(a->content_type, "image/gif") == 0  ? "image/gif"
        : strcmp(a->content_type, "image/webp") == 0 ? "image/webp"
                                                     : "application/pdf";
    c->file.disposition = attachment_disposition(a->filename);
    c->status = 200;
    return 0;
}

void
api_attachment_show(struct api_call *c)
{
    enum db_status st = db_attachment_get(c->db, c->id, open_attachment, c);

    if (st != DB_OK)
        api_fail_db(c, st);
}
