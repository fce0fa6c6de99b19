/* The one table of API errors and the one function that renders them as
 * API.md specifies: {"error": {"code", "message", "field"?}}. */
#ifndef YKIEN_API_ERRORS_H
#define YKIEN_API_ERRORS_H

#include <jansson.h>

enum api_error {
    API_OK = 0,
#define E(name, status, code, vi, en) API_E_##name,
#include "api/errors.def"
#undef E
};

enum api_lang { API_LANG_VI, API_LANG_EN };

unsigned api_error_status(enum api_error e);
const char *api_error_code(enum api_error e);
/* New reference: the error body; field may be NULL. */
json_t *api_error_json(enum api_error e, enum api_lang lang, const char *field);
/* Picks the message language from an Accept-Language header (NULL: vi). */
enum api_lang api_lang_from_header(const char *accept_language);

#endif
