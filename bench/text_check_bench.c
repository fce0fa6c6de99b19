/* Times text_check() on comments of about 5,000 characters: accented
 * Vietnamese, the same text stripped of its marks, and raw Telex (which is
 * refused with a suggestion, so it includes the second pass and its
 * allocation).  Prints nanoseconds per call.  A benchmark, not a test: it
 * never fails on speed. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vi/text_check.h"

#define TARGET_CHARS 5000
#define ITERATIONS 2000

static const char accented[] =
    "Bài viết rất hay và bổ ích, cảm ơn tác giả đã dành thời gian tìm hiểu. "
    "Tôi nghĩ giá xăng tăng liên tục như thế này thì người dân sẽ rất khó khăn, "
    "nhất là những gia đình ở nông thôn. Mong chính phủ sớm có giải pháp 👍 ";
static const char unaccented[] =
    "Bai viet rat hay va bo ich, cam on tac gia da danh thoi gian tim hieu. "
    "Toi nghi gia xang tang lien tuc nhu the nay thi nguoi dan se rat kho "
    "khan, nhat la nhung gia dinh o nong thon. Mong chinh phu som co giai phap "
    "👍 ";
static const char telex[] =
    "Bafi vieets raats hay vaf boor ichs, camr own tacs giar ddax dafnh thowif "
    "gian timf hieeur. Tooi nghix gias xawng tawng lieen tucj nhw theees nafy "
    "thif nguwowif daan sex raats khos khawn, nhaats laf nhuwngx gia ddinhf "
    "owr noong thoon. Mong chinhs phur swowms cos giair phaps 👍 ";

/* Repeats unit until the text has about TARGET_CHARS code points. */
static char *
build(const char *unit, size_t *len)
{
    size_t ulen = strlen(unit), uchars = 0, reps;
    char *s;

    for (size_t i = 0; i < ulen; i++)
        uchars += ((unsigned char)unit[i] & 0xC0) != 0x80;
    reps = (TARGET_CHARS + uchars - 1) / uchars;
    s = malloc(ulen * reps + 1);
    if (!s)
        exit(1);
    for (size_t r = 0; r < reps; r++)
        memcpy(s + r * ulen, unit, ulen);
    s[ulen * reps] = 0;
    *len = ulen * reps;
    return s;
}

static double
now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void
bench(const char *name, const char *unit)
{
    size_t len;
    char *text = build(unit, &len);
    struct text_verdict v;
    double t0, t1;
    enum text_outcome outcome = TEXT_ACCEPT;

    /* warm-up, and the tables get built outside the timing */
    if (text_check(text, len, TEXT_FIELD_BODY, TEXT_POLICY_ANY, &v) != 0)
        exit(1);
    text_verdict_clear(&v);
    t0 = now_ns();
    for (int i = 0; i < ITERATIONS; i++) {
        if (text_check(text, len, TEXT_FIELD_BODY, TEXT_POLICY_ANY, &v) != 0)
            exit(1);
        outcome = v.outcome;
        text_verdict_clear(&v);
    }
    t1 = now_ns();
    printf("%-11s %5zu bytes  %-7s %9.0f ns/call\n", name, len,
           outcome == TEXT_ACCEPT ? "accept" : "refuse",
           (t1 - t0) / ITERATIONS);
    free(text);
}

int
main(void)
{
    bench("accented", accented);
    bench("unaccented", unaccented);
    bench("telex", telex);
    return 0;
}
