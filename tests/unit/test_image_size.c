/* Image sizes from headers: each format, the JPEG segment walk, and the
 * malformed headers that must be refused. */
#include <stdlib.h>
#include <string.h>

#include "api/image_size.h"
#include "check.h"

static enum image_size_result
size_of(const char *type, const void *data, size_t len, struct image_size *s)
{
    return image_size_of_bytes(type, data, len, s);
}

#define IS(type, lit, w, h)                                                    \
    do {                                                                       \
        struct image_size s_;                                                  \
        CHECK(size_of(type, lit, sizeof lit - 1, &s_) == IMAGE_SIZE_OK);       \
        CHECK(s_.width == (w) && s_.height == (h));                            \
    } while (0)

#define BAD(type, lit)                                                         \
    do {                                                                       \
        struct image_size s_;                                                  \
        CHECK(size_of(type, lit, sizeof lit - 1, &s_) == IMAGE_SIZE_BAD);      \
    } while (0)

int
main(void)
{
    struct image_size s;
    unsigned char *big;
    size_t n = 0;

    /* PNG: IHDR right after the signature. */
    IS("image/png",
       "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\x02\x80\0\0\x01\x90\x08\x02\0\0\0",
       640, 400);
    BAD("image/png", "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDX\0\0\x02\x80\0\0\x01\x90");
    BAD("image/png",
        "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\0\0\0\x01\x90\x08\x02\0\0\0");
    BAD("image/png", "\x89PNG\r\n\x1a\n");

    /* GIF: the logical screen, little-endian; 0 x 0 states no size. */
    IS("image/gif", "GIF89a\x40\x01\xf0\x00\x80\0\0", 320, 240);
    CHECK(size_of("image/gif", "GIF87a\0\0\0\0\0\0\0", 13, &s) ==
          IMAGE_SIZE_UNKNOWN);
    BAD("image/gif", "GIF89a\x40");

    /* WebP: lossy (VP8), lossless (VP8L), extended (VP8X). */
    IS("image/webp",
       "RIFF\0\0\0\0WEBPVP8 \0\0\0\0\x10\x02\x00\x9d\x01\x2a\x80\x02\x90\x01\0\0",
       640, 400);
    IS("image/webp",
       "RIFF\0\0\0\0WEBPVP8L\0\0\0\0\x2f\x7f\x40\x20\x00\0\0\0\0\0\0", 128,
       130);
    IS("image/webp",
       "RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0\x10\0\0\0\x7f\x07\0\x37\x04\0\0\0", 1920,
       1080);
    BAD("image/webp",
        "RIFF\0\0\0\0WEBPVP8 \0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0");
    BAD("image/webp",
        "RIFF\0\0\0\0WEBPVP8Q\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0");

    /* JPEG: APP0, then SOF0 (precision, height, width). */
    IS("image/jpeg",
       "\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
       "\xff\xc0\x00\x11\x08\x01\xe0\x02\x80\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01",
       640, 480);
    /* fill bytes before a marker, a progressive frame (SOF2) after DHT */
    IS("image/jpeg",
       "\xff\xd8\xff\xff\xff\xc4\x00\x03\x00"
       "\xff\xc2\x00\x0b\x08\x00\x10\x00\x20\x01\x01\x11\x00",
       32, 16);
    /* garbage where a marker must be, a scan before any frame, truncation */
    BAD("image/jpeg",
        "\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00garbage");
    BAD("image/jpeg", "\xff\xd8\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00");
    BAD("image/jpeg", "\xff\xd8\xff\xc0\x00\x11\x08\x01");
    BAD("image/jpeg", "\xff\xd8");
    BAD("image/jpeg", "\xff\xd8\xff\xe1\x00\x01");
    /* a height defined later (DNL) states no size */
    CHECK(
        size_of("image/jpeg",
                "\xff\xd8\xff\xc0\x00\x0b\x08\x00\x00\x02\x80\x01\x01\x11\x00",
                15, &s) == IMAGE_SIZE_UNKNOWN);

    /* A 64 KiB EXIF segment before the frame is skipped, not scanned: a
     * thumbnail's SOF inside it is not the image's. */
    big = calloc(1, 70000);
    CHECK(big != NULL);
    if (big) {
        memcpy(big, "\xff\xd8\xff\xe1\xff\xff", 6);
        memcpy(big + 100, "\xff\xc0\x00\x11\x08\x00\x01\x00\x01", 9);
        n = 4 + 0xffff;
        memcpy(big + n, "\xff\xc0\x00\x11\x08\x0b\xb8\x0f\xa0\x03", 10);
        CHECK(size_of("image/jpeg", big, n + 20, &s) == IMAGE_SIZE_OK &&
              s.width == 4000 && s.height == 3000);
        free(big);
    }

    /* Not an image: no size, no refusal. */
    CHECK(size_of("application/pdf", "%PDF-1.4", 8, &s) == IMAGE_SIZE_UNKNOWN);
    return check_report();
}
