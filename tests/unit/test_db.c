/* Storage against a fresh database after all migrations: comments, counts
 * kept by triggers, guarded updates, history, tokens, re-opening, and the
 * refusal of a newer schema (set up through the SQLite library, not its
 * command-line shell, so that the check always runs). */
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include "db/comments.h"
#include "db/db.h"
#include "db/tokens.h"
#include "check.h"

struct seen {
    int n;
    int64_t ids[16];
    char body[64];
    enum comment_status status;
    int64_t version;
};

static int
collect(const struct comment_record *c, void *arg)
{
    struct seen *s = arg;

    if (s->n < 16)
        s->ids[s->n] = c->id;
    s->n++;
    snprintf(s->body, sizeof s->body, "%s", c->body);
    s->status = c->status;
    s->version = c->version;
    return 0;
}

static int
count_history(const struct history_record *h, void *arg)
{
    (void)h;
    (*(int *)arg)++;
    return 0;
}

int
main(void)
{
    char dir[] = "/tmp/ykien-test-db-XXXXXX";
    char path[256], err[256];
    struct db *db;
    int64_t id1, id2, id3, n;
    struct seen s;

    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/t.db", dir);
    CHECK(db_open(path, &db, err, sizeof err) == 0);

    struct comment_new in = {.article = "a1", .author = "A", .body = "one", .created_at = 100};
    CHECK(db_comment_insert(db, &in, &id1) == DB_OK);
    in.body = "two";
    CHECK(db_comment_insert(db, &in, &id2) == DB_OK);
    in.article = "a2";
    in.parent_id = id1;     /* the schema allows it; the API checks articles */
    CHECK(db_comment_insert(db, &in, &id3) == DB_OK);
    CHECK(id1 < id2 && id2 < id3);

    CHECK(db_comment_count(db, "a1", COMMENT_PENDING, &n) == DB_OK && n == 2);
    CHECK(db_comment_count(db, NULL, COMMENT_PENDING, &n) == DB_OK && n == 3);
    CHECK(db_comment_count(db, "a1", COMMENT_APPROVED, &n) == DB_OK && n == 0);
    CHECK(db_comment_count(db, "nope", COMMENT_APPROVED, &n) == DB_OK && n == 0);

    /* A guarded update: the right version wins once, a stale one conflicts. */
    CHECK(db_comment_update(db, id1, 1, COMMENT_APPROVED, "one!", true, 200) == DB_OK);
    CHECK(db_comment_update(db, id1, 1, COMMENT_REJECTED, "x", true, 0) == DB_CONFLICT);
    CHECK(db_comment_count(db, "a1", COMMENT_APPROVED, &n) == DB_OK && n == 1);
    CHECK(db_comment_count(db, "a1", COMMENT_PENDING, &n) == DB_OK && n == 1);
    CHECK(db_comment_count(db, NULL, COMMENT_PENDING, &n) == DB_OK && n == 2);
    memset(&s, 0, sizeof s);
    CHECK(db_comment_get(db, id1, collect, &s) == DB_OK);
    CHECK(s.n == 1 && s.status == COMMENT_APPROVED && s.version == 2);
    CHECK_STR(s.body, "one!");
    CHECK(db_comment_get(db, 12345, collect, &s) == DB_NOT_FOUND);

    CHECK(db_history_add(db, id1, "approved", "alice", 200, "ok") == DB_OK);
    int hist = 0;
    CHECK(db_history_list(db, id1, count_history, &hist) == DB_OK && hist == 2);

    /* Keyset lists in both orders, with and without an article. */
    struct comment_query q = {.article = "a1", .status = COMMENT_PENDING, .limit = 10};
    memset(&s, 0, sizeof s);
    CHECK(db_comment_list(db, &q, collect, &s) == DB_OK && s.n == 1 && s.ids[0] == id2);
    q.article = NULL;
    memset(&s, 0, sizeof s);
    CHECK(db_comment_list(db, &q, collect, &s) == DB_OK && s.n == 2);
    CHECK(s.ids[0] == id2 && s.ids[1] == id3);
    q.newest_first = true;
    memset(&s, 0, sizeof s);
    CHECK(db_comment_list(db, &q, collect, &s) == DB_OK && s.ids[0] == id3);
    q.after_id = id3;
    memset(&s, 0, sizeof s);
    CHECK(db_comment_list(db, &q, collect, &s) == DB_OK && s.n == 1 && s.ids[0] == id2);

    /* Tokens: add, find by hash, duplicate name, revoke, re-add. */
    unsigned char h1[TOKEN_HASH_BYTES] = {1}, h2[TOKEN_HASH_BYTES] = {2};
    unsigned char stored[TOKEN_HASH_BYTES];
    char name[80];
    CHECK(db_token_add(db, "alice", h1, 1) == DB_OK);
    CHECK(db_token_add(db, "alice", h2, 2) == DB_CONFLICT);
    CHECK(db_token_find(db, h1, name, sizeof name, stored) == DB_OK);
    CHECK_STR(name, "alice");
    CHECK(memcmp(stored, h1, TOKEN_HASH_BYTES) == 0);
    CHECK(db_token_find(db, h2, name, sizeof name, stored) == DB_NOT_FOUND);
    CHECK(db_token_revoke(db, "alice", 3) == DB_OK);
    CHECK(db_token_revoke(db, "alice", 3) == DB_NOT_FOUND);
    CHECK(db_token_find(db, h1, name, sizeof name, stored) == DB_NOT_FOUND);
    CHECK(db_token_add(db, "alice", h2, 4) == DB_OK);
    CHECK(db_token_find(db, h2, name, sizeof name, stored) == DB_OK);

    /* A transaction rolled back leaves nothing. */
    CHECK(db_begin(db) == DB_OK);
    in.article = "rolled";
    CHECK(db_comment_insert(db, &in, &id3) == DB_OK);
    db_rollback(db);
    CHECK(db_comment_count(db, "rolled", COMMENT_PENDING, &n) == DB_OK && n == 0);
    CHECK(db_health(db) == DB_OK);
    db_close(db);

    /* Opening again migrates nothing and keeps the data. */
    CHECK(db_open(path, &db, err, sizeof err) == 0);
    CHECK(db_comment_count(db, NULL, COMMENT_PENDING, &n) == DB_OK && n == 2);
    db_close(db);

    /* A database from a newer schema is refused with a reason.  The newer
     * version is written with SQLite itself, as a newer ykien would. */
    {
        sqlite3 *raw = NULL;
        char sql[64];

        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", db_schema_version() + 1);
        CHECK(sqlite3_open(path, &raw) == SQLITE_OK);
        CHECK(sqlite3_exec(raw, sql, NULL, NULL, NULL) == SQLITE_OK);
        CHECK(sqlite3_close(raw) == SQLITE_OK);
        CHECK(db_open(path, &db, err, sizeof err) == -1);
        CHECK(strstr(err, "newer") != NULL);
    }
    snprintf(path, sizeof path, "rm -rf %s", dir);
    CHECK(system(path) == 0);
    return check_report();
}
