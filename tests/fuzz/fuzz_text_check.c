/* Fuzz target: text_check() on any UTF-8 text, for both fields under both
 * policies.  Links the Vietnamese text engine (vi/) alone.
 *
 * The input is given to the checker the way its callers guarantee it:
 * valid UTF-8 (anything else is skipped), in NFC, with no control
 * characters other than \n and \t (others are dropped here; api/ refuses
 * them before the checker runs).
 *
 * Invariants: a verdict accepts with no suggestion, or refuses for one of
 * the two reasons (TEXT_NOT_VIETNAMESE only for a body under the
 * Vietnamese-only policy, and without suggestion); a suggestion is valid UTF-8
 * with no control characters other than \n and \t; the policy does not change
 * an author's verdict, and only adds refusals to a body's. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "vi/text_check.h"
#include "fuzz.h"

static bool
valid_utf8(const char *s, size_t len)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;

    for (size_t i = 0; i < len;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n =
            utf8proc_iterate(p + i, (utf8proc_ssize_t)(len - i), &cp);

        if (n <= 0)
            return false;
        i += (size_t)n;
    }
    return true;
}

static bool
is_control(utf8proc_int32_t cp)
{
    return (cp < 0x20 && cp != '\n' && cp != '\t') ||
           (cp >= 0x7F && cp <= 0x9F);
}

/* NFC of data without its control characters, as a new NUL-terminated
 * string, or NULL when data is not UTF-8. */
static char *
checker_input(const uint8_t *data, size_t size, size_t *len)
{
    utf8proc_uint8_t *nfc = NULL;
    utf8proc_ssize_t n = utf8proc_map(data, (utf8proc_ssize_t)size, &nfc,
                                      UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    size_t o = 0;

    if (n < 0)
        return NULL;
    for (utf8proc_ssize_t i = 0; i < n;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(nfc + i, n - i, &cp);

        FUZZ_CHECK(k > 0);
        if (!is_control(cp)) {
            memmove(nfc + o, nfc + i, (size_t)k);
            o += (size_t)k;
        }
        i += k;
    }
    nfc[o] = '\0';
    *len = o;
    return (char *)nfc;
}

static void
check_suggestion(const char *s)
{
    size_t len = strlen(s);

    FUZZ_CHECK(valid_utf8(s, len));
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];

        FUZZ_CHECK(ch >= 0x20 || ch == '\n' || ch == '\t');
        FUZZ_CHECK(ch != 0x7F);
        /* C1 controls, U+0080-U+009F, are C2 80 to C2 9F in UTF-8. */
        FUZZ_CHECK(
            !(ch == 0xC2 && i + 1 < len && (unsigned char)s[i + 1] <= 0x9F));
    }
}

static void
check_verdict(const struct text_verdict *v, enum text_field field,
              enum text_policy policy)
{
    FUZZ_CHECK(v->outcome == TEXT_ACCEPT ||
               v->outcome == TEXT_MISSING_DIACRITICS ||
               v->outcome == TEXT_NOT_VIETNAMESE);
    switch (v->outcome) {
    case TEXT_ACCEPT:
        FUZZ_CHECK(v->suggestion == NULL);
        return;
    case TEXT_NOT_VIETNAMESE:
        FUZZ_CHECK(field == TEXT_FIELD_BODY &&
                   policy == TEXT_POLICY_VIETNAMESE);
        FUZZ_CHECK(v->suggestion == NULL);
        return;
    case TEXT_MISSING_DIACRITICS:
        if (v->suggestion)
            check_suggestion(v->suggestion);
        return;
    }
}

static bool
same_verdict(const struct text_verdict *a, const struct text_verdict *b)
{
    if (a->outcome != b->outcome ||
        (a->suggestion == NULL) != (b->suggestion == NULL))
        return false;
    return !a->suggestion || strcmp(a->suggestion, b->suggestion) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t len;
    char *text = checker_input(data, size, &len);

    if (!text)
        return 0;
    for (int f = 0; f < 2; f++) {
        enum text_field field = f ? TEXT_FIELD_AUTHOR : TEXT_FIELD_BODY;
        struct text_verdict v[2];

        for (int p = 0; p < 2; p++) {
            enum text_policy policy =
                p ? TEXT_POLICY_VIETNAMESE : TEXT_POLICY_ANY;

            FUZZ_CHECK(text_check(text, len, field, policy, &v[p]) == 0);
            check_verdict(&v[p], field, policy);
        }
        /* "TEXT_POLICY_VIETNAMESE does not apply to names." */
        if (field == TEXT_FIELD_AUTHOR)
            FUZZ_CHECK(same_verdict(&v[0], &v[1]));
        /* The Vietnamese-only policy only adds refusals. */
        if (v[1].outcome == TEXT_ACCEPT)
            FUZZ_CHECK(v[0].outcome == TEXT_ACCEPT);
        for (int p = 0; p < 2; p++) {
            text_verdict_clear(&v[p]);
            FUZZ_CHECK(v[p].suggestion == NULL);
        }
    }
    free(text);
    return 0;
}
