/* Disqus and WordPress (WXR) imports on libxml2's streaming reader.
 *
 * The reader walks the file node by node; the few elements a comment or a
 * thread needs are collected into reusable buffers, so memory does not grow
 * with the file.  A comment whose thread is known is written at once; one
 * read before its thread (Disqus lists threads and posts apart) is staged
 * in a temporary table and written at the end, and replies are linked to
 * their parents at the end in SQL (a parent may come after its child).
 * Everything happens in one transaction.  No SQL here: db/imports.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/xmlreader.h>

#include "api/unicode.h"
#include "db/imports.h"
#include "ops/import_xml.h"
#include "ops/progress.h"
#include "ops/text.h"

#define DSQ_NS "http://disqus.com/disqus-internals"
#define WP_NS_PREFIX "http://wordpress.org/export/"

enum {
    FIELD_MAX = 32 * 1024 * 1024, /* one element's text */
    KEY_MAX = 256,                /* an id in the source */
    AUTHOR_MAX_CHARS = 100,
    BODY_MAX_CHARS = 100000, /* the largest --max-body-chars */
};

/* The text of one element, collected from its text and CDATA nodes. */
struct field {
    char *p;
    size_t len, cap;
    bool too_long;
};

/* What a thread (a Disqus thread, a WordPress post) and a comment need. */
enum thread_field { T_KEY, T_LINK, T_ID, T_SLUG, T_COUNT };
enum comment_field {
    C_KEY,
    C_THREAD,
    C_PARENT,
    C_AUTHOR,
    C_USERNAME,
    C_EMAIL,
    C_BODY,
    C_DATE,
    C_DATE_LOCAL,
    C_STATE,
    C_TYPE,
    C_DELETED,
    C_SPAM,
    C_APPROVED,
    C_COUNT
};
enum site_field { S_LINK, S_BASE_URL, S_COUNT };

struct importer {
    const struct import_options *o;
    struct import_report *r;
    struct db *db;
    struct db_import *imp;
    xmlTextReaderPtr reader;
    int fd;
    int64_t bytes_read;
    struct progress progress;

    struct field thread[T_COUNT], comment[C_COUNT], site[S_COUNT];
    struct field *capture; /* the element whose text is collected */
    int capture_depth;
    bool in_thread, in_comment, in_author;
    /* WordPress: posts are threads named by their place in the file. */
    long long item_seq;
    char item_key[32];
    bool item_registered;
    char source[KEY_MAX + 32]; /* "disqus", "wordpress:<site>" */

    /* The article of recent threads, so that a comment of a known thread
     * needs no look-up: a fixed number of slots, whatever the file. */
    struct thread_slot *threads;

    bool ran;
    char xml_error[256];
    int xml_error_line;
    char *err;
    size_t err_len;
};

/* ---- fields ------------------------------------------------------------ */

static void
field_clear(struct field *f)
{
    f->len = 0;
    f->too_long = false;
    if (f->p)
        f->p[0] = '\0';
}

static int
field_append(struct field *f, const char *s, size_t n)
{
    if (f->len + n > FIELD_MAX) {
        f->too_long = true;
        return 0;
    }
    if (f->len + n + 1 > f->cap) {
        size_t cap = f->cap ? f->cap : 256;
        char *p;

        while (cap < f->len + n + 1)
            cap *= 2;
        p = realloc(f->p, cap);
        if (!p)
            return -1;
        f->p = p;
        f->cap = cap;
    }
    memcpy(f->p + f->len, s, n);
    f->len += n;
    f->p[f->len] = '\0';
    return 0;
}

static void
field_set(struct field *f, const char *s)
{
    field_clear(f);
    if (s)
        field_append(f, s, strlen(s));
}

/* The field's text without surrounding white space ("" when none). */
static const char *
field_trimmed(struct field *f)
{
    char *s;
    size_t n;

    if (!f->p)
        return "";
    s = f->p + strspn(f->p, " \t\r\n");
    n = strlen(s);
    while (n > 0 && strchr(" \t\r\n", s[n - 1]))
        s[--n] = '\0';
    return s;
}

static void
fields_free(struct field *f, int n)
{
    for (int i = 0; i < n; i++)
        free(f[i].p);
}

/* ---- errors ------------------------------------------------------------ */

static void
on_xml_error(void *arg, xmlErrorPtr e)
{
    struct importer *im = arg;
    size_t n;

    if (!e || e->level < XML_ERR_ERROR || im->xml_error[0])
        return;
    snprintf(im->xml_error, sizeof im->xml_error, "%s",
             e->message ? e->message : "malformed XML");
    n = strlen(im->xml_error);
    while (n > 0 && im->xml_error[n - 1] == '\n')
        im->xml_error[--n] = '\0';
    im->xml_error_line = e->line;
}

/* The first failure is the one told: a comment's, with its line, may have
 * been noticed by a later call. */
static enum db_status
db_failed(struct importer *im, const char *what)
{
    if (!im->err[0])
        snprintf(im->err, im->err_len, "database: %s: %s", what,
                 db_errmsg(im->db));
    return DB_ERROR;
}

/* ---- threads ----------------------------------------------------------- */

static const char *
source_name(struct importer *im)
{
    if (!im->source[0]) {
        const char *site = field_trimmed(&im->site[S_BASE_URL]);

        if (!*site)
            site = field_trimmed(&im->site[S_LINK]);
        if (im->o->format == IMPORT_DISQUS)
            snprintf(im->source, sizeof im->source, "disqus");
        else if (*site)
            snprintf(im->source, sizeof im->source, "wordpress:%.*s", KEY_MAX,
                     site);
        else
            snprintf(im->source, sizeof im->source, "wordpress");
    }
    return im->source;
}

/* The article id of the thread being read; "" when its field is missing
 * or yields nothing. */
static void
thread_article(struct importer *im, char *out)
{
    const char *v;

    out[0] = '\0';
    switch (im->o->article_from) {
    case ARTICLE_FROM_LINK:
        v = field_trimmed(&im->thread[T_LINK]);
        if (*v)
            text_article_from_url(v, out);
        break;
    case ARTICLE_FROM_ID:
        v = field_trimmed(&im->thread[T_ID]);
        if (*v && text_article_from_id(v, out) != 0)
            out[0] = '\0';
        break;
    case ARTICLE_FROM_SLUG:
        v = field_trimmed(&im->thread[T_SLUG]);
        if (*v && text_article_from_id(v, out) != 0)
            out[0] = '\0';
        break;
    }
}

/* Why the comments of a thread without an article id are refused. */
static const char *
no_article_reason(const struct importer *im)
{
    bool disqus = im->o->format == IMPORT_DISQUS;

    switch (im->o->article_from) {
    case ARTICLE_FROM_LINK:
        return disqus ? "thread without a <link>" : "post without a <link>";
    case ARTICLE_FROM_ID:
        return disqus ? "thread without an <id> (--article-id id)"
                      : "post without a <wp:post_id> (--article-id id)";
    case ARTICLE_FROM_SLUG:
        break;
    }
    return "post without a <wp:post_name> (--article-id slug)";
}

static bool
article_field_seen(struct importer *im)
{
    int f = im->o->article_from == ARTICLE_FROM_LINK ? T_LINK
            : im->o->article_from == ARTICLE_FROM_ID ? T_ID
                                                     : T_SLUG;

    return *field_trimmed(&im->thread[f]) != '\0';
}

/* ---- threads seen --------------------------------------------------- */

enum { THREAD_SLOTS = 16384 };

struct thread_slot {
    char *key; /* NULL: empty */
    char article[ARTICLE_MAX + 1];
};

static struct thread_slot *
thread_slot(struct importer *im, const char *key)
{
    uint32_t h = 2166136261u;

    if (!im->threads)
        return NULL;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 16777619u;
    return &im->threads[h % THREAD_SLOTS];
}

/* Notes the article of a thread, as db_import_thread_set() recorded it. */
static void
thread_seen(struct importer *im, const char *key, const char *article)
{
    struct thread_slot *t = thread_slot(im, key);
    char *copy;

    if (!t || !(copy = strdup(key)))
        return;
    free(t->key);
    t->key = copy;
    snprintf(t->article, sizeof t->article, "%s", article);
}

/* The article of a thread noted, or NULL. */
static const char *
thread_known(struct importer *im, const char *key)
{
    struct thread_slot *t = thread_slot(im, key);

    return t && t->key && strcmp(t->key, key) == 0 ? t->article : NULL;
}

static void
threads_free(struct importer *im)
{
    for (int i = 0; im->threads && i < THREAD_SLOTS; i++)
        free(im->threads[i].key);
    free(im->threads);
    im->threads = NULL;
}

/* Disqus: a thread ends. */
static enum db_status
finish_thread(struct importer *im)
{
    char article[ARTICLE_MAX + 1];
    const char *key = field_trimmed(&im->thread[T_KEY]);

    if (!*key)
        return DB_OK; /* no post can name it */
    thread_article(im, article);
    if (db_import_thread_set(im->imp, key, article) != DB_OK)
        return db_failed(im, "thread");
    thread_seen(im, key, article);
    return DB_OK;
}

/* WordPress: the post's article id is settled at its first comment when
 * its field came before, else at its end (final). */
static enum db_status
settle_item(struct importer *im, bool final)
{
    char article[ARTICLE_MAX + 1];

    if (im->item_registered || (!final && !article_field_seen(im)))
        return DB_OK;
    thread_article(im, article);
    if (db_import_thread_set(im->imp, im->item_key, article) != DB_OK)
        return db_failed(im, "post");
    thread_seen(im, im->item_key, article);
    im->item_registered = true;
    return DB_OK;
}

/* ---- comments ---------------------------------------------------------- */

/* A comment ready to be written. */
struct parsed {
    const char *key, *thread_key, *parent_key;
    char *author, *email, *body;
    enum comment_status status;
    const char *reason; /* of the approval or rejection */
    int64_t created_at;
};

static enum db_status
insert_comment(struct importer *im, const struct parsed *p, const char *article)
{
    struct import_comment c = {
        .article = article,
        .author = p->author,
        .email = p->email,
        .body = p->body,
        .original_body = p->body,
        .status = p->status,
        .created_at = p->created_at,
        .published_at = p->status == COMMENT_APPROVED ? p->created_at : 0,
        .version = p->status == COMMENT_PENDING ? 1 : 2,
    };
    const char *source = source_name(im);
    struct import_history history[2] = {
        {.action = "created", .at = p->created_at},
        {.action = p->status == COMMENT_APPROVED ? "approved" : "rejected",
         .at = p->created_at,
         .reason = p->reason},
    };
    /* Again: the same id may have come twice in the file. */
    struct import_entry e = {
        .tag = xmlTextReaderGetParserLineNumber(im->reader),
        .c = c,
        .key = p->key,
        .parent_key = p->parent_key,
        .n_sources = 1,
        .source = &source,
        .source_id = &p->key,
        .n_history = p->status != COMMENT_PENDING ? 2 : 1,
        .history = history,
    };

    if (db_import_entry(im->imp, &e) != DB_OK)
        return im->err[0] ? DB_ERROR : db_failed(im, "comment");
    return DB_OK;
}

/* The outcome of a comment written with db_import_entry(). */
static void
comment_done(int64_t line, enum import_outcome outcome, int64_t id, void *arg)
{
    struct importer *im = arg;

    (void)id;
    switch (outcome) {
    case IMPORT_WRITTEN:
        im->r->imported++;
        break;
    case IMPORT_THERE:
        report_count(im->r, 1, "already imported (same id in the source)");
        break;
    case IMPORT_REFUSED:
    case IMPORT_REFUSED_HISTORY:
        report_count(im->r, 0, "refused by a constraint of the database");
        break;
    case IMPORT_FAILED:
        snprintf(im->err, im->err_len, "%s:%lld: database: %s", im->o->path,
                 (long long)line, db_errmsg(im->db));
        break;
    }
}

static bool
is_true(struct field *f)
{
    return strcmp(field_trimmed(f), "true") == 0 ||
           strcmp(field_trimmed(f), "1") == 0;
}

/* The state of the comment and the reason its history gives. */
static void
comment_state(struct importer *im, struct parsed *p)
{
    struct field *c = im->comment;

    if (im->o->format == IMPORT_DISQUS) {
        p->status = COMMENT_APPROVED;
        p->reason = "approved in Disqus";
        if (is_true(&c[C_SPAM])) {
            p->status = COMMENT_REJECTED;
            p->reason = "spam in Disqus";
        } else if (is_true(&c[C_DELETED])) {
            p->status = COMMENT_REJECTED;
            p->reason = "deleted in Disqus";
        } else if (strcmp(field_trimmed(&c[C_APPROVED]), "false") == 0) {
            p->status = COMMENT_PENDING;
            p->reason = NULL;
        }
        return;
    }
    {
        const char *s = field_trimmed(&c[C_STATE]);

        p->status = COMMENT_PENDING;
        p->reason = NULL;
        if (strcmp(s, "1") == 0 || strcmp(s, "approve") == 0) {
            p->status = COMMENT_APPROVED;
            p->reason = "approved in WordPress";
        } else if (strcmp(s, "spam") == 0) {
            p->status = COMMENT_REJECTED;
            p->reason = "spam in WordPress";
        } else if (strcmp(s, "trash") == 0 || strcmp(s, "post-trashed") == 0) {
            p->status = COMMENT_REJECTED;
            p->reason = "in the WordPress trash";
        }
    }
}

/* Reads the comment just ended; *why is set when it is not to be written
 * (skip says whether it is skipped rather than refused). */
static int
parse_comment(struct importer *im, struct parsed *p, const char **why,
              int *skip)
{
    struct field *c = im->comment;
    bool disqus = im->o->format == IMPORT_DISQUS;
    const char *type = field_trimmed(&c[C_TYPE]);
    const char *name;

    memset(p, 0, sizeof *p);
    *skip = 0;
    *why = NULL;
    if (!disqus &&
        (strcmp(type, "pingback") == 0 || strcmp(type, "trackback") == 0)) {
        *skip = 1;
        *why = "pingback or trackback, not a comment";
        return 0;
    }
    p->key = field_trimmed(&c[C_KEY]);
    if (!*p->key || strlen(p->key) > KEY_MAX) {
        *why = disqus ? "post without a dsq:id"
                      : "comment without a <wp:comment_id>";
        return 0;
    }
    p->thread_key = disqus ? field_trimmed(&c[C_THREAD]) : im->item_key;
    if (!*p->thread_key) {
        *why = "post without a <thread>";
        return 0;
    }
    p->parent_key = field_trimmed(&c[C_PARENT]);
    if (!disqus && strcmp(p->parent_key, "0") == 0)
        p->parent_key = "";
    if (text_parse_time(field_trimmed(&c[C_DATE]), &p->created_at) != 0 &&
        (disqus || text_parse_time(field_trimmed(&c[C_DATE_LOCAL]),
                                   &p->created_at) != 0)) {
        *why = "no valid date";
        return 0;
    }
    if (c[C_BODY].too_long) {
        *why = "message longer than 100,000 characters";
        return 0;
    }
    comment_state(im, p);
    p->body =
        text_from_html(c[C_BODY].p ? c[C_BODY].p : "", c[C_BODY].len, !disqus);
    if (!p->body)
        return -1;
    if (!*p->body) {
        *why = "empty message";
        return 0;
    }
    if (uni_count(p->body, strlen(p->body)) > BODY_MAX_CHARS) {
        *why = "message longer than 100,000 characters";
        return 0;
    }
    name = c[C_AUTHOR].len ? c[C_AUTHOR].p : c[C_USERNAME].p;
    p->author = text_clean(name ? name : "", name ? strlen(name) : 0, true,
                           AUTHOR_MAX_CHARS);
    if (!p->author)
        return -1;
    if (!*p->author) {
        free(p->author);
        /* A reader with no name: "anonymous", in the site's language. */
        p->author = strdup("Ẩn danh");
        if (!p->author)
            return -1;
    }
    if (c[C_EMAIL].len &&
        comment_clean_email(c[C_EMAIL].p, c[C_EMAIL].len, &p->email) != API_OK)
        p->email = NULL; /* a malformed address is not kept */
    return 0;
}

static void
parsed_clear(struct parsed *p)
{
    free(p->author);
    free(p->body);
    free(p->email);
}

static enum db_status
finish_comment(struct importer *im)
{
    char article[ARTICLE_MAX + 1];
    struct parsed p;
    const char *why;
    int skip;
    int64_t existing;
    const char *known;
    enum db_status st = DB_OK;

    progress_update(&im->progress, im->bytes_read, im->r->imported);
    if (parse_comment(im, &p, &why, &skip) != 0) {
        snprintf(im->err, im->err_len, "out of memory");
        st = DB_ERROR;
        goto out;
    }
    if (why) {
        report_count(im->r, skip, why);
        goto out;
    }
    /* A known thread with an article: the entry itself finds a comment
     * imported before, with no round trip of its own. */
    known = thread_known(im, p.thread_key);
    if (known && *known) {
        snprintf(article, sizeof article, "%s", known);
        st = insert_comment(im, &p, article);
        goto out;
    }
    st = db_source_find(im->db, source_name(im), p.key, &existing);
    if (st == DB_OK) {
        /* Replies in this file may name it. */
        if (db_import_key_set(im->imp, p.key, existing) != DB_OK)
            st = db_failed(im, "source");
        else
            report_count(im->r, 1, "already imported (same id in the source)");
        goto out;
    }
    if (st != DB_NOT_FOUND) {
        st = db_failed(im, "source");
        goto out;
    }
    st = db_import_thread_get(im->imp, p.thread_key, article, sizeof article);
    if (st == DB_OK)
        thread_seen(im, p.thread_key, article);
    if (st == DB_OK && !article[0]) {
        report_count(im->r, 0, no_article_reason(im));
    } else if (st == DB_OK) {
        st = insert_comment(im, &p, article);
    } else if (st == DB_NOT_FOUND) {
        struct import_orphan o = {
            .thread_key = p.thread_key,
            .source_id = p.key,
            .parent_key = *p.parent_key ? p.parent_key : NULL,
            .author = p.author,
            .email = p.email,
            .body = p.body,
            .status = p.status,
            .created_at = p.created_at,
            .reason = p.reason,
        };
        st = db_import_orphan_add(im->imp, &o);
        if (st != DB_OK)
            st = db_failed(im, "staging");
    } else {
        st = db_failed(im, "thread");
    }
out:
    parsed_clear(&p);
    return st;
}

/* A comment read before its thread, at the end of the file. */
static int
write_orphan(const struct import_orphan *o, void *arg)
{
    struct importer *im = arg;
    struct parsed p = {
        .key = o->source_id,
        .thread_key = o->thread_key,
        .parent_key = o->parent_key,
        .author = (char *)o->author,
        .email = (char *)o->email,
        .body = (char *)o->body,
        .status = o->status,
        .reason = o->reason,
        .created_at = o->created_at,
    };

    if (!o->article) {
        report_count(im->r, 0, "its thread is not in the file");
        return 0;
    }
    if (!o->article[0]) {
        report_count(im->r, 0, no_article_reason(im));
        return 0;
    }
    return insert_comment(im, &p, o->article) == DB_OK ? 0 : -1;
}

/* ---- the walk ---------------------------------------------------------- */

static char *
attribute(xmlTextReaderPtr r, const char *name, const char *ns,
          const char *qname)
{
    xmlChar *v = xmlTextReaderGetAttributeNs(r, (const xmlChar *)name,
                                             (const xmlChar *)ns);

    if (!v)
        v = xmlTextReaderGetAttribute(r, (const xmlChar *)qname);
    return (char *)v;
}

static void
capture_attribute(struct importer *im, struct field *f)
{
    char *v = attribute(im->reader, "id", DSQ_NS, "dsq:id");

    field_set(f, v);
    xmlFree(v);
}

static void
capture(struct importer *im, struct field *f, int depth)
{
    field_clear(f);
    im->capture = f;
    im->capture_depth = depth;
}

static bool
is_wp(const char *ns)
{
    return ns && strncmp(ns, WP_NS_PREFIX, strlen(WP_NS_PREFIX)) == 0;
}

/* An element starts (Disqus). */
static enum db_status
disqus_start(struct importer *im, int depth, const char *name)
{
    if (depth == 1 && strcmp(name, "thread") == 0) {
        for (int i = 0; i < T_COUNT; i++)
            field_clear(&im->thread[i]);
        capture_attribute(im, &im->thread[T_KEY]);
        im->in_thread = true;
    } else if (depth == 1 && strcmp(name, "post") == 0) {
        for (int i = 0; i < C_COUNT; i++)
            field_clear(&im->comment[i]);
        capture_attribute(im, &im->comment[C_KEY]);
        im->in_comment = true;
    } else if (depth == 2 && im->in_thread) {
        if (strcmp(name, "link") == 0)
            capture(im, &im->thread[T_LINK], depth);
        else if (strcmp(name, "id") == 0)
            capture(im, &im->thread[T_ID], depth);
    } else if (depth == 2 && im->in_comment) {
        static const struct {
            const char *name;
            enum comment_field f;
        } text[] = {
            {"message", C_BODY},        {"createdAt", C_DATE},
            {"isDeleted", C_DELETED},   {"isSpam", C_SPAM},
            {"isApproved", C_APPROVED},
        };

        if (strcmp(name, "thread") == 0)
            capture_attribute(im, &im->comment[C_THREAD]);
        else if (strcmp(name, "parent") == 0)
            capture_attribute(im, &im->comment[C_PARENT]);
        else if (strcmp(name, "author") == 0)
            im->in_author = true;
        for (size_t i = 0; i < sizeof text / sizeof text[0]; i++) {
            if (strcmp(name, text[i].name) == 0)
                capture(im, &im->comment[text[i].f], depth);
        }
    } else if (depth == 3 && im->in_comment && im->in_author) {
        if (strcmp(name, "name") == 0)
            capture(im, &im->comment[C_AUTHOR], depth);
        else if (strcmp(name, "email") == 0)
            capture(im, &im->comment[C_EMAIL], depth);
        else if (strcmp(name, "username") == 0)
            capture(im, &im->comment[C_USERNAME], depth);
    }
    return DB_OK;
}

static enum db_status
disqus_end(struct importer *im, int depth, const char *name)
{
    if (depth == 2 && strcmp(name, "author") == 0)
        im->in_author = false;
    if (depth != 1)
        return DB_OK;
    if (im->in_thread) {
        im->in_thread = false;
        return finish_thread(im);
    }
    if (im->in_comment) {
        im->in_comment = false;
        return finish_comment(im);
    }
    return DB_OK;
}

/* An element starts (WordPress). */
static enum db_status
wordpress_start(struct importer *im, int depth, const char *name,
                const char *ns)
{
    bool wp = is_wp(ns);

    if (depth == 2 && strcmp(name, "item") == 0 && !ns) {
        for (int i = 0; i < T_COUNT; i++)
            field_clear(&im->thread[i]);
        im->item_seq++;
        snprintf(im->item_key, sizeof im->item_key, "item:%lld", im->item_seq);
        im->item_registered = false;
        im->in_thread = true;
    } else if (depth == 2 && !im->in_thread) {
        if (!ns && strcmp(name, "link") == 0)
            capture(im, &im->site[S_LINK], depth);
        else if (wp && strcmp(name, "base_site_url") == 0)
            capture(im, &im->site[S_BASE_URL], depth);
    } else if (depth == 3 && im->in_thread) {
        if (!ns && strcmp(name, "link") == 0) {
            capture(im, &im->thread[T_LINK], depth);
        } else if (wp && strcmp(name, "post_id") == 0) {
            capture(im, &im->thread[T_ID], depth);
        } else if (wp && strcmp(name, "post_name") == 0) {
            capture(im, &im->thread[T_SLUG], depth);
        } else if (wp && strcmp(name, "comment") == 0) {
            for (int i = 0; i < C_COUNT; i++)
                field_clear(&im->comment[i]);
            im->in_comment = true;
            return settle_item(im, false);
        }
    } else if (depth == 4 && im->in_comment && wp) {
        static const struct {
            const char *name;
            enum comment_field f;
        } text[] = {
            {"comment_id", C_KEY},
            {"comment_author", C_AUTHOR},
            {"comment_author_email", C_EMAIL},
            {"comment_date", C_DATE_LOCAL},
            {"comment_date_gmt", C_DATE},
            {"comment_content", C_BODY},
            {"comment_approved", C_STATE},
            {"comment_type", C_TYPE},
            {"comment_parent", C_PARENT},
        };

        for (size_t i = 0; i < sizeof text / sizeof text[0]; i++) {
            if (strcmp(name, text[i].name) == 0)
                capture(im, &im->comment[text[i].f], depth);
        }
    }
    return DB_OK;
}

static enum db_status
wordpress_end(struct importer *im, int depth, const char *name, const char *ns)
{
    if (depth == 3 && im->in_comment && is_wp(ns) &&
        strcmp(name, "comment") == 0) {
        im->in_comment = false;
        return finish_comment(im);
    }
    if (depth == 2 && im->in_thread && strcmp(name, "item") == 0) {
        im->in_thread = false;
        return settle_item(im, true);
    }
    return DB_OK;
}

static enum db_status
on_element(struct importer *im, bool start)
{
    xmlTextReaderPtr r = im->reader;
    int depth = xmlTextReaderDepth(r);
    const char *name = (const char *)xmlTextReaderConstLocalName(r);
    const char *ns = (const char *)xmlTextReaderConstNamespaceUri(r);
    bool disqus = im->o->format == IMPORT_DISQUS;

    if (!name)
        return DB_OK;
    if (start && depth == 0) {
        const char *want = disqus ? "disqus" : "rss";

        if (strcmp(name, want) != 0) {
            snprintf(im->err, im->err_len,
                     "%s: not a %s export: its root element is <%s>, not <%s>",
                     im->o->path, disqus ? "Disqus" : "WordPress", name, want);
            return DB_ERROR;
        }
        return DB_OK;
    }
    if (!start) {
        if (im->capture && depth == im->capture_depth)
            im->capture = NULL;
        return disqus ? disqus_end(im, depth, name)
                      : wordpress_end(im, depth, name, ns);
    }
    return disqus ? disqus_start(im, depth, name)
                  : wordpress_start(im, depth, name, ns);
}

static int
read_input(void *arg, char *buf, int len)
{
    struct importer *im = arg;
    ssize_t n;

    do {
        n = read(im->fd, buf, (size_t)len);
    } while (n < 0 && errno == EINTR);
    if (n > 0)
        im->bytes_read += n;
    return n < 0 ? -1 : (int)n;
}

static int
close_input(void *arg)
{
    (void)arg;
    return 0; /* the fd is closed by import_xml() */
}

/* The import: the transaction's work.  Runs once; a database that stays
 * busy is an error here, never a retry (the file is read only once). */
static enum db_status
run_import(struct db *db, void *arg)
{
    struct importer *im = arg;
    enum db_status st = DB_OK;
    int ret = 0;

    if (im->ran) {
        snprintf(im->err, im->err_len, "the database was busy");
        return DB_ERROR;
    }
    im->ran = true;
    if (db_import_open(db, &im->imp) != DB_OK)
        return db_failed(im, "cannot stage the import");
    db_import_on_done(im->imp, comment_done, im);
    /* Without it (no memory), every comment looks its thread up. */
    im->threads = calloc(THREAD_SLOTS, sizeof *im->threads);
    im->reader = xmlReaderForIO(read_input, close_input, im, im->o->path, NULL,
                                XML_PARSE_NONET | XML_PARSE_NOBLANKS);
    if (!im->reader) {
        snprintf(im->err, im->err_len, "%s: cannot read", im->o->path);
        st = DB_ERROR;
        goto out;
    }
    xmlTextReaderSetStructuredErrorHandler(im->reader, on_xml_error, im);
    while (st == DB_OK && (ret = xmlTextReaderRead(im->reader)) == 1) {
        int type = xmlTextReaderNodeType(im->reader);

        switch (type) {
        case XML_READER_TYPE_ELEMENT:
            st = on_element(im, true);
            if (st == DB_OK && xmlTextReaderIsEmptyElement(im->reader))
                st = on_element(im, false);
            break;
        case XML_READER_TYPE_END_ELEMENT:
            st = on_element(im, false);
            break;
        case XML_READER_TYPE_TEXT:
        case XML_READER_TYPE_CDATA:
        case XML_READER_TYPE_WHITESPACE:
        case XML_READER_TYPE_SIGNIFICANT_WHITESPACE:
            if (im->capture &&
                xmlTextReaderDepth(im->reader) == im->capture_depth + 1) {
                const char *v =
                    (const char *)xmlTextReaderConstValue(im->reader);

                if (v && field_append(im->capture, v, strlen(v)) != 0) {
                    snprintf(im->err, im->err_len, "out of memory");
                    st = DB_ERROR;
                }
            }
            break;
        default:
            break;
        }
    }
    if (st != DB_OK)
        goto out;
    if (ret != 0 || im->xml_error[0]) {
        int line = im->xml_error_line > 0
                       ? im->xml_error_line
                       : xmlTextReaderGetParserLineNumber(im->reader);

        struct stat sb;
        /* All of it read: the file most likely ends too early. */
        bool at_end = fstat(im->fd, &sb) == 0 && S_ISREG(sb.st_mode) &&
                      im->bytes_read == (int64_t)sb.st_size;

        snprintf(im->err, im->err_len, "%s:%d: malformed XML: %s%s",
                 im->o->path, line,
                 im->xml_error[0] ? im->xml_error : "cannot parse",
                 at_end ? " (is the file cut short?)" : "");
        st = DB_ERROR;
        goto out;
    }
    if (db_import_orphan_walk(im->imp, write_orphan, im) != DB_OK) {
        st = im->err[0] ? DB_ERROR : db_failed(im, "staged comments");
        goto out;
    }
    if (db_import_resolve_parents(im->imp, source_name(im),
                                  &im->r->replies_linked,
                                  &im->r->replies_unlinked) != DB_OK)
        st = db_failed(im, "replies");
    else if (db_import_finish(im->imp) != DB_OK)
        st = db_failed(im, "the end of the import");
out:
    xmlFreeTextReader(im->reader);
    im->reader = NULL;
    threads_free(im);
    db_import_close(im->imp);
    im->imp = NULL;
    return st;
}

int
import_xml(struct db *db, const struct import_options *o,
           struct import_report *r, char *err, size_t err_len)
{
    struct importer im = {
        .o = o,
        .r = r,
        .db = db,
        .err = err,
        .err_len = err_len,
        .fd = -1,
    };
    struct stat sb;
    enum db_status st;

    memset(r, 0, sizeof *r);
    err[0] = '\0';
    if (strcmp(o->path, "-") == 0) {
        im.fd = STDIN_FILENO;
    } else {
        im.fd = open(o->path, O_RDONLY | O_CLOEXEC);
        if (im.fd < 0) {
            snprintf(err, err_len, "cannot open %s: %s", o->path,
                     strerror(errno));
            return -1;
        }
    }
    progress_start(&im.progress, o->progress,
                   fstat(im.fd, &sb) == 0 && S_ISREG(sb.st_mode)
                       ? (int64_t)sb.st_size
                       : 0);
    st = db_transaction(db, run_import, &im);
    progress_end(&im.progress, im.bytes_read, r->imported);
    if (im.fd != STDIN_FILENO)
        close(im.fd);
    fields_free(im.thread, T_COUNT);
    fields_free(im.comment, C_COUNT);
    fields_free(im.site, S_COUNT);
    if (st != DB_OK) {
        if (!err[0])
            snprintf(err, err_len, "database: %s",
                     st == DB_BUSY ? "busy" : db_errmsg(db));
        return -1;
    }
    return 0;
}
