/* Imports of a Disqus export and of a WordPress export (WXR), read with
 * libxml2's streaming reader so that memory stays the same whatever the
 * size of the file.  One transaction: a malformed or truncated file
 * imports nothing.
 *
 * Comments keep their author, e-mail, date, parent and state (approved;
 * pending; spam, deleted or in the trash as rejected); HTML bodies become
 * plain text (see ops/text.h); texts are stored in NFC without control
 * characters, and are not judged by the diacritics rule.  A comment whose
 * id in the source was imported before is skipped. */
#ifndef YKIEN_OPS_IMPORT_XML_H
#define YKIEN_OPS_IMPORT_XML_H

#include <stdbool.h>
#include <stddef.h>

#include "ops/report.h"

struct db;

enum import_format { IMPORT_DISQUS, IMPORT_WORDPRESS };

/* Which field of a thread (Disqus) or post (WordPress) is the article id,
 * made to fit the article id rule (ops/text.h). */
enum import_article {
    ARTICLE_FROM_LINK, /* the path of its URL (<link>); the default */
    ARTICLE_FROM_ID,   /* Disqus: the thread's <id> (the site's
                        * identifier); WordPress: <wp:post_id> */
    ARTICLE_FROM_SLUG, /* WordPress: <wp:post_name> */
};

struct import_options {
    enum import_format format;
    enum import_article article_from;
    const char *path; /* the file; "-" for standard input */
    bool progress;    /* draw a progress bar on stderr */
};

/* Imports the file into db.  0 on success (the summary is in *r), -1 with
 * a one-line reason in err ("FILE:LINE: ..." for a malformed file), and
 * then nothing was imported. */
int import_xml(struct db *db, const struct import_options *o,
               struct import_report *r, char *err, size_t err_len);

#endif
