/* The SQLite backend: connections, pragmas, migrations (db/migrations/,
 * tracked by PRAGMA user_version) and transactions, and its table of
 * entries.  Every statement of statements.def is prepared here when a
 * connection opens. */
#include <assert.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db/migrations.h"
#include "db/sqlite/sqlite.h"

static const char *const stmt_sql[STMT_COUNT] = {
#define S(name, sql) [STMT_##name] = sql,
#include "db/sqlite/statements.def"
#undef S
};

/* How long SQLite itself waits for a lock before a statement is busy; the
 * transaction runner retries on top of it. */
enum { BUSY_TIMEOUT_MS = 5000 };

static int
schema_version(void)
{
    return db_migration_count;
}

void
db_stmt_done(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

enum db_status
sq_each_row(sqlite3_stmt *st, int (*row)(sqlite3_stmt *, void *), void *arg)
{
    enum db_status rc = DB_OK;
    int step;

    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (row(st, arg) != 0) {
            rc = DB_ERROR;
            break;
        }
    }
    if (rc == DB_OK && step != SQLITE_DONE)
        rc = (step & 0xff) == SQLITE_BUSY ? DB_BUSY : DB_ERROR;
    db_stmt_done(st);
    return rc;
}

int
db_bind_text(sqlite3_stmt *st, int idx, const char *s)
{
    if (!s)
        return sqlite3_bind_null(st, idx);
    return sqlite3_bind_text(st, idx, s, -1, SQLITE_TRANSIENT);
}

const char *
db_col_text(sqlite3_stmt *st, int col)
{
    return (const char *)sqlite3_column_text(st, col);
}

static int
exec(struct db *db, const char *sql)
{
    return sqlite3_exec(sq(db)->conn, sql, NULL, NULL, NULL);
}

static int
user_version(struct db *db, int *out)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;

    if (sqlite3_prepare_v2(sq(db)->conn, "PRAGMA user_version", -1, &st,
                           NULL) != SQLITE_OK)
        goto out;
    if (sqlite3_step(st) != SQLITE_ROW)
        goto out;
    *out = sqlite3_column_int(st, 0);
    rc = 0;
out:
    sqlite3_finalize(st);
    return rc;
}

static enum db_status
status_of(int rc)
{
    if (rc == SQLITE_OK || rc == SQLITE_DONE)
        return DB_OK;
    return (rc & 0xff) == SQLITE_BUSY ? DB_BUSY : DB_ERROR;
}

static void
rollback(struct db *db)
{
    if (!sqlite3_get_autocommit(sq(db)->conn))
        exec(db, "ROLLBACK");
}

static enum db_status
transaction(struct db *db, db_work_fn work, void *arg)
{
    enum db_status st = DB_BUSY;

    assert(sqlite3_get_autocommit(sq(db)->conn)); /* transactions do not nest */
    for (int attempt = 0; attempt < DB_TRANSACTION_ATTEMPTS && st == DB_BUSY;
         attempt++) {
        st = status_of(exec(db, "BEGIN IMMEDIATE"));
        if (st != DB_OK)
            continue;
        st = work(db, arg);
        if (st == DB_OK)
            st = status_of(exec(db, "COMMIT"));
        if (st != DB_OK)
            rollback(db);
    }
    return st;
}

/* Runs a prepared statement without parameters; its result code. */
static int
step_once(struct db *db, int s)
{
    sqlite3_stmt *st = sq(db)->stmt[s];
    int rc = sqlite3_step(st);

    sqlite3_reset(st);
    return rc;
}

static enum db_status
savepoint(struct db *db, db_work_fn work, void *arg)
{
    assert(!sqlite3_get_autocommit(
        sq(db)->conn)); /* inside a transaction's work */
    if (step_once(db, STMT_SAVEPOINT) != SQLITE_DONE)
        return DB_ERROR;
    if (work(db, arg) != DB_OK &&
        step_once(db, STMT_SAVEPOINT_ROLLBACK) != SQLITE_DONE)
        return DB_ERROR;
    return step_once(db, STMT_SAVEPOINT_RELEASE) == SQLITE_DONE ? DB_OK
                                                                : DB_ERROR;
}

/* One step of migrate(): the transaction's work. */
struct migration {
    int version;   /* the schema version found */
    int applied;   /* the migration applied, or -1: none was pending */
    char why[256]; /* SQLite's message when it failed (the rollback
                    * that follows replaces the connection's own) */
};

/* Runs sql; on failure keeps SQLite's message in m->why. */
static enum db_status
migration_exec(struct db *db, struct migration *m, const char *sql)
{
    enum db_status st = status_of(exec(db, sql));

    if (st != DB_OK)
        snprintf(m->why, sizeof m->why, "%s", sqlite3_errmsg(sq(db)->conn));
    return st;
}

static enum db_status
migrate_one(struct db *db, void *arg)
{
    struct migration *m = arg;
    enum db_status st;
    char set[64];

    m->applied = -1;
    if (user_version(db, &m->version) != 0) {
        snprintf(m->why, sizeof m->why, "%s", sqlite3_errmsg(sq(db)->conn));
        return DB_ERROR;
    }
    if (m->version > db_migration_count)
        return DB_CONFLICT;
    if (m->version == db_migration_count)
        return DB_OK;
    st = migration_exec(db, m, db_migrations[m->version].sql);
    snprintf(set, sizeof set, "PRAGMA user_version = %d", m->version + 1);
    if (st == DB_OK)
        st = migration_exec(db, m, set);
    if (st == DB_OK)
        m->applied = m->version;
    return st;
}

/* Applies each pending migration in its own transaction, so a crash leaves
 * the schema at a numbered version.  Safe to run twice and from two
 * processes at once: the version is read again under the write lock. */
static int
migrate(struct db *db, char *err, size_t err_len)
{
    struct migration m;

    do {
        memset(&m, 0, sizeof m);
        switch (transaction(db, migrate_one, &m)) {
        case DB_OK:
            break;
        case DB_CONFLICT:
            snprintf(err, err_len,
                     "database schema version %d is newer than this ykien "
                     "knows (%d): upgrade ykien",
                     m.version, db_migration_count);
            return -1;
        case DB_BUSY:
            snprintf(err, err_len, "the database stayed locked: %s",
                     m.why[0] ? m.why : sqlite3_errmsg(sq(db)->conn));
            return -1;
        default:
            snprintf(err, err_len, "migration failed: %s",
                     m.why[0] ? m.why : sqlite3_errmsg(sq(db)->conn));
            return -1;
        }
    } while (m.applied >= 0);
    return 0;
}

static void sq_close(struct db *db);

static enum db_status
changed(struct db *db, const char *article)
{
    return DB_OK;
}

/* The content store's folder, DIR/files beside DIR/ykien.db, created if
 * missing. */
static int
make_files_dir(struct sq_db *s, const char *path, char *err, size_t err_len)
{
    char copy[4096];

    snprintf(copy, sizeof copy, "%s", path);
    snprintf(s->files_dir, sizeof s->files_dir, "%s/files", dirname(copy));
    if (mkdir(s->files_dir, 0750) != 0 && errno != EEXIST) {
        snprintf(err, err_len, "cannot create %s: %s", s->files_dir,
                 strerror(errno));
        return -1;
    }
    return 0;
}

int
db_sqlite_open(const char *path, struct db **out, char *err, size_t err_len)
{
    struct sq_db *s = calloc(1, sizeof *s);
    struct db *db = &s->base;
    int flags =
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;

    if (!s) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    db->ops = &db_sqlite_ops;
    if (make_files_dir(s, path, err, err_len) != 0)
        goto fail;
    if (sqlite3_open_v2(path, &s->conn, flags, NULL) != SQLITE_OK) {
        snprintf(err, err_len, "cannot open %s: %s", path,
                 s->conn ? sqlite3_errmsg(s->conn) : "out of memory");
        goto fail;
    }
    sqlite3_extended_result_codes(s->conn, 1);
    sqlite3_busy_timeout(s->conn, BUSY_TIMEOUT_MS);
    /* WAL lets readers run beside the writer; synchronous=FULL fsyncs the
     * WAL on every commit, so a comment answered 201 survives a crash or a
     * power cut, not only a killed process. */
    if (exec(db, "PRAGMA journal_mode = WAL") != SQLITE_OK ||
        exec(db, "PRAGMA synchronous = FULL") != SQLITE_OK ||
        exec(db, "PRAGMA foreign_keys = ON") != SQLITE_OK ||
        exec(db, "PRAGMA trusted_schema = OFF") != SQLITE_OK ||
        /* Deleted and overwritten content is zeroed, not left in free
         * space: an erased reader's text must not stay in the file. */
        exec(db, "PRAGMA secure_delete = ON") != SQLITE_OK) {
        snprintf(err, err_len, "cannot set up %s: %s", path,
                 sqlite3_errmsg(s->conn));
        goto fail;
    }
    if (migrate(db, err, err_len) != 0)
        goto fail;
    for (int i = 0; i < STMT_COUNT; i++) {
        if (sqlite3_prepare_v3(s->conn, stmt_sql[i], -1,
                               SQLITE_PREPARE_PERSISTENT, &s->stmt[i],
                               NULL) != SQLITE_OK) {
            snprintf(err, err_len, "cannot prepare statement %d: %s", i,
                     sqlite3_errmsg(s->conn));
            goto fail;
        }
    }
    *out = db;
    return 0;
fail:
    sq_close(db);
    return -1;
}

static void
sq_close(struct db *db)
{
    struct sq_db *s = sq(db);

    for (int i = 0; i < STMT_COUNT; i++)
        sqlite3_finalize(s->stmt[i]);
    sqlite3_close(s->conn);
    free(s);
}

static const char *
errmsg(struct db *db)
{
    return sqlite3_errmsg(sq(db)->conn);
}

static enum db_status
health(struct db *db)
{
    sqlite3_stmt *st = sq(db)->stmt[STMT_HEALTH];
    enum db_status rc = sqlite3_step(st) == SQLITE_ROW ? DB_OK : DB_ERROR;

    db_stmt_done(st);
    return rc;
}

const struct db_ops db_sqlite_ops = {
    .name = "SQLite",
    .shared = false,
    .close = sq_close,
    .errmsg = errmsg,
    .schema_version = schema_version,
    .transaction = transaction,
    .savepoint = savepoint,
    .health = health,
    .comment_insert = sq_comment_insert,
    .post_key_find = sq_post_key_find,
    .comment_get = sq_comment_get,
    .comment_list = sq_comment_list,
    .comment_count = sq_comment_count,
    .comment_update = sq_comment_update,
    .history_add = sq_history_add,
    .history_list = sq_history_list,
    .attachment_insert = sq_attachment_insert,
    .attachment_list = sq_attachment_list,
    .history_list_many = sq_history_list_many,
    .attachment_list_many = sq_attachment_list_many,
    .attachment_get = sq_attachment_get,
    .token_add = sq_token_add,
    .token_find = sq_token_find,
    .token_list = sq_token_list,
    .token_revoke = sq_token_revoke,
    .blob_put = sq_blob_put,
    .blob_open = sq_blob_open,
    .blob_release = sq_blob_release,
    .blob_sweep = sq_blob_sweep,
    /* One process: its memory keeps rate limits (server/ratelimit.c) and
     * the freshness of pages, so there is nothing to tell anyone. */
    .rate_take = NULL,
    .changed = changed,
    .import_comment = sq_import_comment,
    .import_attachment = sq_import_attachment,
    .import_same_comment = sq_import_same_comment,
    .source_find = sq_source_find,
    .source_add = sq_source_add,
    .source_list = sq_source_list,
    .comment_walk = sq_comment_walk,
    .attachment_shas = sq_attachment_shas,
    .snapshot = sq_snapshot,
    .import_open = sq_import_open,
    .backup = sq_backup,
    .integrity_check = sq_integrity_check,
    .article_state = sq_article_state,
    .post_state = sq_post_state,
    .article_set_state = sq_article_set_state,
    .article_first_comment_at = sq_article_first_comment_at,
    .flag_add = sq_flag_add,
    .flag_list = sq_flag_list,
    .flagged_count = sq_flagged_count,
    .fingerprint_add = sq_fingerprint_add,
    .fingerprint_same_article = sq_fingerprint_same_article,
    .fingerprint_delete = sq_fingerprint_delete,
    .comment_erased = sq_comment_erased,
    .comment_erase = sq_comment_erase,
    .forget_erased = sq_forget_erased,
    .rule_add = sq_rule_add,
    .rule_get = sq_rule_get,
    .rule_list = sq_rule_list,
    .rule_delete = sq_rule_delete,
    .rule_generation = sq_rule_generation,
    .outbox_add = sq_outbox_add,
    .outbox_claim = sq_outbox_claim,
    .outbox_next_at = sq_outbox_next_at,
    .outbox_delete = sq_outbox_delete,
    .outbox_retry = sq_outbox_retry,
    .outbox_depth = sq_outbox_depth,
    .outbox_of_comment = sq_outbox_of_comment,
    .outbox_set_body = sq_outbox_set_body,
    .outbox_webhooks = sq_outbox_webhooks,
    .outbox_drop_webhook = sq_outbox_drop_webhook,
};
