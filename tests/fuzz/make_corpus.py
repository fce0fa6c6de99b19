#!/usr/bin/env python3
"""Writes the hand-made seed inputs of the fuzz targets into corpus/<target>/.

Seeds are named seed-*; regression inputs found by fuzzing are named
crash-* (or the like) and are never touched here.  Run it from anywhere:

    python3 tests/fuzz/make_corpus.py
"""
import base64
import json
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")

GOOD = "Bài viết rất hay, cảm ơn tác giả đã chia sẻ."
AUTHOR = "Nguyễn Văn An"


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


# ---- small but valid files ------------------------------------------------

def png():
    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body +
                struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)
    idat = zlib.compress(b"\x00\xff\x00\x00\xff")
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) +
            chunk(b"IEND", b""))


def jpeg():
    """A 1x1 grey baseline JPEG: one DC and one AC Huffman code, both 0."""
    dqt = b"\xff\xdb\x00\x43\x00" + b"\x01" * 64
    sof = b"\xff\xc0\x00\x0b\x08\x00\x01\x00\x01\x01\x01\x11\x00"
    dht_dc = b"\xff\xc4\x00\x14\x00\x01" + b"\x00" * 15 + b"\x00"
    dht_ac = b"\xff\xc4\x00\x14\x10\x01" + b"\x00" * 15 + b"\x00"
    sos = b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00"
    return b"\xff\xd8" + dqt + sof + dht_dc + dht_ac + sos + b"\x3f" + b"\xff\xd9"


PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/MediaBox[0 0 3 3]/Parent 2 0 R>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")
GIF = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00"
       b"\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
WEBP = (b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10"
        b"\x11\x11\x88\x88\xfe\x07\x00")


# ---- multipart ----------------------------------------------------------------

B = b"BOUNDARY"


def text_part(name, value, nl=b"\r\n"):
    if isinstance(value, str):
        value = value.encode()
    return (b"--" + B + nl + b'Content-Disposition: form-data; name="' + name.encode() +
            b'"' + nl + nl + value + nl)


def file_part(data, filename="a.png", ctype="image/png", name="attachment", nl=b"\r\n"):
    head = b'Content-Disposition: form-data; name="' + name.encode() + b'"'
    if filename is not None:
        head += b'; filename="' + filename.encode() + b'"'
    if ctype:
        head += nl + b"Content-Type: " + ctype.encode()
    return b"--" + B + nl + head + nl + nl + data + nl


def end(nl=b"\r\n"):
    return b"--" + B + b"--" + nl


def form(*parts, nl=b"\r\n"):
    return b"".join(parts) + end(nl)


def multipart():
    t = "multipart"
    base = [text_part("author", AUTHOR), text_part("body", GOOD)]
    write(t, "text-only", form(*base))
    write(t, "all-fields", form(*base, text_part("email", "an@example.vn"),
                                text_part("parent_id", "1")))
    write(t, "png", form(*base, file_part(png())))
    write(t, "jpeg", form(*base, file_part(jpeg(), "ảnh chụp.jpg", "image/jpeg")))
    write(t, "pdf", form(*base, file_part(PDF, "báo cáo.pdf", "application/pdf")))
    write(t, "gif-webp", form(*base, file_part(GIF, "a.gif", "image/gif"),
                              file_part(WEBP, "b.webp", "image/webp")))
    write(t, "three-files", form(*base, file_part(png(), "1.png"),
                                 file_part(jpeg(), "2.jpg", "image/jpeg"),
                                 file_part(PDF, "3.pdf", "application/pdf")))
    write(t, "four-files", form(*base, *[file_part(png(), "%d.png" % i) for i in range(4)]))
    write(t, "wrong-type", form(*base, file_part(b"MZ\x90\x00" + b"\x00" * 60, "setup.exe",
                                                 "application/octet-stream")))
    write(t, "lying-type", form(*base, file_part(b"<html><script>x</script></html>",
                                                 "a.png", "image/png")))
    write(t, "short-file", form(*base, file_part(b"\x89PN", "a.png")))
    write(t, "empty-file", form(*base, file_part(b"", "a.png")))
    write(t, "repeated-body", form(*base, text_part("body", "Lần thứ hai.")))
    write(t, "repeated-author", form(text_part("author", "A"), text_part("author", "B"),
                                     text_part("body", GOOD)))
    write(t, "empty-filename", form(*base, file_part(b"", "", "application/octet-stream")))
    write(t, "lf-only", form(text_part("author", AUTHOR, b"\n"), text_part("body", GOOD, b"\n"),
                             file_part(png(), nl=b"\n"), nl=b"\n"))
    write(t, "mixed-line-ends", form(text_part("author", AUTHOR, b"\n"),
                                     text_part("body", GOOD)))
    write(t, "crlf-in-body", form(text_part("author", AUTHOR),
                                  text_part("body", "Dòng một.\r\nDòng hai.\rDòng ba.")))
    write(t, "no-final-boundary", b"".join(base) + file_part(png())[:40])
    write(t, "no-closing-dashes", b"".join(base) + b"--" + B + b"\r\n")
    write(t, "preamble-epilogue", b"preamble text\r\n" + form(*base) + b"epilogue\r\n")
    write(t, "empty", b"")
    write(t, "only-end", end())
    write(t, "telex-body", form(text_part("author", "Lan"),
                                text_part("body", "Xin chaof cacs banj, bafi vieets hay quas")))
    write(t, "no-diacritics", form(text_part("author", "Lan"),
                                   text_part("body", "Bai viet rat hay, cam on tac gia da chia se")))
    write(t, "bad-parent", form(*base, text_part("parent_id", "abc")))
    write(t, "negative-parent", form(*base, text_part("parent_id", "-1")))
    write(t, "huge-parent", form(*base, text_part("parent_id", "99999999999999999999")))
    write(t, "missing-parent", form(*base, text_part("parent_id", "424242")))
    write(t, "long-author", form(text_part("author", "A" * 101), text_part("body", GOOD)))
    write(t, "bad-email", form(*base, text_part("email", "a@b@c")))
    write(t, "invalid-utf8", form(text_part("author", AUTHOR),
                                  text_part("body", b"B\xe0i vi\xc3t \xff\xfe")))
    write(t, "nul-in-body", form(text_part("author", AUTHOR), text_part("body", b"hay\x00qua")))
    write(t, "spaces-only-body", form(text_part("author", AUTHOR), text_part("body", "  \t ")))
    write(t, "attachment-without-filename", form(*base, file_part(png(), None)))
    write(t, "file-under-other-name", form(*base, file_part(png(), "a.png", name="photo")))
    write(t, "text-after-file", form(text_part("author", AUTHOR), file_part(png()),
                                     text_part("body", GOOD)))
    write(t, "unknown-fields", form(*base, text_part("website", "http://x"),
                                    text_part("", "no name")))
    write(t, "boundary-lookalike", form(text_part("author", AUTHOR),
                                        text_part("body", "--BOUNDAR\r\n--BOUNDARYX " + GOOD)))
    write(t, "path-filename", form(*base, file_part(png(), "C:\\fakepath\\..\\x.png")))
    write(t, "bidi-filename", form(*base, file_part(png(), "gpj\u202e.exe")))
    write(t, "header-case", b"--" + B + b"\r\ncontent-disposition: FORM-DATA; NAME=body\r\n\r\n" +
          GOOD.encode() + b"\r\n" + text_part("author", AUTHOR) + end())
    write(t, "unquoted-name", b"--" + B + b"\r\nContent-Disposition: form-data; name=body\r\n\r\n" +
          GOOD.encode() + b"\r\n" + text_part("author", AUTHOR) + end())
    write(t, "no-disposition", b"--" + B + b"\r\nContent-Type: text/plain\r\n\r\nhello\r\n" + end())
    write(t, "transfer-encoding", form(text_part("author", AUTHOR),
                                       b"--" + B + b"\r\nContent-Disposition: form-data; "
                                       b"name=\"body\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                                       + base64.b64encode(GOOD.encode()) + b"\r\n"))
    write(t, "sixteen-byte-file", form(*base, file_part(png()[:16])))


# ---- JSON ----------------------------------------------------------------

def comment_json():
    t = "comment_json"

    def j(name, obj):
        write(t, name, json.dumps(obj, ensure_ascii=False))

    j("valid", {"author": AUTHOR, "body": GOOD})
    write(t, "valid-ascii-escapes", json.dumps({"author": AUTHOR, "body": GOOD}))
    j("all-fields", {"author": AUTHOR, "body": GOOD, "email": "an@example.vn", "parent_id": 1})
    j("parent-other-article", {"author": AUTHOR, "body": GOOD, "parent_id": 2})
    j("parent-missing", {"author": AUTHOR, "body": GOOD, "parent_id": 999})
    j("parent-zero", {"author": AUTHOR, "body": GOOD, "parent_id": 0})
    j("parent-string", {"author": AUTHOR, "body": GOOD, "parent_id": "1"})
    j("parent-real", {"author": AUTHOR, "body": GOOD, "parent_id": 1.5})
    write(t, "parent-huge", '{"author":"An","body":"Hay quá","parent_id":99999999999999999999}')
    j("nulls", {"author": AUTHOR, "body": GOOD, "email": None, "parent_id": None})
    j("no-author", {"body": GOOD})
    j("no-body", {"author": AUTHOR})
    j("body-number", {"author": AUTHOR, "body": 5})
    j("body-object", {"author": AUTHOR, "body": {"x": 1}})
    j("array-root", [AUTHOR, GOOD])
    write(t, "string-root", '"hello"')
    write(t, "duplicate-keys", '{"author":"An","body":"Hay quá","body":"Dở"}')
    write(t, "truncated", '{"author":"An","body":"Hay')
    write(t, "trailing-garbage", '{"author":"An","body":"Hay quá"} x')
    write(t, "nul-escape", '{"author":"An","body":"Hay\\u0000quá"}')
    write(t, "lone-surrogate", '{"author":"An","body":"Hay \\ud800 quá"}')
    write(t, "invalid-utf8", b'{"author":"An","body":"B\xe0i vi\xc3t"}')
    write(t, "raw-control", b'{"author":"An","body":"Hay\x01qu\xc3\xa1"}')
    j("nfd", {"author": "Nguye\u0302\u0303n", "body": "Ba\u0300i vie\u0302\u0301t hay"})
    j("telex", {"author": "Lan", "body": "Xin chaof cacs banj, bafi vieets hay quas"})
    j("vni", {"author": "Lan", "body": "Xin cha2o ca1c ba5n, ba2i vie6t hay qua1"})
    j("no-diacritics", {"author": "Lan", "body": "Bai viet rat hay, cam on tac gia da chia se"})
    j("telex-author", {"author": "Nguyeenx Vawn An", "body": GOOD})
    j("english", {"author": "John Smith", "body": "Great article, thanks for sharing."})
    j("emoji", {"author": "Lan", "body": "👍👍 +1"})
    j("crlf", {"author": "Lan", "body": "Dòng một.\r\nDòng hai.\rDòng ba."})
    j("long-body", {"author": "Lan", "body": "á" * 5001})
    j("long-author", {"author": "A" * 101, "body": GOOD})
    j("empty-strings", {"author": "", "body": "   "})
    j("bad-email", {"author": AUTHOR, "body": GOOD, "email": "not an email"})
    j("email-two-ats", {"author": AUTHOR, "body": GOOD, "email": "a@b@c"})
    write(t, "deep-nesting", "[" * 2000 + "]" * 2000)
    write(t, "empty-object", "{}")
    write(t, "empty", "")
    write(t, "whitespace", " \n\t ")


# ---- text checker ---------------------------------------------------------------

def text_check():
    t = "text_check"
    texts = {
        "accented": GOOD,
        "author": AUTHOR,
        "no-marks": "Bai viet rat hay, cam on tac gia da chia se nhung thong tin huu ich",
        "some-marks": "Bài viết rat hay, cảm ơn tác gia đã chia sẻ",
        "telex": "Xin chaof cacs banj, bafi vieets hay quas",
        "telex-dd": "dduwowcj roongf, nhw theess laf ddungs",
        "vni": "Xin cha2o ca1c ba5n, Vie65t Nam",
        "short-reply": "cam on",
        "three-words": "vi dieu khien",
        "raw-word": "banj",
        "english": "Great article, thanks for sharing the link https://example.com/a?b=c",
        "mixed": "iPhone 15 Pro Max giá 30 triệu, quá đắt! #apple @tinhte",
        "emoji": "👍🏽🎉 +1",
        "interjection": "haha ok",
        "nfd": "Ba\u0300i vie\u0302\u0301t ra\u0302\u0301t hay",
        "combining-tone": "Bài viế\u0301t hay",
        "crlf": "Dòng một.\r\nDòng hai.\rDòng ba.\n\tThụt lề.",
        "telex-name": "Nguyeenx Vawn An",
        "vni-name": "Nguye64n Va8n An",
        "one-raw-name": "Nguyeenx An",
        "korean-name": "Lee Soo Man",
        "plain-name": "Nguyen Van An",
        "traditional-tone": "hóa thủy khỏe",
        "modern-tone": "hoá thuỷ khoẻ",
        "url-email": "xem tai https://vnexpress.net va gui mail cho toi@example.vn",
        "spaces": "   \t  ",
        "nbsp-trim": "\u00a0\u3000Chào bạn\u2028",
        "french": "C'est très intéressant, merci beaucoup",
        "chinese": "这篇文章很好",
        "numbers": "1234 5678 90",
        "uppercase-telex": "XIN CHAOF CACS BANJ",
        "long-word": "a" * 300,
        "telex-capital-dd": "DDaay laf xe buyts",
        "telex-run": "Buns char 35k mootj, max teen moo tar",
        "telex-title": "Tooi mua iPhone 15 Pro Max gias 28 trieeuj",
        "english-names": "Donald Trump met Kim Jong Un in Ha Noi in 2019.",
        "shorthand": "Mk thay ko dc, dung co ma tin ntn",
    }
    for name, text in texts.items():
        write(t, name, text)
    write(t, "control", "hay\x01quá")
    write(t, "invalid-utf8", b"B\xe0i vi\xc3t")
    write(t, "overlong", b"\xc0\xaf\xe0\x80\xaf")
    write(t, "surrogate", b"\xed\xa0\x80")


# ---- URLs, cursors, Accept-Language -----------------------------------------------

def cursor(order, n):
    raw = ("v1:%s:%d" % (order, n)).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def query():
    t = "query"
    seeds = {
        "list": "/api/v1/articles/thu-dau-mot-2017/comments",
        "list-params": "/api/v1/articles/a.b_c-d:e/comments?limit=50&order=newest&cursor="
                       + cursor("d", 42),
        "list-bad-limit": "/api/v1/articles/x/comments?limit=0&limit=101&order=up",
        "list-cursor-wrong-order": "/api/v1/articles/x/comments?order=oldest&cursor="
                                   + cursor("d", 7),
        "list-empty-values": "/api/v1/articles/x/comments?limit=&order=&cursor=&&=",
        "comment": "/api/v1/comments/123",
        "comment-zero": "/api/v1/comments/0",
        "comment-leading-zero": "/api/v1/comments/0123",
        "comment-huge": "/api/v1/comments/9999999999999999999",
        "comment-18-digits": "/api/v1/comments/999999999999999999",
        "comment-sign": "/api/v1/comments/+5",
        "attachment": "/api/v1/attachments/9",
        "counts": "/api/v1/counts?articles=a,b,c",
        "queue": "/api/v1/moderation/queue?status=pending&article=x&limit=10",
        "moderation": "/api/v1/moderation/comments/5",
        "approve": "/api/v1/moderation/comments/5/approve",
        "reject": "/api/v1/moderation/comments/5/reject",
        "healthz": "/healthz",
        "metrics": "/metrics",
        "trailing-slash": "/api/v1/comments/5/",
        "double-slash": "/api//v1/comments/5",
        "empty-article": "/api/v1/articles//comments",
        "long-article": "/api/v1/articles/" + "a" * 300 + "/comments",
        "root": "/",
        "no-slash": "api/v1/counts",
        "dot-segments": "/api/v1/../v1/counts",
        "cursor-a": cursor("a", 1),
        "cursor-d": cursor("d", 9223372036854775806),
        "cursor-max": cursor("d", 9223372036854775807),
        "cursor-v2": base64.urlsafe_b64encode(b"v2:a:5").rstrip(b"=").decode(),
        "cursor-padded": base64.urlsafe_b64encode(b"v1:a:12").decode(),
        "cursor-negative": base64.urlsafe_b64encode(b"v1:a:-3").rstrip(b"=").decode(),
        "lang-en": "en-US,en;q=0.9,vi;q=0.8",
        "lang-vi": "vi-VN,vi;q=0.9,en;q=0.5",
        "lang-zero": "en;q=0, vi;q=0",
        "lang-star": "*",
        "lang-odd": " ,,;q=,en;;q=1e308;q=nan, EN-gb ; q=0.7",
    }
    for name, text in seeds.items():
        write(t, name, text)


# ---- If-Match and Authorization ---------------------------------------------

def headers():
    t = "headers"
    seeds = {
        "bearer": "Bearer @T",
        "bearer-lower": "bearer @T",
        "bearer-spaces": "BEARER    @T   ",
        "revoked": "Bearer @R",
        "twice": "Bearer @T@T",
        "suffix": "Bearer @Tx",
        "prefix": "Bearer x@T",
        "basic": "Basic @T",
        "leading-space": " Bearer @T",
        "tab": "Bearer\t@T",
        "no-space": "Bearer@T",
        "empty-token": "Bearer ",
        "prefix-only": "Bearer yk_",
        "if-match": '"7"',
        "if-match-weak": 'W/"7"',
        "if-match-star": "*",
        "if-match-space": '  "12"',
        "if-match-zero": '"0"',
        "if-match-leading-zero": '"007"',
        "if-match-max": '"9223372036854775807"',
        "if-match-overflow": '"9223372036854775808"',
        "if-match-negative": '"-7"',
        "if-match-plus": '"+7"',
        "if-match-trailing": '"7" ',
        "if-match-list": '"7", "8"',
        "if-match-weak-space": 'W/ "7"',
        "if-match-unquoted": "7",
        "empty": "",
    }
    for name, text in seeds.items():
        write(t, name, text)


# ---- word rules -----------------------------------------------------------------

def rules():
    """Pattern lines (first byte: bit 0 reject, bit 1 ignore_marks), NUL, text."""
    t = "rules"
    H, R, HB, RB = "h", "r", "j", "s"     # 0x68, 0x72, 0x6a, 0x73
    seeds = {
        "word": [R + "ngu"], "phrase": [R + "đồ ngu"], "prefix": [H + "ngu*"],
        "marks": [RB + "ngu", HB + "do ngu*"], "mixed": [R + "ngu", H + "lừa đảo", HB + "spam*"],
        "invalid": [R + "*", R + "ngu *", R + "a-b", R + "", H + "   "],
        "case": [R + "ĐỒ NGỐC"], "nfd": [R + "ngu\u0309"], "long-phrase": [H + " ".join(["ab"] * 10)],
        "same-pattern": [H + "xấu", R + "XẤU"], "overlap": [H + "đồ ngon", R + "ngu"],
    }
    texts = {
        "word": "Bạn thật là ngu. Nguyễn Văn An", "phrase": "Đúng là đồ   ngu!",
        "prefix": "nguồn tin từ nguyễn", "marks": "ĐỒ NGỦ, ngư dân", "mixed": "lừa  đảo\nspammer",
        "invalid": "ngu", "case": "đồ ngốc", "nfd": "đi ngủ", "long-phrase": "ab " * 12,
        "same-pattern": "rất xấu", "overlap": "đồ ngu",
    }
    for name, lines in seeds.items():
        data = "\n".join(lines).encode() + b"\0" + texts[name].encode()
        write(t, name, data)
    write(t, "empty", b"")
    write(t, "no-text", (R + "ngu").encode())
    write(t, "emoji", (H + "vui").encode() + b"\0" + "vui😀vui 🤬 vui".encode())


if __name__ == "__main__":
    multipart()
    comment_json()
    text_check()
    query()
    headers()
    rules()
