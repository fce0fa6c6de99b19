/* Text conversions for imports: HTML to plain text (libxml2's HTML
 * parser), clean-up, article ids from URLs, times.  No I/O here. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <utf8proc.h>

#include "api/unicode.h"
#include "ops/text.h"
#include "util/hash.h"

enum { HTML_MAX_DEPTH = 200, URL_MAX = 4096 };

/* ---- a growing output buffer ------------------------------------------- */

struct out {
    char *p;
    size_t len, cap;
    bool failed;
};

static void
put(struct out *o, const char *s, size_t n)
{
    if (o->failed)
        return;
    if (o->len + n + 1 > o->cap) {
        size_t cap = o->cap ? o->cap : 256;
        char *p;

        while (cap < o->len + n + 1)
            cap *= 2;
        p = realloc(o->p, cap);
        if (!p) {
            o->failed = true;
            return;
        }
        o->p = p;
        o->cap = cap;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
    o->p[o->len] = '\0';
}

/* ---- clean-up ---------------------------------------------------------- */

static bool
dropped(utf8proc_int32_t cp, bool is_name)
{
    if (cp == '\n' || cp == '\t')
        return false;
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
        return true;
    if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069))
        return true;
    return is_name && cp >= 0xAD && cp != 0x200D &&
           utf8proc_category(cp) == UTF8PROC_CATEGORY_CF;
}

/* At most one blank line in a row, no spaces at line ends, and at most
 * max_chars characters.  Works in place. */
static void
tidy_lines(char *s, size_t *len, size_t max_chars)
{
    size_t o = 0, chars = 0;
    int newlines = 0;

    for (size_t i = 0; i < *len; i++) {
        char ch = s[i];

        if (ch == '\n') {
            while (o > 0 && (s[o - 1] == ' ' || s[o - 1] == '\t'))
                o--;
            if (++newlines > 2)
                continue;
        } else {
            newlines = 0;
        }
        if (((unsigned char)ch & 0xC0) != 0x80 && ++chars > max_chars)
            break;
        s[o++] = ch;
    }
    while (o > 0 && (s[o - 1] == '\n' || s[o - 1] == ' '))
        o--;
    s[o] = '\0';
    *len = o;
}

char *
text_clean(const char *in, size_t len, bool is_name, size_t max_chars)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)in;
    struct out o = {0};
    char *clean = NULL;
    size_t clean_len, chars;

    for (size_t i = 0; i < len;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n =
            utf8proc_iterate(p + i, (utf8proc_ssize_t)(len - i), &cp);

        if (n <= 0) {
            i++; /* a byte that is no UTF-8: dropped */
            continue;
        }
        if (cp == '\r') {
            if (i + 1 < len && p[i + 1] == '\n')
                i++;
            cp = '\n';
            n = 1;
        }
        if (is_name && (cp == '\n' || cp == '\t')) {
            put(&o, " ", 1);
        } else if (!dropped(cp, is_name)) {
            put(&o, cp == '\n' ? "\n" : in + i, (size_t)n);
        }
        i += (size_t)n;
    }
    if (o.failed)
        goto out;
    if (uni_clean(o.p ? o.p : "", o.len, &clean, &clean_len, &chars) != UNI_OK)
        goto out;
    if (is_name) {
        /* one space between words */
        size_t w = 0;

        for (size_t i = 0; i < clean_len; i++) {
            if (clean[i] == ' ' && w > 0 && clean[w - 1] == ' ')
                continue;
            clean[w++] = clean[i];
        }
        clean_len = w;
    }
    tidy_lines(clean, &clean_len, max_chars);
out:
    free(o.p);
    return clean;
}

/* ---- HTML to text ------------------------------------------------------ */

struct render {
    struct out out;
    int pending_newlines; /* line breaks owed before the next text, 0-2 */
    bool pending_space;
    bool keep_newlines; /* WordPress text, or inside <pre> */
};

/* Writes text, after the breaks or the space it is owed. */
static void
emit(struct render *r, const char *s, size_t n)
{
    if (n == 0)
        return;
    if (r->out.len > 0 && r->pending_newlines)
        put(&r->out, "\n\n", (size_t)r->pending_newlines);
    else if (r->out.len > 0 && r->pending_space)
        put(&r->out, " ", 1);
    r->pending_newlines = 0;
    r->pending_space = false;
    put(&r->out, s, n);
}

static void
owe_newlines(struct render *r, int n)
{
    if (r->pending_newlines < n)
        r->pending_newlines = n;
}

/* A text node: runs of white space are one space, as a browser shows
 * them; a newline is a line break where newlines are kept. */
static void
render_text(struct render *r, const char *s)
{
    while (*s) {
        size_t word = strcspn(s, " \t\n\r\f\v");

        emit(r, s, word);
        s += word;
        while (*s && strchr(" \t\n\r\f\v", *s)) {
            if (r->keep_newlines && *s == '\n') {
                if (r->pending_newlines < 2)
                    r->pending_newlines++;
            } else {
                r->pending_space = true;
            }
            s++;
        }
    }
}

static bool
name_is(const xmlNode *n, const char *const *names)
{
    for (; *names; names++) {
        if (xmlStrcasecmp(n->name, (const xmlChar *)*names) == 0)
            return true;
    }
    return false;
}

static const char *const skipped_elements[] = {"script", "style",    "head",
                                               "title",  "noscript", "template",
                                               "iframe", "object",   NULL};
static const char *const block_elements[] = {
    "p",       "div",     "blockquote", "pre",    "ul",     "ol", "dl",
    "h1",      "h2",      "h3",         "h4",     "h5",     "h6", "table",
    "section", "article", "header",     "footer", "figure", "hr", NULL};
static const char *const line_elements[] = {"li", "tr", "dt", "dd", NULL};

static void render_children(struct render *r, xmlNode *n, int depth);

static void
render_link(struct render *r, xmlNode *n, int depth)
{
    xmlChar *href = xmlGetProp(n, (const xmlChar *)"href");
    size_t start = r->out.len;
    const char *url = (const char *)href;

    render_children(r, n, depth);
    if (url && *url && strncasecmp(url, "javascript:", 11) != 0) {
        const char *text = r->out.p ? r->out.p + start : "";
        const char *bare = strstr(url, "://");
        size_t url_len = strlen(url);

        /* the text may have started with the space or breaks it owed */
        text += strspn(text, " \n");
        if (*text == '\0') {
            emit(r, url, url_len);
        } else if (strcmp(text, url) != 0 &&
                   !(bare && strcmp(text, bare + 3) == 0)) {
            r->pending_space = true;
            emit(r, "(", 1);
            put(&r->out, url, url_len);
            put(&r->out, ")", 1);
        }
    }
    xmlFree(href);
}

static void
render_node(struct render *r, xmlNode *n, int depth)
{
    if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
        if (n->content)
            render_text(r, (const char *)n->content);
        return;
    }
    if (n->type != XML_ELEMENT_NODE || depth > HTML_MAX_DEPTH)
        return;
    if (name_is(n, skipped_elements))
        return;
    if (xmlStrcasecmp(n->name, (const xmlChar *)"br") == 0) {
        if (r->pending_newlines < 2)
            r->pending_newlines++;
        return;
    }
    if (xmlStrcasecmp(n->name, (const xmlChar *)"a") == 0) {
        render_link(r, n, depth);
        return;
    }
    if (name_is(n, block_elements)) {
        bool keep = r->keep_newlines;

        owe_newlines(r, 2);
        if (xmlStrcasecmp(n->name, (const xmlChar *)"pre") == 0)
            r->keep_newlines = true;
        render_children(r, n, depth);
        r->keep_newlines = keep;
        owe_newlines(r, 2);
        return;
    }
    if (name_is(n, line_elements)) {
        owe_newlines(r, 1);
        if (xmlStrcasecmp(n->name, (const xmlChar *)"li") == 0)
            emit(r, "- ", 2);
        render_children(r, n, depth);
        owe_newlines(r, 1);
        return;
    }
    render_children(r, n, depth);
}

static void
render_children(struct render *r, xmlNode *n, int depth)
{
    for (xmlNode *c = n->children; c; c = c->next)
        render_node(r, c, depth + 1);
}

char *
text_from_html(const char *html, size_t len, bool keep_newlines)
{
    struct render r = {.keep_newlines = keep_newlines};
    char *text;

    if (!memchr(html, '<', len) && !memchr(html, '&', len)) {
        /* No markup: only the white space to collapse. */
        char *copy = strndup(html, len);

        if (!copy)
            return NULL;
        render_text(&r, copy);
        free(copy);
    } else {
        htmlDocPtr doc = htmlReadMemory(
            html, (int)(len > (size_t)INT32_MAX ? INT32_MAX : len), NULL,
            "UTF-8",
            HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                HTML_PARSE_NONET | HTML_PARSE_NODEFDTD);

        if (doc) {
            render_children(&r, (xmlNode *)doc, 0);
            xmlFreeDoc(doc);
        }
    }
    if (r.out.failed) {
        free(r.out.p);
        return NULL;
    }
    text = text_clean(r.out.p ? r.out.p : "", r.out.len, false, SIZE_MAX);
    free(r.out.p);
    return text;
}

/* ---- article ids ------------------------------------------------------- */

static int
hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool
allowed(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
           c == ':';
}

/* Folds s[0..len) to the article id alphabet into out; '/' becomes sep. */
static int
fold_id(const char *whole, const char *s, size_t len, char sep, char *out)
{
    utf8proc_uint8_t *folded = NULL;
    utf8proc_ssize_t n;
    char buf[URL_MAX + 1];
    size_t o = 0;

    n = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len,
                     &folded,
                     UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK | UTF8PROC_STABLE);
    if (n < 0) {
        /* not UTF-8: keep the ASCII bytes */
        folded = NULL;
    }
    for (utf8proc_ssize_t i = 0; i < (n < 0 ? (utf8proc_ssize_t)len : n);) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t step;
        char c;

        if (n < 0) {
            cp = (unsigned char)s[i];
            step = 1;
        } else {
            step = utf8proc_iterate(folded + i, n - i, &cp);
            if (step <= 0)
                break;
        }
        i += step;
        if (cp == 0x111 || cp == 0x110) /* đ Đ do not decompose */
            cp = cp == 0x111 ? 'd' : 'D';
        if (cp == '/')
            c = sep;
        else if (cp < 0x80 && allowed((unsigned char)cp))
            c = (char)cp;
        else
            c = '-';
        /* one separator for a run; none at the start */
        if ((c == '-' || c == ':') &&
            (o == 0 || buf[o - 1] == '-' || buf[o - 1] == ':')) {
            if (o > 0 && c == ':' && buf[o - 1] == '-')
                buf[o - 1] = ':';
            continue;
        }
        if (o < URL_MAX)
            buf[o++] = c;
    }
    free(folded);
    while (o > 0 && (buf[o - 1] == '-' || buf[o - 1] == ':'))
        o--;
    if (o == 0)
        return -1;
    if (o > ARTICLE_MAX) {
        snprintf(buf + ARTICLE_MAX - 9, 10, "-%08x",
                 (unsigned)hash_string(whole));
        o = ARTICLE_MAX;
    }
    memcpy(out, buf, o);
    out[o] = '\0';
    return 0;
}

int
text_article_from_url(const char *url, char *out)
{
    const char *path = url, *scheme = strstr(url, "://");
    char decoded[URL_MAX + 1];
    size_t n = 0;

    if (scheme && (size_t)(scheme - url) < strcspn(url, "/?#"))
        path = scheme + 3;
    else if (strncmp(url, "//", 2) == 0)
        path = url + 2;
    if (path != url)
        path += strcspn(path, "/?#"); /* past the host */
    for (const char *p = path; *p && *p != '?' && *p != '#' && n < URL_MAX;
         p++) {
        int hi, lo;

        if (*p == '%' && (hi = hex_value(p[1])) >= 0 &&
            (lo = hex_value(p[2])) >= 0) {
            decoded[n++] = (char)(hi * 16 + lo);
            p += 2;
        } else {
            decoded[n++] = *p;
        }
    }
    decoded[n] = '\0';
    if (fold_id(url, decoded, n, ':', out) != 0) {
        strcpy(out, "index");
    }
    return 0;
}

int
text_article_from_id(const char *id, char *out)
{
    size_t len = strlen(id);

    return fold_id(id, id, len < URL_MAX ? len : URL_MAX, '-', out);
}

/* ---- times ------------------------------------------------------------- */

int
text_parse_time(const char *s, int64_t *unix_seconds)
{
    struct tm tm = {0};
    int y, mo, d, h, mi, sec, used = 0;
    long offset = 0;
    const char *p;
    time_t t;

    while (*s == ' ' || *s == '\n' || *s == '\t')
        s++;
    if (sscanf(s, "%4d-%2d-%2d%*1[T ]%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec,
               &used) != 6 ||
        used == 0)
        return -1;
    if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 ||
        h > 23 || mi > 59 || sec > 60)
        return -1;
    p = s + used;
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p == '+' || *p == '-') {
        int oh, om;

        if (sscanf(p + 1, "%2d:%2d", &oh, &om) != 2 || oh > 23 || om > 59)
            return -1;
        offset = (oh * 3600L + om * 60L) * (*p == '+' ? 1 : -1);
        p += 6;
    } else if (*p == 'Z' || *p == 'z') {
        p++;
    }
    while (*p == ' ' || *p == '\n' || *p == '\t')
        p++;
    if (*p)
        return -1;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    t = timegm(&tm);
    if (t == (time_t)-1)
        return -1;
    *unix_seconds = (int64_t)t - offset;
    return 0;
}
