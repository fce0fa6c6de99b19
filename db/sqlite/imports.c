/* Imports and exports on SQLite: comments written with all their state,
 * their sources, whole-database walks, and an import's temporary tables.
 * The statements on the temporary tables are prepared when an import
 * opens, since the tables do not exist before. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/sqlite/sqlite.h"

/* Steps a statement that returns one integer, or none. */
static enum db_status
step_int(sqlite3_stmt *st, int64_t *out)
{
    int rc = sqlite3_step(st);
    enum db_status s = DB_ERROR;

    if (rc == SQLITE_ROW) {
        if (out)
            *out = sqlite3_column_int64(st, 0);
        s = DB_OK;
    } else if (rc == SQLITE_DONE) {
        s = DB_NOT_FOUND;
    } else if ((rc & 0xff) == SQLITE_BUSY) {
        s = DB_BUSY;
    }
    db_stmt_done(st);
    return s;
}

static void
bind_id(sqlite3_stmt *st, int idx, int64_t id)
{
    if (id > 0)
        sqlite3_bind_int64(st, idx, id);
    else
        sqlite3_bind_null(st, idx);
}

/* Runs an insert that names its id and does nothing on a taken one; then
 * again with the next free id. */
static enum db_status
insert_with_id(struct db *db, sqlite3_stmt *st, int64_t id, int64_t *out)
{
    enum db_status rc;

    bind_id(st, 1, id);
    rc = db_step_done(st);
    if (rc == DB_OK && sqlite3_changes(sq(db)->conn) == 0) {
        sqlite3_reset(st);
        sqlite3_bind_null(st, 1);
        rc = db_step_done(st);
    }
    if (rc == DB_OK)
        *out = sqlite3_last_insert_rowid(sq(db)->conn);
    db_stmt_done(st);
    return rc;
}

enum db_status
sq_import_comment(struct db *db, const struct import_comment *c, int64_t *id)
{
    sqlite3_stmt *st = sq(db)->stmt[STMT_COMMENT_IMPORT];

    DB_ASSERT_IN_TRANSACTION(db);
    db_bind_text(st, 2, c->article);
    db_bind_text(st, 3, c->author);
    db_bind_text(st, 4, c->email);
    db_bind_text(st, 5, c->body);
    db_bind_text(st, 6, c->original_body);
    db_bind_text(st, 7, comment_status_name(c->status));
    sqlite3_bind_int64(st, 8, c->created_at);
    bind_id(st, 9, c->published_at);
    sqlite3_bind_int(st, 10, c->edited);
    sqlite3_bind_int64(st, 11, c->version);
    return insert_with_id(db, st, c->id, id);
}

enum db_status
sq_import_attachment(struct db *db, const struct attachment_record *a,
                     int64_t *id)
{
    sqlite3_stmt *st = sq(db)->stmt[STMT_ATTACHMENT_IMPORT];

    DB_ASSERT_IN_TRANSACTION(db);
    sqlite3_bind_int64(st, 2, a->comment_id);
    db_bind_text(st, 3, a->filename);
    db_bind_text(st, 4, a->content_type);
    sqlite3_bind_int64(st, 5, a->size);
    db_bind_text(st, 6, a->sha256);
    /* An image's size, where its header states one; NULL otherwise. */
    if (a->width > 0 && a->height > 0) {
        sqlite3_bind_int64(st, 7, a->width);
        sqlite3_bind_int64(st, 8, a->height);
    }
    return insert_with_id(db, st, a->id, id);
}

enum db_status
sq_import_same_comment(struct db *db, int64_t id, const char *article,
                       int64_t created_at, const char *original_body)
{
    sqlite3_stmt *st = sq(db)->stmt[STMT_COMMENT_SAME];

    sqlite3_bind_int64(st, 1, id);
    db_bind_text(st, 2, article);
    sqlite3_bind_int64(st, 3, created_at);
    db_bind_text(st, 4, original_body);
    return step_int(st, NULL);
}

enum db_status
sq_source_find(struct db *db, const char *source, const char *source_id,
               int64_t *comment_id)
{
    sqlite3_stmt *st = sq(db)->stmt[STMT_SOURCE_FIND];

    db_bind_text(st, 1, source);
    db_bind_text(st, 2, source_id);
    return step_int(st, comment_id);
}

enum db_status
sq_source_add(struct db *db, const char *source, const char *source_id,
              int64_t comment_id)
{
    sqlite3_stmt *st = sq(db)->stmt[STMT_SOURCE_ADD];
    enum db_status rc;

    DB_ASSERT_IN_TRANSACTION(db);
    db_bind_text(st, 1, source);
    db_bind_text(st, 2, source_id);
    sqlite3_bind_int64(st, 3, comment_id);
    rc = db_step_done(st);
    db_stmt_done(st);
    return rc;
}

/* A row walk's callback and its argument, for sq_each_row(). */
struct walk {
    union {
        source_fn source;
        comment_fn comment;
        sha_fn sha;
        orphan_fn orphan;
    } fn;
    void *arg;
};

static int
source_row(sqlite3_stmt *st, void *arg)
{
    struct walk *w = arg;
    source_fn fn = w->fn.source;

    return fn(db_col_text(st, 0), db_col_text(st, 1), w->arg);
}

enum db_status
sq_source_list(struct db *db, int64_t comment_id, source_fn fn, void *arg)
{
    sqlite3_stmt *st = sq(db)->stmt[STMT_SOURCE_LIST];
    struct walk w = {.fn.source = fn, .arg = arg};

    sqlite3_bind_int64(st, 1, comment_id);
    return sq_each_row(st, source_row, &w);
}

static int
comment_row(sqlite3_stmt *st, void *arg)
{
    struct walk *w = arg;
    comment_fn fn = w->fn.comment;
    struct comment_record c;

    db_read_comment(st, &c);
    return fn(&c, w->arg);
}

enum db_status
sq_comment_walk(struct db *db, int64_t after_id, comment_fn fn, void *arg)
{
    sqlite3_stmt *st = sq(db)->stmt[STMT_COMMENT_LIST_ALL];
    struct walk w = {.fn.comment = fn, .arg = arg};

    sqlite3_bind_int64(st, 1, after_id);
    return sq_each_row(st, comment_row, &w);
}

static int
sha_row(sqlite3_stmt *st, void *arg)
{
    struct walk *w = arg;
    sha_fn fn = w->fn.sha;

    return fn(db_col_text(st, 0), w->arg);
}

enum db_status
sq_attachment_shas(struct db *db, sha_fn fn, void *arg)
{
    struct walk w = {.fn.sha = fn, .arg = arg};

    return sq_each_row(sq(db)->stmt[STMT_ATTACHMENT_SHAS], sha_row, &w);
}

enum db_status
sq_snapshot(struct db *db, db_work_fn work, void *arg)
{
    enum db_status rc;

    if (sqlite3_exec(sq(db)->conn, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return DB_ERROR;
    rc = work(db, arg);
    /* Only reads happened: ending them cannot fail in a way that matters. */
    sqlite3_exec(sq(db)->conn, "COMMIT", NULL, NULL, NULL);
    return rc;
}

/* ---- an import's staging area ------------------------------------------ */

/* clang-format off */
static const char *const staging_tables =
    /* Every key of the file and the comment it stands for. */
    "CREATE TEMP TABLE import_key ("
    "  key TEXT PRIMARY KEY, comment_id INTEGER NOT NULL) WITHOUT ROWID;"
    /* Replies waiting for their parent. */
    "CREATE TEMP TABLE import_parent ("
    "  comment_id INTEGER PRIMARY KEY, parent_key TEXT NOT NULL);"
    "CREATE TEMP TABLE import_thread ("
    "  key TEXT PRIMARY KEY, article TEXT NOT NULL) WITHOUT ROWID;"
    /* Comments read before their thread, in file order. */
    "CREATE TEMP TABLE import_orphan ("
    "  seq INTEGER PRIMARY KEY, thread_key TEXT NOT NULL,"
    "  source_id TEXT NOT NULL, parent_key TEXT, author TEXT NOT NULL,"
    "  email TEXT, body TEXT NOT NULL, status TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL, reason TEXT);";

enum import_stmt {
    IMP_KEY_SET,
    IMP_PARENT_NOTE,
    IMP_LINK,
    IMP_MISSING,
    IMP_THREAD_SET,
    IMP_THREAD_GET,
    IMP_ORPHAN_ADD,
    IMP_ORPHAN_WALK,
    IMP_COUNT
};

static const char *const import_sql[IMP_COUNT] = {
    [IMP_KEY_SET] =
        "INSERT INTO import_key (key, comment_id) VALUES (?1, ?2)"
        " ON CONFLICT (key) DO UPDATE SET comment_id = excluded.comment_id",
    [IMP_PARENT_NOTE] =
        "INSERT OR REPLACE INTO import_parent (comment_id, parent_key)"
        " VALUES (?1, ?2)",
    /* A parent of this file, else one imported before from the source;
     * of the same article, and never the reply itself. */
    [IMP_LINK] =
        "UPDATE comment SET parent_id = link.parent FROM ("
        "  SELECT p.comment_id AS child, coalesce(k.comment_id,"
        "    (SELECT s.comment_id FROM comment_source s"
        "     WHERE s.source = ?1 AND s.source_id = p.parent_key)) AS parent"
        "  FROM import_parent p LEFT JOIN import_key k ON k.key = p.parent_key"
        ") AS link"
        " WHERE comment.id = link.child AND link.parent IS NOT NULL"
        " AND link.parent <> comment.id AND (SELECT article FROM comment pc"
        "  WHERE pc.id = link.parent) = comment.article",
    [IMP_MISSING] =
        "SELECT count(*) FROM import_parent p JOIN comment c"
        " ON c.id = p.comment_id WHERE c.parent_id IS NULL",
    [IMP_THREAD_SET] =
        "INSERT INTO import_thread (key, article) VALUES (?1, ?2)"
        " ON CONFLICT (key) DO UPDATE SET article = excluded.article",
    [IMP_THREAD_GET] =
        "SELECT article FROM import_thread WHERE key = ?1",
    [IMP_ORPHAN_ADD] =
        "INSERT INTO import_orphan (thread_key, source_id, parent_key, author,"
        " email, body, status, created_at, reason)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [IMP_ORPHAN_WALK] =
        "SELECT o.thread_key, o.source_id, o.parent_key, o.author, o.email,"
        " o.body, o.status, o.created_at, o.reason, t.article"
        " FROM import_orphan o LEFT JOIN import_thread t ON t.key = o.thread_key"
        " ORDER BY o.seq",
};
/* clang-format on */

struct sq_import {
    struct db_import base; /* first: a struct db_import * is one of these */
    struct db *db;
    sqlite3_stmt *stmt[IMP_COUNT];
};

static struct sq_import *
sq_imp(struct db_import *imp)
{
    return (struct sq_import *)imp;
}

static void
import_close(struct db_import *base)
{
    struct sq_import *imp = sq_imp(base);

    for (int i = 0; i < IMP_COUNT; i++)
        sqlite3_finalize(imp->stmt[i]);
    /* Gone with a rollback; after a commit they would outlive the import
     * on this connection. */
    sqlite3_exec(sq(imp->db)->conn,
                 "DROP TABLE IF EXISTS temp.import_key;"
                 "DROP TABLE IF EXISTS temp.import_parent;"
                 "DROP TABLE IF EXISTS temp.import_thread;"
                 "DROP TABLE IF EXISTS temp.import_orphan;"
                 "PRAGMA cache_size = -2000",
                 NULL, NULL, NULL);
    free(imp);
}

/* One process per data folder, stopped while an import writes (the
 * database's file lock): nobody to tell, and the counts are kept by the
 * triggers as rows go in. */
static enum db_status
import_finish(struct db_import *base)
{
    return db_changed(sq_imp(base)->db, NULL);
}

static enum db_status
import_key_set(struct db_import *imp, const char *key, int64_t comment_id)
{
    sqlite3_stmt *st = sq_imp(imp)->stmt[IMP_KEY_SET];
    enum db_status rc;

    db_bind_text(st, 1, key);
    sqlite3_bind_int64(st, 2, comment_id);
    rc = db_step_done(st);
    db_stmt_done(st);
    return rc;
}

static enum db_status
import_parent_note(struct db_import *imp, int64_t comment_id,
                   const char *parent_key)
{
    sqlite3_stmt *st = sq_imp(imp)->stmt[IMP_PARENT_NOTE];
    enum db_status rc;

    sqlite3_bind_int64(st, 1, comment_id);
    db_bind_text(st, 2, parent_key);
    rc = db_step_done(st);
    db_stmt_done(st);
    return rc;
}

static enum db_status
import_resolve_parents(struct db_import *imp, const char *source,
                       int64_t *linked, int64_t *missing)
{
    sqlite3_stmt *st = sq_imp(imp)->stmt[IMP_LINK];
    enum db_status rc;

    db_bind_text(st, 1, source);
    rc = db_step_done(st);
    db_stmt_done(st);
    if (rc != DB_OK)
        return rc;
    *linked = sqlite3_changes(sq(sq_imp(imp)->db)->conn);
    return step_int(sq_imp(imp)->stmt[IMP_MISSING], missing);
}

static enum db_status
import_thread_set(struct db_import *imp, const char *key, const char *article)
{
    sqlite3_stmt *st = sq_imp(imp)->stmt[IMP_THREAD_SET];
    enum db_status rc;

    db_bind_text(st, 1, key);
    db_bind_text(st, 2, article);
    rc = db_step_done(st);
    db_stmt_done(st);
    return rc;
}

static enum db_status
import_thread_get(struct db_import *imp, const char *key, char *buf, size_t len)
{
    sqlite3_stmt *st = sq_imp(imp)->stmt[IMP_THREAD_GET];
    enum db_status rc = DB_ERROR;
    int step;

    db_bind_text(st, 1, key);
    step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        snprintf(buf, len, "%s", db_col_text(st, 0));
        rc = DB_OK;
    } else if (step == SQLITE_DONE) {
        rc = DB_NOT_FOUND;
    }
    db_stmt_done(st);
    return rc;
}

static enum db_status
import_orphan_add(struct db_import *imp, const struct import_orphan *o)
{
    sqlite3_stmt *st = sq_imp(imp)->stmt[IMP_ORPHAN_ADD];
    enum db_status rc;

    db_bind_text(st, 1, o->thread_key);
    db_bind_text(st, 2, o->source_id);
    db_bind_text(st, 3, o->parent_key);
    db_bind_text(st, 4, o->author);
    db_bind_text(st, 5, o->email);
    db_bind_text(st, 6, o->body);
    db_bind_text(st, 7, comment_status_name(o->status));
    sqlite3_bind_int64(st, 8, o->created_at);
    db_bind_text(st, 9, o->reason);
    rc = db_step_done(st);
    db_stmt_done(st);
    return rc;
}

static int
orphan_row(sqlite3_stmt *st, void *arg)
{
    struct walk *w = arg;
    orphan_fn fn = w->fn.orphan;
    struct import_orphan o = {
        .thread_key = db_col_text(st, 0),
        .source_id = db_col_text(st, 1),
        .parent_key = db_col_text(st, 2),
        .author = db_col_text(st, 3),
        .email = db_col_text(st, 4),
        .body = db_col_text(st, 5),
        .created_at = sqlite3_column_int64(st, 7),
        .reason = db_col_text(st, 8),
        .article = db_col_text(st, 9),
    };

    comment_status_parse(db_col_text(st, 6), &o.status);
    return fn(&o, w->arg);
}

static enum db_status
import_orphan_walk(struct db_import *imp, orphan_fn fn, void *arg)
{
    struct walk w = {.fn.orphan = fn, .arg = arg};

    return sq_each_row(sq_imp(imp)->stmt[IMP_ORPHAN_WALK], orphan_row, &w);
}

static const struct db_import_ops sq_import_ops = {
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
sq_import_open(struct db *db, struct db_import **out)
{
    struct sq_import *imp = calloc(1, sizeof *imp);

    DB_ASSERT_IN_TRANSACTION(db);
    if (!imp)
        return DB_ERROR;
    imp->base.ops = &sq_import_ops;
    imp->db = db;
    /* A bigger page cache for the indexes an import grows; still a fixed
     * amount, whatever the size of the file (64 MiB). */
    if (sqlite3_exec(sq(db)->conn, "PRAGMA cache_size = -65536", NULL, NULL,
                     NULL) != SQLITE_OK ||
        sqlite3_exec(sq(db)->conn, staging_tables, NULL, NULL, NULL) !=
            SQLITE_OK)
        goto fail;
    for (int i = 0; i < IMP_COUNT; i++) {
        if (sqlite3_prepare_v3(sq(db)->conn, import_sql[i], -1,
                               SQLITE_PREPARE_PERSISTENT, &imp->stmt[i],
                               NULL) != SQLITE_OK)
            goto fail;
    }
    *out = &imp->base;
    return DB_OK;
fail:
    import_close(&imp->base);
    return DB_ERROR;
}
