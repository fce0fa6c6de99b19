/* Text folded for matching, on utf8proc: Unicode case folding of NFC text,
 * optionally the mark-free ("bare") form in which every letter is reduced
 * to its base ("Ngủ" -> "ngu", "Đ" -> "d"), and the split into words.
 * Pure: no I/O.  Shared by the word rules (api/rules.c) and the duplicate
 * flag (api/screening.c).
 *
 * A word is a maximal run of letters, marks and digits (Unicode categories
 * L, M and N); everything else stands between words.  The folded text is
 * UTF-8 holding the words in order, separated by one FOLD_SPACE where only
 * white space stood between two words, or one FOLD_BREAK where anything
 * else did (punctuation, symbols, emoji), with nothing before the first
 * word or after the last: "Đồ  NGU!" folds to "đồ ngu", bare "do ngu".
 *
 * Ownership: a struct fold_buf owns its data; fold_words() grows it as
 * needed and fold_buf_release() frees it. */
#ifndef YKIEN_API_FOLD_H
#define YKIEN_API_FOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { FOLD_SPACE = ' ', FOLD_BREAK = 0x1f };

enum fold_kind {
    FOLD_WORD,  /* letter, mark or digit */
    FOLD_WHITE, /* white space */
    FOLD_OTHER, /* punctuation, symbols, everything else */
};

struct fold_buf {
    char *data; /* not NUL-terminated */
    size_t len;
    size_t cap;
};

enum fold_kind fold_kind_of(int32_t cp);

/* Folds s[0..len) (valid UTF-8, NFC) into *exact, and into *bare unless it
 * is NULL; each buffer's previous content is replaced.  0, or -1 when out
 * of memory. */
int fold_words(const char *s, size_t len, struct fold_buf *exact,
               struct fold_buf *bare);
void fold_buf_release(struct fold_buf *b);

/* A 64-bit hash of s[0..len) (valid UTF-8) after case folding, with every
 * run of white space as one space and none at either end: the identity of
 * a text for the duplicate flag.  Punctuation counts.  0 when out of
 * memory (and, with odds of 2^-64, for some text). */
int64_t fold_fingerprint(const char *s, size_t len);

#endif
