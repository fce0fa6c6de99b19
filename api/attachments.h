/* Attachment files on disk: content-addressed under DATA/files/ab/<sha256>,
 * uploads staged under DATA/tmp/.  Pure file handling: the rows are db/'s,
 * the streaming is the server's. */
#ifndef YKIEN_API_ATTACHMENTS_H
#define YKIEN_API_ATTACHMENTS_H

#include <stddef.h>
#include <stdint.h>

#include "api/call.h"

/* Detects the type from the first bytes of a file: "image/jpeg",
 * "image/png", "image/gif", "image/webp", "application/pdf", or NULL. */
const char *attachment_sniff(const unsigned char *head, size_t len);
/* Makes a display name from a client's file name: the base name only (after
 * the last / or \), NFC, no control or bidi-override characters, at most
 * 255 bytes; "file" when nothing is left.  Returns a new string. */
char *attachment_clean_name(const char *name, size_t len);
/* The Content-Disposition value for a stored name (RFC 6266 / 5987):
 * inline; filename="ascii fallback"; filename*=UTF-8''percent-encoded.
 * Returns a new string. */
char *attachment_disposition(const char *filename);
/* Moves a staged upload into the store (or drops it when the same content
 * is already there) and makes it durable.  0 or -1. */
int attachment_store(const struct api_config *cfg, struct api_upload *u);
/* Opens the stored content of sha256 for reading; -1 if missing. */
int attachment_open(const struct api_config *cfg, const char *sha256);
/* Removes the stored content of sha256 (and makes the removal durable)
 * when no attachment row refers to it any more; call it with the write
 * lock held (db_begin), so that no upload can be sharing it meanwhile.
 * 0, or -1 on a storage error. */
int attachment_release(const struct api_config *cfg, struct db *db,
                       const char *sha256);
/* Start-up sweep: removes staged uploads left by a crash, and stored files
 * that no attachment row refers to. */
int attachment_sweep(const struct api_config *cfg, struct db *db);

#endif
