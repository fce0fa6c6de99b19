/* The endpoint handlers, one per route of API.md.  Each reads a struct
 * api_call's inputs and sets its outputs; the server's route table names
 * them. */
#ifndef YKIEN_API_HANDLERS_H
#define YKIEN_API_HANDLERS_H

#include "api/call.h"
#include "db/db.h"

/* Readers (handlers_reader.c) */

/* A new comment is made in three steps so that many can share one commit:
 * api_comment_prepare() validates the request in the worker (the call
 * carries the error on -1; on 0 *job is new), api_comment_store_batch()
 * inserts a batch in one transaction on the writer's connection, and
 * api_comment_finish() answers each call and api_comment_job_free() frees
 * its job.  The job borrows the call's article, client address and
 * uploads: they must live until it is freed. */
struct comment_job;
int api_comment_prepare(struct api_call *c, struct comment_job **job);
enum db_status api_comment_store_batch(struct db *db,
                                       const struct api_config *cfg,
                                       struct comment_job **jobs, size_t n);
void api_comment_finish(struct api_call *c, struct comment_job *job);
void api_comment_job_free(struct comment_job *job);
/* Marks a job that will not be stored (the writer has stopped): its call
 * is answered 503. */
void api_comment_job_refuse(struct comment_job *job);
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

/* Web pages (handlers_web.c) */
/* POST /api/v1/check-text: {"text", "field"?} -> the verdict. */
void api_check_text(struct api_call *c);

/* Moderators' tools (handlers_tools.c) */
void api_article_show(struct api_call *c);
void api_article_update(struct api_call *c);
void api_rules_list(struct api_call *c);
void api_rule_create(struct api_call *c);
void api_rule_delete(struct api_call *c);
void api_bulk(struct api_call *c);
void api_moderation_erase(struct api_call *c);

/* Operations (handlers_ops.c) */
void api_health(struct api_call *c);
/* GET /api/v1/openapi.json: docs/openapi.json, compiled in. */
void api_openapi(struct api_call *c);

struct api_stats {
    int64_t by_status[3]; /* indexed by enum comment_status */
    int64_t outbox_depth; /* webhook events not yet delivered */
};
int api_stats_read(struct db *db, struct api_stats *out);

#endif
