/* Shared by the handlers: a stored comment as JSON (with its attachments
 * and, for moderators, its history), and parsing of list parameters. */
#ifndef YKIEN_API_PRESENT_H
#define YKIEN_API_PRESENT_H

#include <jansson.h>
#include <stdbool.h>

#include "api/call.h"
#include "api/cursor.h"
#include "db/comments.h"

/* New reference: the public or moderation form of c; NULL on failure. */
json_t *present_comment(struct db *db, const struct comment_record *c,
                        bool moderation);

struct list_params {
    int limit;
    bool newest_first;
    int64_t after_id;
};

/* Reads limit, order and cursor; on a bad one fails the call and returns -1. */
int present_list_params(struct api_call *c, struct list_params *p);

/* Walks q (limit + 1 rows to learn whether more follow) into
 * {"comments": [...], "next": ..., "total": total}. */
void present_list(struct api_call *c, struct comment_query *q, bool moderation,
                  int64_t total);

#endif
