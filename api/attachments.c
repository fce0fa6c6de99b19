/* Attachment files: type sniffing, names, and the start-up sweep. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utf8proc.h>

#include "api/attachments.h"
#include "db/blobs.h"

enum { NAME_MAX_BYTES = 255 };

const char *
attachment_sniff(const unsigned char *h, size_t n)
{
    if (n >= 3 && h[0] == 0xFF && h[1] == 0xD8 && h[2] == 0xFF)
        return "image/jpeg";
    if (n >= 8 && memcmp(h, "\x89PNG\r\n\x1a\n", 8) == 0)
        return "image/png";
    if (n >= 6 && (memcmp(h, "GIF87a", 6) == 0 || memcmp(h, "GIF89a", 6) == 0))
        return "image/gif";
    if (n >= 12 && memcmp(h, "RIFF", 4) == 0 && memcmp(h + 8, "WEBP", 4) == 0)
        return "image/webp";
    if (n >= 5 && memcmp(h, "%PDF-", 5) == 0)
        return "application/pdf";
    return NULL;
}

static bool
unwanted_in_name(utf8proc_int32_t cp)
{
    utf8proc_category_t cat = utf8proc_category(cp);

    /* Controls, and format characters such as bidi overrides that would let
     * "gpj.exe" display as "exe.jpg". */
    return cat == UTF8PROC_CATEGORY_CC || cat == UTF8PROC_CATEGORY_CF ||
           cat == UTF8PROC_CATEGORY_ZL || cat == UTF8PROC_CATEGORY_ZP ||
           cp == '"';
}

char *
attachment_clean_name(const char *name, size_t len)
{
    const utf8proc_uint8_t *p;
    utf8proc_uint8_t *nfc = NULL;
    utf8proc_ssize_t nfc_len;
    char *out;
    size_t o = 0, base = 0;

    for (size_t i = 0; i < len; i++) {
        if (name[i] == '/' || name[i] == '\\')
            base = i + 1;
    }
    nfc_len = utf8proc_map((const utf8proc_uint8_t *)name + base,
                           (utf8proc_ssize_t)(len - base), &nfc,
                           UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    out = malloc(NAME_MAX_BYTES + 1);
    if (!out) {
        free(nfc);
        return NULL;
    }
    p = nfc;
    for (utf8proc_ssize_t i = 0; nfc_len > 0 && i < nfc_len;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate(p + i, nfc_len - i, &cp);

        if (n <= 0)
            break;
        if (!unwanted_in_name(cp)) {
            if (o + (size_t)n > NAME_MAX_BYTES)
                break;
            memcpy(out + o, p + i, (size_t)n);
            o += (size_t)n;
        }
        i += n;
    }
    free(nfc);
    /* Leading and trailing spaces and dots make names that hide or mislead. */
    while (o > 0 && (out[o - 1] == ' ' || out[o - 1] == '.'))
        o--;
    out[o] = '\0';
    {
        size_t lead = strspn(out, " .");

        memmove(out, out + lead, o - lead + 1);
        o -= lead;
    }
    if (o == 0)
        strcpy(out, "file");
    return out;
}

char *
attachment_disposition(const char *filename)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t len = strlen(filename);
    /* inline; filename="..."; filename*=UTF-8''... : the fallback is at most
     * len bytes, the encoded name at most 3 * len. */
    char *out = malloc(64 + 4 * len);
    char *o = out;

    if (!out)
        return NULL;
    o += sprintf(o, "inline; filename=\"");
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)filename[i];

        if (ch >= 0x80) {
            /* one '_' per non-ASCII character, not per byte */
            if ((ch & 0xC0) != 0x80)
                *o++ = '_';
        } else if (ch != '"' && ch != '\\' && ch >= 0x20) {
            *o++ = (char)ch;
        }
    }
    o += sprintf(o, "\"; filename*=UTF-8''");
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)filename[i];

        /* attr-char of RFC 5987 */
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
            (ch >= '0' && ch <= '9') || strchr("!#$&+-.^_`|~", ch)) {
            *o++ = (char)ch;
        } else {
            *o++ = '%';
            *o++ = hex[ch >> 4];
            *o++ = hex[ch & 15];
        }
    }
    *o = '\0';
    return out;
}

/* Removes the uploads a crash left staged in dir. */
static void
remove_staged(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[4900];

    if (!d)
        return;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
}

int
attachment_sweep(const struct api_config *cfg, struct db *db)
{
    char path[4200];

    snprintf(path, sizeof path, "%s/tmp", cfg->data_dir);
    remove_staged(path);
    return db_blob_sweep(db) == DB_OK ? 0 : -1;
}

int
attachment_release(const struct api_config *cfg, struct db *db,
                   const char *sha256)
{
    (void)cfg;
    return db_blob_release(db, sha256) == DB_OK ? 0 : -1;
}
