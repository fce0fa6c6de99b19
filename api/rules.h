/* Word rules ("extreme opinions") compiled into one matcher.  Pure: no I/O;
 * api/rulebook.c keeps the daemon's compiled set in step with the
 * database.
 *
 * A pattern is one to RULES_WORDS_MAX words separated by white space, each
 * made of letters, marks and digits only; the last may end in '*' (any
 * word starting so).  It matches whole words of a text, case-insensitively
 * (Unicode case folding, so Đ matches đ), after NFC: "ngu" matches "Ngu!"
 * but not "nguyễn"; "ngu*" matches "nguyễn"; a phrase matches across any
 * run of white space between its words ("đồ  ngu", "đồ\nngu"), never across
 * punctuation ("đồ, ngu").  With ignore_marks both the pattern and the text
 * are compared without their marks (and đ as d), so "ngu" matches "ngu",
 * "ngủ", "ngư" and "Ngừ".
 *
 * The set is a byte trie over the folded patterns (one for exact rules,
 * one for mark-free ones) walked from each word start of the folded text:
 * the cost of a match grows with the text, not with the number of rules.
 *
 * Ownership: rules_compile() returns a set holding one reference and its
 * own copies of the patterns; rules_retain()/rules_release() count
 * references (thread-safe), the last release frees it. */
#ifndef YKIEN_API_RULES_H
#define YKIEN_API_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/errors.h"

enum {
    RULES_PATTERN_MAX = 100, /* characters */
    RULES_WORDS_MAX = 10,
    RULES_HOLDS_MAX = 8, /* hold rules reported per text */
};

/* Checks a pattern as a moderator sent it.  API_OK and *out, a new string
 * (NFC, trimmed, every run of white space as one space); or API_E_EMPTY,
 * API_E_TOO_LONG (over RULES_PATTERN_MAX characters or RULES_WORDS_MAX
 * words), API_E_INVALID_FIELD (anything but letters, marks, digits and
 * white space, a control character, '*' anywhere but at the end of a
 * word), API_E_BAD_UTF8, API_E_INTERNAL. */
enum api_error rules_clean_pattern(const char *in, size_t len, char **out);

struct rule_spec {
    int64_t id;
    const char *pattern;
    bool reject; /* false: hold */
    bool ignore_marks;
};

struct rule_set;

/* Compiles n rules; a pattern rules_clean_pattern() would refuse is left
 * out (the API never stores one).  NULL when out of memory. */
struct rule_set *rules_compile(const struct rule_spec *specs, size_t n);
void rules_retain(struct rule_set *set);
void rules_release(struct rule_set *set);
/* Rules compiled into the set. */
size_t rules_count(const struct rule_set *set);

struct rule_verdict {
    bool reject; /* a reject rule matched */
    int64_t reject_id;
    size_t n_holds;                /* hold rules matched, each once */
    size_t holds[RULES_HOLDS_MAX]; /* for rules_pattern() and rules_id() */
};

/* Matches text (valid UTF-8, NFC) against the set and adds what matched
 * to *v (zero it first; calls for several fields add up).  Stops at the
 * first reject rule.  0, or -1 when out of memory. */
int rules_match(const struct rule_set *set, const char *text, size_t len,
                struct rule_verdict *v);
/* The pattern (as stored) and id of the rule at index i of a verdict. */
const char *rules_pattern(const struct rule_set *set, size_t i);
int64_t rules_id(const struct rule_set *set, size_t i);

#endif
