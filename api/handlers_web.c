/* Endpoints for the web pages' benefit (API 1.1): POST /api/v1/check-text,
 * the verdict a comment's field would get, so that a form can warn while
 * the reader types.  Stores nothing; the server rate-limits it. */
#include <stdlib.h>
#include <string.h>

#include "api/comment.h"
#include "api/handlers.h"
#include "api/unicode.h"

/* The message the error would carry in the caller's language. */
static json_t *
error_message(enum api_error e, enum api_lang lang)
{
    json_t *err = api_error_json(e, lang, NULL);
    json_t *msg = json_object_get(json_object_get(err, "error"), "message");

    json_incref(msg);
    json_decref(err);
    return msg ? msg : json_string("");
}

void
api_check_text(struct api_call *c)
{
    json_error_t jerr;
    json_t *root = NULL, *text, *field, *verdict;
    enum text_field which = TEXT_FIELD_BODY;
    char *clean = NULL, *suggestion = NULL;
    enum api_error e;

    if (!c->body || c->body_len == 0) {
        api_fail(c, API_E_BAD_JSON, NULL);
        return;
    }
    if (!uni_valid_utf8(c->body, c->body_len)) {
        api_fail(c, API_E_BAD_UTF8, NULL);
        return;
    }
    /* NUL passes the parser so that it gets the verdict POST gives it. */
    root = json_loadb(c->body, c->body_len,
                      JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    if (!root) {
        api_fail(c, API_E_BAD_JSON, NULL);
        return;
    }
    if (!json_is_object(root)) {
        api_fail(c, API_E_NOT_OBJECT, NULL);
        goto out;
    }
    text = json_object_get(root, "text");
    field = json_object_get(root, "field");
    if (!json_is_string(text)) {
        api_fail(c, text ? API_E_WRONG_TYPE : API_E_BAD_REQUEST, "text");
        goto out;
    }
    if (field && !json_is_null(field)) {
        const char *f = json_string_value(field);

        if (f && strcmp(f, "author") == 0) {
            which = TEXT_FIELD_AUTHOR;
        } else if (!f || strcmp(f, "body") != 0) {
            api_fail(c, f ? API_E_BAD_REQUEST : API_E_WRONG_TYPE, "field");
            goto out;
        }
    }
    e = comment_clean_text(c->cfg, which, json_string_value(text),
                           json_string_length(text), &clean, &suggestion);
    if (e == API_E_TOO_LONG) {
        api_fail(c, e, "text");
        goto out;
    }
    if (e == API_OK) {
        verdict = json_pack("{s:s}", "verdict", "accept");
    } else {
        verdict =
            json_pack("{s:s, s:s, s:o}", "verdict", "reject", "code",
                      api_error_code(e), "message", error_message(e, c->lang));
        if (verdict && suggestion)
            json_object_set_new(verdict, "suggestion", json_string(suggestion));
    }
    c->private_reply = true; /* about one reader's text: never shared */
    api_reply(c, 200, verdict);
out:
    free(clean);
    free(suggestion);
    json_decref(root);
}
