/* Image headers: just enough of JPEG, PNG, GIF and WebP to find the size. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "api/image_size.h"

enum {
    JPEG_MAX_SEGMENTS = 4096, /* a real file reaches its SOF in a few dozen */
    HEAD_BYTES = 32,
};

static uint32_t
be16(const unsigned char *p)
{
    return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t
be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

static uint32_t
le16(const unsigned char *p)
{
    return (uint32_t)p[1] << 8 | p[0];
}

static uint32_t
le24(const unsigned char *p)
{
    return (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint32_t
le32(const unsigned char *p)
{
    return (uint32_t)p[3] << 24 | le24(p);
}

static enum image_size_result
found(int64_t width, int64_t height, struct image_size *out)
{
    out->width = width;
    out->height = height;
    return IMAGE_SIZE_OK;
}

/* Reads exactly n bytes at off, or fails. */
static int
read_exact(image_read_fn read, void *ctx, uint64_t off, unsigned char *buf,
           size_t n)
{
    return read(ctx, off, buf, n) == (long)n ? 0 : -1;
}

/* Start of frame markers carry the size: C0-CF except DHT (C4), JPG (C8)
 * and DAC (CC). */
static int
is_sof(unsigned char m)
{
    return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

static enum image_size_result
jpeg_size(image_read_fn read, void *ctx, struct image_size *out)
{
    unsigned char b[9];
    uint64_t pos = 2;

    if (read_exact(read, ctx, 0, b, 2) != 0 || b[0] != 0xFF || b[1] != 0xD8)
        return IMAGE_SIZE_BAD;
    for (int seg = 0; seg < JPEG_MAX_SEGMENTS; seg++) {
        unsigned char m;

        if (read_exact(read, ctx, pos, b, 2) != 0 || b[0] != 0xFF)
            return IMAGE_SIZE_BAD;
        /* Any number of 0xFF fill bytes may precede a marker. */
        m = b[1];
        pos++;
        while (m == 0xFF) {
            pos++;
            if (read_exact(read, ctx, pos, &m, 1) != 0)
                return IMAGE_SIZE_BAD;
        }
        pos++; /* past the marker byte */
        if (m == 0x01 || (m >= 0xD0 && m <= 0xD7))
            continue; /* no length: TEM, RSTn */
        if (m == 0xD8 || m == 0xD9 || m == 0xDA || m == 0x00)
            return IMAGE_SIZE_BAD; /* SOI again, EOI or SOS before any frame */
        if (read_exact(read, ctx, pos, b, is_sof(m) ? 7 : 2) != 0 ||
            be16(b) < 2)
            return IMAGE_SIZE_BAD;
        if (is_sof(m)) {
            uint32_t height = be16(b + 3), width = be16(b + 5);

            if (be16(b) < 8 || width == 0)
                return IMAGE_SIZE_BAD;
            if (height == 0)
                return IMAGE_SIZE_UNKNOWN; /* defined later by a DNL marker */
            return found(width, height, out);
        }
        pos += be16(b);
    }
    return IMAGE_SIZE_BAD;
}

static enum image_size_result
png_size(const unsigned char *h, size_t n, struct image_size *out)
{
    uint32_t width, height;

    if (n < 24 || memcmp(h, "\x89PNG\r\n\x1a\n", 8) != 0 || be32(h + 8) != 13 ||
        memcmp(h + 12, "IHDR", 4) != 0)
        return IMAGE_SIZE_BAD;
    width = be32(h + 16);
    height = be32(h + 20);
    if (width == 0 || height == 0 || width > 0x7FFFFFFFu ||
        height > 0x7FFFFFFFu)
        return IMAGE_SIZE_BAD;
    return found(width, height, out);
}

static enum image_size_result
gif_size(const unsigned char *h, size_t n, struct image_size *out)
{
    if (n < 10 || (memcmp(h, "GIF87a", 6) != 0 && memcmp(h, "GIF89a", 6) != 0))
        return IMAGE_SIZE_BAD;
    if (le16(h + 6) == 0 || le16(h + 8) == 0)
        return IMAGE_SIZE_UNKNOWN;
    return found(le16(h + 6), le16(h + 8), out);
}

static enum image_size_result
webp_size(const unsigned char *h, size_t n, struct image_size *out)
{
    const unsigned char *d = h + 20; /* the first chunk's data */

    if (n < 30 || memcmp(h, "RIFF", 4) != 0 || memcmp(h + 8, "WEBP", 4) != 0)
        return IMAGE_SIZE_BAD;
    if (memcmp(h + 12, "VP8 ", 4) == 0) {
        /* Frame tag (3 bytes), start code, then 14-bit sizes and scales. */
        uint32_t width = le16(d + 6) & 0x3FFF, height = le16(d + 8) & 0x3FFF;

        if (memcmp(d + 3, "\x9d\x01\x2a", 3) != 0 || (d[0] & 1) != 0 ||
            width == 0 || height == 0)
            return IMAGE_SIZE_BAD;
        return found(width, height, out);
    }
    if (memcmp(h + 12, "VP8L", 4) == 0) {
        uint32_t bits = le32(d + 1);

        if (d[0] != 0x2F)
            return IMAGE_SIZE_BAD;
        return found((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1, out);
    }
    if (memcmp(h + 12, "VP8X", 4) == 0)
        return found((int64_t)le24(d + 4) + 1, (int64_t)le24(d + 7) + 1, out);
    return IMAGE_SIZE_BAD;
}

enum image_size_result
image_size_read(const char *content_type, image_read_fn read, void *ctx,
                struct image_size *out)
{
    unsigned char head[HEAD_BYTES];
    long n;

    out->width = out->height = 0;
    if (!content_type || strncmp(content_type, "image/", 6) != 0)
        return IMAGE_SIZE_UNKNOWN;
    if (strcmp(content_type, "image/jpeg") == 0)
        return jpeg_size(read, ctx, out);
    n = read(ctx, 0, head, sizeof head);
    if (n < 0)
        return IMAGE_SIZE_BAD;
    if (strcmp(content_type, "image/png") == 0)
        return png_size(head, (size_t)n, out);
    if (strcmp(content_type, "image/gif") == 0)
        return gif_size(head, (size_t)n, out);
    if (strcmp(content_type, "image/webp") == 0)
        return webp_size(head, (size_t)n, out);
    return IMAGE_SIZE_UNKNOWN;
}

struct bytes {
    const unsigned char *data;
    size_t len;
};

static long
read_bytes(void *ctx, uint64_t off, unsigned char *buf, size_t n)
{
    const struct bytes *b = ctx;

    if (off >= b->len)
        return 0;
    if (n > b->len - off)
        n = (size_t)(b->len - off);
    memcpy(buf, b->data + off, n);
    return (long)n;
}

enum image_size_result
image_size_of_bytes(const char *content_type, const unsigned char *data,
                    size_t len, struct image_size *out)
{
    struct bytes b = {data, len};

    return image_size_read(content_type, read_bytes, &b, out);
}

static long
read_fd(void *ctx, uint64_t off, unsigned char *buf, size_t n)
{
    int fd = *(int *)ctx;
    size_t got = 0;

    while (got < n) {
        ssize_t r = pread(fd, buf + got, n - got, (off_t)(off + got));

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (long)got;
}

enum image_size_result
image_size_of_fd(const char *content_type, int fd, struct image_size *out)
{
    return image_size_read(content_type, read_fd, &fd, out);
}
