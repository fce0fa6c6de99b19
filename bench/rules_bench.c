/* Times the word-rule matcher: what the rules add to a comment's cost, with
 * 0, 500 and 5,000 rules, on a typical comment (about 250 characters) and
 * on a 5,000-character one.  The rules are Vietnamese-looking words and
 * phrases (a quarter mark-free, a tenth prefixes), all "hold", so that no
 * early stop on a reject hides the cost of a whole scan.  Also prints the
 * time to compile each set (what a rule change costs the first request
 * after it).  Times are the thread's CPU time.  A benchmark, not a test:
 * it never fails on speed.
 *
 *   build/bench/rules-bench */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/rules.h"

enum { MAX_RULES = 5000, TARGET_CHARS = 5000 };

static const char comment[] =
    "Bài viết rất hay và bổ ích, cảm ơn tác giả đã dành thời gian tìm hiểu. "
    "Tôi nghĩ giá xăng tăng liên tục như thế này thì người dân sẽ rất khó khăn, "
    "nhất là những gia đình ở nông thôn. Mong chính phủ sớm có giải pháp 👍 "
    "Nguyễn Văn An, Thủ Dầu Một.";

static const char *const onsets[] = {
    "",  "b",  "c",  "ch", "d",  "đ", "g", "gi", "h",  "kh", "l", "m",
    "n", "ng", "nh", "ph", "qu", "s", "t", "th", "tr", "v",  "x"};
static const char *const nuclei[] = {
    "a", "á", "à", "ả", "ã", "ạ",  "ă",  "ắ",  "â",  "ấ", "e",
    "é", "ê", "ế", "i", "í", "o",  "ó",  "ô",  "ố",  "ơ", "ớ",
    "u", "ú", "ư", "ứ", "y", "ai", "ao", "ươ", "uô", "iê"};
static const char *const codas[] = {"",  "",   "c",  "ch", "m",
                                    "n", "ng", "nh", "p",  "t"};

static unsigned long rng = 12345;

static unsigned
next(unsigned n)
{
    rng = rng * 6364136223846793005ul + 1442695040888963407ul;
    return (unsigned)(rng >> 33) % n;
}

static void
syllable(char *out, size_t len)
{
    snprintf(out, len, "%s%s%s", onsets[next(sizeof onsets / sizeof onsets[0])],
             nuclei[next(sizeof nuclei / sizeof nuclei[0])],
             codas[next(sizeof codas / sizeof codas[0])]);
}

static char patterns[MAX_RULES][64];
static struct rule_spec specs[MAX_RULES];

static void
make_rules(void)
{
    for (int i = 0; i < MAX_RULES; i++) {
        char a[24], b[24];

        syllable(a, sizeof a);
        if (i % 3 == 0) {
            syllable(b, sizeof b);
            snprintf(patterns[i], sizeof patterns[i], "%s %s", a, b);
        } else {
            snprintf(patterns[i], sizeof patterns[i], "%s%s", a,
                     i % 10 == 1 ? "*" : "");
        }
        specs[i] = (struct rule_spec){
            .id = i + 1,
            .pattern = patterns[i],
            .reject = false,
            .ignore_marks = i % 4 == 0,
        };
    }
}

static char *
repeat(const char *unit, size_t *len)
{
    size_t ulen = strlen(unit), chars = 0, reps;
    char *s;

    for (size_t i = 0; i < ulen; i++)
        chars += ((unsigned char)unit[i] & 0xC0) != 0x80;
    reps = (TARGET_CHARS + chars - 1) / chars;
    s = malloc(ulen * reps + 1);
    if (!s)
        exit(1);
    for (size_t r = 0; r < reps; r++)
        memcpy(s + r * ulen, unit, ulen);
    s[ulen * reps] = '\0';
    *len = ulen * reps;
    return s;
}

/* CPU time of this thread, not wall time: on a shared machine another
 * process taking the CPU must not count as matching time. */
static double
now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static double
time_match(const struct rule_set *set, const char *text, size_t len,
           int iterations, size_t *holds)
{
    struct rule_verdict v = {0};
    double t0;

    for (int i = 0; i < iterations / 10 + 1; i++) { /* warm-up */
        memset(&v, 0, sizeof v);
        rules_match(set, text, len, &v);
    }
    t0 = now_ns();
    for (int i = 0; i < iterations; i++) {
        memset(&v, 0, sizeof v);
        if (rules_match(set, text, len, &v) != 0)
            exit(1);
    }
    *holds = v.n_holds;
    return (now_ns() - t0) / iterations;
}

int
main(void)
{
    static const int counts[] = {0, 500, 5000};
    size_t long_len;
    char *long_text = repeat(comment, &long_len);

    make_rules();
    printf("%-6s %12s %22s %22s\n", "rules", "compile", "comment (321 B)",
           "5,000 chars");
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        double t0 = now_ns(), compile_ms, short_ns, long_ns;
        struct rule_set *set = rules_compile(specs, (size_t)counts[i]);
        size_t holds_short, holds_long;

        compile_ms = (now_ns() - t0) / 1e6;
        if (!set)
            return 1;
        short_ns =
            time_match(set, comment, strlen(comment), 20000, &holds_short);
        long_ns = time_match(set, long_text, long_len, 500, &holds_long);
        printf("%-6d %9.2f ms %12.0f ns (%zu hits) %12.0f ns (%zu hits)\n",
               counts[i], compile_ms, short_ns, holds_short, long_ns,
               holds_long);
        rules_release(set);
    }
    free(long_text);
    return 0;
}
