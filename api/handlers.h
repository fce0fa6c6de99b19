/* The endpoint handlers, one per route of API.md.  Each reads a struct
 * api_call's inputs and sets its outputs; the server's route table names
 * them. */
#ifndef YKIEN_API_HANDLERS_H
#define YKIEN_API_HANDLERS_H

#include "api/call.h"

/* Readers (handlers_reader.c) */
void api_comment_create(struct api_call *c);
void api_comment_list(struct api_call *c);
void api_comment_show(struct api_call *c);
void api_counts(struct api_call *c);
void api_attachment_show(struct api_call *c);

/* Moderators (handlers_moderation.c) */
void api_queue(struct api_call *c);
void api_moderation_show(struct api_call *c);
void api_moderation_approve(struct api_call *c);
void api_moderation_reject(struct api_call *c);
void api_moderation_edit(struct api_call *c);

/* Operations (handlers_ops.c) */
void api_health(struct api_call *c);

struct api_stats {
    int64_t by_status[3];       /* indexed by enum comment_status */
};
int api_stats_read(struct db *db, struct api_stats *out);

#endif
