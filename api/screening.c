/* Article state, word rules, flags and the duplicate fingerprint of new
 * comments and edits.  Never logs or returns which rule refused a text:
 * that would teach a troll how to get around it. */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api/fold.h"
#include "api/outbox.h"
#include "api/rulebook.h"
#include "api/screening.h"
#include "db/tools.h"

enum { FLAGS_MAX = RULES_HOLDS_MAX + 2 };

struct flag {
    const char *kind; /* static: "rule", "links" */
    char *detail;
};

struct screening {
    int64_t hash; /* fold_fingerprint() of the body */
    bool has_hash;
    size_t n_flags;
    struct flag flags[FLAGS_MAX];
};

/* The state from what a moderator set (closed: 1, 0, or -1 for nothing)
 * and, when none did, from --close-after-days. */
static int
state_from(struct db *db, const struct api_config *cfg, const char *article,
           int64_t now, int closed, struct article_state *out)
{
    int64_t first;

    *out = (struct article_state){0};
    if (closed >= 0) {
        out->closed = closed;
        out->set_by_moderator = true;
        return 0;
    }
    if (cfg->close_after_days <= 0)
        return 0;
    if (db_article_first_comment_at(db, article, &first) != DB_OK)
        return -1;
    if (first > 0) {
        int64_t at = first + (int64_t)cfg->close_after_days * 86400;

        out->closed = now >= at;
        out->closes_at = out->closed ? 0 : at;
    }
    return 0;
}

int
article_state_read(struct db *db, const struct api_config *cfg,
                   const char *article, int64_t now, struct article_state *out)
{
    int closed;

    *out = (struct article_state){0};
    if (db_article_state(db, article, &closed) != DB_OK)
        return -1;
    return state_from(db, cfg, article, now, closed, out);
}

int
screening_article_open(struct api_call *c, int64_t *rules_generation)
{
    struct article_state st;
    int closed;

    if (db_post_state(c->db, c->article, &closed, rules_generation) != DB_OK ||
        state_from(c->db, c->cfg, c->article, (int64_t)time(NULL), closed,
                   &st) != 0) {
        api_fail_storage(c);
        return -1;
    }
    if (st.closed) {
        api_fail(c, API_E_CLOSED, NULL);
        return -1;
    }
    return 0;
}

void
screening_free(struct screening *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_flags; i++)
        free(s->flags[i].detail);
    free(s);
}

static int
add_flag(struct screening *s, const char *kind, const char *detail)
{
    char *copy;

    if (s->n_flags == FLAGS_MAX)
        return 0;
    copy = strdup(detail);
    if (!copy)
        return -1;
    s->flags[s->n_flags++] = (struct flag){.kind = kind, .detail = copy};
    return 0;
}

static bool
word_char_before(const char *text, const char *at)
{
    return at > text &&
           (isalnum((unsigned char)at[-1]) || (unsigned char)at[-1] >= 0x80);
}

size_t
screening_count_links(const char *text)
{
    size_t n = 0;

    for (const char *p = text; *p; p++) {
        if (strncasecmp(p, "http://", 7) == 0 ||
            strncasecmp(p, "https://", 8) == 0) {
            n++;
            p += 6;
        } else if (strncasecmp(p, "www.", 4) == 0 &&
                   !word_char_before(text, p) && (p == text || p[-1] != '/')) {
            n++;
            p += 3;
        }
    }
    return n;
}

/* The word rules (of rules_generation, or of the generation read now when
 * it is negative) over each text; on a reject rule, 422 naming the
 * field. */
static int
apply_rules(struct api_call *c, int64_t rules_generation,
            const char *const texts[2], const char *const fields[2],
            struct screening *s)
{
    struct rule_set *rules = rules_generation < 0
                                 ? rulebook_acquire(c->db)
                                 : rulebook_acquire_at(c->db, rules_generation);
    struct rule_verdict v = {0};
    int rc = -1;

    if (!rules) {
        api_fail_storage(c);
        return -1;
    }
    for (int i = 0; i < 2; i++) {
        if (!texts[i])
            continue;
        if (rules_match(rules, texts[i], strlen(texts[i]), &v) != 0) {
            api_fail(c, API_E_INTERNAL, NULL);
            goto out;
        }
        if (v.reject) {
            api_fail(c, API_E_BLOCKED_CONTENT, fields[i]);
            goto out;
        }
    }
    for (size_t i = 0; i < v.n_holds; i++) {
        if (add_flag(s, "rule", rules_pattern(rules, v.holds[i])) != 0) {
            api_fail(c, API_E_INTERNAL, NULL);
            goto out;
        }
    }
    rc = 0;
out:
    rules_release(rules);
    return rc;
}

int
screening_check(struct api_call *c, int64_t rules_generation,
                const char *author, const char *body, struct screening **out)
{
    struct screening *s = calloc(1, sizeof *s);
    const char *texts[2] = {author, body};
    const char *fields[2] = {"author", "body"};
    size_t links;

    *out = NULL;
    if (!s) {
        api_fail(c, API_E_INTERNAL, NULL);
        return -1;
    }
    if (apply_rules(c, rules_generation, texts, fields, s) != 0)
        goto fail;
    links = screening_count_links(body);
    if (links > LINKS_FLAG_ABOVE) {
        char detail[48];

        snprintf(detail, sizeof detail, "%zu links", links);
        if (add_flag(s, "links", detail) != 0) {
            api_fail(c, API_E_INTERNAL, NULL);
            goto fail;
        }
    }
    s->hash = fold_fingerprint(body, strlen(body));
    s->has_hash = true;
    *out = s;
    return 0;
fail:
    screening_free(s);
    return -1;
}

int
screening_check_edit(struct api_call *c, const char *body,
                     struct screening **out)
{
    struct screening *s = calloc(1, sizeof *s);
    const char *texts[2] = {NULL, body};
    const char *fields[2] = {"author", "body"};

    *out = NULL;
    if (!s) {
        api_fail(c, API_E_INTERNAL, NULL);
        return -1;
    }
    if (apply_rules(c, -1, texts, fields, s) != 0) {
        screening_free(s);
        return -1;
    }
    *out = s;
    return 0;
}

enum db_status
screening_store_flags(struct db *db, int64_t id, const struct screening *s)
{
    enum db_status st = DB_OK;

    for (size_t i = 0; s && st == DB_OK && i < s->n_flags; i++)
        st = db_flag_add(db, id, s->flags[i].kind, s->flags[i].detail);
    return st;
}

/* Texts posted per client address in the last DUPLICATE_WINDOW_SECONDS, in
 * memory: a few ways per bucket of (text hash, address), the oldest entry
 * making room.  Under a load that outgrows it the window only shortens.
 * Lost on restart, like the rate limiter's counts. */
enum { RECENT_BUCKETS = 1 << 15, RECENT_WAYS = 4 };

struct recent_post {
    uint64_t key; /* 0: empty */
    int64_t comment_id;
    int64_t at;
};

static struct recent_post recent[RECENT_BUCKETS][RECENT_WAYS];
static pthread_mutex_t recent_lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t
recent_key(int64_t hash, const char *client_addr)
{
    uint64_t h = 14695981039346656037ull;

    for (const char *p = client_addr; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    return ((uint64_t)hash ^ (h * 0x9E3779B97F4A7C15ull)) | 1;
}

/* The other comment with this key posted at or after since, or 0; then
 * records (key, id, at). */
static int64_t
recent_check_and_add(uint64_t key, int64_t id, int64_t since, int64_t at)
{
    struct recent_post *bucket = recent[key % RECENT_BUCKETS];
    struct recent_post *slot = &bucket[0];
    int64_t other = 0;

    pthread_mutex_lock(&recent_lock);
    for (int i = 0; i < RECENT_WAYS; i++) {
        struct recent_post *e = &bucket[i];

        if (e->key == key && e->at >= since && e->comment_id != id &&
            other == 0)
            other = e->comment_id;
        if (e->at < slot->at)
            slot = e;
    }
    if (other == 0)
        *slot = (struct recent_post){.key = key, .comment_id = id, .at = at};
    pthread_mutex_unlock(&recent_lock);
    return other;
}

/* The duplicate flag: the same text in this article (the fingerprint
 * index), or from this address within the window (in memory); then this
 * comment's own fingerprint. */
static enum db_status
check_duplicate(struct db *db, int64_t id, const struct comment_new *in,
                int64_t hash)
{
    struct fingerprint f = {
        .hash = hash, .article = in->article, .comment_id = id};
    enum db_status st;
    int64_t other = 0, by_address = 0;

    st = db_fingerprint_same_article(db, &f, &other);
    if (st == DB_OK && in->client_addr)
        by_address = recent_check_and_add(
            recent_key(hash, in->client_addr), id,
            in->created_at - DUPLICATE_WINDOW_SECONDS, in->created_at);
    if (other == 0)
        other = by_address;
    if (st == DB_OK && other > 0) {
        char detail[64];

        snprintf(detail, sizeof detail, "same text as comment %lld",
                 (long long)other);
        st = db_flag_add(db, id, "duplicate", detail);
    }
    if (st == DB_OK)
        st = db_fingerprint_add(db, &f);
    return st;
}

enum db_status
screening_store(struct db *db, const struct api_config *cfg, int64_t id,
                const struct comment_new *in, const struct screening *s)
{
    enum db_status st = screening_store_flags(db, id, s);

    if (st == DB_OK && s && s->has_hash)
        st = check_duplicate(db, id, in, s->hash);
    if (st == DB_OK)
        st = outbox_record(db, cfg, id, "comment.created", in->created_at);
    return st;
}
