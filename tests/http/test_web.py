#!/usr/bin/python3
"""The web additions of API 1.1 over real HTTP: POST /api/v1/check-text
(verdicts as `ykien check-text` gives them, too_long, malformed requests,
its rate limit, CORS), the embedded web files (ETag / 304, gzip, Vary,
caching, the console's security headers), image sizes on attachments
(and the database migration that adds them), Idempotency-Key on posts, and
the queue's ETag.

    /usr/bin/python3 tests/http/test_web.py build/ykien [--only NAME]
"""
import gzip
import http.client
import os
import re
import sqlite3
import subprocess
import sys

from support import (ART, GOOD, JSON_CT, Daemon, Tests, TOKEN_NAME, comments_url, files_in,
                     exchange, jexpect, multipart, parse_responses, pdf_bytes, post,
                     post_multipart, queue_total, raw_request, stored_contents)
import images

tests = Tests()
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
CHECK = "/api/v1/check-text"
SITE = "http://127.0.0.1:9"


def check(d, text, field=None, headers=None):
    obj = {"text": text}
    if field:
        obj["field"] = field
    return d.post_json(CHECK, obj, headers=dict(headers or {}))


def raw_get(d, path, headers=None, method="GET"):
    """GET without any automatic decoding: (status, headers, body bytes)."""
    c = http.client.HTTPConnection("127.0.0.1", d.port, timeout=10)
    try:
        c.request(method, path, headers=headers or {})
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


# ---- check-text --------------------------------------------------------------

CLI_LINES = [
    "Bài viết rất hay, cảm ơn tác giả!",
    "Tooi ddi hocj owr truwowngf",
    "Xin chaof cacs banj",
    "Xin cha2o ca1c ba5n",
    "Xin chao cac ban, hom nay toi di hoc o truong",
    "ok",
    "Great article, thanks for sharing",
    "Nguyeenx Vawn An",
    "Nguyen Van An",
    "Bài viết hay quá 👍 https://example.vn",
]


@tests.test
def check_text_gives_the_cli_verdicts(d):
    for field in ("body", "author"):
        cli = subprocess.run([d.binary, "check-text", "--field", field], capture_output=True,
                             input="\n".join(CLI_LINES) + "\n", text=True, timeout=30)
        assert cli.returncode == 0, cli.stderr
        for line, want in zip(CLI_LINES, cli.stdout.splitlines()):
            v = jexpect(check(d, line, field if field == "author" else None), 200)
            parts = want.split("\t")
            if parts[0] == "accept":
                assert v == {"verdict": "accept"}, (line, v)
            else:
                assert v["verdict"] == "reject" and v["code"] == parts[1], (line, field, v, want)
                assert v["message"], v
                assert v.get("suggestion") == (parts[2] if len(parts) > 2 else None), (line, v, want)
    v = jexpect(check(d, "Tooi ddi hocj"), 200)
    assert v == {"verdict": "reject", "code": "missing_diacritics",
                 "message": "Vui lòng gõ tiếng Việt có dấu.", "suggestion": "Tôi đi học"}, v
    v = jexpect(check(d, "Tooi ddi hocj", headers={"Accept-Language": "en"}), 200)
    assert v["message"] == "Please type Vietnamese with diacritics.", v
    # NFD input passes like NFC; other refusals POST gives come as verdicts.
    import unicodedata
    assert jexpect(check(d, unicodedata.normalize("NFD", GOOD)), 200) == {"verdict": "accept"}
    assert jexpect(check(d, "   "), 200)["code"] == "empty"
    assert jexpect(check(d, "a\x00b"), 200)["code"] == "invalid_field"
    assert jexpect(check(d, "x\u202egnp.exe"), 200)["code"] == "invalid_field"
    assert jexpect(check(d, "An\u200b", "author"), 200)["code"] == "invalid_field"
    assert queue_total(d) == 0, "check-text stores nothing"


@tests.test(args=["--max-body-chars", "50"])
def check_text_too_long_is_422(d):
    jexpect(check(d, "á" * 50), 200)
    jexpect(check(d, "á" * 51), 422, "too_long", "text")
    jexpect(check(d, "Á" * 100, "author"), 200)
    jexpect(check(d, "Á" * 101, "author"), 422, "too_long", "text")
    # characters, not bytes; NFD counted after composition
    import unicodedata
    jexpect(check(d, unicodedata.normalize("NFD", "ế" * 50)), 200)


@tests.test
def check_text_refuses_malformed_requests(d):
    def send(data, ctype="application/json"):
        return d.request("POST", CHECK, data=data, headers={"Content-Type": ctype})
    jexpect(send(b"{"), 400, "bad_request")
    jexpect(send(b"[]"), 400, "bad_request")
    jexpect(send(b'"text"'), 400, "bad_request")
    jexpect(send(b"{}"), 400, "bad_request", "text")
    jexpect(send(b'{"text": 5}'), 400, "bad_request", "text")
    jexpect(send(b'{"text": null}'), 400, "bad_request", "text")
    jexpect(send(b'{"text": "a", "field": "title"}'), 400, "bad_request", "field")
    jexpect(send(b'{"text": "a", "field": 1}'), 400, "bad_request", "field")
    jexpect(send(b'{"text": "a", "text": "b"}'), 400, "bad_request")
    jexpect(send(b'{"text": "\xff"}'), 400, "bad_request")
    jexpect(send(b""), 400, "bad_request")
    jexpect(send(b'{"text": "a"}', "text/plain"), 415, "unsupported_media_type")
    # Too long a declared body is refused from its head alone: send only the
    # head, so that the refusal cannot race the client's upload.
    head = raw_request("POST", CHECK, ["Content-Type: application/json",
                                       f"Content-Length: {2 * 1024 * 1024}"])
    data, _ = exchange(d, head)
    (big,), _ = parse_responses(data)
    assert big.status == 413 and big.json()["error"]["code"] == "payload_too_large", big
    r = d.get(CHECK)
    jexpect(r, 405, "method_not_allowed")
    assert r.headers["Allow"] == "POST", r.headers
    r = check(d, "Bài viết hay", "body")
    assert jexpect(r, 200) == {"verdict": "accept"}
    assert r.headers["Cache-Control"] == "no-store", r.headers


@tests.test(rate_limit="1")
def check_text_limited_at_20_times_the_post_rate(d):
    for i in range(20):
        jexpect(check(d, f"Bình luận số {i}"), 200)
    r = check(d, "một lần nữa")
    jexpect(r, 429, "rate_limited")
    assert 1 <= int(r.headers["Retry-After"]) <= 60, r.headers
    # posts have their own allowance: checks did not use it up
    jexpect(post(d), 201)
    jexpect(post(d), 429, "rate_limited")
    # another address is not affected (X-Forwarded-For is not believed)
    jexpect(check(d, "vẫn bị chặn", headers={"X-Forwarded-For": "10.0.0.9"}), 429)


@tests.test(rate_limit="0")
def check_text_unlimited_without_rate_limit(d):
    for i in range(150):
        assert check(d, f"Lần {i}").status_code == 200


@tests.test(args=["--allow-origin", SITE])
def cors_covers_the_widget(d):
    pre = d.request("OPTIONS", CHECK, headers={
        "Origin": SITE, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, accept-language"})
    assert pre.status_code == 204, pre.status_code
    assert pre.headers["Access-Control-Allow-Origin"] == SITE
    assert "POST" in pre.headers["Access-Control-Allow-Methods"]
    allowed = pre.headers["Access-Control-Allow-Headers"].lower()
    for h in ("content-type", "accept-language", "idempotency-key"):
        assert h in allowed, allowed
    r = check(d, "Tooi ddi hocj", headers={"Origin": SITE})
    assert r.headers["Access-Control-Allow-Origin"] == SITE
    pre = d.request("OPTIONS", comments_url(), headers={
        "Origin": SITE, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "idempotency-key, accept-language"})
    assert pre.status_code == 204 and pre.headers["Access-Control-Allow-Origin"] == SITE
    data, ctype = multipart([("author", "An"), ("body", GOOD)], [])
    r = d.request("POST", comments_url(), data=data,
                  headers={"Content-Type": ctype, "Origin": SITE, "Idempotency-Key": "k" * 20})
    jexpect(r, 201)
    assert r.headers["Access-Control-Allow-Origin"] == SITE
    assert "retry-after" in r.headers["Access-Control-Expose-Headers"].lower()
    r = d.get(f"/api/v1/counts?article={ART}", headers={"Origin": SITE})
    assert r.headers["Access-Control-Allow-Origin"] == SITE
    r = d.get(comments_url(), headers={"Origin": SITE})
    assert r.headers["Access-Control-Allow-Origin"] == SITE
    # another origin gets no CORS grant
    r = check(d, "a", headers={"Origin": "http://evil.example"})
    assert "Access-Control-Allow-Origin" not in r.headers


# ---- the embedded web files ----------------------------------------------------

def css_url(js):
    m = re.search(rb"/assets/widget\.[0-9a-f]{12}\.css", js)
    assert m, "widget.js names its stylesheet"
    return m.group(0).decode()


@tests.test
def widget_js_short_cache_etag_gzip(d):
    st, h, body = raw_get(d, "/widget.js")
    assert st == 200, st
    assert h["content-type"] == "text/javascript; charset=utf-8", h
    assert "content-encoding" not in h
    etag = h["etag"]
    assert re.fullmatch(r'"[0-9a-f]{24}"', etag), etag
    assert h["cache-control"] == "public, max-age=300", h
    assert h["vary"] == "Accept-Encoding", h
    assert h["x-content-type-options"] == "nosniff"
    assert b"document.currentScript" in body
    st, h2, _ = raw_get(d, "/widget.js", {"If-None-Match": etag})
    assert st == 304 and h2["etag"] == etag, (st, h2)
    st, hz, zbody = raw_get(d, "/widget.js", {"Accept-Encoding": "gzip, deflate, br"})
    assert st == 200 and hz["content-encoding"] == "gzip", hz
    assert gzip.decompress(zbody) == body
    assert hz["etag"] != etag and int(hz["content-length"]) == len(zbody) < len(body)
    assert raw_get(d, "/widget.js", {"Accept-Encoding": "gzip", "If-None-Match": hz["etag"]})[0] == 304
    assert raw_get(d, "/widget.js", {"Accept-Encoding": "gzip", "If-None-Match": etag})[0] == 200
    for ae in ("gzip;q=0", "identity", "br", "*;q=0", "gzip; q=0.000, br"):
        assert "content-encoding" not in raw_get(d, "/widget.js", {"Accept-Encoding": ae})[1], ae
    for ae in ("*", "GZIP", "deflate, gzip;q=0.5", "br;q=1, *;q=0.1"):
        assert raw_get(d, "/widget.js", {"Accept-Encoding": ae})[1].get("content-encoding") == "gzip", ae
    st, hh, hb = raw_get(d, "/widget.js", method="HEAD")
    assert st == 200 and hb == b"" and int(hh["content-length"]) == len(body)
    r = d.request("POST", "/widget.js", data=b"x")
    jexpect(r, 405, "method_not_allowed")
    assert r.headers["Allow"] == "GET, HEAD"


@tests.test
def hashed_assets_cached_for_a_year(d):
    _, _, js = raw_get(d, "/widget.js")
    url = css_url(js)
    st, h, css = raw_get(d, url)
    assert st == 200 and h["content-type"] == "text/css; charset=utf-8", h
    assert h["cache-control"] == "public, max-age=31536000, immutable", h
    assert h["vary"] == "Accept-Encoding"
    assert b".ykien" in css
    assert raw_get(d, url, {"If-None-Match": h["etag"]})[0] == 304
    # the name is the content's hash
    import hashlib
    assert hashlib.sha256(css).hexdigest()[:12] in url
    st, _, _ = raw_get(d, "/assets/widget.000000000000.css")
    assert st == 404
    # the budget: widget JS + CSS at most 12 KB gzipped, as served
    total = sum(len(raw_get(d, u, {"Accept-Encoding": "gzip"})[2]) for u in ("/widget.js", url))
    assert total <= 12 * 1024, total
    print(f"  widget JS + CSS gzipped: {total} bytes")


@tests.test
def console_page_security_headers(d):
    st, h, _ = raw_get(d, "/moderation")
    assert st == 301 and h["location"] == "/moderation/", (st, h)
    st, h, page = raw_get(d, "/moderation/")
    assert st == 200 and h["content-type"] == "text/html; charset=utf-8", h
    csp = h["content-security-policy"]
    for part in ("default-src 'self'", "script-src 'self'", "style-src 'self'",
                 "img-src 'self' blob: data:", "frame-ancestors 'none'", "object-src 'none'"):
        assert part in csp, csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert h["x-frame-options"] == "DENY"
    assert h["referrer-policy"] == "no-referrer"
    assert h["cache-control"] == "no-cache"
    assert raw_get(d, "/moderation/", {"If-None-Match": h["etag"]})[0] == 304
    text = page.decode()
    # nothing inline: every script has a src, no style or on* attributes
    assert not re.search(r"<script(?![^>]*\bsrc=)", text), "inline script"
    assert not re.search(r"\sstyle=|\son[a-z]+=|<style", text), "inline style or handler"
    for ref in re.findall(r'(?:src|href)="(/assets/[^"]+)"', text):
        st, ah, _ = raw_get(d, ref)
        assert st == 200 and "immutable" in ah["cache-control"], ref
    assert len(re.findall(r'/assets/console\.[0-9a-f]{12}\.(?:js|css)', text)) == 2
    # the console's API calls are the moderator API, unchanged
    jexpect(d.get("/api/v1/moderation/queue"), 401, "unauthorized")


# ---- image sizes --------------------------------------------------------------

def upload(d, *files, article=ART, headers=None):
    return post_multipart(d, files=[("attachment", n, t, data) for n, t, data in files],
                          article=article, headers=headers)


@tests.test
def image_sizes_read_from_headers(d):
    samples = [
        ("a.png", "image/png", images.png(640, 400), (640, 400)),
        ("b.jpg", "image/jpeg", images.jpeg(4000, 3000, size=30000, exif=20000), (4000, 3000)),
        ("c.gif", "image/gif", images.gif(320, 240), (320, 240)),
    ]
    c = jexpect(upload(d, *[s[:3] for s in samples]), 201)
    got = [(a["width"], a["height"]) for a in c["attachments"]]
    assert got == [s[3] for s in samples], got
    webps = [("d.webp", "image/webp", images.webp(1920, 1080, kind=k)) for k in ("VP8 ", "VP8L", "VP8X")]
    c2 = jexpect(upload(d, *webps), 201)
    assert [(a["width"], a["height"]) for a in c2["attachments"]] == [(1920, 1080)] * 3, c2
    c3 = jexpect(upload(d, ("x.pdf", "application/pdf", pdf_bytes(2000))), 201)
    assert set(c3["attachments"][0]) == {"id", "filename", "content_type", "size", "url"}
    # in every later view too
    form = jexpect(d.get(f"/api/v1/moderation/comments/{c['id']}", mod=True), 200)
    assert [(a["width"], a["height"]) for a in form["attachments"]] == [s[3] for s in samples]
    jexpect(d.approve(c["id"]), 200)
    page = jexpect(d.get(comments_url()), 200)
    assert [(a["width"], a["height"]) for a in page["comments"][0]["attachments"]] == \
        [s[3] for s in samples]
    one = jexpect(d.get(f"/api/v1/comments/{c['id']}"), 200)
    assert one["attachments"][1]["width"] == 4000


@tests.test
def images_without_a_readable_header_are_415(d):
    bad = [
        ("a.jpg", "image/jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
         + b"not a picture" * 100),
        ("b.jpg", "image/jpeg", b"\xff\xd8\xff" + b"\x00" * 3000),
        ("c.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 3000),
        ("d.webp", "image/webp", b"RIFF\x00\x10\x00\x00WEBPVP8 " + b"\x00" * 3000),
        ("e.webp", "image/webp", b"RIFF\x00\x10\x00\x00WEBPXXXX" + b"\x00" * 3000),
        ("f.gif", "image/gif", b"GIF89a\x01"),
    ]
    for f in bad:
        jexpect(upload(d, f), 415, "unsupported_media_type", "attachment")
    # one bad image refuses the comment, good files included
    jexpect(upload(d, ("ok.png", "image/png", images.png(10, 10)), bad[0]), 415)
    assert queue_total(d) == 0
    assert stored_contents(d) == 0 and files_in(d, "tmp") == []


@tests.test(daemon=False, sqlite_only="SQLite's migration 0002 from a database made by 0001; "
                                      "PostgreSQL's schema starts with image sizes")
def migration_adds_image_sizes_to_an_old_database(binary):
    d = Daemon(binary, extra_args=["--rate-limit", "0"], token_name=TOKEN_NAME)
    os.makedirs(os.path.join(d.data, "files", "ab"))
    sha = "ab" + "0" * 62
    with open(os.path.join(d.data, "files", "ab", sha), "wb") as f:
        f.write(images.png(5, 5))
    db = sqlite3.connect(os.path.join(d.data, "ykien.db"))
    with open(os.path.join(ROOT, "db", "migrations", "0001_init.sql")) as f:
        db.executescript(f.read())
    db.execute("PRAGMA user_version = 1")
    db.execute("INSERT INTO comment (article, author, body, original_body, status, created_at,"
               " published_at) VALUES (?, 'An', ?, ?, 'approved', 1, 2)", (ART, GOOD, GOOD))
    db.execute("INSERT INTO attachment (comment_id, filename, content_type, size, sha256)"
               " VALUES (1, 'old.png', 'image/png', 100, ?)", (sha,))
    db.commit()
    db.close()
    with d:
        page = jexpect(d.get(comments_url()), 200)
        old = page["comments"][0]["attachments"][0]
        assert "width" not in old and old["filename"] == "old.png", old
        c = jexpect(upload(d, ("new.png", "image/png", images.png(7, 9))), 201)
        assert (c["attachments"][0]["width"], c["attachments"][0]["height"]) == (7, 9)
        assert d.stop() == 0


# ---- Idempotency-Key ------------------------------------------------------------

@tests.test
def idempotency_key_stores_a_comment_once(d):
    key = {"Idempotency-Key": "0f6f1d4e-8b1c-4a57-9d43-5b2a7f0e9c11"}
    a = jexpect(post(d, headers=key), 201)
    b = jexpect(post(d, headers=key), 201)
    assert a["id"] == b["id"] and queue_total(d) == 1
    c = jexpect(post(d, headers={"Idempotency-Key": "another-key-0123456789"}), 201)
    assert c["id"] != a["id"] and queue_total(d) == 2
    # with files: stored once, the second upload's staged copy is dropped
    k2 = {"Idempotency-Key": "files-key-0123456789abcdef"}
    img = images.png(30, 30, 5000)
    m1 = jexpect(upload(d, ("a.png", "image/png", img), headers=k2), 201)
    m2 = jexpect(upload(d, ("a.png", "image/png", img), headers=k2), 201)
    assert m1["id"] == m2["id"] and m1["attachments"] == m2["attachments"]
    assert queue_total(d) == 3
    assert stored_contents(d) == 1 and files_in(d, "tmp") == []
    form = jexpect(d.get(f"/api/v1/moderation/comments/{m1['id']}", mod=True), 200)
    assert len(form["attachments"]) == 1
    # still the same comment after it was approved
    jexpect(d.approve(a["id"]), 200)
    again = jexpect(post(d, headers=key), 201)
    assert again["id"] == a["id"] and again["status"] == "approved"
    for bad in ("short", "x" * 65, "has space in it 12345", "ünïcode-key-0123456789"):
        jexpect(post(d, headers={"Idempotency-Key": bad}), 400, "bad_request", "Idempotency-Key")
    assert queue_total(d) == 2


# ---- the queue's ETag -----------------------------------------------------------

@tests.test
def queue_answers_304_while_unchanged(d):
    r = d.get("/api/v1/moderation/queue", mod=True)
    body = jexpect(r, 200)
    etag = r.headers["ETag"]
    assert etag.startswith('"') and body["total"] == 0
    r2 = d.get("/api/v1/moderation/queue", mod=True, headers={"If-None-Match": etag})
    assert r2.status_code == 304 and r2.content == b"" and r2.headers["ETag"] == etag
    assert "no-store" in r2.headers["Cache-Control"]
    cid = jexpect(post(d), 201)["id"]
    r3 = d.get("/api/v1/moderation/queue", mod=True, headers={"If-None-Match": etag})
    assert jexpect(r3, 200)["total"] == 1 and r3.headers["ETag"] != etag
    jexpect(d.approve(cid), 200)
    r5 = d.get("/api/v1/moderation/queue", mod=True, headers={"If-None-Match": r3.headers["ETag"]})
    assert jexpect(r5, 200)["total"] == 0
    assert r5.headers["Content-Type"] == JSON_CT


if __name__ == "__main__":
    sys.exit(tests.main())
