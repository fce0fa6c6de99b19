/* Imports and exports on PostgreSQL: comments written with all their
 * state, their sources, whole-database walks a page at a time, and an
 * import's staging area.
 *
 * An import may run while daemons serve the same database.  Its temporary
 * tables are the transaction's (ON COMMIT DROP); the statements on them
 * are run unprepared, as the tables do not exist when the connection
 * prepares its statements.  Its comments are counted at its end
 * (comment_count_add_import(), migration 0004), and the other processes
 * are told at its commit that any page may have changed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/pg/pg.h"

/* Rows per page of a walk: the memory of one page, whatever the size of
 * the database. */
enum { WALK_PAGE = 500 };

/* A number, or NULL for 0 ("none"). */
static void
int_or_null(struct pg_params *p, int64_t v)
{
    if (v > 0)
        pg_int(p, v);
    else
        pg_text(p, NULL);
}

/* Runs s; DB_OK with the first column of its first row in *out (when out
 * is not NULL), or DB_NOT_FOUND when there was no row. */
static enum db_status
run_int(struct db *db, enum pg_stmt s, const struct pg_params *params,
        int64_t *out)
{
    PGresult *r;
    enum db_status st = pg_run(pg(db), s, params, false, &r);

    if (st != DB_OK)
        return st;
    st = PQntuples(r) > 0 ? DB_OK : DB_NOT_FOUND;
    if (st == DB_OK && out)
        *out = pg_i64(r, 0, 0);
    PQclear(r);
    return st;
}

/* Runs with_id (which inserts nothing on a taken id) when id is set, then,
 * without a row, without_id (whose parameters are those of with_id but the
 * first): the id given, or the next free one. */
static enum db_status
insert_with_id(struct db *db, enum pg_stmt with_id, enum pg_stmt without_id,
               int64_t id, const struct pg_params *rest, int64_t *out)
{
    struct pg_params p = {0};
    enum db_status st;

    if (id > 0) {
        pg_int(&p, id);
        for (int i = 0; i < rest->n; i++) {
            p.value[p.n] = rest->value[i];
            p.length[p.n] = rest->length[i];
            p.format[p.n] = rest->format[i];
            p.n++;
        }
        st = run_int(db, with_id, &p, out);
        if (st != DB_NOT_FOUND)
            return st;
    }
    st = run_int(db, without_id, rest, out);
    return st == DB_NOT_FOUND ? DB_ERROR : st;
}

enum db_status
pg_import_comment(struct db *db, const struct import_comment *c, int64_t *id)
{
    struct pg_params p = {0};

    DB_ASSERT_IN_TRANSACTION(db);
    pg_text(&p, c->article);
    pg_text(&p, c->author);
    pg_text(&p, c->email);
    pg_text(&p, c->body);
    pg_text(&p, c->original_body);
    pg_text(&p, comment_status_name(c->status));
    pg_int(&p, c->created_at);
    int_or_null(&p, c->published_at);
    pg_int(&p, c->edited);
    pg_int(&p, c->version);
    return insert_with_id(db, PG_COMMENT_IMPORT_ID, PG_COMMENT_IMPORT, c->id,
                          &p, id);
}

enum db_status
pg_import_attachment(struct db *db, const struct attachment_record *a,
                     int64_t *id)
{
    struct pg_params p = {0};
    bool sized = a->width > 0 && a->height > 0;

    DB_ASSERT_IN_TRANSACTION(db);
    pg_int(&p, a->comment_id);
    pg_text(&p, a->filename);
    pg_text(&p, a->content_type);
    pg_int(&p, a->size);
    pg_text(&p, a->sha256);
    /* An image's size, where its header states one; NULL otherwise. */
    int_or_null(&p, sized ? a->width : 0);
    int_or_null(&p, sized ? a->height : 0);
    return insert_with_id(db, PG_ATTACHMENT_IMPORT_ID, PG_ATTACHMENT_IMPORT,
                          a->id, &p, id);
}

enum db_status
pg_import_same_comment(struct db *db, int64_t id, const char *article,
                       int64_t created_at, const char *original_body)
{
    struct pg_params p = {0};

    pg_int(&p, id);
    pg_text(&p, article);
    pg_int(&p, created_at);
    pg_text(&p, original_body);
    return run_int(db, PG_COMMENT_SAME, &p, NULL);
}

enum db_status
pg_source_find(struct db *db, const char *source, const char *source_id,
               int64_t *comment_id)
{
    struct pg_params p = {0};

    pg_text(&p, source);
    pg_text(&p, source_id);
    return run_int(db, PG_SOURCE_FIND, &p, comment_id);
}

enum db_status
pg_source_add(struct db *db, const char *source, const char *source_id,
              int64_t comment_id)
{
    struct pg_params p = {0};

    DB_ASSERT_IN_TRANSACTION(db);
    pg_text(&p, source);
    pg_text(&p, source_id);
    pg_int(&p, comment_id);
    return pg_run(pg(db), PG_SOURCE_ADD, &p, false, NULL);
}

enum db_status
pg_source_list(struct db *db, int64_t comment_id, source_fn fn, void *arg)
{
    struct pg_params p = {0};
    enum db_status st;
    PGresult *r;

    pg_int(&p, comment_id);
    if ((st = pg_run(pg(db), PG_SOURCE_LIST, &p, false, &r)) != DB_OK)
        return st;
    for (int i = 0; st == DB_OK && i < PQntuples(r); i++) {
        if (fn(pg_str(r, i, 0), pg_str(r, i, 1), arg) != 0)
            st = DB_ERROR;
    }
    PQclear(r);
    return st;
}

enum db_status
pg_comment_walk(struct db *db, int64_t after_id, comment_fn fn, void *arg)
{
    enum db_status st = DB_OK;
    int rows;

    do {
        struct pg_params p = {0};
        PGresult *r;

        pg_int(&p, after_id);
        pg_int(&p, WALK_PAGE);
        if ((st = pg_run(pg(db), PG_COMMENT_WALK, &p, false, &r)) != DB_OK)
            return st;
        rows = PQntuples(r);
        for (int i = 0; st == DB_OK && i < rows; i++) {
            struct comment_record c;

            pg_read_comment(r, i, &c);
            after_id = c.id;
            if (fn(&c, arg) != 0)
                st = DB_ERROR;
        }
        PQclear(r);
    } while (st == DB_OK && rows == WALK_PAGE);
    return st;
}

enum db_status
pg_attachment_shas(struct db *db, sha_fn fn, void *arg)
{
    char after[65] = "";
    enum db_status st = DB_OK;
    int rows;

    do {
        struct pg_params p = {0};
        PGresult *r;

        pg_text(&p, after);
        pg_int(&p, WALK_PAGE);
        if ((st = pg_run(pg(db), PG_ATTACHMENT_SHAS, &p, false, &r)) != DB_OK)
            return st;
        rows = PQntuples(r);
        for (int i = 0; st == DB_OK && i < rows; i++) {
            snprintf(after, sizeof after, "%s", pg_str(r, i, 0));
            if (fn(after, arg) != 0)
                st = DB_ERROR;
        }
        PQclear(r);
    } while (st == DB_OK && rows == WALK_PAGE);
    return st;
}

/* One snapshot for the whole walk of an export, its pages included, while
 * writers go on. */
enum db_status
pg_snapshot(struct db *db, db_work_fn work, void *arg)
{
    struct pg_db *p = pg(db);
    enum db_status st;

    st = pg_exec(p, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    if (st != DB_OK)
        return st;
    st = work(db, arg);
    if (st == DB_OK)
        return pg_exec(p, "COMMIT");
    pg_exec(p, "ROLLBACK");
    return st;
}

/* ---- an import's staging area ------------------------------------------ */

/* clang-format off */
static const char *const staging_tables =
    /* Every key of the file and the comment it stands for. */
    "CREATE TEMP TABLE import_key ("
    "  key text PRIMARY KEY, comment_id bigint NOT NULL) ON COMMIT DROP;"
    /* Replies waiting for their parent. */
    "CREATE TEMP TABLE import_parent ("
    "  comment_id bigint PRIMARY KEY, parent_key text NOT NULL) ON COMMIT DROP;"
    "CREATE TEMP TABLE import_thread ("
    "  key text PRIMARY KEY, article text NOT NULL) ON COMMIT DROP;"
    /* Comments read before their thread, in file order. */
    "CREATE TEMP TABLE import_orphan ("
    "  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  thread_key text NOT NULL, source_id text NOT NULL, parent_key text,"
    "  author text NOT NULL, email text, body text NOT NULL,"
    "  status text NOT NULL, created_at bigint NOT NULL, reason text)"
    "  ON COMMIT DROP;"
    /* The comments written, a row each, by comment_count_trigger() (0006)
     * while ykien.import is on. */
    "CREATE TEMP TABLE import_count ("
    "  article text, status text, n bigint NOT NULL) ON COMMIT DROP;"
    "SET LOCAL ykien.import = 'on'";

static const char *const sql_key_set =
    "INSERT INTO import_key (key, comment_id) VALUES ($1, $2)"
    " ON CONFLICT (key) DO UPDATE SET comment_id = excluded.comment_id";
static const char *const sql_parent_note =
    "INSERT INTO import_parent (comment_id, parent_key) VALUES ($1, $2)"
    " ON CONFLICT (comment_id) DO UPDATE SET parent_key = excluded.parent_key";
/* A parent of this file, else one imported before from the source; of the
 * same article, and never the reply itself. */
static const char *const sql_link =
    "UPDATE comment SET parent_id = link.parent FROM ("
    "  SELECT p.comment_id AS child, coalesce(k.comment_id,"
    "    (SELECT s.comment_id FROM comment_source s"
    "     WHERE s.source = $1 AND s.source_id = p.parent_key)) AS parent"
    "  FROM import_parent p LEFT JOIN import_key k ON k.key = p.parent_key"
    ") AS link"
    " WHERE comment.id = link.child AND link.parent IS NOT NULL"
    " AND link.parent <> comment.id AND (SELECT article FROM comment pc"
    "  WHERE pc.id = link.parent) = comment.article";
static const char *const sql_missing =
    "SELECT count(*) FROM import_parent p JOIN comment c"
    " ON c.id = p.comment_id WHERE c.parent_id IS NULL";
static const char *const sql_thread_set =
    "INSERT INTO import_thread (key, article) VALUES ($1, $2)"
    " ON CONFLICT (key) DO UPDATE SET article = excluded.article";
static const char *const sql_thread_get =
    "SELECT article FROM import_thread WHERE key = $1";
static const char *const sql_orphan_add =
    "INSERT INTO import_orphan (thread_key, source_id, parent_key, author,"
    " email, body, status, created_at, reason)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
static const char *const sql_orphan_page =
    "SELECT o.thread_key, o.source_id, o.parent_key, o.author, o.email,"
    " o.body, o.status, o.created_at, o.reason, t.article, o.seq"
    " FROM import_orphan o LEFT JOIN import_thread t ON t.key = o.thread_key"
    " WHERE o.seq > $1 ORDER BY o.seq LIMIT $2";
/* clang-format on */

/* An entry in one statement (db_import_entry): the look-up, then, for a
 * comment not there, the comment under its id when free (else the next
 * free id, and the sequence moved past a kept id), its history in order,
 * its sources, its key and its parent note.  Prepared when the first
 * import of a connection has made the temporary tables (a later import's
 * tables are new ones of the same names: the plan is made again). */
static const char *const sql_entry =
    "WITH src AS (SELECT s, i, n FROM unnest($13::text[], $14::text[])"
    "  WITH ORDINALITY AS u(s, i, n)),"
    " there AS (SELECT coalesce("
    "  (SELECT cs.comment_id FROM src JOIN comment_source cs"
    "   ON cs.source = src.s AND cs.source_id = src.i WHERE src.n = 1),"
    "  (SELECT c.id FROM comment c WHERE $12::boolean AND c.id = $1"
    "   AND c.article = $2 AND c.created_at = $8 AND c.original_body = $6),"
    "  (SELECT cs.comment_id FROM src JOIN comment_source cs"
    "   ON cs.source = src.s AND cs.source_id = src.i WHERE src.n > 1"
    "   ORDER BY src.n LIMIT 1)) AS id),"
    " kept AS (INSERT INTO comment (id, article, author, email, body,"
    "  original_body, status, created_at, published_at, edited, version)"
    "  SELECT $1, $2, $3::text, $4::text, $5::text, $6, $7::text, $8,"
    "  $9::bigint, $10::int::boolean, $11::bigint"
    "  FROM there WHERE there.id IS NULL AND $1::bigint > 0"
    "  ON CONFLICT (id) DO NOTHING RETURNING id),"
    " fresh AS (INSERT INTO comment (article, author, email, body,"
    "  original_body, status, created_at, published_at, edited, version)"
    "  SELECT $2, $3, $4, $5, $6, $7, $8, $9, $10::int::boolean, $11"
    "  FROM there WHERE there.id IS NULL AND NOT EXISTS (SELECT 1 FROM kept)"
    "  RETURNING id),"
    " new AS (SELECT id FROM kept UNION ALL SELECT id FROM fresh),"
    " h AS (INSERT INTO history (comment_id, action, moderator, at, reason)"
    "  SELECT new.id, u.a, u.m, u.t, u.r FROM new, unnest($15::text[],"
    "   $16::text[], $17::bigint[], $18::text[]) WITH ORDINALITY"
    "   AS u(a, m, t, r, n) ORDER BY u.n),"
    " s AS (INSERT INTO comment_source (source, source_id, comment_id)"
    "  SELECT src.s, src.i, new.id FROM new, src"
    "  WHERE src.s <> '' AND src.i <> '' ORDER BY src.n"
    "  ON CONFLICT (source, source_id) DO NOTHING),"
    " k AS (INSERT INTO import_key (key, comment_id)"
    "  SELECT $19, coalesce(there.id, (SELECT id FROM new)) FROM there"
    "  WHERE $19::text IS NOT NULL"
    "  ON CONFLICT (key) DO UPDATE SET comment_id = excluded.comment_id),"
    " p AS (INSERT INTO import_parent (comment_id, parent_key)"
    "  SELECT new.id, $20 FROM new WHERE $20::text IS NOT NULL"
    "  ON CONFLICT (comment_id) DO UPDATE SET parent_key = excluded.parent_key)"
    " SELECT there.id, (SELECT id FROM new), (SELECT CASE WHEN id >"
    "  coalesce(pg_sequence_last_value(pg_get_serial_sequence('comment',"
    "  'id')::regclass), 0) THEN setval(pg_get_serial_sequence('comment',"
    "  'id'), id) END FROM kept) FROM there";
#define ENTRY_STMT "ykien_import_entry"
enum { ENTRY_PARAMS = 20 };

/* Entries go out in batches without waiting for answers (libpq's
 * pipeline mode): a batch is at most this many entries or bytes of
 * parameters, kept until its answers are read so that it can be sent
 * again without an entry the database refused. */
enum { BATCH_ENTRIES = 256, BATCH_BYTES = 1 << 20 };

struct sent {
    int64_t tag;
    char *buf; /* the parameters' text, one after another */
    size_t len;
    int offset[ENTRY_PARAMS]; /* in buf; -1: NULL */
    enum import_outcome outcome;
    int64_t id;
    bool refused;
};

struct pg_import {
    struct db_import base; /* first: a struct db_import * is one of these */
    struct db *db;
    struct sent batch[BATCH_ENTRIES];
    int n;
    size_t bytes;
};

static struct pg_db *
conn_of(struct db_import *imp)
{
    return pg(((struct pg_import *)imp)->db);
}

/* ---- entries in batches ------------------------------------------------- */

struct text_buf {
    char *p;
    size_t len, cap;
    bool failed;
};

static void
buf_add(struct text_buf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        char *p;

        while (cap < b->len + n + 1)
            cap *= 2;
        if (!(p = realloc(b->p, cap))) {
            b->failed = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

/* Starts parameter i of e at the end of b: NULL when s is. */
static void
param(struct sent *e, struct text_buf *b, int i, const char *s)
{
    if (!s) {
        e->offset[i] = -1;
        return;
    }
    e->offset[i] = (int)b->len;
    buf_add(b, s, strlen(s));
    buf_add(b, "", 1);
}

static void
param_int(struct sent *e, struct text_buf *b, int i, int64_t v)
{
    char num[24];

    snprintf(num, sizeof num, "%lld", (long long)v);
    param(e, b, i, num);
}

/* An array literal element: quoted, with " and \ escaped; NULL bare. */
static void
array_item(struct text_buf *b, size_t i, const char *s)
{
    if (i > 0)
        buf_add(b, ",", 1);
    if (!s) {
        buf_add(b, "NULL", 4);
        return;
    }
    buf_add(b, "\"", 1);
    for (const char *q = s; *q; q++) {
        if (*q == '"' || *q == '\\')
            buf_add(b, "\\", 1);
        buf_add(b, q, 1);
    }
    buf_add(b, "\"", 1);
}

enum array_of { SOURCES, SOURCE_IDS, ACTIONS, MODERATORS, ATS, REASONS };

static void
param_array(struct sent *e, struct text_buf *b, int i,
            const struct import_entry *in, enum array_of what)
{
    size_t n = what <= SOURCE_IDS ? in->n_sources : in->n_history;

    e->offset[i] = (int)b->len;
    buf_add(b, "{", 1);
    for (size_t k = 0; k < n; k++) {
        const struct import_history *h =
            what > SOURCE_IDS ? &in->history[k] : NULL;
        char num[24];

        switch (what) {
        case SOURCES:
            array_item(b, k, in->source[k]);
            break;
        case SOURCE_IDS:
            array_item(b, k, in->source_id[k]);
            break;
        case ACTIONS:
            array_item(b, k, h->action);
            break;
        case MODERATORS:
            array_item(b, k, h->moderator);
            break;
        case ATS:
            snprintf(num, sizeof num, "%lld", (long long)h->at);
            array_item(b, k, num);
            break;
        case REASONS:
            array_item(b, k, h->reason);
            break;
        }
    }
    buf_add(b, "}", 1);
    buf_add(b, "", 1);
}

/* The parameters of sql_entry for in, into e. */
static int
sent_make(struct sent *e, const struct import_entry *in)
{
    const struct import_comment *c = &in->c;
    struct text_buf b = {0};

    memset(e, 0, sizeof *e);
    e->tag = in->tag;
    param_int(e, &b, 0, c->id);
    param(e, &b, 1, c->article);
    param(e, &b, 2, c->author);
    param(e, &b, 3, c->email);
    param(e, &b, 4, c->body);
    param(e, &b, 5, c->original_body);
    param(e, &b, 6, comment_status_name(c->status));
    param_int(e, &b, 7, c->created_at);
    if (c->published_at > 0)
        param_int(e, &b, 8, c->published_at);
    else
        param(e, &b, 8, NULL);
    param_int(e, &b, 9, c->edited);
    param_int(e, &b, 10, c->version);
    param(e, &b, 11, in->same_id ? "t" : "f");
    param_array(e, &b, 12, in, SOURCES);
    param_array(e, &b, 13, in, SOURCE_IDS);
    param_array(e, &b, 14, in, ACTIONS);
    param_array(e, &b, 15, in, MODERATORS);
    param_array(e, &b, 16, in, ATS);
    param_array(e, &b, 17, in, REASONS);
    param(e, &b, 18, in->key);
    param(e, &b, 19, in->parent_key && *in->parent_key ? in->parent_key : NULL);
    if (b.failed) {
        free(b.p);
        return -1;
    }
    e->buf = b.p;
    e->len = b.len;
    return 0;
}

static bool
send_entry(PGconn *conn, const struct sent *e)
{
    const char *values[ENTRY_PARAMS];

    for (int i = 0; i < ENTRY_PARAMS; i++)
        values[i] = e->offset[i] < 0 ? NULL : e->buf + e->offset[i];
    return PQsendQueryPrepared(conn, ENTRY_STMT, ENTRY_PARAMS, values, NULL,
                               NULL, 0) == 1;
}

static bool
send_plain(PGconn *conn, const char *sql)
{
    return PQsendQueryParams(conn, sql, 0, NULL, NULL, NULL, NULL, 0) == 1;
}

/* Opens a batch: the pipeline, and the savepoint a refusal goes back to. */
static bool
batch_open(PGconn *conn)
{
    return PQenterPipelineMode(conn) == 1 &&
           send_plain(conn, "SAVEPOINT import_batch");
}

static void
batch_clear(struct pg_import *imp)
{
    for (int i = 0; i < imp->n; i++)
        free(imp->batch[i].buf);
    imp->n = 0;
    imp->bytes = 0;
}

/* Ends the batch sent (release and sync) and reads every answer up to
 * the sync.  Returns the index of the entry that failed, -1 when none
 * did, -2 when the savepoint, its release or the connection did;
 * *failed is the failed result (to PQclear), if any. */
static int
batch_read(struct pg_import *imp, PGconn *conn, PGresult **failed)
{
    int query = 0, bad = -1, sent_at[BATCH_ENTRIES + 2];
    int queries = 1;

    *failed = NULL;
    /* Which entry each query of the pipeline is (the savepoint first). */
    sent_at[0] = -2;
    for (int i = 0; i < imp->n; i++) {
        if (!imp->batch[i].refused)
            sent_at[queries++] = i;
    }
    sent_at[queries++] = -2;
    if (!send_plain(conn, "RELEASE SAVEPOINT import_batch") ||
        PQpipelineSync(conn) != 1)
        bad = -2;
    while (bad != -2 || PQstatus(conn) == CONNECTION_OK) {
        PGresult *r = PQgetResult(conn);
        ExecStatusType s;

        if (!r) {
            if (++query > queries || PQstatus(conn) != CONNECTION_OK) {
                bad = -2;
                break;
            }
            continue;
        }
        s = PQresultStatus(r);
        if (s == PGRES_PIPELINE_SYNC) {
            PQclear(r);
            break;
        }
        if (s == PGRES_TUPLES_OK && query < queries && sent_at[query] >= 0) {
            struct sent *e = &imp->batch[sent_at[query]];

            e->outcome = PQgetisnull(r, 0, 0) ? IMPORT_WRITTEN : IMPORT_THERE;
            e->id = pg_i64(r, 0, e->outcome == IMPORT_THERE ? 0 : 1);
        } else if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK &&
                   s != PGRES_PIPELINE_ABORTED && !*failed) {
            bad = query < queries ? sent_at[query] : -2;
            *failed = r;
            continue;
        }
        PQclear(r);
    }
    PQexitPipelineMode(conn);
    if (bad == -2 && !*failed)
        *failed = PQmakeEmptyPGresult(conn, PGRES_FATAL_ERROR);
    return bad;
}

/* Reads the answers of the batch sent; an entry the database refused is
 * taken out and the others sent again, until all went in.  The outcomes
 * are then told in order. */
static enum db_status
batch_drain(struct pg_import *imp)
{
    struct pg_db *p = pg(imp->db);
    enum db_status st = DB_OK;

    p->pending = NULL;
    for (;;) {
        PGresult *failed;
        int bad = batch_read(imp, p->conn, &failed);
        const char *table;
        PGresult *r;

        if (bad == -1)
            break;
        st = pg_failure(p, failed);
        table = PQresultErrorField(failed, PG_DIAG_TABLE_NAME);
        if (bad < 0 || st != DB_CONFLICT) {
            PQclear(failed);
            if (bad >= 0 && imp->base.done)
                imp->base.done(imp->batch[bad].tag, IMPORT_FAILED, 0,
                               imp->base.done_arg);
            batch_clear(imp);
            return st == DB_OK || st == DB_CONFLICT ? DB_ERROR : st;
        }
        imp->batch[bad].refused = true;
        imp->batch[bad].outcome = table && strcmp(table, "history") == 0
                                      ? IMPORT_REFUSED_HISTORY
                                      : IMPORT_REFUSED;
        PQclear(failed);
        r = PQexec(p->conn, "ROLLBACK TO SAVEPOINT import_batch");
        st = PQresultStatus(r) == PGRES_COMMAND_OK ? DB_OK : pg_failure(p, r);
        PQclear(r);
        if (st != DB_OK || !batch_open(p->conn)) {
            batch_clear(imp);
            return st == DB_OK ? DB_ERROR : st;
        }
        for (int i = 0; i < imp->n; i++) {
            if (!imp->batch[i].refused && !send_entry(p->conn, &imp->batch[i]))
                break; /* the sync fails too: batch_read says so */
        }
    }
    for (int i = 0; i < imp->n && imp->base.done; i++)
        imp->base.done(imp->batch[i].tag, imp->batch[i].outcome,
                       imp->batch[i].id, imp->base.done_arg);
    batch_clear(imp);
    return DB_OK;
}

enum db_status
pg_import_drain(struct pg_db *p)
{
    return p->pending ? batch_drain(p->pending) : DB_OK;
}

/* A batch whose outcomes nobody will read: the import failed. */
static void
batch_discard(struct pg_import *imp)
{
    struct pg_db *p = pg(imp->db);
    PGresult *failed;

    if (p->pending != imp)
        return;
    p->pending = NULL;
    batch_read(imp, p->conn, &failed);
    PQclear(failed);
    batch_clear(imp);
}

void
pg_import_discard(struct pg_db *p)
{
    if (p->pending)
        batch_discard(p->pending);
}

static enum db_status
import_entry(struct db_import *base, const struct import_entry *in)
{
    struct pg_import *imp = (struct pg_import *)base;
    struct pg_db *p = pg(imp->db);
    struct sent *e = &imp->batch[imp->n];

    if (!p->pending) {
        DB_ASSERT_IN_TRANSACTION(imp->db);
        if (!pg_ready(p))
            return DB_BUSY;
        if (!batch_open(p->conn)) {
            PQexitPipelineMode(p->conn);
            return pg_failure(p, NULL);
        }
        p->pending = imp;
    }
    if (sent_make(e, in) != 0) {
        snprintf(p->errmsg, sizeof p->errmsg, "out of memory");
        return DB_ERROR;
    }
    imp->n++;
    imp->bytes += e->len;
    if (!send_entry(p->conn, e) || imp->n == BATCH_ENTRIES ||
        imp->bytes >= BATCH_BYTES)
        return batch_drain(imp);
    return DB_OK;
}

static enum db_status
import_flush(struct db_import *imp)
{
    return pg_import_drain(pg(((struct pg_import *)imp)->db));
}

/* The tables go with the transaction, committed or not. */
static void
import_close(struct db_import *imp)
{
    batch_discard((struct pg_import *)imp);
    free(imp);
}

static enum db_status
import_finish(struct db_import *imp)
{
    struct pg_db *p = conn_of(imp);
    enum db_status st;

    st = pg_exec(p, "SET LOCAL ykien.import = 'off';"
                    " SELECT comment_count_add_import()");
    if (st == DB_OK)
        st = db_changed(&p->base, NULL);
    return st;
}

static enum db_status
import_key_set(struct db_import *imp, const char *key, int64_t comment_id)
{
    struct pg_params p = {0};

    pg_text(&p, key);
    pg_int(&p, comment_id);
    return pg_run_sql(conn_of(imp), sql_key_set, &p, NULL);
}

static enum db_status
import_parent_note(struct db_import *imp, int64_t comment_id,
                   const char *parent_key)
{
    struct pg_params p = {0};

    pg_int(&p, comment_id);
    pg_text(&p, parent_key);
    return pg_run_sql(conn_of(imp), sql_parent_note, &p, NULL);
}

static enum db_status
import_resolve_parents(struct db_import *imp, const char *source,
                       int64_t *linked, int64_t *missing)
{
    struct pg_params p = {0};
    enum db_status st;
    PGresult *r;

    pg_text(&p, source);
    if ((st = pg_run_sql(conn_of(imp), sql_link, &p, &r)) != DB_OK)
        return st;
    *linked = strtoll(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    if ((st = pg_run_sql(conn_of(imp), sql_missing, NULL, &r)) != DB_OK)
        return st;
    *missing = pg_i64(r, 0, 0);
    PQclear(r);
    return DB_OK;
}

static enum db_status
import_thread_set(struct db_import *imp, const char *key, const char *article)
{
    struct pg_params p = {0};

    pg_text(&p, key);
    pg_text(&p, article);
    return pg_run_sql(conn_of(imp), sql_thread_set, &p, NULL);
}

static enum db_status
import_thread_get(struct db_import *imp, const char *key, char *buf, size_t len)
{
    struct pg_params p = {0};
    enum db_status st;
    PGresult *r;

    pg_text(&p, key);
    if ((st = pg_run_sql(conn_of(imp), sql_thread_get, &p, &r)) != DB_OK)
        return st;
    st = PQntuples(r) > 0 ? DB_OK : DB_NOT_FOUND;
    if (st == DB_OK)
        snprintf(buf, len, "%s", pg_str(r, 0, 0));
    PQclear(r);
    return st;
}

static enum db_status
import_orphan_add(struct db_import *imp, const struct import_orphan *o)
{
    struct pg_params p = {0};

    pg_text(&p, o->thread_key);
    pg_text(&p, o->source_id);
    pg_text(&p, o->parent_key);
    pg_text(&p, o->author);
    pg_text(&p, o->email);
    pg_text(&p, o->body);
    pg_text(&p, comment_status_name(o->status));
    pg_int(&p, o->created_at);
    pg_text(&p, o->reason);
    return pg_run_sql(conn_of(imp), sql_orphan_add, &p, NULL);
}

/* A page at a time: fn writes comments on the same connection meanwhile. */
static enum db_status
import_orphan_walk(struct db_import *imp, orphan_fn fn, void *arg)
{
    enum db_status st = DB_OK;
    int64_t after = 0;
    int rows;

    do {
        struct pg_params p = {0};
        PGresult *r;

        pg_int(&p, after);
        pg_int(&p, WALK_PAGE);
        if ((st = pg_run_sql(conn_of(imp), sql_orphan_page, &p, &r)) != DB_OK)
            return st;
        rows = PQntuples(r);
        for (int i = 0; st == DB_OK && i < rows; i++) {
            struct import_orphan o = {
                .thread_key = pg_str(r, i, 0),
                .source_id = pg_str(r, i, 1),
                .parent_key = pg_str(r, i, 2),
                .author = pg_str(r, i, 3),
                .email = pg_str(r, i, 4),
                .body = pg_str(r, i, 5),
                .created_at = pg_i64(r, i, 7),
                .reason = pg_str(r, i, 8),
                .article = pg_str(r, i, 9),
            };

            after = pg_i64(r, i, 10);
            comment_status_parse(pg_str(r, i, 6), &o.status);
            if (fn(&o, arg) != 0)
                st = DB_ERROR;
        }
        PQclear(r);
    } while (st == DB_OK && rows == WALK_PAGE);
    return st;
}

static const struct db_import_ops pg_import_ops = {
    .close = import_close,
    .finish = import_finish,
    .key_set = import_key_set,
    .parent_note = import_parent_note,
    .resolve_parents = import_resolve_parents,
    .thread_set = import_thread_set,
    .thread_get = import_thread_get,
    .orphan_add = import_orphan_add,
    .orphan_walk = import_orphan_walk,
    .entry = import_entry,
    .flush = import_flush,
};

enum db_status
pg_import_open(struct db *db, struct db_import **out)
{
    struct pg_import *imp;
    enum db_status st;

    DB_ASSERT_IN_TRANSACTION(db);
    if ((st = pg_exec(pg(db), staging_tables)) != DB_OK)
        return st;
    if (!pg(db)->entry_prepared) {
        PGresult *r = PQprepare(pg(db)->conn, ENTRY_STMT, sql_entry, 0, NULL);

        st = PQresultStatus(r) == PGRES_COMMAND_OK ? DB_OK
                                                   : pg_failure(pg(db), r);
        PQclear(r);
        if (st != DB_OK)
            return st;
        pg(db)->entry_prepared = true;
    }
    imp = calloc(1, sizeof *imp);
    if (!imp)
        return DB_ERROR;
    imp->base.ops = &pg_import_ops;
    imp->db = db;
    /* An import reads its file once and cannot run again: a comment it
     * refuses (db_savepoint) must roll back alone, from the first run on,
     * instead of failing the transaction for a run with savepoints. */
    pg(db)->savepoints = true;
    *out = &imp->base;
    return DB_OK;
}
