/* Export and import of every comment as JSON Lines (docs/export.schema.json):
 * one object per line, a comment's moderation form (history included)
 * with its attachments' bytes in base64 ("data") and the ids it had in
 * the systems it was imported from ("sources").  Both ways stream: memory
 * holds one comment at a time.
 *
 * An import keeps each comment's id (and its attachments' ids) when the id
 * is free, so a file imported into an empty database gives the same
 * moderation forms back.  A line is skipped as already there when a
 * comment was imported before from a line with the same article, creation
 * time and original body, when the comment with its id has these same
 * three (the file came from this database), or when one of its "sources"
 * was imported before.  One transaction: a line that is not JSON imports
 * nothing. */
#ifndef YKIEN_OPS_JSONL_H
#define YKIEN_OPS_JSONL_H

#include <stdint.h>
#include <stdio.h>

#include "api/call.h"
#include "ops/report.h"

struct db;

/* Writes every comment to out, in id order, from one snapshot of the
 * database (the daemon may keep writing).  0, or -1 with a reason in err;
 * *n counts the comments written. */
int jsonl_export(struct db *db, const struct api_config *cfg, FILE *out,
                 int64_t *n, char *err, size_t err_len);

/* Reads an export from in (name: for messages) into db; attachment files
 * go to cfg->data_dir.  0 with the summary in *r, or -1 with a reason in
 * err ("NAME:LINE: ..."), and then nothing was imported. */
int jsonl_import(struct db *db, const struct api_config *cfg, FILE *in,
                 const char *name, struct import_report *r, char *err,
                 size_t err_len);

#endif
