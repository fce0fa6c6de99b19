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
    pg_int_or_null(&p, c->published_at);
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
    pg_int_or_null(&p, sized ? a->width : 0);
    pg_int_or_null(&p, sized ? a->height : 0);
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

/* Entries in one statement (db_import_entry): a group of up to GROUP_MAX,
 * each looked up and, when not there, written as a comment under its id
 * when free (else the next free id, and the sequence moved past the ids
 * kept), with its history in order, its sources, its key and its parent
 * note.  The statements of one group cannot see each other's rows: no two
 * entries of a group share an id, a key or a source (see conflicts()).
 * Prepared when the first import of a connection has made the temporary
 * tables (a later import's tables are new ones of the same names: the
 * plan is made again). */
static const char *const sql_entries =
    "WITH e AS MATERIALIZED (SELECT * FROM unnest($1::int[], $2::bigint[],"
    "  $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],"
    "  $9::bigint[], $10::bigint[], $11::boolean[], $12::bigint[],"
    "  $13::boolean[], $14::text[], $15::text[]) AS e(n, id, article, author,"
    "  email, body, original_body, status, created_at, published_at, edited,"
    "  version, same_id, key, parent_key)),"
    " src AS MATERIALIZED (SELECT * FROM unnest($16::int[], $17::text[],"
    "  $18::text[]) WITH ORDINALITY AS s(n, s, i, o)),"
    " rank AS MATERIALIZED (SELECT n, s, i, o, o - min(o) OVER (PARTITION BY n)"
    "  AS r FROM src),"
    " there AS MATERIALIZED (SELECT e.n, coalesce("
    "  (SELECT cs.comment_id FROM rank JOIN comment_source cs"
    "   ON cs.source = rank.s AND cs.source_id = rank.i"
    "   WHERE rank.n = e.n AND rank.r = 0),"
    "  (SELECT c.id FROM comment c WHERE e.same_id AND c.id = e.id"
    "   AND c.article = e.article AND c.created_at = e.created_at"
    "   AND c.original_body = e.original_body),"
    "  (SELECT cs.comment_id FROM rank JOIN comment_source cs"
    "   ON cs.source = rank.s AND cs.source_id = rank.i"
    "   WHERE rank.n = e.n AND rank.r > 0 ORDER BY rank.r LIMIT 1)) AS id"
    "  FROM e),"
    " todo AS MATERIALIZED (SELECT e.* FROM e JOIN there t ON t.n = e.n"
    "  WHERE t.id IS NULL),"
    " kept AS (INSERT INTO comment (id, article, author, email, body,"
    "  original_body, status, created_at, published_at, edited, version)"
    "  SELECT id, article, author, email, body, original_body, status,"
    "  created_at, published_at, edited, version FROM todo WHERE id > 0"
    "  ORDER BY n ON CONFLICT (id) DO NOTHING RETURNING id),"
    " fresh_id AS MATERIALIZED (SELECT n, nextval(pg_get_serial_sequence("
    "  'comment', 'id')) AS id FROM todo"
    "  WHERE NOT EXISTS (SELECT 1 FROM kept WHERE kept.id = todo.id)),"
    " fresh AS (INSERT INTO comment (id, article, author, email, body,"
    "  original_body, status, created_at, published_at, edited, version)"
    "  SELECT f.id, article, author, email, body, original_body, status,"
    "  created_at, published_at, edited, version FROM fresh_id f"
    "  JOIN todo USING (n) ORDER BY n RETURNING id),"
    " new AS MATERIALIZED (SELECT todo.n, todo.id FROM todo"
    "  JOIN kept USING (id) UNION ALL SELECT n, id FROM fresh_id"
    "  WHERE EXISTS (SELECT 1 FROM fresh)),"
    " h AS (INSERT INTO history (comment_id, action, moderator, at, reason)"
    "  SELECT new.id, h.a, h.m, h.t, h.r FROM unnest($19::int[], $20::text[],"
    "  $21::text[], $22::bigint[], $23::text[]) WITH ORDINALITY"
    "  AS h(n, a, m, t, r, o) JOIN new ON new.n = h.n ORDER BY h.o),"
    " s AS (INSERT INTO comment_source (source, source_id, comment_id)"
    "  SELECT src.s, src.i, new.id FROM src JOIN new ON new.n = src.n"
    "  WHERE src.s <> '' AND src.i <> '' ORDER BY src.o"
    "  ON CONFLICT (source, source_id) DO NOTHING),"
    " k AS (INSERT INTO import_key (key, comment_id)"
    "  SELECT e.key, coalesce(t.id, new.id) FROM e JOIN there t USING (n)"
    "  LEFT JOIN new USING (n) WHERE e.key IS NOT NULL"
    "  ON CONFLICT (key) DO UPDATE SET comment_id = excluded.comment_id),"
    " p AS (INSERT INTO import_parent (comment_id, parent_key)"
    "  SELECT new.id, e.parent_key FROM e JOIN new USING (n)"
    "  WHERE e.parent_key IS NOT NULL"
    "  ON CONFLICT (comment_id) DO UPDATE SET parent_key = excluded.parent_key)"
    " SELECT e.n, t.id, new.id, (SELECT setval(pg_get_serial_sequence("
    "  'comment', 'id'), m) FROM (SELECT max(id) AS m FROM kept) k"
    "  WHERE m > coalesce(pg_sequence_last_value(pg_get_serial_sequence("
    "  'comment', 'id')::regclass), 0))"
    " FROM e JOIN there t USING (n) LEFT JOIN new USING (n) ORDER BY e.n";
#define ENTRY_STMT "ykien_import_entries"

/* The parameters of sql_entries, a group's entries' values in arrays:
 * those of each entry (P_ID to P_PARENT_KEY, one element each; P_SOURCE
 * to P_REASON, one per source or history entry), and the entry numbers
 * ($1, $16, $19) the statement joins them on. */
enum entry_param {
    P_ID,
    P_ARTICLE,
    P_AUTHOR,
    P_EMAIL,
    P_BODY,
    P_ORIGINAL,
    P_STATUS,
    P_CREATED,
    P_PUBLISHED,
    P_EDITED,
    P_VERSION,
    P_SAME_ID,
    P_KEY,
    P_PARENT_KEY,
    P_SOURCE,
    P_SOURCE_ID,
    P_ACTION,
    P_MODERATOR,
    P_AT,
    P_REASON,
    P_COUNT
};
enum { STMT_PARAMS = P_COUNT + 3 };

/* Entries go out in batches without waiting for answers (libpq's
 * pipeline mode), a group to a statement: a batch is at most this many
 * entries or bytes of parameters, kept until its answers are read so that
 * it can be sent again without an entry the database refused. */
enum { BATCH_ENTRIES = 2048, BATCH_BYTES = 4 << 20, GROUP_MAX = 32 };

struct sent {
    int64_t tag;
    int64_t id; /* the id wanted */
    char *buf;  /* the array elements of each parameter, then the raw key
                 * and source pairs */
    size_t len;
    int param[P_COUNT]; /* in buf: "" when no element */
    int key;            /* in buf, -1: none */
    int pairs;          /* in buf: source\0id\0 each */
    size_t n_sources, n_history;
    enum import_outcome outcome;
    int64_t comment_id;
    bool refused; /* taken out of the batch */
    bool alone;   /* in a group of its own: its group was refused */
};

struct pg_import {
    struct db_import base; /* first: a struct db_import * is one of these */
    struct db *db;
    struct sent batch[BATCH_ENTRIES];
    int n;
    size_t bytes;
    int open; /* the first entry not sent yet */
    /* The groups sent since the batch's savepoint, in order: entries
     * [first, end) but the refused. */
    int group_first[BATCH_ENTRIES], group_end[BATCH_ENTRIES];
    int groups;
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

static void
buf_str(struct text_buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

/* An array literal element: quoted, with " and \ escaped; NULL bare. */
static void
array_item(struct text_buf *b, bool first, const char *s)
{
    if (!first)
        buf_add(b, ",", 1);
    if (!s) {
        buf_add(b, "NULL", 4);
        return;
    }
    buf_add(b, "\"", 1);
    for (;;) {
        size_t run = strcspn(s, "\"\\");

        buf_add(b, s, run);
        if (!s[run])
            break;
        buf_add(b, "\\", 1);
        buf_add(b, s + run, 1);
        s += run + 1;
    }
    buf_add(b, "\"", 1);
}

/* Parameter i of e: the elements that follow, ended by param_end(). */
static void
param_start(struct sent *e, struct text_buf *b, int i)
{
    e->param[i] = (int)b->len;
}

static void
param_end(struct text_buf *b)
{
    buf_add(b, "", 1);
}

static void
param_one(struct sent *e, struct text_buf *b, int i, const char *s)
{
    param_start(e, b, i);
    array_item(b, true, s);
    param_end(b);
}

static void
param_int(struct sent *e, struct text_buf *b, int i, int64_t v)
{
    char num[24];

    snprintf(num, sizeof num, "%lld", (long long)v);
    param_one(e, b, i, num);
}

/* The elements of in, kept as e. */
static int
sent_make(struct sent *e, const struct import_entry *in)
{
    const struct import_comment *c = &in->c;
    struct text_buf b = {0};
    char num[24];

    memset(e, 0, sizeof *e);
    e->tag = in->tag;
    e->outcome = IMPORT_FAILED; /* until its answer comes */
    e->id = c->id;
    e->n_sources = in->n_sources;
    e->n_history = in->n_history;
    param_int(e, &b, P_ID, c->id);
    param_one(e, &b, P_ARTICLE, c->article);
    param_one(e, &b, P_AUTHOR, c->author);
    param_one(e, &b, P_EMAIL, c->email);
    param_one(e, &b, P_BODY, c->body);
    param_one(e, &b, P_ORIGINAL, c->original_body);
    param_one(e, &b, P_STATUS, comment_status_name(c->status));
    param_int(e, &b, P_CREATED, c->created_at);
    if (c->published_at > 0)
        param_int(e, &b, P_PUBLISHED, c->published_at);
    else
        param_one(e, &b, P_PUBLISHED, NULL);
    param_one(e, &b, P_EDITED, c->edited ? "t" : "f");
    param_int(e, &b, P_VERSION, c->version);
    param_one(e, &b, P_SAME_ID, in->same_id ? "t" : "f");
    param_one(e, &b, P_KEY, in->key);
    param_one(e, &b, P_PARENT_KEY,
              in->parent_key && *in->parent_key ? in->parent_key : NULL);
    param_start(e, &b, P_SOURCE);
    for (size_t k = 0; k < in->n_sources; k++)
        array_item(&b, k == 0, in->source[k]);
    param_end(&b);
    param_start(e, &b, P_SOURCE_ID);
    for (size_t k = 0; k < in->n_sources; k++)
        array_item(&b, k == 0, in->source_id[k]);
    param_end(&b);
    param_start(e, &b, P_ACTION);
    for (size_t k = 0; k < in->n_history; k++)
        array_item(&b, k == 0, in->history[k].action);
    param_end(&b);
    param_start(e, &b, P_MODERATOR);
    for (size_t k = 0; k < in->n_history; k++)
        array_item(&b, k == 0, in->history[k].moderator);
    param_end(&b);
    param_start(e, &b, P_AT);
    for (size_t k = 0; k < in->n_history; k++) {
        snprintf(num, sizeof num, "%lld", (long long)in->history[k].at);
        array_item(&b, k == 0, num);
    }
    param_end(&b);
    param_start(e, &b, P_REASON);
    for (size_t k = 0; k < in->n_history; k++)
        array_item(&b, k == 0, in->history[k].reason);
    param_end(&b);
    e->key = -1;
    if (in->key) {
        e->key = (int)b.len;
        buf_str(&b, in->key);
        buf_add(&b, "", 1);
    }
    e->pairs = (int)b.len;
    for (size_t k = 0; k < in->n_sources; k++) {
        buf_str(&b, in->source[k]);
        buf_add(&b, "", 1);
        buf_str(&b, in->source_id[k]);
        buf_add(&b, "", 1);
    }
    if (b.failed) {
        free(b.p);
        return -1;
    }
    e->buf = b.p;
    e->len = b.len;
    return 0;
}

/* Whether a and b share a source pair. */
static bool
same_source(const struct sent *a, const struct sent *b)
{
    const char *p = a->buf + a->pairs;

    for (size_t i = 0; i < a->n_sources; i++) {
        const char *pid = p + strlen(p) + 1;
        const char *q = b->buf + b->pairs;

        for (size_t j = 0; j < b->n_sources; j++) {
            const char *qid = q + strlen(q) + 1;

            if (strcmp(p, q) == 0 && strcmp(pid, qid) == 0)
                return true;
            q = qid + strlen(qid) + 1;
        }
        p = pid + strlen(pid) + 1;
    }
    return false;
}

/* Whether e must not share a statement with the entries [first, end): the
 * look-up of one would not see what another wrote. */
static bool
conflicts(const struct pg_import *imp, int first, int end, const struct sent *e)
{
    for (int j = first; j < end; j++) {
        const struct sent *o = &imp->batch[j];

        if (o->refused)
            continue;
        if ((e->id > 0 && o->id == e->id) ||
            (e->key >= 0 && o->key >= 0 &&
             strcmp(e->buf + e->key, o->buf + o->key) == 0) ||
            same_source(e, o))
            return true;
    }
    return false;
}

/* Sends the entries [first, end) but the refused as one statement. */
static bool
send_group(struct pg_import *imp, int first, int end)
{
    PGconn *conn = pg(imp->db)->conn;
    struct text_buf b = {0};
    int at[STMT_PARAMS];
    const char *values[STMT_PARAMS];
    bool ok;

    for (int i = 0; i < STMT_PARAMS; i++) {
        /* $1, $16, $19: the entry numbers; then the entries' elements */
        int param = i == 0    ? -1
                    : i <= 14 ? i - 1
                    : i == 15 ? -2
                    : i <= 17 ? i - 2
                    : i == 18 ? -3
                              : i - 3;
        bool first_item = true;

        at[i] = (int)b.len;
        buf_add(&b, "{", 1);
        for (int j = first; j < end; j++) {
            const struct sent *e = &imp->batch[j];
            size_t times = param == -1   ? 1
                           : param == -2 ? e->n_sources
                           : param == -3 ? e->n_history
                                         : 0;
            char num[16];

            if (e->refused)
                continue;
            snprintf(num, sizeof num, "%d", j);
            for (size_t k = 0; k < times; k++) {
                array_item(&b, first_item, num);
                first_item = false;
            }
            if (param >= 0 && e->buf[e->param[param]]) {
                if (!first_item)
                    buf_add(&b, ",", 1);
                buf_str(&b, e->buf + e->param[param]);
                first_item = false;
            }
        }
        buf_add(&b, "}", 1);
        buf_add(&b, "", 1);
    }
    if (b.failed) {
        free(b.p);
        return false;
    }
    for (int i = 0; i < STMT_PARAMS; i++)
        values[i] = b.p + at[i];
    /* Out at once (libpq keeps a pipeline's queries until 64 kB), so
     * that the server works while the next group is read. */
    ok = PQsendQueryPrepared(conn, ENTRY_STMT, STMT_PARAMS, values, NULL, NULL,
                             0) == 1 &&
         PQflush(conn) == 0;
    free(b.p);
    if (ok) {
        imp->group_first[imp->groups] = first;
        imp->group_end[imp->groups++] = end;
    }
    return ok;
}

/* Sends the open entries, [imp->open, imp->n), in groups. */
static bool
send_open(struct pg_import *imp)
{
    int first = imp->open, live = 0;

    for (int i = imp->open; i <= imp->n; i++) {
        const struct sent *e = i < imp->n ? &imp->batch[i] : NULL;
        bool cut = !e || (live > 0 &&
                          (e->alone || imp->batch[i - 1].alone ||
                           live == GROUP_MAX || conflicts(imp, first, i, e)));

        if (cut && live > 0) {
            if (!send_group(imp, first, i))
                return false;
            first = i;
            live = 0;
        }
        if (e && !e->refused)
            live++;
        else if (e && live == 0)
            first = i + 1;
    }
    imp->open = imp->n;
    return true;
}

static bool
send_plain(PGconn *conn, const char *sql)
{
    return PQsendQueryParams(conn, sql, 0, NULL, NULL, NULL, NULL, 0) == 1;
}

/* Opens a batch: the pipeline, and the savepoint a refusal goes back to. */
static bool
batch_open(struct pg_import *imp)
{
    PGconn *conn = pg(imp->db)->conn;

    imp->groups = 0;
    imp->open = 0;
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
    imp->open = 0;
    imp->groups = 0;
}

/* Ends the batch sent (release and sync) and reads every answer up to
 * the sync.  Returns the group that failed, -1 when none did, -2 when the
 * savepoint, its release or the connection did; *failed is the failed
 * result (to PQclear), if any. */
static int
batch_read(struct pg_import *imp, PGconn *conn, PGresult **failed)
{
    int query = 0, bad = -1, queries = imp->groups + 2;

    *failed = NULL;
    if (!send_plain(conn, "RELEASE SAVEPOINT import_batch") ||
        PQpipelineSync(conn) != 1)
        bad = -2;
    while (bad != -2 || PQstatus(conn) == CONNECTION_OK) {
        PGresult *r = PQgetResult(conn);
        ExecStatusType s;
        int group = query - 1;

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
        if (s == PGRES_TUPLES_OK && group >= 0 && group < imp->groups) {
            for (int row = 0; row < PQntuples(r); row++) {
                int64_t n = pg_i64(r, row, 0);
                struct sent *e;

                if (n < 0 || n >= imp->n)
                    continue;
                e = &imp->batch[n];
                e->outcome =
                    PQgetisnull(r, row, 1) ? IMPORT_WRITTEN : IMPORT_THERE;
                e->comment_id =
                    pg_i64(r, row, e->outcome == IMPORT_THERE ? 1 : 2);
            }
        } else if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK &&
                   s != PGRES_PIPELINE_ABORTED && !*failed) {
            bad = group >= 0 && group < imp->groups ? group : -2;
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

/* Reads the answers of the batch sent.  A group the database refused is
 * sent again an entry at a time, and an entry refused alone is taken
 * out, until the others all went in; their outcomes are then told in
 * order. */
static enum db_status
batch_drain(struct pg_import *imp)
{
    struct pg_db *p = pg(imp->db);
    enum db_status st = DB_OK;

    p->pending = NULL;
    if (!send_open(imp))
        st = pg_failure(p, NULL);
    for (; st == DB_OK;) {
        PGresult *failed;
        int bad = batch_read(imp, p->conn, &failed);
        int live = 0, last = -1;
        const char *table;
        PGresult *r;

        if (bad == -1)
            break;
        st = pg_failure(p, failed);
        table = PQresultErrorField(failed, PG_DIAG_TABLE_NAME);
        if (bad >= 0) {
            for (int i = imp->group_first[bad]; i < imp->group_end[bad]; i++) {
                if (!imp->batch[i].refused) {
                    live++;
                    last = i;
                }
            }
        }
        if (bad < 0 || st != DB_CONFLICT) {
            PQclear(failed);
            if (last >= 0 && live == 1 && imp->base.done)
                imp->base.done(imp->batch[last].tag, IMPORT_FAILED, 0,
                               imp->base.done_arg);
            batch_clear(imp);
            return st == DB_OK || st == DB_CONFLICT ? DB_ERROR : st;
        }
        if (live == 1) {
            imp->batch[last].refused = true;
            imp->batch[last].outcome = table && strcmp(table, "history") == 0
                                           ? IMPORT_REFUSED_HISTORY
                                           : IMPORT_REFUSED;
        } else {
            for (int i = imp->group_first[bad]; i < imp->group_end[bad]; i++)
                imp->batch[i].alone = true;
        }
        PQclear(failed);
        r = PQexec(p->conn, "ROLLBACK TO SAVEPOINT import_batch");
        st = PQresultStatus(r) == PGRES_COMMAND_OK ? DB_OK : pg_failure(p, r);
        PQclear(r);
        if (st == DB_OK && (!batch_open(imp) || !send_open(imp)))
            st = pg_failure(p, NULL);
    }
    if (st != DB_OK) {
        /* A query not sent: the pipeline ends unread. */
        PGresult *failed;

        if (PQpipelineStatus(p->conn) != PQ_PIPELINE_OFF) {
            batch_read(imp, p->conn, &failed);
            PQclear(failed);
        }
        batch_clear(imp);
        return st == DB_CONFLICT || st == DB_OK ? DB_ERROR : st;
    }
    for (int i = 0; i < imp->n; i++) {
        /* Every entry answered, or the batch is not what was sent. */
        if (imp->batch[i].outcome == IMPORT_FAILED) {
            snprintf(p->errmsg, sizeof p->errmsg,
                     "an entry of the import had no answer");
            batch_clear(imp);
            return DB_ERROR;
        }
    }
    for (int i = 0; i < imp->n && imp->base.done; i++)
        imp->base.done(imp->batch[i].tag, imp->batch[i].outcome,
                       imp->batch[i].comment_id, imp->base.done_arg);
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
        if (!batch_open(imp)) {
            PQexitPipelineMode(p->conn);
            return pg_failure(p, NULL);
        }
        p->pending = imp;
    }
    if (sent_make(e, in) != 0) {
        snprintf(p->errmsg, sizeof p->errmsg, "out of memory");
        return DB_ERROR;
    }
    /* The group so far goes out when full, or when e must not join it. */
    if ((imp->n - imp->open == GROUP_MAX ||
         conflicts(imp, imp->open, imp->n, e)) &&
        !send_open(imp)) {
        free(e->buf);
        return batch_drain(imp);
    }
    imp->n++;
    imp->bytes += e->len;
    if (imp->n == BATCH_ENTRIES || imp->bytes >= BATCH_BYTES)
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
        PGresult *r = PQprepare(pg(db)->conn, ENTRY_STMT, sql_entries, 0, NULL);

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
