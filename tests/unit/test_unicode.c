/* User text clean-up: UTF-8 validity, NFC, line ends, controls, trimming. */
#include <stdlib.h>

#include "api/unicode.h"
#include "check.h"

static const char *
clean(const char *in, size_t len, enum uni_result *res, size_t *chars)
{
    static char *last;
    size_t out_len;

    free(last);
    last = NULL;
    *res = uni_clean(in, len, &last, &out_len, chars);
    return last;
}

int
main(void)
{
    enum uni_result res;
    size_t chars;
    const char *out;

    out = clean("  Bài viết hay  ", 18, &res, &chars);
    CHECK(res == UNI_OK);
    CHECK_STR(out, "Bài viết hay");
    CHECK(chars == 12);

    /* NFD in, NFC out: "ả" as a + U+0309 */
    out = clean("a\xcc\x89nh", 5, &res, &chars);
    CHECK(res == UNI_OK);
    CHECK_STR(out, "\xe1\xba\xa3nh");
    CHECK(chars == 3);
    /* "ế" as ê + U+0301 (Unicode tổ hợp) */
    out = clean("vi\xc3\xaa\xcc\x81t", 7, &res, &chars);
    CHECK_STR(out, "vi\xe1\xba\xbft");

    out = clean("a\r\nb\rc\n", 7, &res, &chars);
    CHECK(res == UNI_OK);
    CHECK_STR(out, "a\nb\nc");
    out = clean("a\tb", 3, &res, &chars);
    CHECK_STR(out, "a\tb");

    clean("a\0b", 3, &res, &chars);
    CHECK(res == UNI_CONTROL);
    clean("a\x1b[31m", 6, &res, &chars);
    CHECK(res == UNI_CONTROL);
    clean("a\xc2\x85", 3, &res, &chars); /* U+0085 is C1 */
    CHECK(res == UNI_CONTROL);
    clean("a\x7f", 2, &res, &chars);
    CHECK(res == UNI_CONTROL);

    clean("\xc0\xaf", 2, &res, &chars); /* overlong '/' */
    CHECK(res == UNI_BAD_UTF8);
    clean("\xed\xa0\x80", 3, &res, &chars); /* a surrogate */
    CHECK(res == UNI_BAD_UTF8);
    clean("B\xe0i", 3, &res, &chars); /* truncated sequence */
    CHECK(res == UNI_BAD_UTF8);
    clean("\xf4\x90\x80\x80", 4, &res, &chars); /* above U+10FFFF */
    CHECK(res == UNI_BAD_UTF8);
    CHECK(!uni_valid_utf8("\xff", 1));
    CHECK(uni_valid_utf8("ý kiến", strlen("ý kiến")));

    /* Only white space (including no-break and ideographic spaces) is empty. */
    out = clean(" \t\n\xc2\xa0\xe3\x80\x80 ", 9, &res, &chars);
    CHECK(res == UNI_OK && chars == 0);
    CHECK_STR(out, "");

    CHECK(uni_count("ạ😀", strlen("ạ😀")) == 2);
    return check_report();
}
