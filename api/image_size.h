/* The pixel size of an uploaded image, read from its header: JPEG (the
 * first SOF marker, walking the segments), PNG (IHDR), GIF (the logical
 * screen), WebP (VP8, VP8L or VP8X).  A file that starts like an image but
 * whose header cannot be read is not that image, and is refused by the
 * caller (415).  Pure parsing: the bytes come through a read callback, so
 * this reads no more of a file than its header needs, and no I/O happens
 * here beyond what the callback does.  Nothing is allocated. */
#ifndef YKIEN_API_IMAGE_SIZE_H
#define YKIEN_API_IMAGE_SIZE_H

#include <stddef.h>
#include <stdint.h>

enum image_size_result {
    IMAGE_SIZE_OK,      /* width and height are set, both > 0 */
    IMAGE_SIZE_UNKNOWN, /* a valid header that states no size (a GIF
                         * screen of 0 x 0, a JPEG whose height comes
                         * later in a DNL marker), or not an image type */
    IMAGE_SIZE_BAD,     /* truncated or malformed header */
};

struct image_size {
    int64_t width;
    int64_t height;
};

/* Copies up to n bytes at offset off into buf; returns how many (fewer at
 * the end of the data, 0 past it), or -1 on a read error. */
typedef long (*image_read_fn)(void *ctx, uint64_t off, unsigned char *buf,
                              size_t n);

/* content_type is what attachment_sniff() detected. */
enum image_size_result image_size_read(const char *content_type,
                                       image_read_fn read, void *ctx,
                                       struct image_size *out);
/* The same over bytes in memory. */
enum image_size_result image_size_of_bytes(const char *content_type,
                                           const unsigned char *data,
                                           size_t len, struct image_size *out);
/* The same over an open file (read with pread; the offset is not moved). */
enum image_size_result image_size_of_fd(const char *content_type, int fd,
                                        struct image_size *out);

#endif
