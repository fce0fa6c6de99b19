/* Imports and exports: the public calls of imports.h, dispatched to the
 * backend (db/sqlite/imports.c, db/pg/imports.c); those of the staging
 * area go through the ops of the struct db_import they are given. */
#include "db/imports.h"
#include "db/backend.h"

enum db_status
db_import_comment(struct db *db, const struct import_comment *c, int64_t *id)
{
    return DB_DISPATCH(db, import_comment, db, c, id);
}

enum db_status
db_import_attachment(struct db *db, const struct attachment_record *a,
                     int64_t *id)
{
    return DB_DISPATCH(db, import_attachment, db, a, id);
}

enum db_status
db_import_same_comment(struct db *db, int64_t id, const char *article,
                       int64_t created_at, const char *original_body)
{
    return DB_DISPATCH(db, import_same_comment, db, id, article, created_at,
                       original_body);
}

enum db_status
db_source_find(struct db *db, const char *source, const char *source_id,
               int64_t *comment_id)
{
    return DB_DISPATCH(db, source_find, db, source, source_id, comment_id);
}

enum db_status
db_source_add(struct db *db, const char *source, const char *source_id,
              int64_t comment_id)
{
    return DB_DISPATCH(db, source_add, db, source, source_id, comment_id);
}

enum db_status
db_source_list(struct db *db, int64_t comment_id, source_fn fn, void *arg)
{
    return DB_DISPATCH(db, source_list, db, comment_id, fn, arg);
}

enum db_status
db_comment_walk(struct db *db, int64_t after_id, comment_fn fn, void *arg)
{
    return DB_DISPATCH(db, comment_walk, db, after_id, fn, arg);
}

enum db_status
db_attachment_shas(struct db *db, sha_fn fn, void *arg)
{
    return DB_DISPATCH(db, attachment_shas, db, fn, arg);
}

enum db_status
db_snapshot(struct db *db, db_work_fn work, void *arg)
{
    return DB_DISPATCH(db, snapshot, db, work, arg);
}

/* ---- an import's staging area ------------------------------------------ */

enum db_status
db_import_open(struct db *db, struct db_import **out)
{
    enum db_status st;

    *out = NULL;
    st = DB_DISPATCH(db, import_open, db, out);
    if (st == DB_OK)
        (*out)->db = db;
    return st;
}

void
db_import_close(struct db_import *imp)
{
    if (imp)
        imp->ops->close(imp);
}

enum db_status
db_import_finish(struct db_import *imp)
{
    return imp->ops->finish(imp);
}

enum db_status
db_import_key_set(struct db_import *imp, const char *key, int64_t comment_id)
{
    return imp->ops->key_set(imp, key, comment_id);
}

enum db_status
db_import_parent_note(struct db_import *imp, int64_t comment_id,
                      const char *parent_key)
{
    return imp->ops->parent_note(imp, comment_id, parent_key);
}

enum db_status
db_import_resolve_parents(struct db_import *imp, const char *source,
                          int64_t *linked, int64_t *missing)
{
    return imp->ops->resolve_parents(imp, source, linked, missing);
}

enum db_status
db_import_thread_set(struct db_import *imp, const char *key,
                     const char *article)
{
    return imp->ops->thread_set(imp, key, article);
}

enum db_status
db_import_thread_get(struct db_import *imp, const char *key, char *buf,
                     size_t len)
{
    return imp->ops->thread_get(imp, key, buf, len);
}

enum db_status
db_import_orphan_add(struct db_import *imp, const struct import_orphan *o)
{
    return imp->ops->orphan_add(imp, o);
}

enum db_status
db_import_orphan_walk(struct db_import *imp, orphan_fn fn, void *arg)
{
    return imp->ops->orphan_walk(imp, fn, arg);
}

void
db_import_on_done(struct db_import *imp, import_done_fn fn, void *arg)
{
    imp->done = fn;
    imp->done_arg = arg;
}

enum db_status
db_import_entry(struct db_import *imp, const struct import_entry *e)
{
    return imp->ops->entry ? imp->ops->entry(imp, e)
                           : db_import_entry_each(imp, e);
}

enum db_status
db_import_flush(struct db_import *imp)
{
    return imp->ops->flush ? imp->ops->flush(imp) : DB_OK;
}

/* ---- db_import_entry() a statement at a time ---------------------------- */

/* The comment e already is: its first source, the comment of its id, its
 * other sources, in this order. */
static enum db_status
entry_find(struct db *db, const struct import_entry *e, int64_t *id)
{
    enum db_status st = DB_NOT_FOUND;

    for (size_t i = 0; i <= e->n_sources && st == DB_NOT_FOUND; i++) {
        if (i == 1 || (i == 0 && e->n_sources == 0)) {
            if (e->same_id && e->c.id > 0) {
                st =
                    db_import_same_comment(db, e->c.id, e->c.article,
                                           e->c.created_at, e->c.original_body);
                if (st == DB_OK)
                    *id = e->c.id;
                if (st != DB_NOT_FOUND)
                    break;
            }
        }
        if (i < e->n_sources)
            st = db_source_find(db, e->source[i], e->source_id[i], id);
    }
    return st;
}

struct entry_write {
    struct db_import *imp;
    const struct import_entry *e;
    enum import_outcome outcome;
    int64_t id;
};

static enum db_status
entry_write(struct db *db, void *arg)
{
    struct entry_write *w = arg;
    const struct import_entry *e = w->e;
    enum db_status st;

    w->outcome = IMPORT_FAILED;
    st = db_import_comment(db, &e->c, &w->id);
    if (st == DB_CONFLICT)
        w->outcome = IMPORT_REFUSED;
    if (st != DB_OK)
        return st == DB_CONFLICT ? DB_CONFLICT : DB_ERROR;
    for (size_t i = 0; i < e->n_history; i++) {
        const struct import_history *h = &e->history[i];

        st = db_history_add(db, w->id, h->action, h->moderator, h->at,
                            h->reason);
        if (st == DB_CONFLICT)
            w->outcome = IMPORT_REFUSED_HISTORY;
        if (st != DB_OK)
            return st == DB_CONFLICT ? DB_CONFLICT : DB_ERROR;
    }
    for (size_t i = 0; i < e->n_sources; i++) {
        if (!*e->source[i] || !*e->source_id[i])
            continue;
        st = db_source_add(db, e->source[i], e->source_id[i], w->id);
        if (st == DB_CONFLICT)
            w->outcome = IMPORT_REFUSED;
        if (st != DB_OK)
            return st == DB_CONFLICT ? DB_CONFLICT : DB_ERROR;
    }
    if (e->key && db_import_key_set(w->imp, e->key, w->id) != DB_OK)
        return DB_ERROR;
    if (e->parent_key && *e->parent_key &&
        db_import_parent_note(w->imp, w->id, e->parent_key) != DB_OK)
        return DB_ERROR;
    w->outcome = IMPORT_WRITTEN;
    return DB_OK;
}

enum db_status
db_import_entry_each(struct db_import *imp, const struct import_entry *e)
{
    struct entry_write w = {.imp = imp, .e = e, .outcome = IMPORT_FAILED};
    enum db_status st = entry_find(imp->db, e, &w.id);

    if (st == DB_OK) {
        st = e->key ? db_import_key_set(imp, e->key, w.id) : DB_OK;
        if (st == DB_OK)
            w.outcome = IMPORT_THERE;
    } else if (st == DB_NOT_FOUND) {
        st = db_savepoint(imp->db, entry_write, &w);
    }
    if (st != DB_OK)
        w.outcome = IMPORT_FAILED;
    if (imp->done)
        imp->done(e->tag, w.outcome, w.id, imp->done_arg);
    return w.outcome == IMPORT_FAILED ? DB_ERROR : DB_OK;
}
