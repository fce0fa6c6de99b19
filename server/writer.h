/* The single writer: new comments from every worker thread are committed in
 * batches, one transaction and one fsync for many comments (group commit),
 * on the writer's own database connection (with PostgreSQL, one writer per
 * process, each committing its own batches).  A worker suspends its
 * connection while its comment waits; done() resumes it. */
#ifndef YKIEN_SERVER_WRITER_H
#define YKIEN_SERVER_WRITER_H

#include <stddef.h>

#include "api/call.h"
#include "api/handlers.h"

struct writer;

/* A queue entry, kept by the caller (in its request) until done() runs. */
struct writer_item {
    struct writer_item *next;
    struct comment_job *job;
    void (*done)(void *arg);
    void *arg;
};

/* NULL with a reason in err on failure. */
struct writer *writer_start(const struct db_target *db,
                            const struct api_config *cfg, char *err,
                            size_t err_len);
/* Queues item->job (still owned by the caller); item->done(item->arg) runs
 * on the writer's thread once the job's batch committed or failed. */
void writer_submit(struct writer *w, struct writer_item *item);
/* Commits what is queued and stops the thread; later submissions are
 * answered at once as unavailable.  writer_free() releases w once nothing
 * can submit any more. */
void writer_stop(struct writer *w);
void writer_free(struct writer *w);

#endif
