/* What a new comment, and a moderator's edit, go through besides
 * validation: the article must be open (403 closed), no reject rule may
 * match the author or the body (422 blocked_content, never naming the
 * rule), and hold rules, duplicates and links flag the comment for the
 * moderators.  The checks that only read run in the worker
 * (screening_check); the duplicate check, which must see every comment
 * committed before, runs in the writer's transaction (screening_store).
 *
 * Ownership: a struct screening belongs to its caller, who frees it with
 * screening_free(); it borrows nothing. */
#ifndef YKIEN_API_SCREENING_H
#define YKIEN_API_SCREENING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/call.h"
#include "db/comments.h"

enum {
    DUPLICATE_WINDOW_SECONDS = 600, /* same address, same text */
    LINKS_FLAG_ABOVE = 2,           /* more URLs than this flag a comment */
};

/* An article as readers and moderators see it: closed by a moderator, or
 * by --close-after-days N days after its first comment unless a moderator
 * re-opened it. */
struct article_state {
    bool closed;
    bool set_by_moderator;
    int64_t closes_at; /* when it will close by itself (Unix seconds); 0: it
                          will not */
};

/* 0, or -1 on a storage error. */
int article_state_read(struct db *db, const struct api_config *cfg,
                       const char *article, int64_t now,
                       struct article_state *out);

struct screening;

/* 0 when c->article takes comments, with the rules generation read in
 * the same go (db_post_state()) for screening_check(); -1 with 403 closed
 * (or the storage error) on the call. */
int screening_article_open(struct api_call *c, int64_t *rules_generation);
/* Runs the word rules of rules_generation over a new comment's author and
 * body (both cleaned) and looks for links.  0 and *out (new) with the
 * flags earned so far; -1 with the error (422 blocked_content) on the
 * call. */
int screening_check(struct api_call *c, int64_t rules_generation,
                    const char *author, const char *body,
                    struct screening **out);
/* The same for a moderator's new body: only the word rules apply. */
int screening_check_edit(struct api_call *c, const char *body,
                         struct screening **out);
/* In the writer's transaction, once the comment (id) and its attachments
 * are inserted: the duplicate check, the flags, the text fingerprint, and
 * the comment.created webhook event.  s may be NULL (nothing screened). */
enum db_status screening_store(struct db *db, const struct api_config *cfg,
                               int64_t id, const struct comment_new *in,
                               const struct screening *s);
/* In a moderator's transaction: the flags an edit earned (s may be NULL). */
enum db_status screening_store_flags(struct db *db, int64_t id,
                                     const struct screening *s);
void screening_free(struct screening *s);

/* URLs in text: http:// and https:// anywhere, www. at a word start. */
size_t screening_count_links(const char *text);

#endif
