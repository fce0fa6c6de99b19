/* What processes sharing one PostgreSQL database share besides rows: the
 * rate limits (GCRA in an unlogged table, one atomic statement per
 * request) and the news of moderation changes (NOTIFY in the changing
 * transaction, delivered at its commit; each process LISTENs on a
 * connection of its own in a thread of its own). */
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db/pg/pg.h"

enum {
    WATCH_POLL_MS = 200,     /* how soon a stop is noticed */
    WATCH_RETRY_MS = 200,    /* between attempts to reconnect */
    RATE_SWEEP_SECONDS = 60, /* expired rate-limit rows removed this often */
};

#define CHANNEL "ykien_changed"

enum db_status
pg_rate_take(struct db *db, const char *key, uint64_t interval_ms,
             uint64_t burst_ms, unsigned *wait_s)
{
    struct pg_params p = {0};
    PGresult *r;
    enum db_status st;

    pg_text(&p, key);
    pg_int(&p, (int64_t)interval_ms);
    pg_int(&p, (int64_t)burst_ms);
    if ((st = pg_run(pg(db), PG_RATE_TAKE, &p, false, &r)) != DB_OK)
        return st;
    *wait_s = 0;
    if (PQntuples(r) == 1 && pg_i64(r, 0, 0) == 0) {
        int64_t ms = pg_i64(r, 0, 1);

        *wait_s = ms > 0 ? (unsigned)((ms + 999) / 1000) : 1;
    }
    PQclear(r);
    return DB_OK;
}

/* This process among those that share the database: a notice's payload
 * is "<process> <article>", so that the watch skips this process's own
 * (it has dropped its pages already, at its commit: dropping them again a
 * moment later would only cost a page build and change its ETag). */
enum { PROCESS_ID_LEN = 16 };
static char process_id[PROCESS_ID_LEN + 1];
static pthread_once_t process_id_once = PTHREAD_ONCE_INIT;

static void
make_process_id(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(process_id, sizeof process_id, "%08lx%08lx",
             (unsigned long)getpid() & 0xffffffffUL,
             (unsigned long)(ts.tv_nsec ^ ts.tv_sec) & 0xffffffffUL);
}

static const char *
this_process(void)
{
    pthread_once(&process_id_once, make_process_id);
    return process_id;
}

enum db_status
pg_changed(struct db *db, const char *article)
{
    struct pg_params p = {0};
    char payload[PROCESS_ID_LEN + 2 + 256];

    DB_ASSERT_IN_TRANSACTION(db);
    /* An empty article: every article (article ids are never empty). */
    snprintf(payload, sizeof payload, "%s %s", this_process(),
             article ? article : "");
    pg_text(&p, payload);
    return pg_run(pg(db), PG_CHANGED, &p, false, NULL);
}

/* ---- the watch ---------------------------------------------------------- */

struct db_watch {
    pthread_t thread;
    atomic_bool stop;
    char *url;
    PGconn *conn;
    db_changed_fn changed;
    void *arg;
};

static bool
exec_ok(PGconn *conn, const char *sql)
{
    PGresult *r = PQexec(conn, sql);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK ||
              PQresultStatus(r) == PGRES_TUPLES_OK;

    PQclear(r);
    return ok;
}

/* (Re)connects and listens.  True when listening. */
static bool
listen_again(struct db_watch *w)
{
    if (w->conn)
        PQreset(w->conn);
    else
        w->conn = pg_open_conn(w->url);
    return w->conn && PQstatus(w->conn) == CONNECTION_OK &&
           exec_ok(w->conn, "LISTEN " CHANNEL);
}

static void
deliver(struct db_watch *w)
{
    PGnotify *n;

    while ((n = PQnotifies(w->conn))) {
        const char *from = n->extra;

        if (strlen(from) > PROCESS_ID_LEN && from[PROCESS_ID_LEN] == ' ' &&
            strncmp(from, this_process(), PROCESS_ID_LEN) != 0)
            w->changed(from[PROCESS_ID_LEN + 1] ? from + PROCESS_ID_LEN + 1
                                                : NULL,
                       w->arg);
        PQfreemem(n);
    }
}

static void *
watch_main(void *arg)
{
    struct db_watch *w = arg;
    bool listening = true;
    time_t last_sweep = time(NULL);

    while (!atomic_load(&w->stop)) {
        struct pollfd pfd;

        if (!listening) {
            usleep(WATCH_RETRY_MS * 1000);
            if (!listen_again(w))
                continue;
            listening = true;
            /* What was said meanwhile was not heard. */
            w->changed(NULL, w->arg);
        }
        pfd = (struct pollfd){.fd = PQsocket(w->conn), .events = POLLIN};
        if (pfd.fd < 0 || poll(&pfd, 1, WATCH_POLL_MS) < 0) {
            listening = false;
            continue;
        }
        if (pfd.revents && !PQconsumeInput(w->conn)) {
            listening = false;
            continue;
        }
        deliver(w);
        if (time(NULL) - last_sweep >= RATE_SWEEP_SECONDS) {
            last_sweep = time(NULL);
            exec_ok(w->conn,
                    "DELETE FROM rate_limit WHERE tat_ms <"
                    " (extract(epoch FROM clock_timestamp()) * 1000)::bigint");
            deliver(w);
        }
        if (PQstatus(w->conn) != CONNECTION_OK)
            listening = false;
    }
    return NULL;
}

struct db_watch *
db_pg_watch_start(const char *url, db_changed_fn changed, void *arg, char *err,
                  size_t err_len)
{
    struct db_watch *w = calloc(1, sizeof *w);

    if (!w || !(w->url = strdup(url))) {
        free(w);
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    w->changed = changed;
    w->arg = arg;
    if (!listen_again(w)) {
        snprintf(err, err_len, "cannot listen for changes on PostgreSQL: %s",
                 w->conn ? PQerrorMessage(w->conn) : "out of memory");
        err[strcspn(err, "\n")] = '\0';
        goto fail;
    }
    if (pthread_create(&w->thread, NULL, watch_main, w) != 0) {
        snprintf(err, err_len,
                 "cannot start the thread that listens for changes");
        goto fail;
    }
    return w;
fail:
    PQfinish(w->conn);
    free(w->url);
    free(w);
    return NULL;
}

void
db_pg_watch_stop(struct db_watch *w)
{
    atomic_store(&w->stop, true);
    pthread_join(w->thread, NULL);
    PQfinish(w->conn);
    free(w->url);
    free(w);
}
