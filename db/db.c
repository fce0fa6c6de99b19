/* Connections, pragmas, migrations and transactions.  Every statement of
 * db/statements.def is prepared here when a connection opens. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/internal.h"
#include "db/migrations.h"

static const char *const stmt_sql[STMT_COUNT] = {
#define S(name, sql) [STMT_##name] = sql,
#include "db/statements.def"
#undef S
};

/* How many times a transaction start is retried on SQLITE_BUSY on top of the
 * connection's busy timeout. */
enum { BEGIN_RETRIES = 3, BUSY_TIMEOUT_MS = 5000 };

int
db_schema_version(void)
{
    return db_migration_count;
}

void
db_stmt_done(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
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
    return sqlite3_exec(db->conn, sql, NULL, NULL, NULL);
}

static int
user_version(struct db *db, int *out)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;

    if (sqlite3_prepare_v2(db->conn, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        goto out;
    if (sqlite3_step(st) != SQLITE_ROW)
        goto out;
    *out = sqlite3_column_int(st, 0);
    rc = 0;
out:
    sqlite3_finalize(st);
    return rc;
}

/* Applies each pending migration in its own transaction, so a crash leaves
 * the schema at a numbered version.  Safe to run twice and from two
 * processes at once: the version is read again under the write lock. */
static int
migrate(struct db *db, char *err, size_t err_len)
{
    for (;;) {
        int version;
        char set[64];

        if (exec(db, "BEGIN IMMEDIATE") != SQLITE_OK)
            goto fail;
        if (user_version(db, &version) != 0)
            goto fail_tx;
        if (version > db_migration_count) {
            snprintf(err, err_len,
                     "database schema version %d is newer than this ykien "
                     "knows (%d): upgrade ykien", version, db_migration_count);
            db_rollback(db);
            return -1;
        }
        if (version == db_migration_count)
            return exec(db, "COMMIT") == SQLITE_OK ? 0 : -1;
        if (exec(db, db_migrations[version].sql) != SQLITE_OK)
            goto fail_tx;
        snprintf(set, sizeof set, "PRAGMA user_version = %d", version + 1);
        if (exec(db, set) != SQLITE_OK || exec(db, "COMMIT") != SQLITE_OK)
            goto fail_tx;
    }
fail_tx:
    snprintf(err, err_len, "migration failed: %s", sqlite3_errmsg(db->conn));
    db_rollback(db);
    return -1;
fail:
    snprintf(err, err_len, "cannot open a transaction: %s", sqlite3_errmsg(db->conn));
    return -1;
}

int
db_open(const char *path, struct db **out, char *err, size_t err_len)
{
    struct db *db = calloc(1, sizeof *db);
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;

    if (!db) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    if (sqlite3_open_v2(path, &db->conn, flags, NULL) != SQLITE_OK) {
        snprintf(err, err_len, "cannot open %s: %s", path,
                 db->conn ? sqlite3_errmsg(db->conn) : "out of memory");
        goto fail;
    }
    sqlite3_extended_result_codes(db->conn, 1);
    sqlite3_busy_timeout(db->conn, BUSY_TIMEOUT_MS);
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
        snprintf(err, err_len, "cannot set up %s: %s", path, sqlite3_errmsg(db->conn));
        goto fail;
    }
    if (migrate(db, err, err_len) != 0)
        goto fail;
    for (int i = 0; i < STMT_COUNT; i++) {
        if (sqlite3_prepare_v3(db->conn, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                               &db->stmt[i], NULL) != SQLITE_OK) {
            snprintf(err, err_len, "cannot prepare statement %d: %s", i,
                     sqlite3_errmsg(db->conn));
            goto fail;
        }
    }
    *out = db;
    return 0;
fail:
    db_close(db);
    return -1;
}

void
db_close(struct db *db)
{
    if (!db)
        return;
    for (int i = 0; i < STMT_COUNT; i++)
        sqlite3_finalize(db->stmt[i]);
    sqlite3_close(db->conn);
    free(db);
}

const char *
db_errmsg(struct db *db)
{
    return sqlite3_errmsg(db->conn);
}

enum db_status
db_begin(struct db *db)
{
    for (int i = 0; i < BEGIN_RETRIES; i++) {
        int rc = exec(db, "BEGIN IMMEDIATE");

        if (rc == SQLITE_OK)
            return DB_OK;
        if ((rc & 0xff) != SQLITE_BUSY)
            return DB_ERROR;
    }
    return DB_BUSY;
}

enum db_status
db_commit(struct db *db)
{
    int rc = exec(db, "COMMIT");

    if (rc == SQLITE_OK)
        return DB_OK;
    db_rollback(db);
    return (rc & 0xff) == SQLITE_BUSY ? DB_BUSY : DB_ERROR;
}

void
db_rollback(struct db *db)
{
    if (!sqlite3_get_autocommit(db->conn))
        exec(db, "ROLLBACK");
}

enum db_status
db_savepoint(struct db *db)
{
    return exec(db, "SAVEPOINT item") == SQLITE_OK ? DB_OK : DB_ERROR;
}

enum db_status
db_savepoint_release(struct db *db)
{
    return exec(db, "RELEASE item") == SQLITE_OK ? DB_OK : DB_ERROR;
}

enum db_status
db_savepoint_rollback(struct db *db)
{
    if (exec(db, "ROLLBACK TO item") != SQLITE_OK)
        return DB_ERROR;
    return db_savepoint_release(db);
}

enum db_status
db_health(struct db *db)
{
    sqlite3_stmt *st = db->stmt[STMT_HEALTH];
    enum db_status rc = sqlite3_step(st) == SQLITE_ROW ? DB_OK : DB_ERROR;

    db_stmt_done(st);
    return rc;
}
