/* Folding and word splitting.  utf8proc does the case folding and the
 * decomposition; the results for the first 8,192 code points (Latin with
 * every Vietnamese letter, combining marks, Greek, Cyrillic) are computed
 * once into a table, so that a comment costs a table lookup per code point
 * and ASCII not even that. */
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "api/fold.h"

enum { TABLE_CPS = 0x2000, DECOMPOSED_MAX = 32 };

struct fold_entry {
    uint16_t exact; /* the case-folded code point */
    uint16_t bare;  /* its base letter; 0: none (a mark) */
    uint8_t kind;   /* enum fold_kind */
    uint8_t simple; /* exact and bare are single code points (or none) */
};

static struct fold_entry table[TABLE_CPS];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static uint8_t ascii_kind[128];

static enum fold_kind
classify(int32_t cp)
{
    if (cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || cp == 0x85)
        return FOLD_WHITE;
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
        return FOLD_WORD;
    case UTF8PROC_CATEGORY_ZS:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
        return FOLD_WHITE;
    default:
        return FOLD_OTHER;
    }
}

/* The case-folded code points of cp; the bare form drops every mark and
 * writes đ as d (it has no decomposition to strip). */
static utf8proc_ssize_t
fold_cp(int32_t cp, bool bare, utf8proc_int32_t out[DECOMPOSED_MAX])
{
    utf8proc_option_t opt = UTF8PROC_CASEFOLD;
    utf8proc_ssize_t n;
    int boundclass = 0;

    if (bare)
        opt |= UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK;
    n = utf8proc_decompose_char(cp, out, DECOMPOSED_MAX, opt, &boundclass);
    if (n < 0 || n > DECOMPOSED_MAX) {
        out[0] = cp;
        return 1;
    }
    for (utf8proc_ssize_t i = 0; bare && i < n; i++) {
        if (out[i] == 0x111)
            out[i] = 'd';
    }
    return n;
}

static void
build_table(void)
{
    for (int32_t cp = 0; cp < 128; cp++)
        ascii_kind[cp] = (uint8_t)classify(cp);
    for (int32_t cp = 0; cp < TABLE_CPS; cp++) {
        struct fold_entry *e = &table[cp];
        utf8proc_int32_t ex[DECOMPOSED_MAX], ba[DECOMPOSED_MAX];
        utf8proc_ssize_t nex, nba;

        e->kind = (uint8_t)classify(cp);
        if (e->kind != FOLD_WORD)
            continue;
        nex = fold_cp(cp, false, ex);
        nba = fold_cp(cp, true, ba);
        if (nex == 1 && ex[0] > 0 && ex[0] < 0x10000 && nba <= 1 &&
            (nba == 0 || (ba[0] > 0 && ba[0] < 0x10000))) {
            e->simple = 1;
            e->exact = (uint16_t)ex[0];
            e->bare = nba ? (uint16_t)ba[0] : 0;
        }
    }
}

enum fold_kind
fold_kind_of(int32_t cp)
{
    pthread_once(&table_once, build_table);
    if (cp >= 0 && cp < TABLE_CPS)
        return (enum fold_kind)table[cp].kind;
    return classify(cp);
}

void
fold_buf_release(struct fold_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* One output form: the buffer and the separator owed before the next
 * word (0: none). */
struct form {
    struct fold_buf *buf;
    char pending;
    bool collapse_only; /* fingerprint: every non-white code point is kept */
};

static int
reserve(struct fold_buf *b, size_t more)
{
    size_t want;
    char *bigger;

    if (b->len + more <= b->cap)
        return 0;
    want = b->cap ? b->cap * 2 : 256;
    while (want < b->len + more)
        want *= 2;
    bigger = realloc(b->data, want);
    if (!bigger)
        return -1;
    b->data = bigger;
    b->cap = want;
    return 0;
}

static void
gap(struct form *f, enum fold_kind kind)
{
    if (f->buf->len == 0)
        return;
    f->pending = (kind == FOLD_OTHER || f->pending == FOLD_BREAK) ? FOLD_BREAK
                                                                  : FOLD_SPACE;
}

/* Writes cp as UTF-8; the caller has reserved the room. */
static inline void
encode(struct fold_buf *b, uint32_t cp)
{
    unsigned char *o = (unsigned char *)b->data + b->len;

    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        b->len += 1;
    } else if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | cp >> 6);
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        b->len += 2;
    } else if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | cp >> 12);
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        b->len += 3;
    } else {
        o[0] = (unsigned char)(0xF0 | cp >> 18);
        o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[3] = (unsigned char)(0x80 | (cp & 0x3F));
        b->len += 4;
    }
}

/* Appends one code point, after the separator owed; room is reserved. */
static inline void
put1(struct form *f, uint32_t cp)
{
    struct fold_buf *b = f->buf;

    if (f->pending) {
        b->data[b->len++] = f->pending;
        f->pending = 0;
    }
    encode(b, cp);
}

/* Appends n code points; reserves room for them and keeps the room owed
 * to the rest of the input (see fold_into). */
static int
put(struct form *f, const utf8proc_int32_t *cps, utf8proc_ssize_t n,
    size_t rest)
{
    if (n <= 0)
        return 0;
    if (reserve(f->buf, 1 + 4 * (size_t)n + 2 * rest) != 0)
        return -1;
    for (utf8proc_ssize_t i = 0; i < n; i++)
        put1(f, (uint32_t)cps[i]);
    return 0;
}

/* Decodes the code point at p[0..len) (p[0] >= 0x80) into *cp and returns
 * its length, or 0 when it is not UTF-8. */
static inline size_t
decode(const utf8proc_uint8_t *p, size_t len, utf8proc_int32_t *cp)
{
    if (p[0] >= 0xC2 && p[0] < 0xE0 && len >= 2 && (p[1] & 0xC0) == 0x80) {
        *cp = (p[0] & 0x1F) << 6 | (p[1] & 0x3F);
        return 2;
    }
    utf8proc_ssize_t n = utf8proc_iterate(p, (utf8proc_ssize_t)len, cp);

    return n > 0 ? (size_t)n : 0;
}

/* Folds s into the given forms (bare may be NULL).  A code point the
 * table folds to one code point takes at most twice its input bytes
 * (with a separator), so room for twice the input is reserved up front
 * and kept by the slow path. */
static int
fold_into(const char *s, size_t len, struct form *exact, struct form *bare)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    bool keep_all = exact->collapse_only;

    pthread_once(&table_once, build_table);
    if (reserve(exact->buf, 2 * len + 8) != 0 ||
        (bare && reserve(bare->buf, 2 * len + 8) != 0))
        return -1;
    for (size_t i = 0; i < len;) {
        utf8proc_int32_t cp, cps[DECOMPOSED_MAX];
        utf8proc_ssize_t n;
        enum fold_kind kind;
        size_t step;

        if (p[i] < 0x80) {
            cp = p[i++];
            kind = (enum fold_kind)ascii_kind[cp];
            if (kind == FOLD_WHITE || (kind == FOLD_OTHER && !keep_all)) {
                gap(exact, kind);
                if (bare)
                    gap(bare, kind);
                continue;
            }
            if (cp >= 'A' && cp <= 'Z')
                cp |= 0x20;
            put1(exact, (uint32_t)cp);
            if (bare)
                put1(bare, (uint32_t)cp);
            continue;
        }
        step = decode(p + i, len - i, &cp);
        if (step == 0) {
            /* Not UTF-8: callers pass validated text; stay safe anyway. */
            i++;
            gap(exact, FOLD_OTHER);
            if (bare)
                gap(bare, FOLD_OTHER);
            continue;
        }
        i += step;
        kind = cp < TABLE_CPS ? (enum fold_kind)table[cp].kind : classify(cp);
        if (kind == FOLD_WHITE || (kind == FOLD_OTHER && !keep_all)) {
            gap(exact, kind);
            if (bare)
                gap(bare, kind);
            continue;
        }
        if (cp < TABLE_CPS && table[cp].simple) {
            put1(exact, table[cp].exact);
            if (bare && table[cp].bare)
                put1(bare, table[cp].bare);
            continue;
        }
        n = fold_cp(cp, false, cps);
        if (put(exact, cps, n, len - i) != 0)
            return -1;
        if (bare) {
            n = fold_cp(cp, true, cps);
            if (put(bare, cps, n, len - i) != 0)
                return -1;
        }
    }
    return 0;
}

int
fold_words(const char *s, size_t len, struct fold_buf *exact,
           struct fold_buf *bare)
{
    struct form e = {.buf = exact}, b = {.buf = bare};

    exact->len = 0;
    if (bare)
        bare->len = 0;
    return fold_into(s, len, &e, bare ? &b : NULL);
}

int64_t
fold_fingerprint(const char *s, size_t len)
{
    struct fold_buf buf = {0};
    struct form f = {.buf = &buf, .collapse_only = true};
    unsigned char hash[crypto_generichash_BYTES_MIN];
    int64_t out = 0;

    if (fold_into(s, len, &f, NULL) != 0)
        goto done;
    crypto_generichash(hash, sizeof hash, (const unsigned char *)buf.data,
                       buf.len, NULL, 0);
    memcpy(&out, hash, sizeof out);
done:
    fold_buf_release(&buf);
    return out;
}
