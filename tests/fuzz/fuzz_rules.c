/* Fuzz target: the word-rule compiler and matcher (api/rules.c) and the
 * folding under them.  Input: pattern lines, a NUL byte, then a text.  The
 * first byte of each line picks the rule's kind (bit 0: reject, bit 1:
 * ignore_marks); the rest is the pattern as a moderator would send it.
 *
 * Invariants: a cleaned pattern is valid UTF-8 without white space at
 * either end or two spaces in a row, and cleans to itself; compiling never
 * fails and keeps at most the valid patterns; matching any text succeeds
 * and reports rules of the set only; every compiled pattern matches its
 * own text (without its '*'), alone in a set of its own. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/rules.h"
#include "api/unicode.h"
#include "fuzz.h"

enum { LINES_MAX = 64 };

static void
check_clean(const char *pattern, size_t len)
{
    char *again = NULL;

    FUZZ_CHECK(uni_valid_utf8(pattern, len));
    FUZZ_CHECK(len > 0 && pattern[0] != ' ' && pattern[len - 1] != ' ');
    FUZZ_CHECK(strstr(pattern, "  ") == NULL);
    FUZZ_CHECK(rules_clean_pattern(pattern, len, &again) == API_OK);
    FUZZ_CHECK(strcmp(again, pattern) == 0);
    free(again);
}

/* A valid pattern, alone in a set, matches the text it spells. */
static void
check_self_match(const struct rule_spec *spec)
{
    struct rule_set *set = rules_compile(spec, 1);
    struct rule_verdict v = {0};
    size_t len = strlen(spec->pattern);

    FUZZ_CHECK(set != NULL);
    if (rules_count(set) == 1) {
        if (spec->pattern[len - 1] == '*')
            len--;
        FUZZ_CHECK(rules_match(set, spec->pattern, len, &v) == 0);
        FUZZ_CHECK(spec->reject ? v.reject : v.n_holds == 1);
    }
    rules_release(set);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t head = nul ? (size_t)(nul - data) : size;
    const char *text = nul ? (const char *)nul + 1 : "";
    size_t text_len = nul ? size - head - 1 : 0;
    struct rule_spec specs[LINES_MAX];
    char *cleaned[LINES_MAX];
    size_t n = 0, valid = 0;
    struct rule_set *set;
    struct rule_verdict v = {0};

    for (size_t at = 0; at < head && n < LINES_MAX;) {
        const uint8_t *eol = memchr(data + at, '\n', head - at);
        size_t end = eol ? (size_t)(eol - data) : head;
        uint8_t kind = data[at];
        char *clean = NULL;

        if (end > at + 1 &&
            rules_clean_pattern((const char *)data + at + 1, end - at - 1,
                                &clean) == API_OK) {
            check_clean(clean, strlen(clean));
            specs[n] = (struct rule_spec){
                .id = (int64_t)n + 1,
                .pattern = clean,
                .reject = kind & 1,
                .ignore_marks = (kind & 2) != 0,
            };
            cleaned[n++] = clean;
            valid++;
        } else {
            free(clean);
        }
        at = end + 1;
    }
    set = rules_compile(specs, n);
    FUZZ_CHECK(set != NULL);
    FUZZ_CHECK(rules_count(set) <= valid);
    if (uni_valid_utf8(text, text_len)) {
        FUZZ_CHECK(rules_match(set, text, text_len, &v) == 0);
        FUZZ_CHECK(v.n_holds <= RULES_HOLDS_MAX);
        for (size_t i = 0; i < v.n_holds; i++) {
            FUZZ_CHECK(v.holds[i] < rules_count(set));
            FUZZ_CHECK(rules_pattern(set, v.holds[i]) != NULL);
        }
        if (v.reject)
            FUZZ_CHECK(v.reject_id >= 1 && v.reject_id <= (int64_t)n);
    }
    rules_release(set);
    for (size_t i = 0; i < n; i++) {
        check_self_match(&specs[i]);
        free(cleaned[i]);
    }
    return 0;
}
