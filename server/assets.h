/* The web files (web/: the reader widget and the moderation console),
 * embedded at build time by web/embed_assets.py with their gzipped form
 * and their hash, and served from memory:
 *   /widget.js      stable URL, short cache (5 min) + ETag / 304;
 *   /moderation/    the console page: no-cache + ETag, a strict
 *                   Content-Security-Policy, no framing, no referrer;
 *                   /moderation redirects there;
 *   /assets/NAME.HASH.EXT   everything else, cached for a year (immutable).
 * gzip when the client accepts it (Vary: Accept-Encoding).  Knows HTTP, not
 * comments. */
#ifndef YKIEN_SERVER_ASSETS_H
#define YKIEN_SERVER_ASSETS_H

#include <microhttpd.h>
#include <stddef.h>
#include <stdint.h>

enum asset_kind { ASSET_STABLE, ASSET_PAGE, ASSET_HASHED };

struct asset {
    const char *path;
    const char *content_type;
    enum asset_kind kind;
    const unsigned char *body;
    size_t body_len;
    const unsigned char *gz;
    size_t gz_len;
    const char *etag; /* strong, quoted; per representation */
    const char *gz_etag;
};

/* The generated table (assets_data.c). */
extern const struct asset assets_table[];
extern const int assets_count;

/* The asset at path, or NULL. */
const struct asset *assets_find(const char *path);

/* When url is an embedded file (or /moderation), builds its response for
 * method (GET and HEAD; anything else is 405 with Allow) into *resp and
 * returns its status; returns 0 when url is none of them.  *bytes is the
 * body length sent.  The response is the caller's to queue and destroy. */
unsigned assets_reply(struct MHD_Connection *conn, const char *method,
                      const char *url, struct MHD_Response **resp,
                      uint64_t *bytes);

/* Whether an Accept-Encoding value accepts gzip (a "gzip" or "*" coding
 * without q=0). */
int assets_accepts_gzip(const char *accept_encoding);

#endif
