/* Storage against a fresh database after all migrations: comments, counts
 * kept by triggers, guarded updates, history, tokens, the transaction
 * runner (commit, roll back, retry when busy, savepoints), re-opening, and
 * the refusal of a newer schema (set up through the SQLite library, not its
 * command-line shell, so that the check always runs).  With YKIEN_TEST_PG,
 * the same on PostgreSQL instead. */
#include <libpq-fe.h>
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

/* The writes under test, each the work of a transaction of its own. */
struct write {
    const struct comment_new *in;
    int64_t *id;
    int64_t version;
    enum comment_status status;
    const char *body;
    enum db_status fail_with; /* after the write, for the runner tests */
    int runs, busy_runs;      /* runs so far; runs that report busy */
};

static enum db_status
insert_work(struct db *db, void *arg)
{
    struct write *w = arg;
    enum db_status st = db_comment_insert(db, w->in, w->id);

    w->runs++;
    if (st == DB_OK && w->runs <= w->busy_runs)
        return DB_BUSY;
    return st == DB_OK && w->fail_with != DB_OK ? w->fail_with : st;
}

static enum db_status
insert(struct db *db, const struct comment_new *in, int64_t *id)
{
    struct write w = {.in = in, .id = id};

    return db_transaction(db, insert_work, &w);
}

static enum db_status
update_work(struct db *db, void *arg)
{
    struct write *w = arg;

    return db_comment_update(db, *w->id, w->version, w->status, w->body, true,
                             200);
}

static enum db_status
update(struct db *db, int64_t id, int64_t version, enum comment_status status,
       const char *body)
{
    struct write w = {
        .id = &id, .version = version, .status = status, .body = body};

    return db_transaction(db, update_work, &w);
}

static enum db_status
history_work(struct db *db, void *arg)
{
    struct write *w = arg;

    return db_history_add(db, *w->id, "approved", "alice", 200, "ok");
}

/* Two comments in savepoints; the second fails and takes back only itself. */
static enum db_status
savepoints_work(struct db *db, void *arg)
{
    struct write *w = arg;
    struct write bad = *w;

    bad.fail_with = DB_CONFLICT;
    if (db_savepoint(db, insert_work, w) != DB_OK ||
        db_savepoint(db, insert_work, &bad) != DB_OK)
        return DB_ERROR;
    return DB_OK;
}

static void
test_runner(struct db *db)
{
    struct comment_new in = {
        .article = "tx", .author = "A", .body = "b", .created_at = 1};
    int64_t id, n;
    struct write w = {.in = &in, .id = &id};

    /* work that fails is rolled back, and its outcome returned */
    w.fail_with = DB_CONFLICT;
    CHECK(db_transaction(db, insert_work, &w) == DB_CONFLICT && w.runs == 1);
    CHECK(db_comment_count(db, "tx", COMMENT_PENDING, &n) == DB_OK && n == 0);
    /* busy: rolled back and run again, once per attempt */
    w.fail_with = DB_OK;
    w.runs = 0;
    w.busy_runs = DB_TRANSACTION_ATTEMPTS - 1;
    CHECK(db_transaction(db, insert_work, &w) == DB_OK &&
          w.runs == DB_TRANSACTION_ATTEMPTS);
    CHECK(db_comment_count(db, "tx", COMMENT_PENDING, &n) == DB_OK && n == 1);
    /* ... up to a bound */
    w.runs = 0;
    w.busy_runs = DB_TRANSACTION_ATTEMPTS;
    CHECK(db_transaction(db, insert_work, &w) == DB_BUSY &&
          w.runs == DB_TRANSACTION_ATTEMPTS);
    CHECK(db_comment_count(db, "tx", COMMENT_PENDING, &n) == DB_OK && n == 1);
    /* savepoints: a failed one takes back only its own writes */
    w.runs = 0;
    w.busy_runs = 0;
    CHECK(db_transaction(db, savepoints_work, &w) == DB_OK);
    CHECK(db_comment_count(db, "tx", COMMENT_PENDING, &n) == DB_OK && n == 2);
}

/* Everything the interface promises, on a fresh database of either
 * backend. */
static void
exercise(struct db *db)
{
    int64_t id1, id2, id3, n;
    struct seen s;

    struct comment_new in = {
        .article = "a1", .author = "A", .body = "one", .created_at = 100};
    CHECK(insert(db, &in, &id1) == DB_OK);
    in.body = "two";
    CHECK(insert(db, &in, &id2) == DB_OK);
    in.article = "a2";
    in.parent_id = id1; /* the schema allows it; the API checks articles */
    CHECK(insert(db, &in, &id3) == DB_OK);
    CHECK(id1 < id2 && id2 < id3);

    CHECK(db_comment_count(db, "a1", COMMENT_PENDING, &n) == DB_OK && n == 2);
    CHECK(db_comment_count(db, NULL, COMMENT_PENDING, &n) == DB_OK && n == 3);
    CHECK(db_comment_count(db, "a1", COMMENT_APPROVED, &n) == DB_OK && n == 0);
    CHECK(db_comment_count(db, "nope", COMMENT_APPROVED, &n) == DB_OK &&
          n == 0);

    /* A guarded update: the right version wins once, a stale one conflicts. */
    CHECK(update(db, id1, 1, COMMENT_APPROVED, "one!") == DB_OK);
    CHECK(update(db, id1, 1, COMMENT_REJECTED, "x") == DB_CONFLICT);
    CHECK(db_comment_count(db, "a1", COMMENT_APPROVED, &n) == DB_OK && n == 1);
    CHECK(db_comment_count(db, "a1", COMMENT_PENDING, &n) == DB_OK && n == 1);
    CHECK(db_comment_count(db, NULL, COMMENT_PENDING, &n) == DB_OK && n == 2);
    memset(&s, 0, sizeof s);
    CHECK(db_comment_get(db, id1, collect, &s) == DB_OK);
    CHECK(s.n == 1 && s.status == COMMENT_APPROVED && s.version == 2);
    CHECK_STR(s.body, "one!");
    CHECK(db_comment_get(db, 12345, collect, &s) == DB_NOT_FOUND);

    CHECK(db_transaction(db, history_work, &(struct write){.id = &id1}) ==
          DB_OK);
    int hist = 0;
    CHECK(db_history_list(db, id1, count_history, &hist) == DB_OK && hist == 2);

    /* Keyset lists in both orders, with and without an article. */
    struct comment_query q = {
        .article = "a1", .status = COMMENT_PENDING, .limit = 10};
    memset(&s, 0, sizeof s);
    CHECK(db_comment_list(db, &q, collect, &s) == DB_OK && s.n == 1 &&
          s.ids[0] == id2);
    q.article = NULL;
    memset(&s, 0, sizeof s);
    CHECK(db_comment_list(db, &q, collect, &s) == DB_OK && s.n == 2);
    CHECK(s.ids[0] == id2 && s.ids[1] == id3);
    q.newest_first = true;
    memset(&s, 0, sizeof s);
    CHECK(db_comment_list(db, &q, collect, &s) == DB_OK && s.ids[0] == id3);
    q.after_id = id3;
    memset(&s, 0, sizeof s);
    CHECK(db_comment_list(db, &q, collect, &s) == DB_OK && s.n == 1 &&
          s.ids[0] == id2);

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

    test_runner(db);
    CHECK(db_health(db) == DB_OK);
}

/* PostgreSQL, when YKIEN_TEST_PG names a maintenance database (the 'pg'
 * suite runs this program through tests/with_pg.py): the same checks on a
 * database made for them, then the reopening and newer-schema checks in
 * PostgreSQL's terms. */
static void
test_postgresql(const char *admin)
{
    char url[1024], sql[160], err[256], dbname[64];
    struct db_target t = {.url = url, .data_dir = "/nonexistent"};
    struct db *db;
    PGconn *conn = PQconnectdb(admin);
    PGresult *r;
    int64_t n;

    CHECK(PQstatus(conn) == CONNECTION_OK);
    snprintf(dbname, sizeof dbname, "ykien_unit_%ld", (long)getpid());
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", dbname);
    PQclear(PQexec(conn, sql));
    snprintf(url, sizeof url, "%s dbname=%s", admin, dbname);
    CHECK(db_connect(&t, &db, err, sizeof err) == 0);
    CHECK(db_shared(db));
    exercise(db);
    db_close(db);
    /* Connecting again migrates nothing and keeps the data. */
    CHECK(db_connect(&t, &db, err, sizeof err) == 0);
    CHECK(db_comment_count(db, NULL, COMMENT_PENDING, &n) == DB_OK && n == 4);
    db_close(db);
    /* A database from a newer schema is refused with a reason. */
    {
        PGconn *c2 = PQconnectdb(url);

        r = PQexec(c2, "UPDATE ykien_schema SET version = version + 1");
        CHECK(PQresultStatus(r) == PGRES_COMMAND_OK);
        PQclear(r);
        PQfinish(c2);
    }
    CHECK(db_connect(&t, &db, err, sizeof err) == -1);
    CHECK(strstr(err, "newer") != NULL);
    snprintf(sql, sizeof sql, "DROP DATABASE %s WITH (FORCE)", dbname);
    PQclear(PQexec(conn, sql));
    PQfinish(conn);
}

int
main(void)
{
    char dir[] = "/tmp/ykien-test-db-XXXXXX";
    char path[256], err[256];
    const char *admin = getenv("YKIEN_TEST_PG");
    struct db *db;
    int64_t n;
    int version;

    if (admin && admin[0]) {
        test_postgresql(admin);
        return check_report();
    }
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/t.db", dir);
    CHECK(db_open(path, &db, err, sizeof err) == 0);
    CHECK(!db_shared(db));
    exercise(db);
    db_close(db);

    /* Opening again migrates nothing and keeps the data. */
    CHECK(db_open(path, &db, err, sizeof err) == 0);
    CHECK(db_comment_count(db, NULL, COMMENT_PENDING, &n) == DB_OK && n == 4);
    version = db_schema_version(db);
    db_close(db);

    /* A database from a newer schema is refused with a reason.  The newer
     * version is written with SQLite itself, as a newer ykien would. */
    {
        sqlite3 *raw = NULL;
        char sql[64];

        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", version + 1);
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
