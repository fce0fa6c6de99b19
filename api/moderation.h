/* One moderation action (approve, reject, edit) inside the caller's
 * transaction, exactly as the single-comment endpoints apply it: state
 * machine, If-Match version, erased comments, history, the flags an edit
 * earned, webhook events.  Shared by handlers_moderation.c and the bulk
 * endpoint (handlers_tools.c).
 *
 * Ownership: the request's strings are borrowed for the call. */
#ifndef YKIEN_API_MODERATION_H
#define YKIEN_API_MODERATION_H

#include <stdint.h>

#include "api/call.h"
#include "api/comment.h"
#include "api/screening.h"

struct moderation_request {
    enum comment_action action;
    const char *body;                  /* cleaned new text, or NULL */
    const char *reason;                /* cleaned note or reason, or NULL */
    int64_t if_match;                  /* -1: no If-Match */
    const struct screening *screening; /* flags the new body earned, or NULL */
};

/* 0 when applied (article receives the comment's article, for the page
 * cache once committed).  -1 with the error on c: 404, 409 (nothing was
 * written), or a storage error (c->status >= 500: the caller rolls the
 * transaction back). */
int moderation_apply(struct api_call *c, const struct moderation_request *r,
                     char article[ARTICLE_MAX + 1]);

#endif
