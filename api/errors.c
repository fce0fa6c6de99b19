/* Error table rendering and message language choice. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/errors.h"

struct error_row {
    unsigned status;
    const char *code;
    const char *message[2];
};

static const struct error_row errors[] = {
    [API_OK] = {200, "ok", {"", ""}},
#define E(name, st, cd, vi, en) [API_E_##name] = {st, cd, {vi, en}},
#include "api/errors.def"
#undef E
};

unsigned
api_error_status(enum api_error e)
{
    return errors[e].status;
}

const char *
api_error_code(enum api_error e)
{
    return errors[e].code;
}

json_t *
api_error_json(enum api_error e, enum api_lang lang, const char *field)
{
    json_t *err = json_pack("{s:s, s:s}", "code", errors[e].code, "message",
                            errors[e].message[lang]);

    if (err && field)
        json_object_set_new(err, "field", json_string(field));
    return json_pack("{s:o}", "error", err);
}

/* Reads one language range and its q value; returns the rest of the header. */
static const char *
next_range(const char *p, char *tag, size_t tag_len, double *q)
{
    size_t n = 0;

    while (*p == ' ' || *p == ',')
        p++;
    while (*p && *p != ',' && *p != ';' && *p != ' ') {
        if (n + 1 < tag_len)
            tag[n++] = (char)tolower((unsigned char)*p);
        p++;
    }
    tag[n] = '\0';
    *q = 1.0;
    while (*p && *p != ',') {
        if (*p == ';') {
            p++;
            while (*p == ' ')
                p++;
            if (p[0] == 'q' && p[1] == '=')
                *q = strtod(p + 2, NULL);
        } else {
            p++;
        }
    }
    return p;
}

enum api_lang
api_lang_from_header(const char *h)
{
    double best_vi = -1, best_en = -1;
    char tag[32];
    double q;

    if (!h)
        return API_LANG_VI;
    while (*h) {
        h = next_range(h, tag, sizeof tag, &q);
        if (tag[0] == '\0')
            continue;
        if ((strncmp(tag, "vi", 2) == 0 && (tag[2] == '\0' || tag[2] == '-')) &&
            q > best_vi)
            best_vi = q;
        else if ((strncmp(tag, "en", 2) == 0 &&
                  (tag[2] == '\0' || tag[2] == '-')) &&
                 q > best_en)
            best_en = q;
    }
    return best_en > 0 && best_en > best_vi ? API_LANG_EN : API_LANG_VI;
}
