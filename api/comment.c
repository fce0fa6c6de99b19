/* Validation and the moderation state machine.  Nothing here touches the
 * database or HTTP. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "api/comment.h"
#include "api/unicode.h"

bool
comment_article_valid(const char *a)
{
    size_t n = 0;

    if (!a)
        return false;
    for (; a[n]; n++) {
        char ch = a[n];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
                  ch == '-' || ch == ':';

        if (!ok || n >= ARTICLE_MAX)
            return false;
    }
    return n >= 1;
}

/* See comment_clean_text() in the header. */
static bool
has_disguise(const char *s, size_t len, bool is_name)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;

    for (size_t i = 0; i < len;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n =
            utf8proc_iterate(p + i, (utf8proc_ssize_t)(len - i), &cp);

        if (n <= 0)
            return true;
        i += (size_t)n;
        if (cp < 0xAD)
            continue;
        if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069))
            return true;
        if (is_name && cp != 0x200D &&
            utf8proc_category(cp) == UTF8PROC_CATEGORY_CF)
            return true;
    }
    return false;
}

/* uni_clean(), then the rules every stored text shares: at most max
 * characters, nothing that disguises itself.  On API_OK *out is a new
 * string, possibly empty. */
static enum api_error
clean_stored_text(const char *in, size_t len, size_t max, bool is_name,
                  char **out, size_t *out_len)
{
    enum api_error rc = API_OK;
    size_t chars;

    *out = NULL;
    switch (uni_clean(in, len, out, out_len, &chars)) {
    case UNI_OK:
        break;
    case UNI_BAD_UTF8:
        return API_E_BAD_UTF8;
    case UNI_CONTROL:
        return API_E_INVALID_FIELD;
    case UNI_NOMEM:
        return API_E_INTERNAL;
    }
    if (chars > max)
        rc = API_E_TOO_LONG;
    else if (has_disguise(*out, *out_len, is_name))
        rc = API_E_INVALID_FIELD;
    if (rc != API_OK) {
        free(*out);
        *out = NULL;
    }
    return rc;
}

enum api_error
comment_clean_note(const char *in, size_t len, char **out)
{
    size_t out_len;
    enum api_error rc = clean_stored_text(in, len, 1000, false, out, &out_len);

    if (rc == API_OK && out_len == 0) {
        free(*out);
        *out = NULL;
    }
    return rc;
}

enum api_error
comment_clean_text(const struct api_config *cfg, enum text_field field,
                   const char *in, size_t len, char **out, char **suggestion)
{
    size_t max = field == TEXT_FIELD_AUTHOR ? cfg->max_author_chars
                                            : cfg->max_body_chars;
    struct text_verdict verdict = {0};
    enum api_error rc;
    char *text = NULL;
    size_t text_len;

    *out = NULL;
    *suggestion = NULL;
    rc = clean_stored_text(in, len, max, field == TEXT_FIELD_AUTHOR, &text,
                           &text_len);
    if (rc != API_OK)
        return rc;
    if (text_len == 0) {
        rc = API_E_EMPTY;
        goto out;
    }
    if (text_check(text, text_len, field, cfg->text_policy, &verdict) != 0) {
        rc = API_E_INTERNAL;
        goto out;
    }
    switch (verdict.outcome) {
    case TEXT_ACCEPT:
        break;
    case TEXT_MISSING_DIACRITICS:
        rc = API_E_MISSING_DIACRITICS;
        *suggestion = verdict.suggestion; /* ownership passes to the caller */
        verdict.suggestion = NULL;
        goto out;
    case TEXT_NOT_VIETNAMESE:
        rc = API_E_NOT_VIETNAMESE;
        goto out;
    }
    *out = text;
    text = NULL;
out:
    text_verdict_clear(&verdict);
    free(text);
    return rc;
}

enum api_error
comment_clean_email(const char *in, size_t len, char **out)
{
    size_t at = 0, ats = 0;

    *out = NULL;
    while (len > 0 && (in[0] == ' ' || in[0] == '\t')) {
        in++;
        len--;
    }
    while (len > 0 && (in[len - 1] == ' ' || in[len - 1] == '\t'))
        len--;
    if (len == 0)
        return API_OK;
    if (len > 254 || !uni_valid_utf8(in, len))
        return API_E_INVALID_FIELD;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)in[i];

        if (ch <= 0x20 || ch == 0x7F || ch == '<' || ch == '>' || ch == ',' ||
            ch == ';')
            return API_E_INVALID_FIELD;
        if (ch == '@') {
            at = i;
            ats++;
        }
    }
    if (ats != 1 || at == 0 || at == len - 1)
        return API_E_INVALID_FIELD;
    *out = strndup(in, len);
    return *out ? API_OK : API_E_INTERNAL;
}

bool
comment_action_allowed(enum comment_status from, enum comment_action a)
{
    switch (a) {
    case ACTION_APPROVE:
        return from == COMMENT_PENDING || from == COMMENT_REJECTED;
    case ACTION_REJECT:
        return from == COMMENT_PENDING || from == COMMENT_APPROVED;
    case ACTION_EDIT:
        return true;
    }
    return false;
}

enum comment_status
comment_action_target(enum comment_status from, enum comment_action a)
{
    switch (a) {
    case ACTION_APPROVE:
        return COMMENT_APPROVED;
    case ACTION_REJECT:
        return COMMENT_REJECTED;
    case ACTION_EDIT:
        break;
    }
    return from;
}

int
comment_if_match_parse(const char *h, int64_t *version)
{
    char *end;
    long long v;

    *version = -1;
    if (!h)
        return 0;
    while (*h == ' ')
        h++;
    if (strcmp(h, "*") == 0)
        return 0;
    if (strncmp(h, "W/", 2) == 0)
        h += 2;
    if (*h != '"' || h[1] < '0' || h[1] > '9')
        return -1;
    errno = 0;
    v = strtoll(h + 1, &end, 10);
    if (errno || end[0] != '"' || end[1] != '\0' || v < 1)
        return -1;
    *version = v;
    return 0;
}
