/* Storage of the moderation tools against a fresh database after all
 * migrations: the rules generation, flags and their counts, article state
 * (and both read in one go for a new comment), fingerprints (across
 * connections, rollbacks and a reopening), erasure, and the outbox's order
 * per comment. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/comments.h"
#include "db/db.h"
#include "db/outbox.h"
#include "db/rules.h"
#include "db/tools.h"
#include "check.h"

struct seen {
    int n;
    int64_t ids[16];
    char text[128];
};

static int
count_rule(const struct rule_record *r, void *arg)
{
    struct seen *s = arg;

    if (s->n < 16)
        s->ids[s->n] = r->id;
    s->n++;
    snprintf(s->text, sizeof s->text, "%s|%s", r->pattern,
             r->reject ? "reject" : "hold");
    return 0;
}

static int
collect_due(const struct outbox_record *r, void *arg)
{
    struct seen *s = arg;

    if (s->n < 16)
        s->ids[s->n] = r->id;
    s->n++;
    return 0;
}

static int
read_comment(const struct comment_record *c, void *arg)
{
    struct seen *s = arg;

    snprintf(s->text, sizeof s->text, "%s|%s|%s|%s|%s", c->author, c->body,
             c->original_body, c->email ? c->email : "(null)",
             comment_status_name(c->status));
    return 0;
}

static int
list_ids(const struct comment_record *c, void *arg)
{
    struct seen *s = arg;

    if (s->n < 16)
        s->ids[s->n] = c->id;
    s->n++;
    return 0;
}

static int
read_reason(const struct history_record *h, void *arg)
{
    struct seen *s = arg;

    s->n += h->reason != NULL;
    return 0;
}

static void
test_rules(struct db *db)
{
    struct rule_record r = {
        .pattern = "đồ ngu", .reject = true, .created_at = 1};
    struct seen s = {0};
    int64_t g0, g1, g2, id, post_g;
    int closed;

    CHECK(db_rule_generation(db, &g0) == DB_OK);
    CHECK(db_post_state(db, "r", &closed, &post_g) == DB_OK && closed == -1 &&
          post_g == g0);
    CHECK(db_rule_add(db, &r, &id) == DB_OK);
    CHECK(db_rule_generation(db, &g1) == DB_OK && g1 > g0);
    CHECK(db_post_state(db, "r", &closed, &post_g) == DB_OK && post_g == g1);
    CHECK(db_rule_list(db, count_rule, &s) == DB_OK && s.n == 1 &&
          s.ids[0] == id);
    CHECK_STR(s.text, "đồ ngu|reject");
    CHECK(db_rule_delete(db, id) == DB_OK);
    CHECK(db_rule_delete(db, id) == DB_NOT_FOUND);
    CHECK(db_rule_generation(db, &g2) == DB_OK && g2 > g1);
    CHECK(db_post_state(db, "r", &closed, &post_g) == DB_OK && post_g == g2);
}

static void
test_flags_and_articles(struct db *db)
{
    struct comment_new in = {
        .article = "a1", .author = "A", .body = "b", .created_at = 500};
    int64_t id1, id2, n, at, g, post_g;
    int closed;

    CHECK(db_comment_insert(db, &in, &id1) == DB_OK);
    CHECK(db_comment_insert(db, &in, &id2) == DB_OK);
    CHECK(db_flag_add(db, id1, "links", "3 links") == DB_OK);
    CHECK(db_flag_add(db, id1, "links", "3 links") == DB_OK); /* once */
    CHECK(db_flagged_count(db, "a1", COMMENT_PENDING, &n) == DB_OK && n == 1);
    CHECK(db_flagged_count(db, NULL, COMMENT_PENDING, &n) == DB_OK && n == 1);
    /* The count follows the comment's state. */
    CHECK(db_comment_update(db, id1, 1, COMMENT_APPROVED, "b", false, 600) ==
          DB_OK);
    CHECK(db_flagged_count(db, "a1", COMMENT_PENDING, &n) == DB_OK && n == 0);
    CHECK(db_flagged_count(db, "a1", COMMENT_APPROVED, &n) == DB_OK && n == 1);

    struct comment_query q = {.article = "a1",
                              .status = COMMENT_PENDING,
                              .limit = 10,
                              .flagged = COMMENT_FLAGS_UNFLAGGED};
    struct seen s = {0};

    CHECK(db_comment_list(db, &q, list_ids, &s) == DB_OK && s.n == 1 &&
          s.ids[0] == id2);
    q = (struct comment_query){.status = COMMENT_APPROVED,
                               .limit = 10,
                               .flagged = COMMENT_FLAGS_FLAGGED,
                               .newest_first = true};
    memset(&s, 0, sizeof s);
    CHECK(db_comment_list(db, &q, list_ids, &s) == DB_OK && s.n == 1 &&
          s.ids[0] == id1);
    q.status = COMMENT_PENDING;
    memset(&s, 0, sizeof s);
    CHECK(db_comment_list(db, &q, list_ids, &s) == DB_OK && s.n == 0);

    CHECK(db_rule_generation(db, &g) == DB_OK);
    CHECK(db_article_state(db, "a1", &closed) == DB_OK && closed == -1);
    CHECK(db_post_state(db, "a1", &closed, &post_g) == DB_OK && closed == -1 &&
          post_g == g);
    CHECK(db_article_set_state(db, "a1", true, "alice", 700) == DB_OK);
    CHECK(db_article_state(db, "a1", &closed) == DB_OK && closed == 1);
    CHECK(db_post_state(db, "a1", &closed, &post_g) == DB_OK && closed == 1 &&
          post_g == g);
    CHECK(db_post_state(db, "a2", &closed, &post_g) == DB_OK && closed == -1 &&
          post_g == g);
    CHECK(db_article_set_state(db, "a1", false, "bob", 800) == DB_OK);
    CHECK(db_article_state(db, "a1", &closed) == DB_OK && closed == 0);
    CHECK(db_post_state(db, "a1", &closed, &post_g) == DB_OK && closed == 0 &&
          post_g == g);
    CHECK(db_article_first_comment_at(db, "a1", &at) == DB_OK && at == 500);
    CHECK(db_article_first_comment_at(db, "none", &at) == DB_OK && at == 0);
}

static void
test_erase(struct db *db)
{
    struct comment_new in = {.article = "a2",
                             .author = "Thảo",
                             .body = "riêng tư",
                             .email = "t@example.vn",
                             .created_at = 900};
    struct fingerprint f = {.hash = 42, .article = "a2"};
    struct seen s = {0};
    int64_t id, other;
    bool erased;

    CHECK(db_comment_insert(db, &in, &id) == DB_OK);
    f.comment_id = id;
    CHECK(db_fingerprint_add(db, &f) == DB_OK);
    f.comment_id = id + 100;
    CHECK(db_fingerprint_same_article(db, &f, &other) == DB_OK && other == id);
    f.comment_id = id;
    CHECK(db_history_add(db, id, "rejected", "alice", 901,
                         "email t@example.vn") == DB_OK);
    CHECK(db_comment_erased(db, id, &erased) == DB_OK && !erased);
    CHECK(db_comment_erase(db, id, 7, 950) == DB_CONFLICT); /* stale version */
    CHECK(db_comment_erase(db, id, 1, 950) == DB_OK);
    CHECK(db_comment_erased(db, id, &erased) == DB_OK && erased);
    CHECK(db_comment_erase(db, id, 2, 960) == DB_CONFLICT); /* once */
    CHECK(db_comment_get(db, id, read_comment, &s) == DB_OK);
    CHECK_STR(s.text, "||||rejected");
    CHECK(db_history_list(db, id, read_reason, &s) == DB_OK && s.n == 0);
    CHECK(db_fingerprint_delete(db, &f) == DB_OK);
    f.comment_id = id + 100;
    CHECK(db_fingerprint_same_article(db, &f, &other) == DB_OK && other == 0);
    CHECK(db_comment_erased(db, 999999, &erased) == DB_NOT_FOUND);
}

/* A fingerprint job: add (article "fp", hash) for comment id, then fail
 * when asked to (the transaction or savepoint rolls back). */
struct fp_job {
    int64_t id, hash;
    bool fail;
    int n; /* how many, at id, id + 1, ... with hash, hash + 1, ... */
};

static enum db_status
fp_add(struct db *db, void *arg)
{
    const struct fp_job *j = arg;

    for (int i = 0; i < (j->n ? j->n : 1); i++) {
        struct fingerprint f = {
            .hash = j->hash + i, .article = "fp", .comment_id = j->id + i};
        enum db_status st = db_fingerprint_add(db, &f);

        if (st != DB_OK)
            return st;
    }
    return j->fail ? DB_ERROR : DB_OK;
}

/* A savepoint that rolls back, then one that stays. */
static enum db_status
fp_savepoints(struct db *db, void *arg)
{
    struct fp_job *j = arg;
    struct fp_job bad = {.id = j->id, .hash = j->hash, .fail = true};
    struct fp_job good = {.id = j->id + 1, .hash = j->hash + 1};

    if (db_savepoint(db, fp_add, &bad) != DB_OK)
        return DB_ERROR;
    return db_savepoint(db, fp_add, &good);
}

/* The oldest other comment of article "fp" with hash, asked as comment
 * 1000000 would. */
static int64_t
fp_oldest(struct db *db, int64_t hash)
{
    struct fingerprint f = {
        .hash = hash, .article = "fp", .comment_id = 1000000};
    int64_t other = -1;

    if (db_fingerprint_same_article(db, &f, &other) != DB_OK)
        return -1;
    return other;
}

static void
test_fingerprints(const char *path)
{
    struct db *a = NULL, *b = NULL;
    char err[256];

    CHECK(db_open(path, &a, err, sizeof err) == 0);
    CHECK(db_open(path, &b, err, sizeof err) == 0);
    if (!a || !b)
        goto out;
    /* Comments 1..20, hash id % 3: three texts, each posted again and
     * again. */
    for (int64_t id = 1; id <= 20; id++) {
        struct fp_job j = {.id = id, .hash = id % 3};

        CHECK(db_transaction(a, fp_add, &j) == DB_OK);
        CHECK(fp_oldest(a, id % 3) == (id < 3 ? id : (id % 3 ? id % 3 : 3)));
    }
    for (int64_t h = 0; h < 3; h++) {
        CHECK(fp_oldest(a, h) == (h ? h : 3));
        CHECK(fp_oldest(b, h) == (h ? h : 3)); /* read from the tables */
    }
    CHECK(fp_oldest(a, 3) == 0 && fp_oldest(b, 3) == 0);
    {
        /* The same comment does not count as its own duplicate. */
        struct fingerprint f = {.hash = 1, .article = "fp", .comment_id = 1};
        int64_t other = -1;

        CHECK(db_fingerprint_same_article(a, &f, &other) == DB_OK &&
              other == 4);
        f.article = "elsewhere";
        CHECK(db_fingerprint_same_article(a, &f, &other) == DB_OK &&
              other == 0);
    }
    /* Added through another connection: seen by the first. */
    CHECK(db_transaction(b, fp_add, &(struct fp_job){.id = 30, .hash = 77}) ==
          DB_OK);
    CHECK(fp_oldest(a, 77) == 30);
    /* Rolled back: not there, neither one fingerprint... */
    CHECK(db_transaction(a, fp_add,
                         &(struct fp_job){
                             .id = 31, .hash = 88, .fail = true}) == DB_ERROR);
    CHECK(fp_oldest(a, 88) == 0 && fp_oldest(b, 88) == 0);
    /* ...nor twelve added in one transaction. */
    CHECK(db_transaction(
              a, fp_add,
              &(struct fp_job){.id = 40, .hash = 400, .n = 12, .fail = true}) ==
          DB_ERROR);
    for (int64_t h = 0; h < 3; h++)
        CHECK(fp_oldest(a, h) == (h ? h : 3));
    CHECK(fp_oldest(a, 77) == 30 && fp_oldest(a, 405) == 0);
    CHECK(db_transaction(a, fp_add,
                         &(struct fp_job){.id = 40, .hash = 400, .n = 12}) ==
          DB_OK);
    CHECK(fp_oldest(a, 405) == 45 && fp_oldest(b, 411) == 51);
    CHECK(fp_oldest(a, 77) == 30 && fp_oldest(a, 2) == 2);
    /* A savepoint rolled back inside a transaction that commits. */
    CHECK(db_transaction(a, fp_savepoints,
                         &(struct fp_job){.id = 60, .hash = 600}) == DB_OK);
    CHECK(fp_oldest(a, 600) == 0 && fp_oldest(a, 601) == 61);
    /* The oldest one deleted (an erasure, on another connection): the next
     * oldest. */
    for (int64_t id = 3; id <= 15; id += 3) {
        struct fingerprint f = {.hash = 0, .article = "fp", .comment_id = id};

        CHECK(db_fingerprint_delete(b, &f) == DB_OK);
        CHECK(fp_oldest(a, 0) == id + 3);
    }
    {
        struct fingerprint f = {.hash = 77, .article = "fp", .comment_id = 30};

        CHECK(db_fingerprint_delete(b, &f) == DB_OK);
        CHECK(fp_oldest(a, 77) == 0);
    }
    /* After reopening: the same answers. */
    db_close(a);
    a = NULL;
    CHECK(db_open(path, &a, err, sizeof err) == 0);
    if (!a)
        goto out;
    CHECK(fp_oldest(a, 0) == 18 && fp_oldest(a, 1) == 1 &&
          fp_oldest(a, 2) == 2);
    CHECK(fp_oldest(a, 405) == 45 && fp_oldest(a, 601) == 61);
    CHECK(fp_oldest(a, 77) == 0 && fp_oldest(a, 88) == 0 &&
          fp_oldest(a, 600) == 0);
out:
    db_close(a);
    db_close(b);
}

static void
test_outbox(struct db *db)
{
    /* Comment 1 has two events, comment 2 one; the second event of comment
     * 1 must wait for the first, whatever its own time. */
    struct outbox_record r = {.event_id = "e1",
                              .comment_id = 1,
                              .webhook = "http://a",
                              .body = "{}",
                              .created_at = 1,
                              .next_at = 5000};
    static const char *const hooks[] = {"http://a", "http://b"};
    struct seen s = {0};
    int64_t n, next;

    CHECK(db_outbox_add(db, &r) == DB_OK); /* id 1: not due before 5000 */
    r.event_id = "e2";
    r.next_at = 0;
    CHECK(db_outbox_add(db, &r) == DB_OK); /* id 2: due, but behind id 1 */
    r.event_id = "e3";
    r.comment_id = 2;
    CHECK(db_outbox_add(db, &r) == DB_OK); /* id 3: due */
    r.event_id = "e4";
    r.comment_id = 1;
    r.webhook = "http://b";
    CHECK(db_outbox_add(db, &r) == DB_OK); /* id 4: another receiver */
    CHECK(db_outbox_claim(db, 1000, 0, 10, hooks, 2, collect_due, &s) == DB_OK);
    CHECK(s.n == 2 && s.ids[0] == 3 && s.ids[1] == 4);
    memset(&s, 0, sizeof s);
    CHECK(db_outbox_claim(db, 6000, 0, 10, hooks, 2, collect_due, &s) == DB_OK);
    CHECK(s.n == 3 && s.ids[0] == 3 && s.ids[1] == 4 &&
          s.ids[2] == 1); /* by time */
    CHECK(db_outbox_delete(db, 1) == DB_OK);
    memset(&s, 0, sizeof s);
    CHECK(db_outbox_claim(db, 1000, 0, 10, hooks, 2, collect_due, &s) ==
              DB_OK &&
          s.n == 3);
    CHECK(db_outbox_retry(db, 2, 1, 9000) == DB_OK);
    CHECK(db_outbox_next_at(db, &next) == DB_OK && next == 0);
    CHECK(db_outbox_depth(db, &n) == DB_OK && n == 3);
    CHECK(db_outbox_drop_webhook(db, "http://b", &n) == DB_OK && n == 1);
    CHECK(db_outbox_depth(db, &n) == DB_OK && n == 2);
}

/* The writes of these tests, as ykien makes them: inside a transaction. */
static enum db_status
flags_and_erase(struct db *db, void *arg)
{
    (void)arg;
    test_flags_and_articles(db);
    test_erase(db);
    return DB_OK;
}

int
main(void)
{
    char dir[] = "/tmp/ykien-test-db-tools-XXXXXX";
    char path[256], err[256];
    struct db *db = NULL;

    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/t.db", dir);
    CHECK(db_open(path, &db, err, sizeof err) == 0);
    if (!db)
        return check_report();
    test_rules(db);
    CHECK(db_transaction(db, flags_and_erase, NULL) == DB_OK);
    test_outbox(db);
    db_close(db);
    snprintf(path, sizeof path, "%s/fp.db", dir);
    test_fingerprints(path);
    snprintf(path, sizeof path, "rm -rf %s", dir);
    CHECK(system(path) == 0);
    return check_report();
}
