/* Fuzz target: uni_clean() then text_check() on what it returns, as
 * comment_clean_text() does, for both fields under both policies.
 *
 * Invariants: cleaned text is valid UTF-8 with no NUL, CR or other control
 * characters besides \n and \t, has no white space at either end, counts
 * as many code points as reported, and cleans to itself; a verdict accepts
 * with no code and no suggestion, or refuses with one of the two codes
 * ("not_vietnamese" only for a body under the Vietnamese-only policy);
 * a suggestion is valid UTF-8 with no control characters other than \n and
 * \t; the policy does not change an author's verdict. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/text_check.h"
#include "api/unicode.h"
#include "fuzz.h"

static void
check_clean_text(const char *s, size_t len, size_t chars)
{
    FUZZ_CHECK(strlen(s) == len);
    FUZZ_CHECK(uni_valid_utf8(s, len));
    FUZZ_CHECK(uni_count(s, len) == chars);
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];

        FUZZ_CHECK(ch >= 0x20 || ch == '\n' || ch == '\t');
        FUZZ_CHECK(ch != 0x7F);
    }
    if (len > 0) {
        FUZZ_CHECK(strchr(" \n\t", s[0]) == NULL);
        FUZZ_CHECK(strchr(" \n\t", s[len - 1]) == NULL);
    }
}

static void
check_suggestion(const char *s)
{
    size_t len = strlen(s);

    FUZZ_CHECK(uni_valid_utf8(s, len));
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];

        FUZZ_CHECK(ch >= 0x20 || ch == '\n' || ch == '\t');
        FUZZ_CHECK(ch != 0x7F);
        /* C1 controls, U+0080-U+009F, are C2 80 to C2 9F in UTF-8. */
        FUZZ_CHECK(!(ch == 0xC2 && i + 1 < len && (unsigned char)s[i + 1] <= 0x9F));
    }
}

static void
check_verdict(const struct text_verdict *v, enum text_field field, enum text_policy policy)
{
    if (v->accept) {
        FUZZ_CHECK(v->accept == 1);
        FUZZ_CHECK(v->code == NULL);
        FUZZ_CHECK(v->suggestion == NULL);
        return;
    }
    FUZZ_CHECK(v->accept == 0);
    FUZZ_CHECK(v->code != NULL);
    if (strcmp(v->code, "not_vietnamese") == 0)
        FUZZ_CHECK(field == TEXT_FIELD_BODY && policy == TEXT_POLICY_VIETNAMESE);
    else
        FUZZ_CHECK(strcmp(v->code, "missing_diacritics") == 0);
    if (v->suggestion)
        check_suggestion(v->suggestion);
}

static bool
same_verdict(const struct text_verdict *a, const struct text_verdict *b)
{
    if (a->accept != b->accept || (a->code == NULL) != (b->code == NULL) ||
        (a->suggestion == NULL) != (b->suggestion == NULL))
        return false;
    return (!a->code || strcmp(a->code, b->code) == 0) &&
           (!a->suggestion || strcmp(a->suggestion, b->suggestion) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = NULL, *again = NULL;
    size_t len, chars, again_len, again_chars;

    if (uni_clean((const char *)data, size, &text, &len, &chars) != UNI_OK)
        return 0;
    check_clean_text(text, len, chars);
    FUZZ_CHECK(uni_clean(text, len, &again, &again_len, &again_chars) == UNI_OK);
    FUZZ_CHECK(again_len == len && again_chars == chars && memcmp(again, text, len) == 0);
    free(again);

    for (int f = 0; f < 2; f++) {
        enum text_field field = f ? TEXT_FIELD_AUTHOR : TEXT_FIELD_BODY;
        struct text_verdict v[2];

        for (int p = 0; p < 2; p++) {
            enum text_policy policy = p ? TEXT_POLICY_VIETNAMESE : TEXT_POLICY_ANY;

            FUZZ_CHECK(text_check(text, len, field, policy, &v[p]) == 0);
            check_verdict(&v[p], field, policy);
        }
        /* "TEXT_POLICY_VIETNAMESE does not apply to names." */
        if (field == TEXT_FIELD_AUTHOR)
            FUZZ_CHECK(same_verdict(&v[0], &v[1]));
        /* The Vietnamese-only policy only adds refusals. */
        if (v[1].accept)
            FUZZ_CHECK(v[0].accept);
        for (int p = 0; p < 2; p++) {
            text_verdict_clear(&v[p]);
            FUZZ_CHECK(v[p].suggestion == NULL);
        }
    }
    free(text);
    return 0;
}
