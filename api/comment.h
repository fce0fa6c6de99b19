/* The comment domain, pure (no I/O): what a valid article id, author, body
 * and e-mail are, and which moderation actions each state allows. */
#ifndef YKIEN_API_COMMENT_H
#define YKIEN_API_COMMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/call.h"
#include "db/comments.h"

enum { ARTICLE_MAX = 128 };

/* 1 to 128 characters of A-Z a-z 0-9 . _ - : */
bool comment_article_valid(const char *article);

/* Validates one text field and returns its stored form: cleaned (see
 * uni_clean), within the length limit, free of the invisible characters
 * that can disguise text (see below), and carrying its Vietnamese
 * diacritics.  Bidi embedding, override and isolate controls
 * (U+202A-U+202E, U+2066-U+2069) are refused everywhere: they can make
 * text display as something else.  In an author's name every other
 * invisible format character (zero-width space, word joiner, BOM, soft
 * hyphen, ...) is refused too, except the zero-width joiner that emoji
 * sequences need: names are where impersonation happens.  Refused, not
 * stripped, so that stored text is always what the reader sent.  On API_OK *out
 * is a new string the caller frees.  On API_E_MISSING_DIACRITICS *suggestion
 * may receive a new string (the restored text) the caller frees. */
enum api_error comment_clean_text(const struct api_config *cfg,
                                  enum text_field field, const char *in,
                                  size_t len, char **out, char **suggestion);
/* A moderator's note or reason: cleaned like a text field, at most 1,000
 * characters, no diacritics rule.  *out is NULL for an empty one. */
enum api_error comment_clean_note(const char *in, size_t len, char **out);
/* An optional e-mail address: at most 254 bytes, one '@', no spaces or
 * control characters.  *out is NULL for an empty one. */
enum api_error comment_clean_email(const char *in, size_t len, char **out);

enum comment_action {
    ACTION_APPROVE,
    ACTION_REJECT,
    ACTION_EDIT,
};

/* The moderation state machine: approve from pending or rejected; reject
 * from pending or approved; edit from any state. */
bool comment_action_allowed(enum comment_status from, enum comment_action a);
enum comment_status comment_action_target(enum comment_status from,
                                          enum comment_action a);

/* Parses an If-Match header: "7", W/"7" (a version >= 1, in *version) or
 * * (any version, *version = -1); NULL is no header (*version = -1).
 * Leading spaces are skipped.  -1 on anything else. */
int comment_if_match_parse(const char *h, int64_t *version);

#endif
