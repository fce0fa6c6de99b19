/* The sender loop on libcurl's multi interface: up to PARALLEL transfers,
 * a look at the outbox when woken (webhook_kick), when a transfer ends, and
 * at least every POLL_MS (for retries coming due and for events written by
 * another process).  On a database that several processes share, each
 * event is claimed for LEASE_MS when picked, so that one process sends it;
 * if that process dies, another sends it once the lease is over (at least
 * once, never lost).  Never logs a body or a URL: only event ids and which
 * receiver (its position among the --webhook options). */
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/outbox.h"
#include "db/outbox.h"
#include "server/log.h"
#include "server/metrics.h"
#include "server/signature.h"
#include "server/webhook.h"
#include "ykien_version.h"

enum {
    PARALLEL = 8,
    POLL_MS = 500,
    SECRET_MAX = 4096,
    /* Longer than any transfer (WEBHOOK_TIMEOUT_MS), with time to record
     * its outcome: a live sender never loses its claim. */
    LEASE_MS = WEBHOOK_TIMEOUT_MS + 5000,
};

struct delivery {
    bool busy;
    CURL *easy;
    struct curl_slist *headers;
    int64_t id;
    int64_t created_at;
    int attempts;
    int receiver; /* index in cfg->webhooks */
    char event_id[40];
    char *body;
    char error[CURL_ERROR_SIZE];
};

struct webhook_sender {
    const struct config *cfg;
    unsigned char *secret;
    size_t secret_len;
    struct db *db;
    CURLM *multi;
    pthread_t thread;
    atomic_bool stopping;
    atomic_bool kicked;
    struct delivery slots[PARALLEL];
};

static int64_t
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
webhook_read_secret(const char *path, unsigned char **out, size_t *len,
                    char *err, size_t err_len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf;
    size_t n;

    *out = NULL;
    if (!f) {
        snprintf(err, err_len, "cannot read --webhook-secret-file %s: %s", path,
                 strerror(errno));
        return -1;
    }
    buf = malloc(SECRET_MAX + 1);
    n = buf ? fread(buf, 1, SECRET_MAX + 1, f) : 0;
    fclose(f);
    if (!buf) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' ||
                     buf[n - 1] == ' ' || buf[n - 1] == '\t'))
        n--;
    if (n == 0 || n > SECRET_MAX) {
        snprintf(err, err_len, "--webhook-secret-file %s: %s", path,
                 n ? "longer than 4096 bytes" : "empty");
        sodium_memzero(buf, SECRET_MAX + 1);
        free(buf);
        return -1;
    }
    *out = buf;
    *len = n;
    return 0;
}

static int
receiver_of(const struct webhook_sender *s, const char *url)
{
    for (int i = 0; i < s->cfg->n_webhooks; i++) {
        if (strcmp(s->cfg->webhooks[i], url) == 0)
            return i;
    }
    return -1;
}

static size_t
discard(char *data, size_t size, size_t n, void *arg)
{
    (void)data;
    (void)arg;
    return size * n;
}

static void
release_slot(struct delivery *d)
{
    curl_slist_free_all(d->headers);
    d->headers = NULL;
    free(d->body);
    d->body = NULL;
    d->busy = false;
}

/* Starts one delivery in slot d; false when it could not be set up. */
static bool
start(struct webhook_sender *s, struct delivery *d,
      const struct outbox_record *r, int receiver)
{
    char sig[SIGNATURE_MAX + 32];
    size_t len = strlen(r->body);

    d->body = strdup(r->body);
    if (!d->body)
        return false;
    d->id = r->id;
    d->created_at = r->created_at;
    d->attempts = r->attempts;
    d->receiver = receiver;
    snprintf(d->event_id, sizeof d->event_id, "%s",
             r->event_id ? r->event_id : "");
    memcpy(sig, "Ykien-Signature: ", 17);
    signature_value(s->secret, s->secret_len, now_ms() / 1000, d->body, len,
                    sig + 17);
    d->headers = curl_slist_append(
        NULL, "Content-Type: application/json; charset=utf-8");
    d->headers = d->headers ? curl_slist_append(d->headers, sig) : NULL;
    /* No "Expect: 100-continue" round trip before larger bodies. */
    d->headers = d->headers ? curl_slist_append(d->headers, "Expect:") : NULL;
    if (!d->headers) {
        release_slot(d);
        return false;
    }
    curl_easy_reset(d->easy);
    d->error[0] = '\0';
    curl_easy_setopt(d->easy, CURLOPT_URL, s->cfg->webhooks[receiver]);
    curl_easy_setopt(d->easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(d->easy, CURLOPT_POST, 1L);
    curl_easy_setopt(d->easy, CURLOPT_POSTFIELDS, d->body);
    curl_easy_setopt(d->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(d->easy, CURLOPT_HTTPHEADER, d->headers);
    curl_easy_setopt(d->easy, CURLOPT_USERAGENT, "ykien/" YKIEN_VERSION);
    curl_easy_setopt(d->easy, CURLOPT_TIMEOUT_MS, (long)WEBHOOK_TIMEOUT_MS);
    curl_easy_setopt(d->easy, CURLOPT_CONNECTTIMEOUT_MS,
                     (long)WEBHOOK_TIMEOUT_MS);
    curl_easy_setopt(d->easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(d->easy, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(d->easy, CURLOPT_ERRORBUFFER, d->error);
    curl_easy_setopt(d->easy, CURLOPT_PRIVATE, d);
    if (curl_multi_add_handle(s->multi, d->easy) != CURLM_OK) {
        release_slot(d);
        return false;
    }
    d->busy = true;
    return true;
}

struct fill {
    struct webhook_sender *s;
    int started;
};

static bool
in_flight(const struct webhook_sender *s, int64_t id)
{
    for (int i = 0; i < PARALLEL; i++) {
        if (s->slots[i].busy && s->slots[i].id == id)
            return true;
    }
    return false;
}

static int
start_due(const struct outbox_record *r, void *arg)
{
    struct fill *f = arg;
    struct webhook_sender *s = f->s;
    int receiver;

    if (in_flight(s, r->id))
        return 0;
    receiver = receiver_of(s, r->webhook);
    if (receiver < 0)
        return 0; /* dropped at start; written since by another process
                     (which sends it once this claim is over) */
    for (int i = 0; i < PARALLEL; i++) {
        if (!s->slots[i].busy) {
            if (start(s, &s->slots[i], r, receiver))
                f->started++;
            break;
        }
    }
    return 0;
}

static int
free_slots(const struct webhook_sender *s)
{
    int n = 0;

    for (int i = 0; i < PARALLEL; i++)
        n += !s->slots[i].busy;
    return n;
}

static void
fill_slots(struct webhook_sender *s)
{
    struct fill f = {.s = s};
    int64_t now = now_ms();
    int idle = free_slots(s);

    if (idle == 0)
        return;
    /* Claimed events are ours to send: no more than the free slots, or the
     * rest would wait for their lease.  Unclaimed (one process), in-flight
     * events are due too and come back: ask for enough rows. */
    if (db_outbox_claim(s->db, now, now + LEASE_MS,
                        db_shared(s->db) ? idle : 4 * PARALLEL,
                        s->cfg->webhooks, (size_t)s->cfg->n_webhooks, start_due,
                        &f) != DB_OK)
        log_error("webhook: cannot read the outbox: %s", db_errmsg(s->db));
}

static int64_t
retry_delay_ms(int attempts)
{
    int64_t secs = 1;

    for (int i = 1; i < attempts && secs < WEBHOOK_MAX_DELAY_SECONDS; i++)
        secs *= 2;
    if (secs > WEBHOOK_MAX_DELAY_SECONDS)
        secs = WEBHOOK_MAX_DELAY_SECONDS;
    return secs * 1000;
}

/* Records the outcome of a finished transfer. */
static void
finish(struct webhook_sender *s, struct delivery *d, CURLcode result)
{
    long status = 0;
    int64_t now = now_ms();

    curl_multi_remove_handle(s->multi, d->easy);
    curl_easy_getinfo(d->easy, CURLINFO_RESPONSE_CODE, &status);
    if (result == CURLE_OK && status >= 200 && status < 300) {
        /* A failed delete only means the event is sent again: at least
         * once. */
        if (db_outbox_delete(s->db, d->id) != DB_OK)
            log_error("webhook: delivered event %s stays in the outbox: %s",
                      d->event_id, db_errmsg(s->db));
        metrics_webhook(WEBHOOK_DELIVERED, 1);
    } else {
        int attempts = d->attempts + 1;
        char why[80];

        if (result != CURLE_OK)
            snprintf(why, sizeof why, "%s", curl_easy_strerror(result));
        else
            snprintf(why, sizeof why, "HTTP %ld", status);
        metrics_webhook(WEBHOOK_FAILED, 1);
        if (now / 1000 - d->created_at >= WEBHOOK_GIVE_UP_SECONDS) {
            log_error(
                "webhook: event %s to receiver %d dropped after %d attempts (%s)",
                d->event_id, d->receiver + 1, attempts, why);
            if (db_outbox_delete(s->db, d->id) == DB_OK)
                metrics_webhook(WEBHOOK_DROPPED, 1);
        } else {
            int64_t delay = retry_delay_ms(attempts);

            log_info(
                "webhook: event %s to receiver %d failed (%s); retry in %lld s",
                d->event_id, d->receiver + 1, why, (long long)(delay / 1000));
            if (db_outbox_retry(s->db, d->id, attempts, now + delay) != DB_OK)
                log_error("webhook: cannot schedule a retry: %s",
                          db_errmsg(s->db));
        }
    }
    release_slot(d);
}

/* Finishes the transfers that ended; returns how many. */
static int
reap(struct webhook_sender *s)
{
    CURLMsg *msg;
    int left, done = 0;

    while ((msg = curl_multi_info_read(s->multi, &left))) {
        struct delivery *d = NULL;

        if (msg->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&d);
        if (d) {
            finish(s, d, msg->data.result);
            done++;
        }
    }
    return done;
}

static void *
sender_main(void *arg)
{
    struct webhook_sender *s = arg;
    int64_t next_look = 0;

    while (!atomic_load(&s->stopping)) {
        int running = 0;
        int64_t wait;

        if (atomic_exchange(&s->kicked, false) || now_ms() >= next_look) {
            fill_slots(s);
            next_look = now_ms() + POLL_MS;
        }
        curl_multi_perform(s->multi, &running);
        /* A finished delivery may let the next event of its comment go. */
        if (reap(s) > 0) {
            atomic_store(&s->kicked, true);
            continue;
        }
        wait = next_look - now_ms();
        if (wait > 0 && !atomic_load(&s->kicked))
            curl_multi_poll(s->multi, NULL, 0,
                            (int)(wait < POLL_MS ? wait : POLL_MS), NULL);
    }
    return NULL;
}

void
webhook_kick(struct webhook_sender *s)
{
    atomic_store(&s->kicked, true);
    curl_multi_wakeup(s->multi);
}

static void
kick_hook(void *arg)
{
    webhook_kick(arg);
}

struct stale {
    struct webhook_sender *s;
    char **urls;
    size_t n;
};

static int
collect_stale(const struct outbox_record *r, void *arg)
{
    struct stale *st = arg;
    char **bigger;

    if (receiver_of(st->s, r->webhook) >= 0)
        return 0;
    bigger = realloc(st->urls, (st->n + 1) * sizeof *bigger);
    if (!bigger)
        return -1;
    st->urls = bigger;
    st->urls[st->n] = strdup(r->webhook);
    return st->urls[st->n++] ? 0 : -1;
}

/* Events for receivers that are no longer configured would wait forever. */
static void
drop_stale(struct webhook_sender *s)
{
    struct stale st = {.s = s};

    db_outbox_webhooks(s->db, collect_stale, &st);
    for (size_t i = 0; i < st.n; i++) {
        int64_t n = 0;

        if (st.urls[i] &&
            db_outbox_drop_webhook(s->db, st.urls[i], &n) == DB_OK && n > 0) {
            log_info(
                "webhook: dropped %lld events for a receiver no longer configured",
                (long long)n);
            metrics_webhook(WEBHOOK_DROPPED, (uint64_t)n);
        }
        free(st.urls[i]);
    }
    free(st.urls);
}

static void
sender_free(struct webhook_sender *s)
{
    for (int i = 0; i < PARALLEL; i++) {
        if (s->slots[i].busy)
            curl_multi_remove_handle(s->multi, s->slots[i].easy);
        release_slot(&s->slots[i]);
        if (s->slots[i].easy)
            curl_easy_cleanup(s->slots[i].easy);
    }
    if (s->multi)
        curl_multi_cleanup(s->multi);
    db_close(s->db);
    if (s->secret) {
        sodium_memzero(s->secret, s->secret_len);
        free(s->secret);
    }
    free(s);
    curl_global_cleanup();
}

struct webhook_sender *
webhook_start(const struct config *cfg, const unsigned char *secret,
              size_t secret_len, char *err, size_t err_len)
{
    struct webhook_sender *s = calloc(1, sizeof *s);

    if (!s) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(err, err_len, "cannot initialise libcurl");
        free(s);
        return NULL;
    }
    s->cfg = cfg;
    s->secret = malloc(secret_len);
    s->secret_len = secret_len;
    s->multi = curl_multi_init();
    if (!s->secret || !s->multi) {
        snprintf(err, err_len, "cannot set up the webhook sender");
        goto fail;
    }
    memcpy(s->secret, secret, secret_len);
    for (int i = 0; i < PARALLEL; i++) {
        s->slots[i].easy = curl_easy_init();
        if (!s->slots[i].easy) {
            snprintf(err, err_len, "cannot set up the webhook sender");
            goto fail;
        }
    }
    if (db_connect(&cfg->db, &s->db, err, err_len) != 0)
        goto fail;
    drop_stale(s);
    if (pthread_create(&s->thread, NULL, sender_main, s) != 0) {
        snprintf(err, err_len, "cannot start the webhook sender");
        goto fail;
    }
    outbox_set_kick(kick_hook, s);
    return s;
fail:
    sender_free(s);
    return NULL;
}

void
webhook_stop(struct webhook_sender *s)
{
    if (!s)
        return;
    outbox_set_kick(NULL, NULL);
    atomic_store(&s->stopping, true);
    curl_multi_wakeup(s->multi);
    pthread_join(s->thread, NULL);
    sender_free(s);
}
