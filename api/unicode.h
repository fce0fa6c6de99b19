/* Unicode clean-up of user text, on utf8proc: validation, NFC, line ends,
 * control characters and trimming.  Pure: no I/O. */
#ifndef YKIEN_API_UNICODE_H
#define YKIEN_API_UNICODE_H

#include <stdbool.h>
#include <stddef.h>

enum uni_result {
    UNI_OK,
    UNI_BAD_UTF8, /* not UTF-8: overlong forms, surrogates and the like */
    UNI_CONTROL,  /* a control character other than newline and tab */
    UNI_NOMEM,
};

/* Cleans in[0..len): refuses invalid UTF-8 and control characters, turns
 * CRLF and lone CR into LF (browsers send CRLF from text areas), normalises
 * to NFC and trims white space at both ends.  On UNI_OK *out is a new
 * NUL-terminated string the caller frees, *out_len its bytes and *chars its
 * code points. */
enum uni_result uni_clean(const char *in, size_t len, char **out,
                          size_t *out_len, size_t *chars);
bool uni_valid_utf8(const char *s, size_t len);
/* Code points in valid UTF-8. */
size_t uni_count(const char *s, size_t len);

#endif
