/* The multipart/form-data parser without a socket: boundaries, part
 * headers as RFC 7578 allows them, refusals, and the same body fed in
 * pieces of every size. */
#include <stdlib.h>
#include <string.h>

#include "server/multipart.h"
#include "check.h"

/* What the callbacks saw, as text: "name|filename|type=content;" per part. */
struct seen {
    char out[4096];
    size_t len;
    int stop_at_part; /* 0: never */
    int parts;
};

static void
put(struct seen *s, const char *p, size_t n)
{
    if (s->len + n < sizeof s->out) {
        memcpy(s->out + s->len, p, n);
        s->len += n;
        s->out[s->len] = '\0';
    }
}

static int
on_begin(void *arg, const struct multipart_part *p)
{
    struct seen *s = arg;

    if (++s->parts == s->stop_at_part)
        return -1;
    put(s, p->name, strlen(p->name));
    put(s, "|", 1);
    if (p->filename)
        put(s, p->filename, strlen(p->filename));
    else
        put(s, "-", 1);
    put(s, "|", 1);
    if (p->content_type)
        put(s, p->content_type, strlen(p->content_type));
    put(s, "=", 1);
    return 0;
}

static int
on_data(void *arg, const char *data, size_t len)
{
    put(arg, data, len);
    return 0;
}

static int
on_end(void *arg)
{
    put(arg, ";", 1);
    return 0;
}

/* Parses body with boundary b in pieces of step bytes (0: at once);
 * returns the outcome and fills s. */
static enum multipart_status
parse(const char *b, const char *body, size_t step, struct seen *s)
{
    struct multipart_handler h = {on_begin, on_data, on_end, s};
    struct multipart *m = multipart_new(b, &h);
    size_t len = strlen(body);
    enum multipart_status st = MULTIPART_OK;

    s->len = 0;
    s->out[0] = '\0';
    s->parts = 0;
    if (!m)
        return MULTIPART_BAD;
    if (step == 0)
        step = len ? len : 1;
    for (size_t i = 0; i < len && st == MULTIPART_OK; i += step)
        st = multipart_feed(m, body + i, len - i < step ? len - i : step);
    if (st == MULTIPART_OK)
        st = multipart_finish(m);
    multipart_free(m);
    return st;
}

/* Checks body gives want at every piece size from 1 to 40 and at once. */
static void
same_in_pieces(const char *b, const char *body, enum multipart_status want_st,
               const char *want)
{
    struct seen s = {.stop_at_part = 0};

    for (size_t step = 0; step <= 40; step++) {
        enum multipart_status st = parse(b, body, step, &s);

        CHECK(st == want_st);
        if (want && st == want_st)
            CHECK_STR(s.out, want);
        if (st != want_st || (want && strcmp(s.out, want) != 0)) {
            fprintf(stderr, "  at pieces of %zu\n", step);
            break;
        }
    }
}

static const char *
boundary(const char *ct)
{
    static char b[MULTIPART_BOUNDARY_MAX + 1];

    return multipart_boundary(ct, b) == 0 ? b : "(bad)";
}

#define PART(disp, data)                                                       \
    "--XyZ\r\nContent-Disposition: " disp "\r\n\r\n" data "\r\n"
#define END "--XyZ--\r\n"

int
main(void)
{
    struct seen s = {.stop_at_part = 0};
    char big[70000];

    /* boundaries */
    CHECK_STR(boundary("multipart/form-data; boundary=XyZ"), "XyZ");
    CHECK_STR(boundary("multipart/form-data; boundary=\"XyZ\""), "XyZ");
    CHECK_STR(
        boundary("multipart/form-data; boundary=\"a b:c\"; charset=utf-8"),
        "a b:c");
    CHECK_STR(boundary("Multipart/Form-Data;BOUNDARY=XyZ"), "XyZ");
    CHECK_STR(boundary("multipart/form-data; charset=utf-8; boundary=XyZ;"),
              "XyZ");
    CHECK_STR(boundary("multipart/form-data ; boundary = XyZ"), "XyZ");
    CHECK_STR(boundary("multipart/form-data; boundary=\"x\\\"y\""),
              "(bad)"); /* '"' */
    CHECK_STR(boundary("multipart/form-data; boundary=\"\""), "(bad)");
    CHECK_STR(boundary("multipart/form-data; boundary="), "(bad)");
    CHECK_STR(boundary("multipart/form-data; boundary=\"ends \""), "(bad)");
    CHECK_STR(boundary("multipart/form-data; boundary=\"open"), "(bad)");
    CHECK_STR(boundary("multipart/form-data; boundary=a; boundary=b"), "(bad)");
    CHECK_STR(boundary("multipart/form-data"), "(bad)");
    CHECK_STR(boundary("multipart/mixed; boundary=XyZ"), "(bad)");
    CHECK_STR(boundary("application/json"), "(bad)");
    CHECK_STR(boundary(NULL), "(bad)");
    memset(big, 'b', 200);
    memcpy(big, "multipart/form-data; boundary=", 30);
    big[30 + 70] = '\0';
    CHECK(strlen(boundary(big)) == 70);
    big[30 + 70] = 'b';
    big[30 + 71] = '\0';
    CHECK_STR(boundary(big), "(bad)");

    /* parts, fed in pieces of every size */
    same_in_pieces("XyZ",
                   PART("form-data; name=\"author\"", "Thu")
                       PART("form-data; name=body", "Hay.") END,
                   MULTIPART_OK, "author|-|=Thu;body|-|=Hay.;");
    same_in_pieces(
        "XyZ",
        "preamble\r\n--XyZ  \r\nCONTENT-DISPOSITION: FORM-DATA; NAME=attachment; "
        "FILENAME=a.jpg\r\ncontent-type: image/jpeg\r\n\r\n\xff\xd8\r\n--XyY\r\n--XyZ--",
        MULTIPART_OK, "attachment|a.jpg|image/jpeg=\xff\xd8\r\n--XyY;");
    same_in_pieces(
        "XyZ", PART("form-data;name=\"a\";filename=\"q\\\"\\\\.txt\"", "") END,
        MULTIPART_OK, "a|q\"\\.txt|=;");
    same_in_pieces("XyZ",
                   PART("form-data; name=a; filename=\"C:\\x\\y.png\"", "") END,
                   MULTIPART_OK, "a|C:\\x\\y.png|=;");
    same_in_pieces(
        "XyZ",
        PART(
            "form-data; name=\"f\"; filename*=UTF-8''%E1%BA%A2nh%20m%E1%BB%9Bi.jpg",
            "x") END,
        MULTIPART_OK, "f|\xe1\xba\xa2nh m\xe1\xbb\x9bi.jpg|=x;");
    same_in_pieces("XyZ",
                   PART("form-data; name=f; filename=\"plain.jpg\"; "
                        "filename*=iso-8859-1'vi'%E9.jpg",
                        "") END,
                   MULTIPART_OK, "f|\xc3\xa9.jpg|=;");
    same_in_pieces(
        "XyZ",
        "--XyZ\r\nContent-Disposition: form-data;\r\n name=\"folded\"\r\n\r\nv\r\n" END,
        MULTIPART_OK, "folded|-|=v;");
    same_in_pieces(
        "XyZ", PART("form-data; name=\"x\"; other=\"a;b\"", "") END "epilogue",
        MULTIPART_OK, "x|-|=;");
    same_in_pieces("XyZ", PART("form-data; name=\"x\"", "\r\n\r\n--Xy") END,
                   MULTIPART_OK, "x|-|=\r\n\r\n--Xy;");
    same_in_pieces("XyZ", END, MULTIPART_OK, "");
    same_in_pieces("XyZ",
                   "--XyZ\r\nContent-Disposition: form-data; name=t\r\n"
                   "Content-Transfer-Encoding: 8bit\r\n\r\nv\r\n" END,
                   MULTIPART_OK, "t|-|=v;");

    /* refusals */
    same_in_pieces("XyZ", PART("form-data; name=\"x\"", "cut short"),
                   MULTIPART_BAD, NULL);
    same_in_pieces("XyZ", "no boundary at all", MULTIPART_BAD, NULL);
    same_in_pieces("XyZ", "--XyZ\r\n\r\nno headers\r\n" END, MULTIPART_BAD,
                   NULL);
    same_in_pieces("XyZ", "--XyZ\r\nContent-Type: text/plain\r\n\r\nv\r\n" END,
                   MULTIPART_BAD, NULL);
    same_in_pieces("XyZ", PART("form-data", "") END, MULTIPART_BAD, NULL);
    same_in_pieces("XyZ", PART("form-data; filename=\"a\"", "") END,
                   MULTIPART_BAD, NULL);
    same_in_pieces("XyZ", PART("attachment; name=\"a\"", "") END, MULTIPART_BAD,
                   NULL);
    same_in_pieces("XyZ", PART("form-datax; name=\"a\"", "") END, MULTIPART_BAD,
                   NULL);
    same_in_pieces("XyZ", PART("form-data; name=\"a\"; name=\"b\"", "") END,
                   MULTIPART_BAD, NULL);
    same_in_pieces("XyZ",
                   PART("form-data; name=a; filename=x; FILENAME=y", "") END,
                   MULTIPART_BAD, NULL);
    same_in_pieces("XyZ", PART("form-data; name=\"a", "") END, MULTIPART_BAD,
                   NULL);
    same_in_pieces("XyZ", PART("form-data; name=a b", "") END, MULTIPART_BAD,
                   NULL);
    same_in_pieces("XyZ", PART("form-data; name=", "") END, MULTIPART_BAD,
                   NULL);
    same_in_pieces("XyZ",
                   PART("form-data; name=a; filename*=KOI8-R''%E1", "") END,
                   MULTIPART_BAD, NULL);
    same_in_pieces("XyZ",
                   PART("form-data; name=a; filename*=UTF-8''%C3", "") END,
                   MULTIPART_BAD, NULL);
    same_in_pieces("XyZ",
                   PART("form-data; name=a; filename*=UTF-8''%ZZ", "") END,
                   MULTIPART_BAD, NULL);
    same_in_pieces("XyZ",
                   PART("form-data; name=a; filename*=UTF-8''a%00b", "") END,
                   MULTIPART_BAD, NULL);
    same_in_pieces("XyZ", PART("form-data; name=a; filename*=UTF-8'a", "") END,
                   MULTIPART_BAD, NULL);
    same_in_pieces("XyZ",
                   "--XyZ\r\nContent-Disposition: form-data; name=t\r\n"
                   "Content-Transfer-Encoding: base64\r\n\r\nv\r\n" END,
                   MULTIPART_BAD, NULL);
    same_in_pieces(
        "XyZ",
        "--XyZ\r\nContent-Disposition : form-data; name=t\r\n\r\nv\r\n" END,
        MULTIPART_BAD, NULL);
    same_in_pieces("XyZ", "--XyZ\r\nno colon\r\n\r\nv\r\n" END, MULTIPART_BAD,
                   NULL);
    same_in_pieces("XyZ", "--XyZ junk\r\n" END, MULTIPART_BAD, NULL);
    same_in_pieces("XyZ", "--XyZ-x\r\n" END, MULTIPART_BAD, NULL);

    /* part headers past MULTIPART_HEADERS_MAX */
    {
        static char body[MULTIPART_HEADERS_MAX + 200];
        size_t n = (size_t)snprintf(body, sizeof body, "--XyZ\r\nX-Pad: ");

        memset(body + n, 'p', MULTIPART_HEADERS_MAX);
        n += MULTIPART_HEADERS_MAX;
        snprintf(
            body + n, sizeof body - n,
            "\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--XyZ--");
        CHECK(parse("XyZ", body, 0, &s) == MULTIPART_BAD);
        CHECK(parse("XyZ", body, 1000, &s) == MULTIPART_BAD);
    }

    /* a large part streams through a fixed buffer */
    {
        size_t n =
            (size_t)snprintf(big, sizeof big,
                             "--XyZ\r\nContent-Disposition: form-data; name=f; "
                             "filename=big\r\n\r\n");
        struct seen *many = calloc(1, sizeof *many);

        memset(big + n, 'z', 60000);
        snprintf(big + n + 60000, sizeof big - n - 60000, "\r\n--XyZ--\r\n");
        CHECK(parse("XyZ", big, 4096, many) == MULTIPART_OK);
        CHECK(many->parts == 1);
        free(many);
    }

    /* a callback can stop the parser */
    s.stop_at_part = 2;
    CHECK(parse("XyZ",
                PART("form-data; name=a", "1") PART("form-data; name=b", "2")
                    END,
                0, &s) == MULTIPART_STOPPED);
    CHECK_STR(s.out, "a|-|=1;");
    return check_report();
}
