/* Attachment helpers: type sniffing, display names, Content-Disposition. */
#include <stdlib.h>

#include "api/attachments.h"
#include "check.h"

static void
name_is(const char *in, const char *want)
{
    char *got = attachment_clean_name(in, strlen(in));

    CHECK_STR(got, want);
    free(got);
}

int
main(void)
{
    CHECK_STR(attachment_sniff((const unsigned char *)"\xff\xd8\xff\xe0", 4),
              "image/jpeg");
    CHECK_STR(attachment_sniff((const unsigned char *)"\x89PNG\r\n\x1a\n", 8),
              "image/png");
    CHECK_STR(attachment_sniff((const unsigned char *)"GIF89a", 6),
              "image/gif");
    CHECK_STR(attachment_sniff((const unsigned char *)"GIF87a", 6),
              "image/gif");
    CHECK_STR(
        attachment_sniff((const unsigned char *)"RIFF\0\0\0\0WEBPVP8 ", 16),
        "image/webp");
    CHECK_STR(attachment_sniff((const unsigned char *)"%PDF-1.7", 8),
              "application/pdf");
    CHECK(attachment_sniff((const unsigned char *)"MZ\x90\0", 4) == NULL);
    CHECK(attachment_sniff((const unsigned char *)"RIFF\0\0\0\0WAVE", 12) ==
          NULL);
    CHECK(attachment_sniff((const unsigned char *)"<svg", 4) == NULL);
    CHECK(attachment_sniff((const unsigned char *)"\x89PN", 3) == NULL);
    CHECK(attachment_sniff(NULL, 0) == NULL);

    name_is("ảnh đẹp.png", "ảnh đẹp.png");
    name_is("../../etc/passwd.png", "passwd.png");
    name_is("C:\\Users\\x\\y.png", "y.png");
    name_is("a\x01\x1b"
            "b.png",
            "ab.png");
    name_is("a\xe2\x80\xaegnp.exe", "agnp.exe"); /* U+202E bidi override */
    name_is("a\xcc\x89nh.png", "ảnh.png");       /* NFD in, NFC out */
    name_is("", "file");
    name_is("dir/", "file");
    name_is("...", "file");
    name_is("  x.png ", "x.png");
    {
        char big[600];
        char *got;

        memset(big, 'a', sizeof big - 1);
        big[sizeof big - 1] = '\0';
        got = attachment_clean_name(big, strlen(big));
        CHECK(strlen(got) == 255);
        free(got);
    }

    char *d = attachment_disposition("ảnh đẹp.png");
    CHECK_STR(d, "inline; filename=\"_nh __p.png\"; "
                 "filename*=UTF-8''%E1%BA%A3nh%20%C4%91%E1%BA%B9p.png");
    free(d);
    d = attachment_disposition("a\"b\\c.pdf");
    CHECK_STR(d,
              "inline; filename=\"abc.pdf\"; filename*=UTF-8''a%22b%5Cc.pdf");
    free(d);
    return check_report();
}
