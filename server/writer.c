/* Group commit.  The queue is a mutex-protected list; the writer takes
 * everything queued (up to BATCH_MAX) at once, so under load a batch grows
 * by itself to what arrived during the previous fsync, and a lone comment
 * is committed at once. */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "db/db.h"
#include "server/log.h"
#include "server/writer.h"

enum { BATCH_MAX = 1024 };

struct writer {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct writer_item *head, *tail;
    bool stopping;
    bool stopped; /* the thread has left its loop: submit refuses */
    struct db *db;
    const struct api_config *cfg;
};

static void
run_batch(struct writer *w, struct writer_item *items)
{
    struct comment_job *jobs[BATCH_MAX];
    size_t n = 0;

    for (struct writer_item *it = items; it; it = it->next)
        jobs[n++] = it->job;
    if (api_comment_store_batch(w->db, w->cfg, jobs, n) != DB_OK)
        log_error("writer: a batch of %zu comments failed: %s", n,
                  db_errmsg(w->db));
    while (items) {
        /* done() may free the item: read next first. */
        struct writer_item *next = items->next;

        items->done(items->arg);
        items = next;
    }
}

static void *
writer_main(void *arg)
{
    struct writer *w = arg;

    for (;;) {
        struct writer_item *batch, *last;
        size_t n = 1;

        pthread_mutex_lock(&w->lock);
        while (!w->head && !w->stopping)
            pthread_cond_wait(&w->wake, &w->lock);
        if (!w->head) {
            /* Under the lock that submit takes: from here on a submission
             * is refused at once instead of queued for nobody. */
            w->stopped = true;
            pthread_mutex_unlock(&w->lock);
            break;
        }
        batch = last = w->head;
        while (last->next && n < BATCH_MAX) {
            last = last->next;
            n++;
        }
        w->head = last->next;
        if (!w->head)
            w->tail = NULL;
        last->next = NULL;
        pthread_mutex_unlock(&w->lock);
        run_batch(w, batch);
    }
    return NULL;
}

struct writer *
writer_start(const struct db_target *db, const struct api_config *cfg,
             char *err, size_t err_len)
{
    struct writer *w = calloc(1, sizeof *w);

    if (!w) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    w->cfg = cfg;
    if (db_connect(db, &w->db, err, err_len) != 0) {
        free(w);
        return NULL;
    }
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
        snprintf(err, err_len, "cannot start the writer thread");
        db_close(w->db);
        free(w);
        return NULL;
    }
    return w;
}

void
writer_submit(struct writer *w, struct writer_item *it)
{
    it->next = NULL;
    pthread_mutex_lock(&w->lock);
    if (w->stopped) {
        pthread_mutex_unlock(&w->lock);
        api_comment_job_refuse(it->job);
        it->done(it->arg);
        return;
    }
    if (w->tail)
        w->tail->next = it;
    else
        w->head = it;
    w->tail = it;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
}

void
writer_stop(struct writer *w)
{
    pthread_mutex_lock(&w->lock);
    w->stopping = true;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL); /* it set stopped before leaving */
    db_close(w->db);
    w->db = NULL;
}

void
writer_free(struct writer *w)
{
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->wake);
    free(w);
}
