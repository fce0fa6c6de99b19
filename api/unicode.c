/* User text clean-up.  utf8proc does decoding and normalisation; this file
 * only decides what is refused and what is trimmed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "api/unicode.h"

bool
uni_valid_utf8(const char *s, size_t len)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    size_t i = 0;

    while (i < len) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n;

        if (p[i] < 0x80) {
            i++;
            continue;
        }
        n = utf8proc_iterate(p + i, (utf8proc_ssize_t)(len - i), &cp);
        if (n <= 0)
            return false;
        i += (size_t)n;
    }
    return true;
}

size_t
uni_count(const char *s, size_t len)
{
    size_t n = 0;

    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

static bool
is_space(utf8proc_int32_t cp)
{
    utf8proc_category_t cat;

    if (cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || cp == 0x85)
        return true;
    if (cp < 0x80)
        return false;
    cat = utf8proc_category(cp);
    return cat == UTF8PROC_CATEGORY_ZS || cat == UTF8PROC_CATEGORY_ZL ||
           cat == UTF8PROC_CATEGORY_ZP;
}

/* Copies in to a new buffer with CRLF / CR turned into LF, checking every
 * code point on the way. */
static enum uni_result
copy_checked(const char *in, size_t len, utf8proc_uint8_t **out,
             size_t *out_len)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)in;
    utf8proc_uint8_t *buf = malloc(len + 1);
    size_t i = 0, o = 0;

    if (!buf)
        return UNI_NOMEM;
    while (i < len) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n =
            utf8proc_iterate(p + i, (utf8proc_ssize_t)(len - i), &cp);

        if (n <= 0) {
            free(buf);
            return UNI_BAD_UTF8;
        }
        if (cp == '\r') {
            buf[o++] = '\n';
            i += (i + 1 < len && p[i + 1] == '\n') ? 2 : 1;
            continue;
        }
        if (cp != '\n' && cp != '\t' &&
            (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))) {
            free(buf);
            return UNI_CONTROL;
        }
        memcpy(buf + o, p + i, (size_t)n);
        o += (size_t)n;
        i += (size_t)n;
    }
    buf[o] = '\0';
    *out = buf;
    *out_len = o;
    return UNI_OK;
}

enum uni_result
uni_clean(const char *in, size_t len, char **out, size_t *out_len,
          size_t *chars)
{
    utf8proc_uint8_t *lf = NULL, *nfc = NULL;
    size_t lf_len;
    utf8proc_ssize_t nfc_len;
    size_t start, end;
    enum uni_result rc;

    rc = copy_checked(in, len, &lf, &lf_len);
    if (rc != UNI_OK)
        return rc;
    nfc_len = utf8proc_map(lf, (utf8proc_ssize_t)lf_len, &nfc,
                           UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    free(lf);
    if (nfc_len < 0)
        return nfc_len == UTF8PROC_ERROR_NOMEM ? UNI_NOMEM : UNI_BAD_UTF8;

    /* Trim: walk code points, remembering where the text proper starts and
     * where its last non-space code point ends. */
    start = (size_t)nfc_len;
    end = 0;
    for (size_t i = 0; i < (size_t)nfc_len;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n =
            utf8proc_iterate(nfc + i, nfc_len - (utf8proc_ssize_t)i, &cp);

        if (n <= 0)
            break;
        if (!is_space(cp)) {
            if (start == (size_t)nfc_len)
                start = i;
            end = i + (size_t)n;
        }
        i += (size_t)n;
    }
    if (start >= end) {
        nfc[0] = '\0';
        start = end = 0;
    } else {
        memmove(nfc, nfc + start, end - start);
        nfc[end - start] = '\0';
    }
    *out = (char *)nfc;
    *out_len = end - start;
    *chars = uni_count((char *)nfc, *out_len);
    return UNI_OK;
}
