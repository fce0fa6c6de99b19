/* The group-commit writer against a fresh database: comments are stored and
 * answered, and every submission is answered also while the writer stops,
 * including one that lands just as the writer's thread leaves its loop. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "api/handlers.h"
#include "db/db.h"
#include "server/writer.h"
#include "check.h"

enum { CLIENTS = 4, ROUNDS = 60, ANSWER_MS = 2000 };

static const char json_body[] =
    "{\"author\": \"Thu\", \"body\": \"Bài viết rất hay.\"}";

/* A client that submits one comment at a time and waits for its answer. */
struct client {
    struct writer *w;
    const struct api_config *cfg;
    struct db *db; /* reads the stored comment back */
    atomic_bool *stop;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool answered;
    struct writer_item item;
    int stored, refused, hung;
};

static void
on_done(void *arg)
{
    struct client *c = arg;

    pthread_mutex_lock(&c->lock);
    c->answered = true;
    pthread_cond_signal(&c->cond);
    pthread_mutex_unlock(&c->lock);
}

static struct comment_job *
new_job(const struct api_config *cfg, struct db *db)
{
    struct api_call call = {
        .cfg = cfg,
        .db = db,
        .article = "writer-test",
        .body = json_body,
        .body_len = sizeof json_body - 1,
        .client_addr = "127.0.0.1",
    };
    struct comment_job *job = NULL;

    if (api_comment_prepare(&call, &job) != 0)
        job = NULL;
    api_call_clear(&call);
    return job;
}

/* Waits for the answer; false when none came within ANSWER_MS. */
static bool
wait_answer(struct client *c)
{
    struct timespec until;
    bool ok;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ANSWER_MS / 1000;
    pthread_mutex_lock(&c->lock);
    while (!c->answered &&
           pthread_cond_timedwait(&c->cond, &c->lock, &until) == 0)
        ;
    ok = c->answered;
    pthread_mutex_unlock(&c->lock);
    return ok;
}

static void *
client_main(void *arg)
{
    struct client *c = arg;
    int after_stop = 0;

    /* Keeps submitting a few comments past the stop: those must be refused
     * at once, not queued for a writer that is gone. */
    while (after_stop < 3 && c->refused < 3) {
        struct comment_job *job = new_job(c->cfg, c->db);
        struct api_call answer = {.cfg = c->cfg, .db = c->db};

        if (atomic_load(c->stop))
            after_stop++;
        if (!job)
            break;
        c->answered = false;
        c->item = (struct writer_item){.job = job, .done = on_done, .arg = c};
        writer_submit(c->w, &c->item);
        if (!wait_answer(c)) {
            c->hung++; /* the job stays queued: leaked on purpose */
            break;
        }
        api_comment_finish(&answer, job);
        if (answer.status == 201)
            c->stored++;
        else if (answer.status == 503)
            c->refused++;
        api_call_clear(&answer);
        api_comment_job_free(job);
    }
    return NULL;
}

int
main(void)
{
    char dir[] = "/tmp/ykien-writer-XXXXXX";
    char path[256], err[256];
    struct api_config cfg = {
        .max_author_chars = 100,
        .max_body_chars = 5000,
        .text_policy = TEXT_POLICY_ANY,
        .max_attachment_bytes = 1024,
        .max_attachments = 3,
    };
    struct db *db, *readers[CLIENTS];
    int stored = 0, refused = 0, hung = 0;

    CHECK(mkdtemp(dir) != NULL);
    cfg.data_dir = dir;
    snprintf(path, sizeof path, "%s/ykien.db", dir);
    CHECK(db_open(path, &db, err, sizeof err) == 0);
    db_close(db);
    for (int i = 0; i < CLIENTS; i++)
        CHECK(db_open(path, &readers[i], err, sizeof err) == 0);
    srand((unsigned)time(NULL));
    for (int round = 0; round < ROUNDS && hung == 0; round++) {
        struct client clients[CLIENTS];
        pthread_t threads[CLIENTS];
        atomic_bool stop = false;
        struct db_target target = {.data_dir = dir};
        struct writer *w = writer_start(&target, &cfg, err, sizeof err);

        CHECK(w != NULL);
        if (!w)
            break;
        for (int i = 0; i < CLIENTS; i++) {
            clients[i] = (struct client){
                .w = w, .cfg = &cfg, .db = readers[i], .stop = &stop};
            pthread_mutex_init(&clients[i].lock, NULL);
            pthread_cond_init(&clients[i].cond, NULL);
            pthread_create(&threads[i], NULL, client_main, &clients[i]);
        }
        usleep(1000 + (useconds_t)(rand() % 20000));
        writer_stop(w);
        atomic_store(&stop, true);
        for (int i = 0; i < CLIENTS; i++) {
            pthread_join(threads[i], NULL);
            stored += clients[i].stored;
            refused += clients[i].refused;
            hung += clients[i].hung;
            pthread_mutex_destroy(&clients[i].lock);
            pthread_cond_destroy(&clients[i].cond);
        }
        if (hung == 0)
            writer_free(w); /* else a hung item still points into it */
    }
    for (int i = 0; i < CLIENTS; i++)
        db_close(readers[i]);
    printf("stored %d, refused %d, never answered %d\n", stored, refused, hung);
    CHECK(hung == 0);
    CHECK(stored > 0 && refused > 0);
    snprintf(path, sizeof path, "rm -rf '%s'", dir);
    CHECK(system(path) == 0);
    return check_report();
}
