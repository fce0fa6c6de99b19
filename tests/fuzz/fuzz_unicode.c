/* Fuzz target: uni_clean(), the clean-up every stored text goes through
 * before the text checker sees it (api/unicode.c).  Replays the text
 * checker's corpus, which is made of such texts.
 *
 * Invariants: cleaned text is valid UTF-8 with no NUL, CR or other control
 * characters besides \n and \t, has no white space at either end, counts
 * as many code points as reported, and cleans to itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = NULL, *again = NULL;
    size_t len, chars, again_len, again_chars;

    if (uni_clean((const char *)data, size, &text, &len, &chars) != UNI_OK)
        return 0;
    check_clean_text(text, len, chars);
    FUZZ_CHECK(uni_clean(text, len, &again, &again_len, &again_chars) ==
               UNI_OK);
    FUZZ_CHECK(again_len == len && again_chars == chars &&
               memcmp(again, text, len) == 0);
    free(again);
    free(text);
    return 0;
}
