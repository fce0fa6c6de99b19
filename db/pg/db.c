/* The PostgreSQL backend: connections (opened, and reopened after a loss),
 * statements, migrations (db/pg/migrations/, tracked in ykien_schema and
 * applied under an advisory lock so that processes starting together
 * apply each once), transactions, and its table of entries. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/migrations.h"
#include "db/pg/pg.h"

static const char *const stmt_sql[PG_STMT_COUNT] = {
#define S(name, sql) [PG_##name] = sql,
#include "db/pg/statements.def"
#undef S
};

enum {
    RECONNECT_MS = 200,
    /* pg_advisory_xact_lock() key of the migrations: "ykien" in ASCII. */
    MIGRATION_LOCK = 0x796b69656e,
};

static uint64_t
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Keeps a one-line message: libpq's end with a newline. */
static void
set_error(struct pg_db *p, const char *what, const char *msg)
{
    snprintf(p->errmsg, sizeof p->errmsg, "%s%s%s", what, what[0] ? ": " : "",
             msg && msg[0] ? msg : "unknown error");
    p->errmsg[strcspn(p->errmsg, "\n")] = '\0';
}

static void
stmt_name(int i, char name[16])
{
    snprintf(name, 16, "s%d", i);
}

/* ---- parameters and fields ---------------------------------------------- */

static void
add(struct pg_params *p, const char *v, int len, int format)
{
    assert(p->n < PG_PARAMS_MAX);
    p->value[p->n] = v;
    p->length[p->n] = len;
    p->format[p->n] = format;
    p->n++;
}

void
pg_text(struct pg_params *p, const char *s)
{
    add(p, s, 0, 0);
}

void
pg_int(struct pg_params *p, int64_t v)
{
    snprintf(p->number[p->n], sizeof p->number[p->n], "%" PRId64, v);
    add(p, p->number[p->n], 0, 0);
}

void
pg_int_or_null(struct pg_params *p, int64_t v)
{
    if (v > 0)
        pg_int(p, v);
    else
        pg_text(p, NULL);
}

void
pg_bytes(struct pg_params *p, const void *data, int len)
{
    add(p, data, len, 1);
}

const char *
pg_str(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

int64_t
pg_i64(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col)
               ? 0
               : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

/* ---- connections -------------------------------------------------------- */

/* The server's notices (as "relation already exists, skipping") are not
 * ykien's to print. */
static void
ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

PGconn *
pg_open_conn(const char *url)
{
    /* Ours first: what url says overrides them. */
    static const char *const keys[] = {
        "connect_timeout",  "keepalives",
        "keepalives_idle",  "keepalives_interval",
        "keepalives_count", "application_name",
        "dbname",           NULL,
    };
    const char *values[] = {"5", "1", "10", "5", "3", "ykien", url, NULL};
    PGconn *conn = PQconnectdbParams(keys, values, 1);

    if (conn)
        PQsetNoticeProcessor(conn, ignore_notice, NULL);
    return conn;
}

static bool
prepare_all(struct pg_db *p)
{
    for (int i = 0; i < PG_STMT_COUNT; i++) {
        char name[16];
        PGresult *r;
        bool ok;

        stmt_name(i, name);
        r = PQprepare(p->conn, name, stmt_sql[i], 0, NULL);
        ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        if (!ok) {
            char what[32];

            snprintf(what, sizeof what, "cannot prepare statement %d", i);
            set_error(p, what, PQresultErrorMessage(r));
        }
        PQclear(r);
        if (!ok)
            return false;
    }
    return true;
}

/* Opens the connection, or reopens a lost one; with prepare, readies its
 * statements. */
static bool
reopen(struct pg_db *p, bool prepare)
{
    p->ready = false;
    p->entry_prepared = false;
    if (p->conn)
        PQreset(p->conn);
    else
        p->conn = pg_open_conn(p->url);
    if (!p->conn) {
        set_error(p, "cannot connect to PostgreSQL", "out of memory");
        return false;
    }
    if (PQstatus(p->conn) != CONNECTION_OK) {
        set_error(p, "cannot connect to PostgreSQL", PQerrorMessage(p->conn));
        return false;
    }
    if (prepare && !prepare_all(p))
        return false;
    p->ready = prepare;
    return true;
}

bool
pg_ready(struct pg_db *p)
{
    uint64_t now;

    if (p->ready && PQstatus(p->conn) == CONNECTION_OK)
        return true;
    now = now_ms();
    if (now < p->next_attempt_ms)
        return false;
    p->next_attempt_ms = now + RECONNECT_MS;
    return reopen(p, true);
}

/* ---- running statements ------------------------------------------------- */

/* The outcome of a failed result r; notes a lost connection. */
enum db_status
pg_failure(struct pg_db *p, PGresult *r)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;

    set_error(p, "", r ? PQresultErrorMessage(r) : PQerrorMessage(p->conn));
    if (PQstatus(p->conn) != CONNECTION_OK) {
        p->ready = false;
        return DB_BUSY;
    }
    if (!state)
        return DB_ERROR;
    /* integrity_constraint_violation: a guard, as SQLITE_CONSTRAINT */
    if (strncmp(state, "23", 2) == 0)
        return DB_CONFLICT;
    /* serialization_failure, deadlock_detected, lock_not_available; the
     * server shutting down or not yet accepting (admin_shutdown, ...) */
    if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
        strcmp(state, "55P03") == 0 || strncmp(state, "57P", 3) == 0 ||
        strncmp(state, "08", 2) == 0)
        return DB_BUSY;
    return DB_ERROR;
}

static bool
succeeded(const PGresult *r)
{
    ExecStatusType s = PQresultStatus(r);

    return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

/* Runs prepared statement name, or sql when name is NULL. */
static enum db_status
run(struct pg_db *p, const char *name, const char *sql,
    const struct pg_params *params, bool binary_result, PGresult **res)
{
    static const struct pg_params none;
    bool idle;

    if (res)
        *res = NULL;
    if (!params)
        params = &none;
    if (p->pending) {
        enum db_status st = pg_import_drain(p);

        if (st != DB_OK)
            return st;
    }
    for (int attempt = 0;; attempt++) {
        PGresult *r;
        enum db_status st;

        if (!pg_ready(p))
            return DB_BUSY;
        idle = PQtransactionStatus(p->conn) == PQTRANS_IDLE;
        if (name)
            r = PQexecPrepared(p->conn, name, params->n, params->value,
                               params->length, params->format,
                               binary_result ? 1 : 0);
        else
            r = PQexecParams(p->conn, sql, params->n, NULL, params->value,
                             params->length, params->format,
                             binary_result ? 1 : 0);
        if (r && succeeded(r)) {
            if (res)
                *res = r;
            else
                PQclear(r);
            return DB_OK;
        }
        st = pg_failure(p, r);
        PQclear(r);
        /* Lost outside a transaction (the server restarted since the last
         * call): once more on a new connection; nothing was half-done. */
        if (st == DB_BUSY && !p->ready && idle && attempt == 0) {
            p->next_attempt_ms = 0;
            continue;
        }
        return st;
    }
}

enum db_status
pg_run(struct pg_db *p, enum pg_stmt s, const struct pg_params *params,
       bool binary_result, PGresult **res)
{
    char name[16];

    stmt_name(s, name);
    return run(p, name, NULL, params, binary_result, res);
}

enum db_status
pg_run_sql(struct pg_db *p, const char *sql, const struct pg_params *params,
           PGresult **res)
{
    return run(p, NULL, sql, params, false, res);
}

enum db_status
pg_exec(struct pg_db *p, const char *sql)
{
    if (p->pending) {
        enum db_status st = pg_import_drain(p);

        if (st != DB_OK)
            return st;
    }
    for (int attempt = 0;; attempt++) {
        bool idle;
        PGresult *r;
        enum db_status st;

        if (!pg_ready(p))
            return DB_BUSY;
        idle = PQtransactionStatus(p->conn) == PQTRANS_IDLE;
        r = PQexec(p->conn, sql);
        if (r && succeeded(r)) {
            /* A COMMIT of a transaction that had failed only rolls back. */
            st = strcmp(sql, "COMMIT") == 0 &&
                         strcmp(PQcmdStatus(r), "ROLLBACK") == 0
                     ? DB_ERROR
                     : DB_OK;
            if (st != DB_OK)
                set_error(p, "", "the transaction was rolled back");
            PQclear(r);
            return st;
        }
        st = pg_failure(p, r);
        PQclear(r);
        if (st == DB_BUSY && !p->ready && idle && attempt == 0) {
            p->next_attempt_ms = 0;
            continue;
        }
        return st;
    }
}

/* ---- transactions ------------------------------------------------------- */

static void
rollback(struct pg_db *p)
{
    pg_import_discard(p);
    if (p->ready && PQstatus(p->conn) == CONNECTION_OK &&
        PQtransactionStatus(p->conn) != PQTRANS_IDLE) {
        PGresult *r = PQexec(p->conn, "ROLLBACK");

        PQclear(r);
    }
}

static enum db_status
transaction(struct db *db, db_work_fn work, void *arg)
{
    struct pg_db *p = pg(db);
    enum db_status st = DB_BUSY;

    p->savepoints = false;
    for (int attempt = 0; attempt < DB_TRANSACTION_ATTEMPTS && st == DB_BUSY;
         attempt++) {
        p->savepoint_failed = false;
        st = pg_exec(p, "BEGIN");
        if (st != DB_OK)
            return st; /* pg_exec has tried a new connection already */
        assert(PQtransactionStatus(p->conn) == PQTRANS_INTRANS);
        st = work(db, arg);
        if (st == DB_OK)
            st = pg_exec(p, "COMMIT");
        if (st != DB_OK)
            rollback(p);
        /* Lost: whatever happened is not known (a COMMIT may have been
         * done); never run work again on a new connection. */
        if (!p->ready)
            return st == DB_OK ? DB_OK : DB_BUSY;
        /* A savepoint's work failed where there was none to go back to:
         * all again, with savepoints (not counted as an attempt). */
        if (st != DB_OK && p->savepoint_failed && !p->savepoints) {
            p->savepoints = true;
            st = DB_BUSY;
            attempt--;
        }
    }
    return st;
}

/* Without savepoints (the first run of a transaction), a work that fails
 * fails the transaction, which then runs again with them: the usual batch,
 * where every comment goes in, costs no SAVEPOINT and RELEASE round
 * trips. */
static enum db_status
savepoint(struct db *db, db_work_fn work, void *arg)
{
    struct pg_db *p = pg(db);
    enum db_status st;

    DB_ASSERT_IN_TRANSACTION(db);
    if (!p->savepoints) {
        if (work(db, arg) == DB_OK)
            return DB_OK;
        p->savepoint_failed = true;
        return DB_ERROR;
    }
    if ((st = pg_exec(p, "SAVEPOINT item")) != DB_OK)
        return st;
    if (work(db, arg) != DB_OK &&
        (st = pg_exec(p, "ROLLBACK TO SAVEPOINT item")) != DB_OK)
        return st == DB_BUSY ? DB_BUSY : DB_ERROR;
    st = pg_exec(p, "RELEASE SAVEPOINT item");
    return st == DB_OK ? DB_OK : st == DB_BUSY ? DB_BUSY : DB_ERROR;
}

/* ---- migrations --------------------------------------------------------- */

static int
schema_version(void)
{
    return db_pg_migration_count;
}

/* The version in ykien_schema, or -1 (errmsg set). */
static int
read_version(struct pg_db *p)
{
    PGresult *r = PQexec(p->conn, "SELECT version FROM ykien_schema");
    int v = -1;

    if (PQresultStatus(r) == PGRES_TUPLES_OK)
        v = PQntuples(r) == 1 ? atoi(PQgetvalue(r, 0, 0)) : 0;
    else
        set_error(p, "", PQresultErrorMessage(r));
    PQclear(r);
    return v;
}

static bool
exec_ok(struct pg_db *p, const char *sql)
{
    PGresult *r = PQexec(p->conn, sql);
    bool ok = succeeded(r);

    if (!ok)
        set_error(p, "", PQresultErrorMessage(r));
    PQclear(r);
    return ok;
}

/* Applies each pending migration in its own transaction, under the
 * advisory lock: a process that starts beside another waits for it and
 * then finds the schema up to date. */
static int
migrate(struct pg_db *p, char *err, size_t err_len)
{
    char sql[128];
    int v;

    /* Up to date: the usual case, without taking the lock. */
    if (read_version(p) == db_pg_migration_count)
        return 0;
    for (;;) {
        snprintf(sql, sizeof sql, "SELECT pg_advisory_xact_lock(%lld)",
                 (long long)MIGRATION_LOCK);
        if (!exec_ok(p, "BEGIN") || !exec_ok(p, sql) ||
            !exec_ok(
                p,
                "CREATE TABLE IF NOT EXISTS ykien_schema (version integer NOT NULL)"))
            goto fail;
        if ((v = read_version(p)) < 0)
            goto fail;
        if (v == 0 &&
            !exec_ok(p, "INSERT INTO ykien_schema SELECT 0 WHERE NOT EXISTS"
                        " (SELECT 1 FROM ykien_schema)"))
            goto fail;
        if (v > db_pg_migration_count) {
            rollback(p);
            snprintf(
                err, err_len,
                "database schema version %d is newer than this ykien knows (%d): "
                "upgrade ykien",
                v, db_pg_migration_count);
            return -1;
        }
        if (v == db_pg_migration_count)
            return exec_ok(p, "COMMIT") ? 0 : (rollback(p), -1);
        snprintf(sql, sizeof sql, "UPDATE ykien_schema SET version = %d",
                 v + 1);
        if (!exec_ok(p, db_pg_migrations[v].sql) || !exec_ok(p, sql) ||
            !exec_ok(p, "COMMIT")) {
            char what[64];

            snprintf(what, sizeof what, "migration %s",
                     db_pg_migrations[v].name);
            snprintf(err, err_len, "%s failed: %s", what, p->errmsg);
            rollback(p);
            return -1;
        }
    }
fail:
    snprintf(err, err_len, "cannot migrate the PostgreSQL schema: %s",
             p->errmsg);
    rollback(p);
    return -1;
}

/* ---- the connection ----------------------------------------------------- */

static void
pg_close(struct db *db)
{
    struct pg_db *p = pg(db);

    PQfinish(p->conn);
    free(p->url);
    free(p);
}

int
db_pg_connect(const char *url, struct db **out, char *err, size_t err_len)
{
    struct pg_db *p = calloc(1, sizeof *p);

    if (!p || !(p->url = strdup(url))) {
        free(p);
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    p->base.ops = &db_pg_ops;
    if (!reopen(p, false)) {
        snprintf(err, err_len, "%s", p->errmsg);
        goto fail;
    }
    if (migrate(p, err, err_len) != 0)
        goto fail;
    if (!prepare_all(p)) {
        snprintf(err, err_len, "%s", p->errmsg);
        goto fail;
    }
    p->ready = true;
    *out = &p->base;
    return 0;
fail:
    pg_close(&p->base);
    return -1;
}

static const char *
errmsg(struct db *db)
{
    return pg(db)->errmsg;
}

static enum db_status
health(struct db *db)
{
    return pg_run(pg(db), PG_HEALTH, NULL, false, NULL);
}

const struct db_ops db_pg_ops = {
    .name = "PostgreSQL",
    .shared = true,
    .close = pg_close,
    .errmsg = errmsg,
    .schema_version = schema_version,
    .transaction = transaction,
    .savepoint = savepoint,
    .health = health,
    .comment_insert = pg_comment_insert,
    .post_key_find = pg_post_key_find,
    .comment_get = pg_comment_get,
    .comment_list = pg_comment_list,
    .comment_count = pg_comment_count,
    .comment_update = pg_comment_update,
    .history_add = pg_history_add,
    .history_list = pg_history_list,
    .attachment_insert = pg_attachment_insert,
    .attachment_list = pg_attachment_list,
    .history_list_many = pg_history_list_many,
    .attachment_list_many = pg_attachment_list_many,
    .attachment_get = pg_attachment_get,
    .token_add = pg_token_add,
    .token_find = pg_token_find,
    .token_list = pg_token_list,
    .token_revoke = pg_token_revoke,
    .blob_put = pg_blob_put,
    .blob_open = pg_blob_open,
    .blob_release = pg_blob_release,
    .blob_sweep = pg_blob_sweep,
    .rate_take = pg_rate_take,
    .changed = pg_changed,
    .import_comment = pg_import_comment,
    .import_attachment = pg_import_attachment,
    .import_same_comment = pg_import_same_comment,
    .source_find = pg_source_find,
    .source_add = pg_source_add,
    .source_list = pg_source_list,
    .comment_walk = pg_comment_walk,
    .attachment_shas = pg_attachment_shas,
    .snapshot = pg_snapshot,
    .import_open = pg_import_open,
    /* A copy of a PostgreSQL database is pg_dump's job (db_backup() says
     * so), and the server checks its own pages: no integrity_check. */
    .article_state = pg_article_state,
    .post_state = pg_post_state,
    .article_set_state = pg_article_set_state,
    .article_first_comment_at = pg_article_first_comment_at,
    .flag_add = pg_flag_add,
    .flag_list = pg_flag_list,
    .flagged_count = pg_flagged_count,
    .fingerprint_add = pg_fingerprint_add,
    .fingerprint_same_article = pg_fingerprint_same_article,
    .fingerprint_delete = pg_fingerprint_delete,
    .comment_erased = pg_comment_erased,
    .comment_erase = pg_comment_erase,
    .forget_erased = pg_forget_erased,
    .rule_add = pg_rule_add,
    .rule_get = pg_rule_get,
    .rule_list = pg_rule_list,
    .rule_delete = pg_rule_delete,
    .rule_generation = pg_rule_generation,
    .outbox_add = pg_outbox_add,
    .outbox_claim = pg_outbox_claim,
    .outbox_next_at = pg_outbox_next_at,
    .outbox_delete = pg_outbox_delete,
    .outbox_retry = pg_outbox_retry,
    .outbox_depth = pg_outbox_depth,
    .outbox_of_comment = pg_outbox_of_comment,
    .outbox_set_body = pg_outbox_set_body,
    .outbox_webhooks = pg_outbox_webhooks,
    .outbox_drop_webhook = pg_outbox_drop_webhook,
};
