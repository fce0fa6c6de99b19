/* A new comment's own path through the HTTP layer.  On the last call the
 * comment is validated in the worker (api_comment_prepare()) and handed to
 * the single writer (server/writer.h) with the connection suspended; the
 * writer's thread resumes it once the batch is committed, and the next
 * last call renders the stored comment (api_comment_finish()).  It must
 * not store anything itself, nor queue a reply while the connection is
 * suspended; the job it creates hangs off the request and is freed with
 * it. */
#include <microhttpd.h>

#include "api/handlers.h"
#include "server/request.h"
#include "server/upload.h"
#include "server/writer.h"

/* Runs on the writer's thread once the comment's batch is committed. */
static void
on_job_done(void *arg)
{
    struct request *r = arg;

    MHD_resume_connection(r->conn);
}

enum MHD_Result
submit_comment(struct request *r, struct MHD_Connection *conn)
{
    struct comment_form form;
    struct api_call c;

    request_api_call(r, conn, &c);
    if (!c.db)
        return reply_error(r, conn, API_E_UNAVAILABLE, NULL);
    if (r->form) {
        if (upload_comment_form(r->form, &form) != 0) {
            const char *field;
            enum api_error e = upload_error(r->form, &field);

            return reply_error(r, conn, e, field);
        }
        c.form = &form;
    }
    if (api_comment_prepare(&c, &r->job) == 0) {
        r->conn = conn;
        r->item =
            (struct writer_item){.job = r->job, .done = on_job_done, .arg = r};
        /* Suspend first: the writer may finish before submit returns. */
        MHD_suspend_connection(conn);
        writer_submit(r->srv->writer, &r->item);
        return MHD_YES;
    }
    return reply_call(r, conn, &c, NULL, 0);
}

enum MHD_Result
submit_finish(struct request *r, struct MHD_Connection *conn)
{
    struct api_call c;

    request_api_call(r, conn, &c);
    if (!c.db)
        return reply_error(r, conn, API_E_UNAVAILABLE, NULL);
    /* The writer has stored the comment (or failed to). */
    api_comment_finish(&c, r->job);
    return reply_call(r, conn, &c, NULL, 0);
}
