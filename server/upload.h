/* Streaming multipart/form-data for a new comment, on server/multipart.c:
 * text parts are collected under per-field caps, file parts named
 * "attachment" go straight to temporary files under DATA/tmp while their
 * size is counted, their SHA-256 computed and their type sniffed.  A part
 * named "attachment" without a file name is refused, never dropped.
 * Memory per request is bounded whatever the upload's size.
 *
 * Ownership: the form owns its buffers and temporary files until
 * upload_release(); upload_comment_form() lends them to the API call. */
#ifndef YKIEN_SERVER_UPLOAD_H
#define YKIEN_SERVER_UPLOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "api/call.h"

struct upload_form;

/* A form for a body of this Content-Type; NULL when it is not
 * multipart/form-data with a valid boundary, or memory is short. */
struct upload_form *upload_begin(const char *content_type,
                                 const struct api_config *cfg);
/* Feeds body bytes.  Returns 0, or -1 once the form is refused (see
 * upload_error); after that, further bytes are not looked at. */
int upload_feed(struct upload_form *f, const char *data, size_t size);
/* Ends the body: completes the last part.  0, or -1 (see upload_error). */
int upload_finish(struct upload_form *f);
/* The error and its field (a static string, valid after the form is freed). */
enum api_error upload_error(const struct upload_form *f, const char **field);
/* Total attachment bytes received so far. */
uint64_t upload_file_bytes(const struct upload_form *f);
/* Fills out from the form; -1 (see upload_error) when a field is bad. */
int upload_comment_form(struct upload_form *f, struct comment_form *out);
/* Closes and removes whatever temporary files remain, frees the form. */
void upload_release(struct upload_form *f);

#endif
