/* JSON Lines export and import.  The moderation form comes from api/
 * (present_comment), so an export says what the API says. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utf8proc.h>

#include "api/attachments.h"
#include "db/blobs.h"
#include "api/comment.h"
#include "api/image_size.h"
#include "api/present.h"
#include "db/imports.h"
#include "ops/jsonl.h"
#include "ops/text.h"

/* The source name of comments imported from an export. */
#define EXPORT_SOURCE "ykien-export"

/* ---- export ------------------------------------------------------------ */

struct export
{
    struct db *db;
    const struct api_config *cfg;
    FILE *out;
    int64_t n;
    char *err;
    size_t err_len;
};

/* Reads a stored content whole into a new buffer (db/blobs.h: a file on
 * SQLite, chunks on PostgreSQL). */
static unsigned char *
read_stored(struct db *db, const char *sha256, int64_t size, size_t *len)
{
    struct db_blob *b;
    unsigned char *buf;
    size_t got = 0;

    if (db_blob_open(db, sha256, size, &b) != DB_OK)
        return NULL;
    buf = malloc(size > 0 ? (size_t)size : 1);
    while (buf && got < (size_t)size) {
        ssize_t n = db_blob_read(b, got, buf + got, (size_t)size - got);

        if (n <= 0) {
            free(buf);
            buf = NULL;
            break;
        }
        got += (size_t)n;
    }
    db_blob_close(b);
    *len = got;
    return buf;
}

struct attachment_walk {
    struct export *ex;
    json_t *array;
    size_t index;
};

static int
add_data(const struct attachment_record *a, void *arg)
{
    struct attachment_walk *w = arg;
    json_t *obj = json_array_get(w->array, w->index++);
    unsigned char *bytes;
    char *b64;
    size_t len, b64_len;

    if (!obj)
        return -1;
    bytes = read_stored(w->ex->db, a->sha256, a->size, &len);
    if (!bytes) {
        snprintf(w->ex->err, w->ex->err_len,
                 "attachment %lld: cannot read its file %s", (long long)a->id,
                 a->sha256);
        return -1;
    }
    b64_len = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
    b64 = malloc(b64_len);
    if (b64) {
        sodium_bin2base64(b64, b64_len, bytes, len,
                          sodium_base64_VARIANT_ORIGINAL);
        json_object_set_new(obj, "data", json_string(b64));
    }
    free(b64);
    free(bytes);
    return b64 ? 0 : -1;
}

static int
add_source(const char *source, const char *source_id, void *arg)
{
    /* Not a source of its own: the comment's own fields, hashed. */
    if (strcmp(source, EXPORT_SOURCE) == 0)
        return 0;
    return json_array_append_new(
        arg, json_pack("{s:s, s:s}", "source", source, "id", source_id));
}

static int
export_one(const struct comment_record *c, void *arg)
{
    struct export *ex = arg;
    struct db *db = ex->db;
    json_t *form = NULL, *sources;
    struct attachment_walk w = {.ex = ex};
    int rc = -1;

    form = present_comment(db, c, true);
    if (!form)
        goto out;
    w.array = json_object_get(form, "attachments");
    if (db_attachment_list(db, c->id, add_data, &w) != DB_OK)
        goto out;
    sources = json_array();
    json_object_set_new(form, "sources", sources);
    if (db_source_list(db, c->id, add_source, sources) != DB_OK)
        goto out;
    if (json_dumpf(form, ex->out, JSON_COMPACT) != 0 ||
        fputc('\n', ex->out) == EOF) {
        snprintf(ex->err, ex->err_len, "cannot write: %s", strerror(errno));
        goto out;
    }
    ex->n++;
    rc = 0;
out:
    if (rc != 0 && !ex->err[0])
        snprintf(ex->err, ex->err_len, "comment %lld: cannot export it",
                 (long long)c->id);
    json_decref(form);
    return rc;
}

static enum db_status
export_all(struct db *db, void *arg)
{
    return db_comment_walk(db, 0, export_one, arg);
}

int
jsonl_export(struct db *db, const struct api_config *cfg, FILE *out, int64_t *n,
             char *err, size_t err_len)
{
    struct export ex = {
        .db = db,
        .cfg = cfg,
        .out = out,
        .err = err,
        .err_len = err_len,
    };
    enum db_status st;

    err[0] = '\0';
    st = db_snapshot(db, export_all, &ex);
    *n = ex.n;
    if (st != DB_OK) {
        if (!err[0])
            snprintf(err, err_len, "database: %s", db_errmsg(db));
        return -1;
    }
    if (fflush(out) != 0) {
        snprintf(err, err_len, "cannot write: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* ---- import ------------------------------------------------------------ */

struct importer {
    const struct api_config *cfg;
    FILE *in;
    const char *name;
    struct import_report *r;
    struct db *db;
    struct db_import *imp;
    long line;
    bool ran;
    char *err;
    size_t err_len;
};

/* One comment of the file, read and checked. */
struct line {
    json_t *root;
    int64_t id, parent_id;
    struct import_comment c;
    char *texts[4]; /* NFC copies: author, body, original, email */
    json_t *history, *attachments, *sources;
    char fingerprint[65];
};

static void
line_clear(struct line *l)
{
    for (size_t i = 0; i < sizeof l->texts / sizeof l->texts[0]; i++)
        free(l->texts[i]);
    json_decref(l->root);
    memset(l, 0, sizeof *l);
}

/* A text of the file in NFC; NULL (and *why) when it holds control
 * characters other than newline and tab. */
static char *
nfc_text(const char *s, const char **why)
{
    utf8proc_uint8_t *out = NULL;

    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7F) {
            *why = "control characters in a text";
            return NULL;
        }
    }
    if (utf8proc_map((const utf8proc_uint8_t *)s, 0, &out,
                     UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPOSE) <
        0) {
        *why = "a text that is not UTF-8";
        return NULL;
    }
    return (char *)out;
}

static int
parse_time_member(json_t *v, bool nullable, int64_t *out)
{
    if (nullable && json_is_null(v)) {
        *out = 0;
        return 0;
    }
    return json_is_string(v) && text_parse_time(json_string_value(v), out) == 0
               ? 0
               : -1;
}

static void
fingerprint(const char *article, int64_t created_at, const char *original,
            char hex[65])
{
    crypto_hash_sha256_state st;
    unsigned char h[crypto_hash_sha256_BYTES];
    char when[24];

    snprintf(when, sizeof when, "%lld", (long long)created_at);
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const unsigned char *)article,
                              strlen(article) + 1);
    crypto_hash_sha256_update(&st, (const unsigned char *)when,
                              strlen(when) + 1);
    crypto_hash_sha256_update(&st, (const unsigned char *)original,
                              strlen(original));
    crypto_hash_sha256_final(&st, h);
    sodium_bin2hex(hex, 65, h, sizeof h);
}

/* Reads the members of a comment; *why says what is wrong with it. */
static void
parse_line(struct line *l, const char **why)
{
    json_t *r = l->root;
    json_t *id = json_object_get(r, "id");
    json_t *parent = json_object_get(r, "parent_id");
    json_t *email = json_object_get(r, "email");
    json_t *edited = json_object_get(r, "edited");
    json_t *version = json_object_get(r, "version");
    const char *article = json_string_value(json_object_get(r, "article"));
    const char *status = json_string_value(json_object_get(r, "status"));
    const char *texts[3] = {
        json_string_value(json_object_get(r, "author")),
        json_string_value(json_object_get(r, "body")),
        json_string_value(json_object_get(r, "original_body")),
    };

    *why = NULL;
    if (!json_is_integer(id) || json_integer_value(id) < 1 ||
        !(json_is_null(parent) || json_is_integer(parent)) ||
        !(json_is_null(email) || json_is_string(email)) ||
        !json_is_boolean(edited) || !json_is_integer(version) ||
        json_integer_value(version) < 1 || !texts[0] || !texts[1] ||
        !texts[2] || !status) {
        *why = "a member missing or of the wrong type";
        return;
    }
    if (!comment_article_valid(article)) {
        *why = "an invalid article id";
        return;
    }
    if (comment_status_parse(status, &l->c.status) != 0) {
        *why = "an unknown status";
        return;
    }
    if (parse_time_member(json_object_get(r, "created_at"), false,
                          &l->c.created_at) != 0 ||
        parse_time_member(json_object_get(r, "published_at"), true,
                          &l->c.published_at) != 0) {
        *why = "an invalid time";
        return;
    }
    l->history = json_object_get(r, "history");
    l->attachments = json_object_get(r, "attachments");
    l->sources = json_object_get(r, "sources");
    if (!json_is_array(l->history) || !json_is_array(l->attachments) ||
        (l->sources && !json_is_array(l->sources))) {
        *why = "a member missing or of the wrong type";
        return;
    }
    for (int i = 0; i < 3; i++) {
        l->texts[i] = nfc_text(texts[i], why);
        if (!l->texts[i])
            return;
    }
    if (json_is_string(email)) {
        l->texts[3] = nfc_text(json_string_value(email), why);
        if (!l->texts[3])
            return;
    }
    l->id = json_integer_value(id);
    l->parent_id = json_is_integer(parent) ? json_integer_value(parent) : 0;
    l->c.id = l->id;
    l->c.article = article;
    l->c.author = l->texts[0];
    l->c.body = l->texts[1];
    l->c.original_body = l->texts[2];
    l->c.email = l->texts[3];
    l->c.edited = json_is_true(edited);
    l->c.version = json_integer_value(version);
    fingerprint(article, l->c.created_at, l->c.original_body, l->fingerprint);
}

/* The comment this line already is, if any. */
static enum db_status
find_same(struct importer *im, struct line *l, int64_t *existing)
{
    enum db_status st;
    size_t i;
    json_t *s;

    st = db_source_find(im->db, EXPORT_SOURCE, l->fingerprint, existing);
    if (st != DB_NOT_FOUND)
        return st;
    st = db_import_same_comment(im->db, l->id, l->c.article, l->c.created_at,
                                l->c.original_body);
    if (st == DB_OK)
        *existing = l->id;
    if (st != DB_NOT_FOUND)
        return st;
    json_array_foreach(l->sources, i, s)
    {
        const char *source = json_string_value(json_object_get(s, "source"));
        const char *id = json_string_value(json_object_get(s, "id"));

        if (source && id) {
            st = db_source_find(im->db, source, id, existing);
            if (st != DB_NOT_FOUND)
                return st;
        }
    }
    return DB_NOT_FOUND;
}

/* Writes the bytes of an attachment to the store; fills u. */
static int
store_file(struct importer *im, const unsigned char *bytes, size_t len,
           struct api_upload *u, char *tmp, size_t tmp_len)
{
    unsigned char h[crypto_hash_sha256_BYTES];
    size_t done = 0;
    int fd;

    snprintf(tmp, tmp_len, "%s/tmp/import-XXXXXX", im->cfg->data_dir);
    fd = mkstemp(tmp);
    if (fd < 0)
        return -1;
    while (done < len) {
        ssize_t n = write(fd, bytes + done, len - done);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    if (done < len || fsync(fd) != 0) {
        close(fd);
        unlink(tmp);
        return -1;
    }
    close(fd);
    crypto_hash_sha256(h, bytes, len);
    sodium_bin2hex(u->sha256, sizeof u->sha256, h, sizeof h);
    u->tmp_path = tmp;
    u->size = (int64_t)len;
    if (db_blob_put(im->db, u->sha256, tmp, u->size) != DB_OK) {
        if (tmp[0])
            unlink(tmp);
        return -1;
    }
    /* Not taken over (the database keeps a copy): not needed any more. */
    if (tmp[0])
        unlink(tmp);
    tmp[0] = '\0';
    return 0;
}

/* Decodes, stores and records one attachment.  Returns 1 with *why when
 * the attachment is refused, -1 on a failure of ours. */
static int
import_attachment(struct importer *im, json_t *a, int64_t comment_id,
                  const char **why)
{
    json_t *id = json_object_get(a, "id");
    const char *filename = json_string_value(json_object_get(a, "filename"));
    const char *data = json_string_value(json_object_get(a, "data"));
    json_t *size = json_object_get(a, "size");
    struct api_upload u = {0};
    struct attachment_record rec = {0};
    unsigned char *bytes = NULL;
    char tmp[4200];
    size_t len = 0, max;
    char *name = NULL;
    int64_t new_id;
    int rc = 1;

    if (!json_is_integer(id) || !filename || !data || !json_is_integer(size)) {
        *why = "an attachment without id, filename, size or data";
        goto out;
    }
    max = strlen(data) / 4 * 3 + 3;
    bytes = malloc(max);
    if (!bytes) {
        rc = -1;
        goto out;
    }
    if (sodium_base642bin(bytes, max, data, strlen(data), NULL, &len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0) {
        *why = "an attachment whose data is not base64";
        goto out;
    }
    if ((int64_t)len != json_integer_value(size)) {
        *why = "an attachment whose data is not of its size";
        goto out;
    }
    u.content_type = attachment_sniff(bytes, len);
    if (!u.content_type) {
        *why = "an attachment of a type ykien does not store";
        goto out;
    }
    name = attachment_clean_name(filename, strlen(filename));
    if (!name || store_file(im, bytes, len, &u, tmp, sizeof tmp) != 0) {
        snprintf(im->err, im->err_len, "cannot store an attachment in %s",
                 im->cfg->data_dir);
        rc = -1;
        goto out;
    }
    rec.id = json_integer_value(id);
    rec.comment_id = comment_id;
    rec.filename = name;
    rec.content_type = u.content_type;
    rec.size = u.size;
    rec.sha256 = u.sha256;
    {
        /* Read again from the bytes, as at upload: never taken on trust. */
        struct image_size dim;

        if (image_size_of_bytes(u.content_type, bytes, len, &dim) ==
            IMAGE_SIZE_OK) {
            rec.width = dim.width;
            rec.height = dim.height;
        }
    }
    if (db_import_attachment(im->db, &rec, &new_id) != DB_OK) {
        rc = -1;
        goto out;
    }
    im->r->attachments++;
    rc = 0;
out:
    free(name);
    free(bytes);
    return rc;
}

static int
import_history(struct importer *im, struct line *l, int64_t id,
               const char **why)
{
    size_t i;
    json_t *h;

    json_array_foreach(l->history, i, h)
    {
        const char *action = json_string_value(json_object_get(h, "action"));
        json_t *moderator = json_object_get(h, "moderator");
        json_t *reason = json_object_get(h, "reason");
        int64_t at;
        enum db_status st;

        if (!action ||
            parse_time_member(json_object_get(h, "at"), false, &at) != 0 ||
            !(json_is_null(moderator) || json_is_string(moderator)) ||
            !(json_is_null(reason) || json_is_string(reason))) {
            *why = "a history entry missing a member";
            return 1;
        }
        st = db_history_add(im->db, id, action, json_string_value(moderator),
                            at, json_string_value(reason));
        if (st == DB_CONFLICT) {
            *why = "a history action this database does not know";
            return 1;
        }
        if (st != DB_OK)
            return -1;
    }
    return 0;
}

/* Everything of one new comment, in a savepoint so that a refused part
 * (a bad attachment) takes back the whole comment. */
struct one {
    struct importer *im;
    struct line *l;
    const char *why;
    int failed; /* a failure of ours: stop the import */
};

static enum db_status
insert_line(struct db *db, void *arg)
{
    struct one *o = arg;
    struct importer *im = o->im;
    struct line *l = o->l;
    char key[24];
    int64_t id;
    size_t i;
    json_t *v;
    int rc;

    switch (db_import_comment(db, &l->c, &id)) {
    case DB_OK:
        break;
    case DB_CONFLICT:
        o->why = "refused by a constraint of the database";
        return DB_CONFLICT;
    default:
        o->failed = 1;
        return DB_ERROR;
    }
    rc = import_history(im, l, id, &o->why);
    json_array_foreach(l->attachments, i, v)
    {
        if (rc == 0)
            rc = import_attachment(im, v, id, &o->why);
    }
    if (rc != 0) {
        o->failed = rc < 0;
        return DB_CONFLICT;
    }
    snprintf(key, sizeof key, "%lld", (long long)l->id);
    if (db_source_add(db, EXPORT_SOURCE, l->fingerprint, id) != DB_OK ||
        db_import_key_set(im->imp, key, id) != DB_OK) {
        o->failed = 1;
        return DB_ERROR;
    }
    json_array_foreach(l->sources, i, v)
    {
        const char *source = json_string_value(json_object_get(v, "source"));
        const char *sid = json_string_value(json_object_get(v, "id"));

        if (source && sid && *source && *sid &&
            db_source_add(db, source, sid, id) != DB_OK) {
            o->failed = 1;
            return DB_ERROR;
        }
    }
    if (l->parent_id > 0) {
        snprintf(key, sizeof key, "%lld", (long long)l->parent_id);
        if (db_import_parent_note(im->imp, id, key) != DB_OK) {
            o->failed = 1;
            return DB_ERROR;
        }
    }
    return DB_OK;
}

/* The outcome of a line written with db_import_entry(). */
static void
line_done(int64_t line, enum import_outcome outcome, int64_t id, void *arg)
{
    struct importer *im = arg;

    (void)id;
    switch (outcome) {
    case IMPORT_WRITTEN:
        im->r->imported++;
        break;
    case IMPORT_THERE:
        report_count(im->r, 1, "already there");
        break;
    case IMPORT_REFUSED:
        report_count(im->r, 0, "refused by a constraint of the database");
        break;
    case IMPORT_REFUSED_HISTORY:
        report_count(im->r, 0, "a history action this database does not know");
        break;
    case IMPORT_FAILED:
        snprintf(im->err, im->err_len, "%s:%lld: database: %s", im->name,
                 (long long)line, db_errmsg(im->db));
        break;
    }
}

/* A line without attachments: one entry, whose outcome may come later
 * (line_done). */
static enum db_status
import_entry(struct importer *im, struct line *l, const char **why)
{
    size_t n_sources = 1 + json_array_size(l->sources);
    size_t n_history = json_array_size(l->history);
    const char **source = calloc(n_sources, sizeof *source);
    const char **source_id = calloc(n_sources, sizeof *source_id);
    struct import_history *history = calloc(n_history + 1, sizeof *history);
    struct import_entry e = {
        .tag = im->line,
        .c = l->c,
        .source = source,
        .source_id = source_id,
        .same_id = true,
        .history = history,
    };
    char key[24], parent_key[24];
    enum db_status st = DB_ERROR;
    size_t i;
    json_t *v;

    if (!source || !source_id || !history)
        goto out;
    source[0] = EXPORT_SOURCE;
    source_id[0] = l->fingerprint;
    e.n_sources = 1;
    json_array_foreach(l->sources, i, v)
    {
        const char *s = json_string_value(json_object_get(v, "source"));
        const char *id = json_string_value(json_object_get(v, "id"));

        if (s && id) {
            source[e.n_sources] = s;
            source_id[e.n_sources++] = id;
        }
    }
    json_array_foreach(l->history, i, v)
    {
        struct import_history *h = &history[e.n_history];
        json_t *moderator = json_object_get(v, "moderator");
        json_t *reason = json_object_get(v, "reason");

        h->action = json_string_value(json_object_get(v, "action"));
        if (!h->action ||
            parse_time_member(json_object_get(v, "at"), false, &h->at) != 0 ||
            !(json_is_null(moderator) || json_is_string(moderator)) ||
            !(json_is_null(reason) || json_is_string(reason))) {
            *why = "a history entry missing a member";
            st = DB_OK;
            goto out;
        }
        h->moderator = json_string_value(moderator);
        h->reason = json_string_value(reason);
        e.n_history++;
    }
    snprintf(key, sizeof key, "%lld", (long long)l->id);
    e.key = key;
    if (l->parent_id > 0) {
        snprintf(parent_key, sizeof parent_key, "%lld",
                 (long long)l->parent_id);
        e.parent_key = parent_key;
    }
    st = db_import_entry(im->imp, &e);
out:
    free(source);
    free(source_id);
    free(history);
    return st;
}

static enum db_status
import_line(struct importer *im, struct line *l)
{
    struct one o = {.im = im, .l = l};
    int64_t existing;
    char key[24];
    enum db_status st;

    parse_line(l, &o.why);
    if (o.why) {
        report_count(im->r, 0, o.why);
        return DB_OK;
    }
    if (json_array_size(l->attachments) == 0) {
        st = import_entry(im, l, &o.why);
        if (st == DB_OK && o.why)
            report_count(im->r, 0, o.why);
        return st;
    }
    /* Attachments are stored as they are read: the entries before come
     * first, then this line a statement at a time. */
    if (db_import_flush(im->imp) != DB_OK)
        return DB_ERROR;
    st = find_same(im, l, &existing);
    if (st == DB_OK) {
        snprintf(key, sizeof key, "%lld", (long long)l->id);
        if (db_import_key_set(im->imp, key, existing) != DB_OK)
            return DB_ERROR;
        report_count(im->r, 1, "already there");
        return DB_OK;
    }
    if (st != DB_NOT_FOUND)
        return DB_ERROR;
    if (db_savepoint(im->db, insert_line, &o) != DB_OK || o.failed)
        return DB_ERROR;
    if (o.why)
        report_count(im->r, 0, o.why);
    else
        im->r->imported++;
    return DB_OK;
}

static enum db_status
run_import(struct db *db, void *arg)
{
    struct importer *im = arg;
    enum db_status st = DB_OK;
    char *buf = NULL;
    size_t cap = 0;
    ssize_t len;

    if (im->ran) {
        snprintf(im->err, im->err_len, "the database was busy");
        return DB_ERROR;
    }
    im->ran = true;
    if (db_import_open(db, &im->imp) != DB_OK)
        return DB_ERROR;
    db_import_on_done(im->imp, line_done, im);
    while (st == DB_OK && (len = getline(&buf, &cap, im->in)) >= 0) {
        struct line l = {0};
        json_error_t jerr;

        im->line++;
        if (len == 0 || strspn(buf, " \t\r\n") == (size_t)len)
            continue;
        l.root = json_loadb(buf, (size_t)len, JSON_REJECT_DUPLICATES, &jerr);
        if (!json_is_object(l.root)) {
            snprintf(im->err, im->err_len, "%s:%ld: %s", im->name, im->line,
                     l.root ? "not a JSON object" : jerr.text);
            line_clear(&l);
            st = DB_ERROR;
            break;
        }
        st = import_line(im, &l);
        line_clear(&l);
    }
    free(buf);
    if (st == DB_OK && ferror(im->in)) {
        snprintf(im->err, im->err_len, "%s: %s", im->name, strerror(errno));
        st = DB_ERROR;
    }
    if (st == DB_OK && db_import_resolve_parents(
                           im->imp, EXPORT_SOURCE, &im->r->replies_linked,
                           &im->r->replies_unlinked) != DB_OK)
        st = DB_ERROR;
    if (st == DB_OK && db_import_finish(im->imp) != DB_OK)
        st = DB_ERROR;
    db_import_close(im->imp);
    im->imp = NULL;
    return st;
}

int
jsonl_import(struct db *db, const struct api_config *cfg, FILE *in,
             const char *name, struct import_report *r, char *err,
             size_t err_len)
{
    struct importer im = {
        .cfg = cfg,
        .in = in,
        .name = name,
        .r = r,
        .db = db,
        .err = err,
        .err_len = err_len,
    };

    memset(r, 0, sizeof *r);
    err[0] = '\0';
    if (db_transaction(db, run_import, &im) != DB_OK) {
        if (!err[0])
            snprintf(err, err_len, "database: %s", db_errmsg(db));
        return -1;
    }
    return 0;
}
