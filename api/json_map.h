/* Mapping between stored records and the JSON of API.md.  Pure: callers
 * fetch the rows, these functions only shape them.  Every function returns
 * a new reference (NULL when out of memory). */
#ifndef YKIEN_API_JSON_MAP_H
#define YKIEN_API_JSON_MAP_H

#include <jansson.h>
#include <stdint.h>

#include "db/comments.h"

/* RFC 3339 in UTC, "2017-06-09T07:35:34Z"; buf of at least 32 bytes. */
void json_map_time(int64_t unix_seconds, char *buf, size_t len);

/* The public form, with an empty "attachments" array for the caller to
 * fill. */
json_t *json_map_comment(const struct comment_record *c);
/* Adds the moderation members (email, original_body, version) and an empty
 * "history" array to a public form. */
void json_map_add_moderation(json_t *obj, const struct comment_record *c);
json_t *json_map_attachment(const struct attachment_record *a);
json_t *json_map_history(const struct history_record *h);

#endif
