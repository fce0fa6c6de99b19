/* Fuzz target: the image header reader (api/image_size.c), which reads
 * what readers upload.  The first byte picks the type the sniffer would
 * have said; the rest is the file.
 *
 * Invariants: no read outside the data; a size is reported only as two
 * positive numbers, within what the format can express (JPEG and GIF 16
 * bits, WebP 24 bits plus one, PNG 31 bits). */
#include <stdint.h>
#include <stdlib.h>

#include "api/image_size.h"
#include "fuzz.h"

static const char *const types[] = {"image/jpeg", "image/png", "image/gif",
                                    "image/webp", "application/pdf"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct image_size s;
    const char *type;
    unsigned char *copy;

    if (size == 0)
        return 0;
    type = types[data[0] % (sizeof types / sizeof types[0])];
    /* An exact-size copy, so that ASan sees any read past the end. */
    copy = malloc(size - 1 ? size - 1 : 1);
    if (!copy)
        return 0;
    memcpy(copy, data + 1, size - 1);
    if (image_size_of_bytes(type, copy, size - 1, &s) == IMAGE_SIZE_OK) {
        int64_t max = type[6] == 'j' || type[6] == 'g' ? 0xFFFF
                      : type[6] == 'w'                 ? 0x1000000
                                                       : 0x7FFFFFFF;

        FUZZ_CHECK(s.width > 0 && s.height > 0 && s.width <= max &&
                   s.height <= max);
    }
    free(copy);
    return 0;
}
