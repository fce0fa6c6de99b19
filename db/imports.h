/* Storage for the operations commands: imports of comments with all their
 * state (as another system or an export left them), the sources they came
 * from, a whole-database walk for exports, and the temporary tables an
 * import stages in so that it runs in constant memory.  SQL only: parsing
 * the files (XML, JSON) is ops/'s.
 *
 * Every write here is a step of a transaction's work (db_transaction).
 * Strings handed to callbacks are borrowed from the backend for the call.
 * On PostgreSQL an import may run while daemons serve the same database:
 * ids kept from a file move the id sequences past them at once, and
 * db_import_finish() tells the other processes at the commit. */
#ifndef YKIEN_DB_IMPORTS_H
#define YKIEN_DB_IMPORTS_H

#include <stdbool.h>
#include <stdint.h>

#include "db/comments.h"
#include "db/db.h"

/* A comment as an import writes it: what the daemon sets itself is given
 * here.  The parent is linked at the end of the import (see
 * db_import_resolve_parents). */
struct import_comment {
    int64_t id; /* the id wanted; 0 or taken: the next free */
    const char *article;
    const char *author;
    const char *email; /* may be NULL */
    const char *body;
    const char *original_body;
    enum comment_status status;
    int64_t created_at;
    int64_t published_at; /* 0: not published */
    bool edited;
    int64_t version;
};

/* Inserts c (no history: add it with db_history_add); *id is its id. */
enum db_status db_import_comment(struct db *db, const struct import_comment *c,
                                 int64_t *id);
/* Inserts an attachment row under a->id when that id is free, else under
 * the next free one; *id is its id. */
enum db_status db_import_attachment(struct db *db,
                                    const struct attachment_record *a,
                                    int64_t *id);
/* DB_OK when the comment with id has this article, creation time and
 * original body (a file exported from this very database); DB_NOT_FOUND
 * otherwise. */
enum db_status db_import_same_comment(struct db *db, int64_t id,
                                      const char *article, int64_t created_at,
                                      const char *original_body);

/* The comment imported from (source, source_id): DB_OK and *comment_id,
 * or DB_NOT_FOUND. */
enum db_status db_source_find(struct db *db, const char *source,
                              const char *source_id, int64_t *comment_id);
/* Records that comment_id came from (source, source_id); a pair already
 * recorded is left as it is. */
enum db_status db_source_add(struct db *db, const char *source,
                             const char *source_id, int64_t comment_id);
typedef int (*source_fn)(const char *source, const char *source_id, void *arg);
enum db_status db_source_list(struct db *db, int64_t comment_id, source_fn fn,
                              void *arg);

/* Every comment, whatever its state, in id order from after_id on; a
 * non-zero return from fn stops the walk (DB_ERROR). */
enum db_status db_comment_walk(struct db *db, int64_t after_id, comment_fn fn,
                               void *arg);
typedef int (*sha_fn)(const char *sha256, void *arg);
/* The content hash of every stored attachment file, once each. */
enum db_status db_attachment_shas(struct db *db, sha_fn fn, void *arg);

/* Runs work in a read transaction: everything it reads is one snapshot,
 * while writers go on (SQLite's WAL; PostgreSQL's REPEATABLE READ READ
 * ONLY).  Returns what work returned. */
enum db_status db_snapshot(struct db *db, db_work_fn work, void *arg);

/* ---- an import's staging area ---------------------------------------- */

/* The temporary tables and statements of one import, on db's connection.
 * Created by db_import_open() inside the import's transaction (they go
 * with it) and released by db_import_close(). */
struct db_import;

enum db_status db_import_open(struct db *db, struct db_import **out);
void db_import_close(struct db_import *imp);
/* The last step of an import that went well, before its transaction
 * commits: the counts of the comments it wrote are added where the backend
 * defers them, and every process sharing the database is told that any
 * page may have changed (db_changed). */
enum db_status db_import_finish(struct db_import *imp);

/* Keys are the source's own ids, unique within the import. */
/* The comment a key of the file stands for (new or already there). */
enum db_status db_import_key_set(struct db_import *imp, const char *key,
                                 int64_t comment_id);
/* Notes that comment_id replies to the comment of parent_key. */
enum db_status db_import_parent_note(struct db_import *imp, int64_t comment_id,
                                     const char *parent_key);
/* Links every noted reply to its parent: the comment of its key in this
 * import or, failing that, the one imported earlier from (source, key).
 * A parent not found, or of another article, leaves the reply top-level;
 * *linked and *missing count both kinds. */
enum db_status db_import_resolve_parents(struct db_import *imp,
                                         const char *source, int64_t *linked,
                                         int64_t *missing);

/* One comment of a file with everything written with it: what
 * db_import_entry() takes.  Strings are borrowed for the call. */
struct import_history {
    const char *action;
    const char *moderator; /* may be NULL */
    int64_t at;
    const char *reason; /* may be NULL */
};
struct import_entry {
    int64_t tag; /* the caller's (a line of the file), handed back */
    struct import_comment c;
    const char *key;        /* its key in the file (db_import_key_set) */
    const char *parent_key; /* may be NULL (db_import_parent_note) */
    /* (source, id) pairs: the first, then (with same_id) the comment of
     * c.id when it has c's article, creation time and original body
     * (db_import_same_comment), then the others are looked up in this
     * order, and the first found is the comment already there.  A new
     * comment records each pair whose strings are not empty. */
    size_t n_sources;
    const char *const *source;
    const char *const *source_id;
    bool same_id;
    size_t n_history;
    const struct import_history *history;
};

enum import_outcome {
    IMPORT_WRITTEN,         /* a new comment, id */
    IMPORT_THERE,           /* already there: id; its key points to it */
    IMPORT_REFUSED,         /* a constraint of the comment: nothing written */
    IMPORT_REFUSED_HISTORY, /* a history action the database does not know */
    IMPORT_FAILED,          /* the database failed on it: the import stops */
};
/* Told the outcome of each entry, in the order they were given; it must
 * not call the database. */
typedef void (*import_done_fn)(int64_t tag, enum import_outcome outcome,
                               int64_t id, void *arg);
void db_import_on_done(struct db_import *imp, import_done_fn fn, void *arg);
/* Writes e as a look-up and, when the comment is not there, the comment,
 * its history, its sources, its key and its parent note, all or nothing:
 * a refused entry rolls back alone.  The outcome may come later (a backend
 * may send several entries before it reads their answers), at the latest
 * when any other call meets the connection, or at db_import_flush().
 * Returns DB_ERROR when the database failed (on this entry or an earlier
 * one, whose outcome is then IMPORT_FAILED). */
enum db_status db_import_entry(struct db_import *imp,
                               const struct import_entry *e);
/* Every outcome told: what a caller runs before it reads or writes on its
 * own. */
enum db_status db_import_flush(struct db_import *imp);

/* Threads (a Disqus thread, a WordPress post): the article id of a thread
 * key, "" when the thread is known but has no usable article id. */
enum db_status db_import_thread_set(struct db_import *imp, const char *key,
                                    const char *article);
/* DB_OK with the article copied into buf, or DB_NOT_FOUND. */
enum db_status db_import_thread_get(struct db_import *imp, const char *key,
                                    char *buf, size_t len);

/* A comment read before its thread: kept until the end of the file. */
struct import_orphan {
    const char *thread_key;
    const char *source_id;
    const char *parent_key; /* may be NULL */
    const char *author;
    const char *email; /* may be NULL */
    const char *body;
    enum comment_status status;
    int64_t created_at;
    const char *reason;  /* history reason of the decision, or NULL */
    const char *article; /* filled by db_import_orphan_walk: the
                          * thread's article, "" for none, NULL when
                          * the thread never came */
};
enum db_status db_import_orphan_add(struct db_import *imp,
                                    const struct import_orphan *o);
typedef int (*orphan_fn)(const struct import_orphan *o, void *arg);
/* Hands each orphan to fn in file order, with its thread's article. */
enum db_status db_import_orphan_walk(struct db_import *imp, orphan_fn fn,
                                     void *arg);

#endif
