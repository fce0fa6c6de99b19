/* One API call as the handlers see it: what the HTTP layer extracted from
 * the request, and what the handler answers.  No libmicrohttpd here: the
 * server fills the inputs and renders the outputs.
 *
 * Ownership: inputs are borrowed from the server for the call's lifetime;
 * outputs (reply, file) belong to the call and are released by
 * api_call_clear(); the server may take file.blob over (setting it NULL). */
#ifndef YKIEN_API_CALL_H
#define YKIEN_API_CALL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "api/errors.h"
#include "db/db.h"
#include "vi/text_check.h"

struct db;

/* Start-up settings the handlers need; read-only after start-up. */
struct api_config {
    size_t max_author_chars; /* 100 */
    size_t max_body_chars;   /* 5000 */
    enum text_policy text_policy;
    const char *data_dir;         /* holds files/ and tmp/ */
    int64_t max_attachment_bytes; /* 10 MiB */
    int max_attachments;          /* 3 */
    int close_after_days;         /* 0: articles close only by hand */
    const char *const *webhooks;  /* receivers of comment events */
    int n_webhooks;
};

struct api_param {
    const char *key;
    const char *value;
};

/* One attachment the server has streamed to a temporary file. */
struct api_upload {
    char *tmp_path;           /* owned by the server's request */
    char *filename;           /* sanitised display name */
    const char *content_type; /* detected from the content */
    int64_t size;
    char sha256[65];
    int64_t width,
        height; /* pixels of an image (api/image_size.h); 0: unknown */
};

/* The fields of a new comment, however they arrived (JSON or multipart).
 * A NULL pointer is a field that was not sent. */
struct comment_form {
    const char *author;
    size_t author_len;
    const char *body;
    size_t body_len;
    const char *email;
    size_t email_len;
    int64_t parent_id; /* 0: not a reply */
    struct api_upload *uploads;
    size_t n_uploads;
};

struct db_blob;

struct api_file {
    struct db_blob *blob; /* NULL: no file; else owned by the call */
    int64_t size;
    const char *content_type;
    char *disposition; /* Content-Disposition value, owned */
};

struct api_call {
    /* inputs */
    const struct api_config *cfg;
    struct db *db;
    enum api_lang lang;
    const char *article;   /* path parameter, not yet validated */
    int64_t id;            /* path parameter, > 0 when present */
    const char *moderator; /* token name, NULL when not authenticated */
    const char *body;      /* raw JSON body, NULL when none */
    size_t body_len;
    struct comment_form *form; /* multipart input, NULL otherwise */
    const struct api_param *query;
    size_t n_query;
    const char *if_match;
    const char *if_none_match;
    const char *client_addr;
    const char *post_key; /* Idempotency-Key header, NULL when none */

    /* outputs */
    unsigned status;
    json_t *reply; /* new reference, or NULL for no body */
    char location[64];
    char etag[80];
    bool private_reply;  /* never cached by shared caches */
    int64_t fresh_until; /* a cached public page expires then (Unix
                          * seconds); 0: only when its article changes */
    struct api_file file;
};

typedef void (*api_handler)(struct api_call *c);

/* Sets an error reply; field may be NULL.  Returns the reply's error object
 * so callers can add members such as "suggestion". */
json_t *api_fail(struct api_call *c, enum api_error e, const char *field);
/* Sets the error reply a storage outcome calls for: 503 unavailable for
 * DB_BUSY (locked, or not reachable: the client may try again), 404 for
 * DB_NOT_FOUND, 500 for anything else. */
void api_fail_db(struct api_call *c, enum db_status st);
/* Sets the error reply of a storage call that failed without saying how:
 * 503 unavailable when the database does not answer now, else 500. */
void api_fail_storage(struct api_call *c);
/* Sets a success reply, taking the reference to body. */
void api_reply(struct api_call *c, unsigned status, json_t *body);
void api_call_clear(struct api_call *c);
/* Gives a 200 JSON reply a strong ETag made from its content, and turns it
 * into 304 (no body) when If-None-Match names that tag: lets a client poll
 * a page that is costly to send but cheap to build (the moderation queue). */
void api_reply_etag(struct api_call *c);

/* Runs work(c, arg) as one transaction of c's database (db_transaction:
 * retried a bounded number of times while the database is busy, so work
 * must start afresh each time it runs).  work returns 0 to commit, or -1
 * after setting c's error, which rolls everything back.  Returns 0 once
 * committed; -1 with c's error set (503 when the database stayed busy). */
typedef int (*api_work_fn)(struct api_call *c, void *arg);
int api_transaction(struct api_call *c, api_work_fn work, void *arg);

/* Looks up a query parameter (the first of that name), or NULL. */
const char *api_query(const struct api_call *c, const char *key);

#endif
