/* A new comment's multipart form: its parts (server/multipart.c) become
 * text fields and attachments streamed to disk. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/attachments.h"
#include "server/multipart.h"
#include "server/upload.h"

enum {
    MAX_UPLOADS = 20,
    SNIFF_BYTES = 16,
};

struct text_part {
    const char *name;
    char *buf;
    size_t len;
    size_t limit; /* bytes; past it the field is too long */
    bool seen;
};

enum { F_AUTHOR, F_BODY, F_EMAIL, F_PARENT, N_FIELDS };

/* What the part being received is read as. */
enum part_kind {
    PART_SKIP,    /* an unknown field, or a file under another name */
    PART_TEXT,    /* one of fields[] */
    PART_FILE,    /* an attachment */
    PART_NO_FILE, /* an attachment with an empty file name: a file
                   * input left empty, unless content follows */
};

struct upload_form {
    struct multipart *mp;
    const struct api_config *cfg;
    enum api_error error;
    const char *error_field;
    struct text_part fields[N_FIELDS];
    struct api_upload uploads[MAX_UPLOADS];
    size_t n_uploads;
    /* the part being received */
    enum part_kind part;
    struct text_part *text;
    int fd;
    bool in_file;
    crypto_hash_sha256_state sha;
    unsigned char head[SNIFF_BYTES];
    size_t head_len;
    uint64_t file_bytes;
};

static int
refuse(struct upload_form *f, enum api_error e, const char *field)
{
    if (f->error == API_OK) {
        f->error = e;
        f->error_field = field;
    }
    return -1;
}

/* Completes the file part being received: sniffs, hashes, syncs. */
static int
end_file(struct upload_form *f)
{
    struct api_upload *u;
    unsigned char digest[crypto_hash_sha256_BYTES];

    if (!f->in_file)
        return 0;
    f->in_file = false;
    u = &f->uploads[f->n_uploads - 1];
    u->content_type = attachment_sniff(f->head, f->head_len);
    if (!u->content_type)
        return refuse(f, API_E_UNSUPPORTED_MEDIA_TYPE, "attachment");
    crypto_hash_sha256_final(&f->sha, digest);
    sodium_bin2hex(u->sha256, sizeof u->sha256, digest, sizeof digest);
    /* The file must be on disk before a 201 says the comment is stored. */
    if (fsync(f->fd) != 0 || close(f->fd) != 0) {
        f->fd = -1;
        return refuse(f, API_E_INTERNAL, NULL);
    }
    f->fd = -1;
    return 0;
}

static int
start_file(struct upload_form *f, const char *filename)
{
    struct api_upload *u;
    char path[4200];

    if (end_file(f) != 0)
        return -1;
    if (f->n_uploads >= (size_t)f->cfg->max_attachments ||
        f->n_uploads == MAX_UPLOADS)
        return refuse(f, API_E_TOO_MANY_ATTACHMENTS, "attachment");
    snprintf(path, sizeof path, "%s/tmp/upload-XXXXXX", f->cfg->data_dir);
    f->fd = mkostemp(path, O_CLOEXEC);
    if (f->fd < 0)
        return refuse(f, API_E_INTERNAL, NULL);
    u = &f->uploads[f->n_uploads++];
    memset(u, 0, sizeof *u);
    u->tmp_path = strdup(path);
    u->filename = attachment_clean_name(filename, strlen(filename));
    if (!u->tmp_path || !u->filename)
        return refuse(f, API_E_INTERNAL, NULL);
    crypto_hash_sha256_init(&f->sha);
    f->head_len = 0;
    f->in_file = true;
    return 0;
}

static int
write_file(struct upload_form *f, const char *data, size_t size)
{
    struct api_upload *u = &f->uploads[f->n_uploads - 1];

    if (u->size + (int64_t)size > f->cfg->max_attachment_bytes)
        return refuse(f, API_E_PAYLOAD_TOO_LARGE, "attachment");
    if (f->head_len < SNIFF_BYTES) {
        size_t n =
            size < SNIFF_BYTES - f->head_len ? size : SNIFF_BYTES - f->head_len;

        memcpy(f->head + f->head_len, data, n);
        f->head_len += n;
        /* Refuse an unknown type as soon as enough is known. */
        if (f->head_len == SNIFF_BYTES &&
            !attachment_sniff(f->head, f->head_len))
            return refuse(f, API_E_UNSUPPORTED_MEDIA_TYPE, "attachment");
    }
    crypto_hash_sha256_update(&f->sha, (const unsigned char *)data, size);
    while (size > 0) {
        ssize_t n = write(f->fd, data, size);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return refuse(f, API_E_INTERNAL, NULL);
        data += n;
        size -= (size_t)n;
        u->size += n;
        f->file_bytes += (uint64_t)n;
    }
    return 0;
}

static int
add_text(struct upload_form *f, const char *data, size_t size)
{
    struct text_part *t = f->text;
    char *bigger;

    if (t->len + size > t->limit)
        return refuse(
            f, t == &f->fields[F_PARENT] ? API_E_WRONG_TYPE : API_E_TOO_LONG,
            t->name);
    bigger = realloc(t->buf, t->len + size + 1);
    if (!bigger)
        return refuse(f, API_E_INTERNAL, NULL);
    t->buf = bigger;
    memcpy(t->buf + t->len, data, size);
    t->len += size;
    t->buf[t->len] = '\0';
    return 0;
}

/* Errors name fields by our static names, valid after the form is gone. */
static int
on_part_begin(void *arg, const struct multipart_part *p)
{
    struct upload_form *f = arg;

    f->part = PART_SKIP;
    f->text = NULL;
    if (strcmp(p->name, "attachment") == 0) {
        /* A part named attachment is a file or a mistake, never dropped. */
        if (!p->filename)
            return refuse(f, API_E_BAD_MULTIPART, "attachment");
        if (p->filename[0] == '\0') {
            f->part = PART_NO_FILE;
            return 0;
        }
        f->part = PART_FILE;
        return start_file(f, p->filename);
    }
    if (p->filename)
        return 0; /* a file under another name: ignored */
    for (int i = 0; i < N_FIELDS; i++) {
        if (strcmp(f->fields[i].name, p->name) == 0)
            f->text = &f->fields[i];
    }
    if (!f->text)
        return 0; /* unknown parts are ignored, like JSON members */
    if (f->text->seen)
        return refuse(f, API_E_BAD_MULTIPART,
                      f->text->name); /* a repeated field */
    f->text->seen = true;
    f->part = PART_TEXT;
    return 0;
}

static int
on_part_data(void *arg, const char *data, size_t size)
{
    struct upload_form *f = arg;

    switch (f->part) {
    case PART_SKIP:
        return 0;
    case PART_TEXT:
        return add_text(f, data, size);
    case PART_NO_FILE:
        if (start_file(f, "") != 0)
            return -1;
        f->part = PART_FILE;
        return write_file(f, data, size);
    case PART_FILE:
        return write_file(f, data, size);
    }
    return 0;
}

static int
on_part_end(void *arg)
{
    struct upload_form *f = arg;
    enum part_kind kind = f->part;

    f->part = PART_SKIP;
    return kind == PART_FILE ? end_file(f) : 0;
}

struct upload_form *
upload_begin(const char *content_type, const struct api_config *cfg)
{
    char boundary[MULTIPART_BOUNDARY_MAX + 1];
    struct multipart_handler h = {
        .begin = on_part_begin,
        .data = on_part_data,
        .end = on_part_end,
    };
    struct upload_form *f;
    /* Up to 16 UTF-8 bytes a character leaves room for decomposed forms;
     * the character limit itself is checked after normalisation. */
    size_t text_limit = cfg->max_body_chars * 16 + 1024;

    if (multipart_boundary(content_type, boundary) != 0)
        return NULL;
    f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->cfg = cfg;
    f->fd = -1;
    f->fields[F_AUTHOR] = (struct text_part){
        .name = "author", .limit = cfg->max_author_chars * 16 + 256};
    f->fields[F_BODY] = (struct text_part){.name = "body", .limit = text_limit};
    f->fields[F_EMAIL] = (struct text_part){.name = "email", .limit = 1024};
    f->fields[F_PARENT] = (struct text_part){.name = "parent_id", .limit = 32};
    h.arg = f;
    f->mp = multipart_new(boundary, &h);
    if (!f->mp) {
        free(f);
        return NULL;
    }
    return f;
}

int
upload_feed(struct upload_form *f, const char *data, size_t size)
{
    if (f->error != API_OK)
        return -1;
    /* A callback that stopped the parser has set the error already. */
    if (multipart_feed(f->mp, data, size) != MULTIPART_OK)
        return refuse(f, API_E_BAD_MULTIPART, NULL);
    return 0;
}

int
upload_finish(struct upload_form *f)
{
    if (f->error != API_OK)
        return -1;
    /* Without its closing delimiter the last part may be cut short. */
    if (multipart_finish(f->mp) != MULTIPART_OK)
        return refuse(f, API_E_BAD_MULTIPART, NULL);
    return 0;
}

enum api_error
upload_error(const struct upload_form *f, const char **field)
{
    *field = f->error_field;
    return f->error;
}

uint64_t
upload_file_bytes(const struct upload_form *f)
{
    return f->file_bytes;
}

int
upload_comment_form(struct upload_form *f, struct comment_form *out)
{
    struct text_part *parent = &f->fields[F_PARENT];

    memset(out, 0, sizeof *out);
    if (f->fields[F_AUTHOR].seen) {
        out->author = f->fields[F_AUTHOR].buf ? f->fields[F_AUTHOR].buf : "";
        out->author_len = f->fields[F_AUTHOR].len;
    }
    if (f->fields[F_BODY].seen) {
        out->body = f->fields[F_BODY].buf ? f->fields[F_BODY].buf : "";
        out->body_len = f->fields[F_BODY].len;
    }
    if (f->fields[F_EMAIL].seen) {
        out->email = f->fields[F_EMAIL].buf ? f->fields[F_EMAIL].buf : "";
        out->email_len = f->fields[F_EMAIL].len;
    }
    if (parent->seen && parent->len > 0) {
        char *end;
        long long v;

        errno = 0;
        v = strtoll(parent->buf, &end, 10);
        if (errno || *end || parent->buf[0] < '0' || parent->buf[0] > '9')
            return refuse(f, API_E_WRONG_TYPE, "parent_id");
        if (v <= 0)
            return refuse(f, API_E_INVALID_FIELD, "parent_id");
        out->parent_id = v;
    }
    out->uploads = f->uploads;
    out->n_uploads = f->n_uploads;
    return 0;
}

void
upload_release(struct upload_form *f)
{
    if (!f)
        return;
    multipart_free(f->mp);
    if (f->fd >= 0)
        close(f->fd);
    for (size_t i = 0; i < f->n_uploads; i++) {
        /* A stored upload's tmp_path was emptied when it moved. */
        if (f->uploads[i].tmp_path && f->uploads[i].tmp_path[0])
            unlink(f->uploads[i].tmp_path);
        free(f->uploads[i].tmp_path);
        free(f->uploads[i].filename);
    }
    for (int i = 0; i < N_FIELDS; i++)
        free(f->fields[i].buf);
    free(f);
}
