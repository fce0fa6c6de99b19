/* ops/text.c: HTML to plain text, the clean-up of imported text, article
 * ids from URLs, and export times.  No I/O. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ops/text.h"

static void
html(const char *in, bool keep_newlines, const char *want)
{
    char *got = text_from_html(in, strlen(in), keep_newlines);

    CHECK_STR(got, want);
    free(got);
}

static void
article(const char *url, const char *want)
{
    char out[ARTICLE_MAX + 1];

    CHECK(text_article_from_url(url, out) == 0);
    CHECK_STR(out, want);
    CHECK(comment_article_valid(out));
}

static void
test_html(void)
{
    html("<p>Bài viết rất hay.<br>Cảm ơn!</p><p>Đoạn hai</p>", false,
         "Bài viết rất hay.\nCảm ơn!\n\nĐoạn hai");
    html("a &amp; b &lt;3 &#7855; &eacute;", false, "a & b <3 ắ é");
    html("Xem <a href=\"https://x.vn/a?b=1&amp;c=2\">bài này</a>.", false,
         "Xem bài này (https://x.vn/a?b=1&c=2).");
    html("<a href=\"https://x.vn/a\">https://x.vn/a</a>", false,
         "https://x.vn/a");
    html("<a href=\"https://x.vn/a\">x.vn/a</a>", false, "x.vn/a");
    html("<a href=\"https://x.vn/i.png\"><img src=\"i.png\"></a>", false,
         "https://x.vn/i.png");
    html("<a href=\"javascript:alert(1)\">bấm</a>", false, "bấm");
    html("trước<script>alert(1)</script><style>p{}</style>sau", false,
         "trướcsau");
    html("  nhiều    khoảng\n\ntrắng  ", false, "nhiều khoảng trắng");
    html("dòng một\ndòng hai\n\n\n\nđoạn mới", true,
         "dòng một\ndòng hai\n\nđoạn mới");
    html("<ul><li>một</li><li>hai</li></ul>", false, "- một\n- hai");
    html("<blockquote>trích</blockquote>trả lời", false, "trích\n\ntrả lời");
    html("<pre>a\n  b</pre>", false, "a\nb");
    html("<p>   </p>", false, "");
    html("a < b và c > d", false, "a < b và c > d");
    /* NFD in, NFC out; control and bidi characters removed */
    html("Vie\xcc\xa3\xcc\x82t", false, "Việt");
    html("a\xc2\x9c\xe2\x80\xae"
         "b",
         false, "ab");
    /* unclosed and stray tags */
    html("<p><b>đậm<p>tiếp</i>", false, "đậm\n\ntiếp");
}

static char *
clean(const char *in, bool is_name, size_t max)
{
    return text_clean(in, strlen(in), is_name, max);
}

static void
test_clean(void)
{
    char *s = clean("  Hoàng\t\tLan\n ", true, 100);

    CHECK_STR(s, "Hoàng Lan");
    free(s);
    s = clean("abcdef", true, 3);
    CHECK_STR(s, "abc");
    free(s);
    s = clean("Ti\xe1\xba\xbfng Vi\xe1\xbb\x87t", true, 5);
    CHECK_STR(s, "Tiếng");
    free(s);
    /* a zero-width space goes from a name, not the joiner of an emoji */
    s = clean("A\xe2\x80\x8b"
              "B \xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x92\xbb",
              true, 100);
    CHECK_STR(s, "AB 👨‍💻");
    free(s);
    s = clean("a\r\nb\x01\xff", false, 100);
    CHECK_STR(s, "a\nb");
    free(s);
}

static void
test_article_ids(void)
{
    char out[ARTICLE_MAX + 1], longurl[600];

    article("https://baothudaumot.example.vn/2017/06/thu-dau-mot/",
            "2017:06:thu-dau-mot");
    article("http://x.vn/tin-t%E1%BB%A9c/H%C3%A0-N%E1%BB%99i.html?utm=1#c",
            "tin-tuc:Ha-Noi.html");
    article("https://x.vn/Đà Nẵng/", "Da-Nang");
    article("https://x.vn/", "index");
    article("https://x.vn", "index");
    article("https://x.vn/?p=5", "index");
    article("/relative/path", "relative:path");
    article("//x.vn/a//b", "a:b");
    article("https://x.vn/a b%20c/!!", "a-b-c");
    memset(longurl, 0, sizeof longurl);
    strcpy(longurl, "https://x.vn/");
    for (int i = 0; i < 50; i++)
        strcat(longurl, "segment/");
    CHECK(text_article_from_url(longurl, out) == 0);
    CHECK(strlen(out) == ARTICLE_MAX && comment_article_valid(out));
    CHECK(text_article_from_id("mua-lua-chin", out) == 0);
    CHECK_STR(out, "mua-lua-chin");
    CHECK(text_article_from_id("a/b c", out) == 0);
    CHECK_STR(out, "a-b-c");
    CHECK(text_article_from_id("///", out) == -1);
}

static void
test_times(void)
{
    int64_t t;

    CHECK(text_parse_time("2017-06-09T07:35:34Z", &t) == 0 && t == 1496993734);
    CHECK(text_parse_time("2017-06-09 07:35:34", &t) == 0 && t == 1496993734);
    CHECK(text_parse_time(" 2017-06-09T14:35:34+07:00 ", &t) == 0 &&
          t == 1496993734);
    CHECK(text_parse_time("2017-06-09T07:35:34.123Z", &t) == 0 &&
          t == 1496993734);
    CHECK(text_parse_time("0000-00-00 00:00:00", &t) == -1);
    CHECK(text_parse_time("", &t) == -1);
    CHECK(text_parse_time("2017-06-09", &t) == -1);
    CHECK(text_parse_time("2017-13-09T07:35:34Z", &t) == -1);
    CHECK(text_parse_time("2017-06-09T07:35:34Zjunk", &t) == -1);
}

int
main(void)
{
    test_html();
    test_clean();
    test_article_ids();
    test_times();
    return check_report();
}
