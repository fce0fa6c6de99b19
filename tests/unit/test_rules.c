/* The word-rule matcher and the folding under it: pattern validation, word
 * boundaries, phrases, case folding (Đ/đ), mark-free rules, prefixes,
 * reject over hold, and the duplicate fingerprint.  No I/O. */
#include <stdlib.h>
#include <string.h>

#include "api/fold.h"
#include "api/rules.h"
#include "check.h"

/* One rule, matched against one text: 'r' reject, 'h' hold, '-' none. */
static char
verdict1(const char *pattern, bool ignore_marks, const char *text)
{
    struct rule_spec spec = {.id = 1,
                             .pattern = pattern,
                             .reject = true,
                             .ignore_marks = ignore_marks};
    struct rule_set *set = rules_compile(&spec, 1);
    struct rule_verdict v = {0};
    char out = '?';

    if (!set)
        return '!';
    if (rules_count(set) == 1 && rules_match(set, text, strlen(text), &v) == 0)
        out = v.reject ? 'r' : v.n_holds ? 'h' : '-';
    rules_release(set);
    return out;
}

static bool
matches(const char *pattern, const char *text)
{
    return verdict1(pattern, false, text) == 'r';
}

static bool
matches_bare(const char *pattern, const char *text)
{
    return verdict1(pattern, true, text) == 'r';
}

static enum api_error
clean(const char *in, const char *want)
{
    char *out = NULL;
    enum api_error e = rules_clean_pattern(in, strlen(in), &out);

    if (e == API_OK && want)
        CHECK_STR(out, want);
    free(out);
    return e;
}

static void
test_patterns(void)
{
    char long_pattern[256];

    CHECK(clean("ngu", "ngu") == API_OK);
    CHECK(clean("  Đồ \t  ngu  ", "Đồ ngu") == API_OK);
    CHECK(clean("ngu*", "ngu*") == API_OK);
    CHECK(clean("đồ ngu*", "đồ ngu*") == API_OK);
    CHECK(clean("ngu\xcc\x89", "ngủ") == API_OK); /* NFD in, NFC stored */
    CHECK(clean("covid19", "covid19") == API_OK);
    CHECK(clean("", NULL) == API_E_EMPTY);
    CHECK(clean("   \n ", NULL) == API_E_EMPTY);
    CHECK(clean("*", NULL) == API_E_INVALID_FIELD);
    CHECK(clean("ngu *", NULL) == API_E_INVALID_FIELD);
    CHECK(clean("*ngu", NULL) == API_E_INVALID_FIELD);
    CHECK(clean("ng*u", NULL) == API_E_INVALID_FIELD);
    CHECK(clean("ngu**", NULL) == API_E_INVALID_FIELD);
    CHECK(clean("ngu* lắm", NULL) == API_E_INVALID_FIELD);
    CHECK(clean("đồ-ngu", NULL) == API_E_INVALID_FIELD);
    CHECK(clean("ngu!", NULL) == API_E_INVALID_FIELD);
    CHECK(clean("a\x01"
                "b",
                NULL) == API_E_INVALID_FIELD);
    CHECK(clean("zero\xe2\x80\x8bwidth", NULL) == API_E_INVALID_FIELD);
    CHECK(clean("\xff", NULL) == API_E_BAD_UTF8);
    memset(long_pattern, 'a', 101);
    long_pattern[101] = '\0';
    CHECK(clean(long_pattern, NULL) == API_E_TOO_LONG);
    long_pattern[100] = '\0';
    CHECK(clean(long_pattern, NULL) == API_OK);
    CHECK(clean("a b c d e f g h i j", NULL) == API_OK);
    CHECK(clean("a b c d e f g h i j k", NULL) == API_E_TOO_LONG);
}

static void
test_words(void)
{
    /* Whole words only. */
    CHECK(matches("ngu", "Bạn thật là ngu."));
    CHECK(matches("ngu", "ngu"));
    CHECK(matches("ngu", "NGU quá"));
    CHECK(!matches("ngu", "Nguyễn Văn An"));
    CHECK(!matches("ngu", "nguồn tin"));
    CHECK(!matches("ngu", "đông ngũ")); /* marks must match */
    CHECK(!matches("ngu", "angu"));
    CHECK(!matches("ngu", "ngu1"));
    CHECK(matches("ngu", "(ngu)"));
    CHECK(matches("ngu", "ngu🤬"));
    CHECK(matches("ngủ", "Đi ngủ thôi"));
    CHECK(!matches("ngủ", "ngu"));
    CHECK(matches("ngu", "x,ngu,y"));
    /* Case folding, Đ/đ included. */
    CHECK(matches("đồ ngốc", "ĐỒ NGỐC"));
    CHECK(matches("ĐỒ NGỐC", "đồ ngốc"));
    CHECK(!matches("do ngoc", "đồ ngốc"));
    /* NFD text is folded like NFC is only after the API's NFC step; the
     * pattern side accepts NFD. */
    CHECK(matches("ngu\xcc\x89", "ngủ"));
}

static void
test_phrases(void)
{
    CHECK(matches("đồ ngu", "Đúng là đồ ngu!"));
    CHECK(matches("đồ ngu", "đồ   ngu"));
    CHECK(matches("đồ ngu", "đồ\n\tngu"));
    CHECK(matches("đồ ngu", "đồ\xc2\xa0ngu")); /* no-break space */
    CHECK(!matches("đồ ngu", "đồ, ngu"));
    CHECK(!matches("đồ ngu", "đồ - ngu"));
    CHECK(!matches("đồ ngu", "đồ ngủ"));
    CHECK(!matches("đồ ngu", "đồ nguyên"));
    CHECK(!matches("đồ ngu", "đồ"));
    CHECK(!matches("đồ ngu", "ngu đồ"));
    CHECK(matches("đồ ngu*", "đồ nguyên vẹn"));
    CHECK(!matches("đồ ngu*", "đồ ngon"));
}

static void
test_prefixes(void)
{
    CHECK(matches("ngu*", "nguyễn"));
    CHECK(matches("ngu*", "ngu"));
    CHECK(matches("ngu*", "Nguồn"));
    CHECK(!matches("ngu*", "angu"));
    CHECK(!matches("ngu*", "ngủ"));
    CHECK(matches("nguy*", "NGUY HIỂM"));
    CHECK(matches("cờ*", "cờ bạc"));
    CHECK(!matches("cờ*", "co"));
}

static void
test_marks(void)
{
    CHECK(matches_bare("ngu", "ngu"));
    CHECK(matches_bare("ngu", "ngủ"));
    CHECK(matches_bare("ngu", "ngư dân"));
    CHECK(matches_bare("ngu", "NGỪ"));
    CHECK(matches_bare("ngu", "Ngũ"));
    CHECK(!matches_bare("ngu", "nguyễn"));
    CHECK(matches_bare("do ngu", "đồ ngu"));
    CHECK(matches_bare("do ngu", "ĐỒ NGỦ"));
    CHECK(matches_bare("dot", "đốt"));
    CHECK(
        matches_bare("đồ ngu", "do ngu")); /* the pattern loses its marks too */
    CHECK(matches_bare("ngu*", "nguyễn"));
    CHECK(matches_bare("nguyen*", "Nguyễn"));
    CHECK(matches_bare("dot", "đột kích"));
}

static void
test_sets(void)
{
    struct rule_spec specs[] = {
        {.id = 10, .pattern = "ngu", .reject = false},
        {.id = 11, .pattern = "lừa đảo", .reject = false},
        {.id = 12, .pattern = "cờ bạc", .reject = true},
        {.id = 13, .pattern = "ngu", .reject = true, .ignore_marks = true},
        {.id = 14, .pattern = "not a*valid", .reject = true},
        {.id = 15, .pattern = "Lừa Đảo", .reject = false},
        {.id = 16, .pattern = "spam*", .reject = false, .ignore_marks = true},
    };
    struct rule_set *set = rules_compile(specs, sizeof specs / sizeof specs[0]);
    struct rule_verdict v = {0};
    const char *t1 = "Trang này lừa đảo, toàn spammer.";
    const char *t2 = "Lừa  đảo!";
    const char *t3 = "Đồ ngủ gật";
    const char *t4 = "Sòng cờ bạc và lừa đảo";

    CHECK(set != NULL);
    if (!set)
        return;
    CHECK(rules_count(set) == 6); /* the invalid one is left out */
    CHECK(rules_match(set, t1, strlen(t1), &v) == 0);
    CHECK(!v.reject && v.n_holds == 2);
    CHECK_STR(rules_pattern(set, v.holds[0]), "lừa đảo");
    CHECK(rules_id(set, v.holds[0]) == 11);
    CHECK_STR(rules_pattern(set, v.holds[1]), "spam*");
    /* Matches add up across fields, each rule once. */
    CHECK(rules_match(set, t2, strlen(t2), &v) == 0);
    CHECK(!v.reject && v.n_holds == 2);
    memset(&v, 0, sizeof v);
    CHECK(rules_match(set, t3, strlen(t3), &v) == 0);
    CHECK(v.reject && v.reject_id == 13);
    memset(&v, 0, sizeof v);
    CHECK(rules_match(set, t4, strlen(t4), &v) == 0);
    CHECK(v.reject && v.reject_id == 12);
    rules_release(set);

    /* Reject wins over hold on the very same pattern. */
    struct rule_spec same[] = {
        {.id = 1, .pattern = "xấu", .reject = false},
        {.id = 2, .pattern = "XẤU", .reject = true},
    };
    set = rules_compile(same, 2);
    memset(&v, 0, sizeof v);
    CHECK(set && rules_match(set, "rất xấu", strlen("rất xấu"), &v) == 0 &&
          v.reject && v.reject_id == 2);
    rules_release(set);

    /* A phrase's walk that fails inside the next word must not hide that
     * word's own matches. */
    struct rule_spec overlap[] = {
        {.id = 1, .pattern = "đồ ngon", .reject = false},
        {.id = 2, .pattern = "ngu", .reject = true},
    };
    set = rules_compile(overlap, 2);
    memset(&v, 0, sizeof v);
    CHECK(set && rules_match(set, "đồ ngu", strlen("đồ ngu"), &v) == 0 &&
          v.reject);
    rules_release(set);

    /* An empty set matches nothing. */
    set = rules_compile(NULL, 0);
    memset(&v, 0, sizeof v);
    CHECK(set && rules_match(set, "ngu", 3, &v) == 0 && !v.reject &&
          v.n_holds == 0);
    rules_release(set);
}

static int64_t
fp(const char *s)
{
    return fold_fingerprint(s, strlen(s));
}

static void
test_fold(void)
{
    struct fold_buf e = {0}, b = {0};

    CHECK(fold_words("Đồ  NGU!", strlen("Đồ  NGU!"), &e, &b) == 0);
    CHECK(e.len == strlen("đồ ngu") && memcmp(e.data, "đồ ngu", e.len) == 0);
    CHECK(b.len == 6 && memcmp(b.data, "do ngu", 6) == 0);
    CHECK(fold_words("a, b c", 6, &e, NULL) == 0);
    CHECK(e.len == 5 && memcmp(e.data,
                               "a\x1f"
                               "b c",
                               5) == 0);
    CHECK(fold_words("  ...  ", 7, &e, &b) == 0 && e.len == 0 && b.len == 0);
    CHECK(fold_words("Straße", strlen("Straße"), &e, NULL) == 0);
    CHECK(e.len == 7 && memcmp(e.data, "strasse", 7) == 0);
    fold_buf_release(&e);
    fold_buf_release(&b);

    CHECK(fp("Xin chào") == fp("xin   CHÀO"));
    CHECK(fp("Xin chào") == fp(" Xin\n\tchào "));
    CHECK(fp("Xin chào") != fp("Xin chao"));
    CHECK(fp("Xin chào") != fp("Xin chào!"));
    CHECK(fp("ĐÚNG") == fp("đúng"));
}

int
main(void)
{
    test_patterns();
    test_words();
    test_phrases();
    test_prefixes();
    test_marks();
    test_sets();
    test_fold();
    return check_report();
}
