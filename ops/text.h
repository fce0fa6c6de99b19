/* Text conversions for imports: HTML to plain text, the clean-up every
 * imported text gets, article ids made from URLs, and the time formats of
 * export files.  Pure: no I/O, no database. */
#ifndef YKIEN_OPS_TEXT_H
#define YKIEN_OPS_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/comment.h"

/* HTML (a comment body of Disqus or WordPress) as plain text, parsed with
 * libxml2's HTML parser: entities decoded, <br> a line break, paragraphs
 * (<p>, <div>, <blockquote>, lists...) separated by a blank line, a link
 * as its text followed by its URL in parentheses (the URL alone when the
 * text is the URL), scripts and styles dropped, white space collapsed as a
 * browser would; with keep_newlines a newline of the source is a line
 * break too (WordPress stores comments so).  The result is cleaned as
 * text_clean() says.  Returns a new string, NULL when out of memory. */
char *text_from_html(const char *html, size_t len, bool keep_newlines);

/* The clean-up of imported text: invalid UTF-8 sequences, control
 * characters (newline and tab kept) and bidi controls are removed rather
 * than refused, CRLF becomes LF, white space is trimmed at both ends, at
 * most one blank line is kept in a row, and the text is put in NFC.  In a
 * name (is_name) every invisible format character but the zero-width
 * joiner goes too, and newlines become spaces.  Returns a new string
 * (possibly empty) of at most max_chars characters (cut at a character
 * boundary), NULL when out of memory. */
char *text_clean(const char *in, size_t len, bool is_name, size_t max_chars);

/* An article id (1-128 of A-Z a-z 0-9 . _ - :) from the path of url: the
 * scheme, host, query and fragment are dropped, percent-escapes decoded,
 * Vietnamese and other Latin letters folded to ASCII ("tin-tức" gives
 * "tin-tuc"), '/' between segments becomes ':', any other character '-'
 * (runs of them one); "index" for an empty path.  Longer than 128: the
 * first 119 characters, '-' and 8 hex digits of a hash of the whole.
 * Writes into out (ARTICLE_MAX + 1 bytes); -1 when nothing is left. */
int text_article_from_url(const char *url, char *out);
/* The same for an identifier that is not a URL (an id or a slug): no
 * path handling, '/' is '-' like any other character. */
int text_article_from_id(const char *id, char *out);

/* Parses "2017-06-09T07:35:34Z", "2017-06-09 07:35:34" (UTC), with an
 * optional fraction and "Z" or a "+07:00" offset.  -1 when it is none of
 * these or a date out of range. */
int text_parse_time(const char *s, int64_t *unix_seconds);

#endif
