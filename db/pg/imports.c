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
    /* The comments written, counted by comment_count_trigger() (0004)
     * while ykien.import is on. */
    "CREATE TEMP TABLE import_count ("
    "  article text, status text, n bigint NOT NULL,"
    "  PRIMARY KEY (article, status)) ON COMMIT DROP;"
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

struct pg_import {
    struct db_import base; /* first: a struct db_import * is one of these */
    struct db *db;
};

static struct pg_db *
conn_of(struct db_import *imp)
{
    return pg(((struct pg_import *)imp)->db);
}

/* The tables go with the transaction, committed or not. */
static void
import_close(struct db_import *imp)
{
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
};

enum db_status
pg_import_open(struct db *db, struct db_import **out)
{
    struct pg_import *imp;
    enum db_status st;

    DB_ASSERT_IN_TRANSACTION(db);
    if ((st = pg_exec(pg(db), staging_tables)) != DB_OK)
        return st;
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
