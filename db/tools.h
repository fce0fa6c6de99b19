/* Storage for the moderators' tools: an article's explicit state, flags,
 * text fingerprints (the duplicate flag) and erasure.  No policy here:
 * api/ decides when an article is closed and what a flag says.
 *
 * Ownership: strings handed to callbacks are borrowed from SQLite and
 * valid only during the call. */
#ifndef YKIEN_DB_TOOLS_H
#define YKIEN_DB_TOOLS_H

#include <stdbool.h>
#include <stdint.h>

#include "db/comments.h"
#include "db/db.h"

/* *closed: 1 or 0 when a moderator set the article's state, -1 when none
 * did. */
enum db_status db_article_state(struct db *db, const char *article,
                                int *closed);
/* What a new comment's worker reads before its rules run, in one read:
 * *closed as db_article_state() gives it, and *rules_generation as
 * db_rule_generation() does (db/rules.h). */
enum db_status db_post_state(struct db *db, const char *article, int *closed,
                             int64_t *rules_generation);
enum db_status db_article_set_state(struct db *db, const char *article,
                                    bool closed, const char *moderator,
                                    int64_t now);
/* *at: when the article's first comment was posted, 0 when it has none. */
enum db_status db_article_first_comment_at(struct db *db, const char *article,
                                           int64_t *at);

struct flag_record {
    const char *kind; /* "rule", "duplicate", "links" */
    const char *detail;
};

typedef int (*flag_fn)(const struct flag_record *f, void *arg);

/* Adds a flag unless the comment already has one of this kind and detail. */
enum db_status db_flag_add(struct db *db, int64_t comment_id, const char *kind,
                           const char *detail);
enum db_status db_flag_list(struct db *db, int64_t comment_id, flag_fn fn,
                            void *arg);
/* Flagged comments of one status in an article (or all, article NULL). */
enum db_status db_flagged_count(struct db *db, const char *article,
                                enum comment_status status, int64_t *n);

struct fingerprint {
    int64_t hash;
    const char *article;
    int64_t comment_id;
};

enum db_status db_fingerprint_add(struct db *db, const struct fingerprint *f);
/* *other: the oldest other comment of f->article with f->hash; 0 when
 * there is none. */
enum db_status db_fingerprint_same_article(struct db *db,
                                           const struct fingerprint *f,
                                           int64_t *other);
enum db_status db_fingerprint_delete(struct db *db,
                                     const struct fingerprint *f);

/* DB_OK with *erased set, or DB_NOT_FOUND. */
enum db_status db_comment_erased(struct db *db, int64_t id, bool *erased);
/* Empties the comment's author, e-mail, body and original body, forgets
 * its client address, rejects it and marks it erased, if it is still at
 * expected_version (DB_CONFLICT otherwise); clears the reasons in its
 * history and deletes its attachment rows (the caller removes files that
 * db_attachment_sha_in_use() no longer finds). */
enum db_status db_comment_erase(struct db *db, int64_t id,
                                int64_t expected_version, int64_t now);

/* After an erasure has committed, outside any transaction: removes what the
 * database still keeps of the text it replaced, in old row versions.
 * SQLite (where secure_delete zeroed the old pages): copies every frame of
 * the WAL into the database and truncates the WAL to zero bytes; waits for
 * readers up to the busy timeout, DB_BUSY when they stayed.  PostgreSQL:
 * VACUUM of the tables an erasure changes, so that no row version, live
 * or dead, holds the text, unless a transaction older than the erasure is
 * still open elsewhere (then a later vacuum removes them).  Bytes outside
 * row versions are another matter: db/README.md, "Erasure". */
enum db_status db_forget_erased(struct db *db);

#endif
