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
    *out = NULL;
    return DB_DISPATCH(db, import_open, db, out);
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
