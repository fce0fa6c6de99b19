/* Storage of comments, their history and their attachments' rows (the
 * interface: db/sqlite/comments.c and db/pg/comments.c implement it).
 *
 * Listing calls hand each row to a callback; the record's strings are
 * borrowed from SQLite and valid only during that call.  The writes (insert,
 * update, history, attachment rows) are steps of a transaction: call them
 * from the work given to db_transaction(), never on their own. */
#ifndef YKIEN_DB_COMMENTS_H
#define YKIEN_DB_COMMENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

enum comment_status {
    COMMENT_PENDING,
    COMMENT_APPROVED,
    COMMENT_REJECTED,
};

/* "pending", "approved", "rejected"; and back (-1 for an unknown word). */
const char *comment_status_name(enum comment_status s);
int comment_status_parse(const char *word, enum comment_status *out);

struct comment_record {
    int64_t id;
    const char *article;
    int64_t parent_id; /* 0: not a reply */
    const char *author;
    const char *email; /* NULL when not given */
    const char *body;
    const char *original_body;
    enum comment_status status;
    int64_t created_at;   /* Unix seconds */
    int64_t published_at; /* 0: not published */
    bool edited;
    int64_t version;
};

struct comment_new {
    const char *article;
    int64_t parent_id; /* 0: not a reply */
    const char *author;
    const char *email; /* may be NULL */
    const char *body;
    const char *client_addr;
    int64_t created_at;
    const char *post_key;   /* Idempotency-Key, or NULL */
    int64_t post_key_since; /* a stored key older than this is free again */
};

/* Which comments a list takes by their flags (see db/tools.h). */
enum comment_flag_filter {
    COMMENT_FLAGS_ANY = 0,
    COMMENT_FLAGS_FLAGGED,
    COMMENT_FLAGS_UNFLAGGED,
};

struct comment_query {
    const char *article; /* NULL: every article */
    enum comment_status status;
    int64_t after_id; /* keyset position, 0: from the start */
    bool newest_first;
    int limit;
    enum comment_flag_filter flagged; /* COMMENT_FLAGS_ANY when zeroed */
};

struct history_record {
    int64_t comment_id;
    const char *action;
    const char *moderator; /* NULL for "created" */
    int64_t at;
    const char *reason; /* may be NULL */
};

struct attachment_record {
    int64_t id;
    int64_t comment_id;
    const char *filename;
    const char *content_type;
    int64_t size;
    const char *sha256;                 /* lower-case hex */
    int64_t width, height;              /* pixels of an image; 0: not known */
    enum comment_status comment_status; /* only filled by db_attachment_get */
};

typedef int (*comment_fn)(const struct comment_record *c, void *arg);
typedef int (*history_fn)(const struct history_record *h, void *arg);
typedef int (*attachment_fn)(const struct attachment_record *a, void *arg);

/* Inserts a pending comment and its "created" history entry (and its
 * post_key, when given: DB_CONFLICT if that key is taken since
 * post_key_since, as when another process stored it a moment ago). */
enum db_status db_comment_insert(struct db *db, const struct comment_new *in,
                                 int64_t *id);
/* The comment stored under an Idempotency-Key at or after since, or
 * DB_NOT_FOUND. */
enum db_status db_post_key_find(struct db *db, const char *key, int64_t since,
                                int64_t *id);
/* Calls fn once with comment id, or returns DB_NOT_FOUND. */
enum db_status db_comment_get(struct db *db, int64_t id, comment_fn fn,
                              void *arg);
/* Calls fn for each comment of the query, in order; a non-zero return from
 * fn stops the walk and makes the call DB_ERROR. */
enum db_status db_comment_list(struct db *db, const struct comment_query *q,
                               comment_fn fn, void *arg);
/* Comments of one status in an article, or in all articles (article NULL). */
enum db_status db_comment_count(struct db *db, const char *article,
                                enum comment_status status, int64_t *n);
/* Writes a moderation outcome if the comment is still at expected_version;
 * DB_CONFLICT otherwise.  published_at 0 stores NULL. */
enum db_status db_comment_update(struct db *db, int64_t id,
                                 int64_t expected_version,
                                 enum comment_status status, const char *body,
                                 bool edited, int64_t published_at);

enum db_status db_history_add(struct db *db, int64_t comment_id,
                              const char *action, const char *moderator,
                              int64_t at, const char *reason);
enum db_status db_history_list(struct db *db, int64_t comment_id, history_fn fn,
                               void *arg);
/* The history of each of n comments (a page of a list: at most
 * DB_LIST_MANY), in one query where the backend can: by comment, then in
 * order. */
enum { DB_LIST_MANY = 128 };
enum db_status db_history_list_many(struct db *db, const int64_t *comment_ids,
                                    size_t n, history_fn fn, void *arg);

enum db_status db_attachment_insert(struct db *db,
                                    const struct attachment_record *a,
                                    int64_t *id);
enum db_status db_attachment_list(struct db *db, int64_t comment_id,
                                  attachment_fn fn, void *arg);
/* The attachments of each of n comments (at most DB_LIST_MANY), as
 * db_history_list_many(). */
enum db_status db_attachment_list_many(struct db *db,
                                       const int64_t *comment_ids, size_t n,
                                       attachment_fn fn, void *arg);
/* Calls fn once with attachment id, comment_status filled in. */
enum db_status db_attachment_get(struct db *db, int64_t id, attachment_fn fn,
                                 void *arg);

#endif
