/* Attachment files: what they are and what they are called.  Uploads are
 * staged under DATA/tmp/ by the server; their contents are stored by db/
 * (db/blobs.h), their rows too. */
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
/* Removes the stored content of sha256 when no attachment row refers to
 * it any more (db_blob_release()); call it inside the transaction that
 * deleted the rows, so that no upload can be sharing it meanwhile.  0, or
 * -1 on a storage error. */
int attachment_release(const struct api_config *cfg, struct db *db,
                       const char *sha256);
/* Start-up sweep: removes staged uploads left by a crash, and stored
 * contents that no attachment row refers to (db_blob_sweep()). */
int attachment_sweep(const struct api_config *cfg, struct db *db);

#endif
