#!/usr/bin/python3
"""Attachments: multipart uploads, type detection by content, the 10 MiB and
3-file limits (nothing left behind when refused), file names, and downloads
(visibility, headers, ETag / 304).

    /usr/bin/python3 tests/http/test_attachments.py build/ykien [--only NAME]
"""
import os
import sys
import time

from support import (GOOD, MiB, Tests, action, comments_url, connect, files_in, gif_bytes,
                     jexpect, multipart, pdf_bytes, png_bytes, post_multipart,
                     queue_total, random_png, read_all, read_response, wait_until,
                     alive, stored_contents)
import images

tests = Tests()
FIELDS = [("author", "Thu Thảo"), ("body", GOOD)]


def upload(d, *files, fields=FIELDS):
    """files: (filename, content_type, data); all as part "attachment"."""
    return post_multipart(d, fields=fields, files=[("attachment",) + f for f in files])


def nothing_left(d, stored_files=0):
    assert stored_contents(d) == stored_files, files_in(d, "files")
    assert files_in(d, "tmp") == [], files_in(d, "tmp")


@tests.test
def attachment_roundtrip_and_visibility(d):
    data = random_png(50_000)
    r = upload(d, ("ảnh.png", "image/png", data))
    c = jexpect(r, 201)
    assert len(c["attachments"]) == 1
    a = c["attachments"][0]
    # API 1.1: an image also carries its size in pixels.
    assert set(a) == {"id", "filename", "content_type", "size", "url", "width", "height"}, a
    assert a["filename"] == "ảnh.png" and a["content_type"] == "image/png" and a["size"] == 50_000
    assert a["url"] == f"/api/v1/attachments/{a['id']}"
    # pending: hidden from the public, visible to a moderator
    jexpect(d.get(a["url"]), 404, "not_found")
    g = d.get(a["url"], mod=True)
    assert g.status_code == 200 and g.content == data
    assert "no-store" in g.headers.get("Cache-Control", ""), g.headers
    m = jexpect(d.get(f"/api/v1/moderation/comments/{c['id']}", mod=True), 200)
    assert m["attachments"] == [a]
    # approved: public, with the headers API.md lists
    jexpect(d.approve(c["id"]), 200)
    g = d.get(a["url"])
    assert g.status_code == 200 and g.content == data
    assert g.headers["Content-Type"] == "image/png"
    assert g.headers["Content-Length"] == "50000"
    assert g.headers["X-Content-Type-Options"] == "nosniff"
    etag = g.headers.get("ETag", "")
    assert etag.startswith('"') and etag.endswith('"') and len(etag) > 2, etag
    assert "filename*=UTF-8''%E1%BA%A3nh.png" in g.headers.get("Content-Disposition", "")
    pub = jexpect(d.get(f"/api/v1/comments/{c['id']}"), 200)
    assert pub["attachments"] == [a]
    lst = jexpect(d.get(comments_url()), 200)
    assert lst["comments"][0]["attachments"] == [a]
    # conditional GET
    n = d.get(a["url"], headers={"If-None-Match": etag})
    assert n.status_code == 304 and n.content == b"", n.status_code
    assert n.headers.get("ETag") == etag
    n = d.get(a["url"], headers={"If-None-Match": "*"})
    assert n.status_code == 304, n.status_code
    n = d.get(a["url"], headers={"If-None-Match": '"something-else"'})
    assert n.status_code == 200 and n.content == data
    h = d.request("HEAD", a["url"])
    assert h.status_code == 200 and h.headers["Content-Length"] == "50000" and h.content == b""
    # rejected: hidden again, still there for moderators
    jexpect(action(d, c["id"], "reject"), 200)
    jexpect(d.get(a["url"]), 404, "not_found")
    assert d.get(a["url"], mod=True).content == data
    # approved again: back
    jexpect(action(d, c["id"], "approve"), 200)
    assert d.get(a["url"]).content == data


@tests.test
def type_is_detected_from_content(d):
    png = png_bytes(3000)
    c = jexpect(upload(d, ("x.pdf", "application/pdf", png)), 201)
    a = c["attachments"][0]
    assert a["content_type"] == "image/png" and a["filename"] == "x.pdf", a
    samples = [
        ("a.png", "image/png", images.jpeg(size=4000), "image/jpeg"),
        ("b.jpg", "image/jpeg", gif_bytes(1500, b"89a"), "image/gif"),
        ("c.bin", "application/octet-stream", gif_bytes(900, b"87a"), "image/gif"),
    ]
    c2 = jexpect(upload(d, *[s[:3] for s in samples]), 201)
    assert [x["content_type"] for x in c2["attachments"]] == [s[3] for s in samples]
    assert [x["filename"] for x in c2["attachments"]] == ["a.png", "b.jpg", "c.bin"]
    c3 = jexpect(upload(d, ("d.gif", "image/gif", images.webp(size=2000)),
                        ("e.txt", "text/plain", pdf_bytes(2500)),
                        ("f", "", png_bytes(200))), 201)
    assert [x["content_type"] for x in c3["attachments"]] == ["image/webp", "application/pdf",
                                                              "image/png"]
    assert [x["size"] for x in c3["attachments"]] == [2000, 2500, 200]
    for cid in (c["id"], c2["id"], c3["id"]):
        jexpect(d.approve(cid), 200)
    for att, want in [(a, png)] + list(zip(c2["attachments"], [s[2] for s in samples])):
        g = d.get(att["url"])
        assert g.status_code == 200 and g.content == want
        assert g.headers["Content-Type"] == att["content_type"], (att, g.headers)
    g = d.get(c3["attachments"][1]["url"])
    assert g.headers["Content-Type"] == "application/pdf" and g.content == pdf_bytes(2500)


@tests.test
def unknown_types_are_415(d):
    cases = [
        ("virus.jpg", "image/jpeg", b"MZ\x90\x00" + b"\0" * 2000),
        ("x.png", "image/png", b"<svg xmlns='http://www.w3.org/2000/svg'><script>x</script></svg>"),
        ("x.html", "text/html", b"<!doctype html><script>alert(1)</script>"),
        ("x.zip", "application/zip", b"PK\x03\x04" + b"\0" * 500),
        ("empty.png", "image/png", b""),
        ("short.png", "image/png", b"\x89PN"),
        ("riff.webp", "image/webp", b"RIFF\x10\x00\x00\x00WAVEfmt " + b"\0" * 100),
    ]
    for f in cases:
        jexpect(upload(d, f), 415, "unsupported_media_type")
    # one bad file among good ones refuses the comment
    jexpect(upload(d, ("a.png", "image/png", png_bytes(500)), cases[0]), 415,
            "unsupported_media_type")
    assert queue_total(d) == 0
    nothing_left(d)


@tests.test
def size_limit_is_exact_and_leaves_nothing(d):
    big = png_bytes(10 * MiB + 1)
    r = upload(d, ("big.png", "image/png", big))
    jexpect(r, 413, "payload_too_large")
    assert queue_total(d) == 0
    nothing_left(d)
    # a too-big file after a good one
    r = upload(d, ("ok.png", "image/png", png_bytes(1000)), ("big.png", "image/png", big))
    jexpect(r, 413, "payload_too_large")
    assert queue_total(d) == 0
    nothing_left(d)
    exact = random_png(10 * MiB)
    c = jexpect(upload(d, ("exact.png", "image/png", exact)), 201)
    assert c["attachments"][0]["size"] == 10 * MiB
    assert d.get(c["attachments"][0]["url"], mod=True).content == exact
    assert queue_total(d) == 1
    nothing_left(d, stored_files=1)


@tests.test
def at_most_three_attachments(d):
    files = [(f"{i}.png", "image/png", png_bytes(300 + i)) for i in range(4)]
    jexpect(upload(d, *files), 422, "too_many_attachments", "attachment")
    assert queue_total(d) == 0
    nothing_left(d)
    c = jexpect(upload(d, *files[:3]), 201)
    assert [a["filename"] for a in c["attachments"]] == ["0.png", "1.png", "2.png"]
    assert [a["size"] for a in c["attachments"]] == [300, 301, 302]
    ids = [a["id"] for a in c["attachments"]]
    assert ids == sorted(ids) and len(set(ids)) == 3
    nothing_left(d, stored_files=3)
    # a browser's empty file input is no attachment
    r = post_multipart(d, fields=FIELDS, files=[("attachment", "", "application/octet-stream",
                                                 b"")])
    assert jexpect(r, 201)["attachments"] == []
    # file parts under another name are ignored
    r = post_multipart(d, fields=FIELDS, files=[("photo", "p.png", "image/png", png_bytes(300))])
    assert jexpect(r, 201)["attachments"] == []


@tests.test
def file_names_are_cleaned(d):
    cases = [
        ("../../etc/passwd.png", "passwd.png"),
        ("C:\\x\\y.png", "y.png"),
        ("/abs/path/z.png", "z.png"),
        ("a\x01b\x1fc\x7f.png", "abc.png"),
        ("gpj\u202eexe.png", "gpjexe.png"),
        (" .hidden.png. ", "hidden.png"),
        ("ảnh đẹp.png", "ảnh đẹp.png"),
        ("a\u0309nh.png", "ảnh.png"),             # NFD -> NFC
        ("dir/", "file"),
        ("...", "file"),
    ]
    got = {}
    for sent, want in cases:
        c = jexpect(upload(d, (sent, "image/png", png_bytes(200 + len(got)))), 201)
        got[sent] = c["attachments"][0]
        assert c["attachments"][0]["filename"] == want, (sent, c["attachments"][0]["filename"])
        jexpect(d.approve(c["id"]), 200)
    cd = d.get(got["ảnh đẹp.png"]["url"]).headers["Content-Disposition"]
    assert "filename*=UTF-8''%E1%BA%A3nh%20%C4%91%E1%BA%B9p.png" in cd, cd
    cd = d.get(got["../../etc/passwd.png"]["url"]).headers["Content-Disposition"]
    assert 'filename="passwd.png"' in cd and "/" not in cd.replace("UTF-8''", ""), cd
    for att in got.values():
        cd = d.get(att["url"]).headers["Content-Disposition"]
        assert all(32 <= ord(ch) < 127 for ch in cd), repr(cd)
    # the stored files are named by content, never by the name sent
    for path in files_in(d, "files"):
        name = os.path.basename(path)
        assert len(name) == 64 and all(ch in "0123456789abcdef" for ch in name), path


@tests.test
def identical_files_in_two_comments(d):
    data = random_png(20_000)
    c1 = jexpect(upload(d, ("one.png", "image/png", data)), 201)
    c2 = jexpect(upload(d, ("two.png", "image/png", data)), 201)
    a1, a2 = c1["attachments"][0], c2["attachments"][0]
    assert a1["id"] != a2["id"]
    nothing_left(d, stored_files=1)          # stored once, by content
    for c in (c1, c2):
        jexpect(d.approve(c["id"]), 200)
    g1, g2 = d.get(a1["url"]), d.get(a2["url"])
    assert g1.content == data and g2.content == data
    assert "one.png" in g1.headers["Content-Disposition"]
    assert "two.png" in g2.headers["Content-Disposition"]
    # taking one down leaves the other's file in place, also across a restart
    jexpect(action(d, c1["id"], "reject"), 200)
    jexpect(d.get(a1["url"]), 404)
    assert d.get(a2["url"]).content == data
    d.stop()
    d.start()
    assert d.get(a2["url"]).content == data
    assert d.get(a1["url"], mod=True).content == data


@tests.test
def upload_cut_off_mid_body_leaves_nothing(d):
    data, ctype = multipart(FIELDS, [("attachment", "cut.png", "image/png", random_png(2 * MiB))])
    head = (f"POST {comments_url()} HTTP/1.1\r\nHost: x\r\nContent-Type: {ctype}\r\n"
            f"Content-Length: {len(data)}\r\n\r\n").encode()
    s = connect(d)
    s.sendall(head + data[:len(data) // 2])
    # the half-received file is being staged
    assert wait_until(lambda: files_in(d, "tmp") != [], 5), "no staged upload seen"
    s.close()
    assert wait_until(lambda: files_in(d, "tmp") == [], 5), files_in(d, "tmp")
    nothing_left(d)
    assert queue_total(d) == 0
    assert alive(d)
    # and a full upload on a new connection works
    jexpect(post_multipart(d, fields=FIELDS,
                           files=[("attachment", "ok.png", "image/png", png_bytes(500))]), 201)


@tests.test
def three_files_of_10_mib_in_one_comment(d):
    import hashlib
    files = [(f"{i}.png", "image/png", random_png(10 * MiB)) for i in range(3)]
    assert all(len(f[2]) == 10 * MiB for f in files)
    c = jexpect(upload(d, *files), 201)
    assert [a["size"] for a in c["attachments"]] == [10 * MiB] * 3
    jexpect(action(d, c["id"], "approve"), 200)
    for a, (_, _, data) in zip(c["attachments"], files):
        got = d.get(a["url"])
        assert got.status_code == 200 and len(got.content) == 10 * MiB
        assert hashlib.sha256(got.content).digest() == hashlib.sha256(data).digest()
    nothing_left(d, stored_files=3)


@tests.test
def lying_content_length_stores_nothing(d):
    data, ctype = multipart(FIELDS, [("attachment", "lie.png", "image/png", random_png(MiB))])
    # Declares more than it sends, then stops sending: the request never
    # completes, the client gives up; nothing may be stored.
    s = connect(d)
    s.sendall((f"POST {comments_url()} HTTP/1.1\r\nHost: x\r\nContent-Type: {ctype}\r\n"
               f"Content-Length: {len(data) + 4096}\r\n\r\n").encode() + data)
    import socket as socket_module
    s.shutdown(socket_module.SHUT_WR)
    read_all(s, timeout=3)
    s.close()
    assert wait_until(lambda: files_in(d, "tmp") == [], 5), files_in(d, "tmp")
    # Declares less than it sends: the multipart body is cut before its
    # closing boundary, which is malformed (400), and the rest is not a
    # request.  Nothing stored either way.
    s = connect(d)
    s.sendall((f"POST {comments_url()} HTTP/1.1\r\nHost: x\r\nContent-Type: {ctype}\r\n"
               f"Content-Length: {len(data) - 100}\r\n\r\n").encode() + data)
    r = read_response(s, timeout=5)
    s.close()
    assert r.status == 400, r.status
    assert r.json()["error"]["code"] == "bad_request"
    nothing_left(d)
    assert queue_total(d) == 0
    assert alive(d)


@tests.test
def parts_split_across_packets(d):
    """The post processor may see a part's first bytes alone: a valid upload
    must not depend on how TCP cuts it."""
    png = png_bytes(3000)
    data, ctype = multipart(FIELDS + [("email", "ab@c")],
                            [("attachment", "split.png", "image/png", png)])
    head = (f"POST {comments_url()} HTTP/1.1\r\nHost: x\r\nContent-Type: {ctype}\r\n"
            f"Content-Length: {len(data)}\r\n\r\n").encode()
    cuts = [data.index(png) + 2, data.index("Thu Thảo".encode()) + 2,
            data.index(b"ab@c") + 2, data.index(b"ab@c") + 4]
    for cut in cuts:
        s = connect(d)
        s.sendall(head + data[:cut])
        time.sleep(0.3)
        s.sendall(data[cut:])
        r = read_response(s, timeout=5)
        s.close()
        assert r is not None and r.status == 201, (cut, r and r.status, r and r.body[:200])
        att = r.json()["attachments"]
        assert len(att) == 1 and att[0]["size"] == len(png), att
    nothing_left(d, stored_files=1)


@tests.test
def expect_100_continue(d):
    """curl and PHP send Expect: 100-continue before large bodies."""
    data, ctype = multipart(FIELDS, [("attachment", "e.png", "image/png", random_png(MiB))])
    head = (f"POST {comments_url()} HTTP/1.1\r\nHost: x\r\nContent-Type: {ctype}\r\n"
            f"Content-Length: {len(data)}\r\nExpect: 100-continue\r\n\r\n").encode()
    s = connect(d)
    s.sendall(head)
    got = b""
    while b"\r\n\r\n" not in got:
        chunk = s.recv(4096)
        assert chunk, "closed instead of 100 Continue"
        got += chunk
    assert got.startswith(b"HTTP/1.1 100"), got[:100]
    s.sendall(data)
    r = read_response(s, data=got[got.index(b"\r\n\r\n") + 4:])
    s.close()
    assert r and r.status == 201 and len(r.json()["attachments"]) == 1, r
    # a body that cannot be valid is refused instead of invited
    s = connect(d)
    s.sendall((f"POST {comments_url()} HTTP/1.1\r\nHost: x\r\nContent-Type: {ctype}\r\n"
               f"Content-Length: {64 * MiB}\r\nExpect: 100-continue\r\n\r\n").encode())
    got, closed = read_all(s, timeout=5)
    s.close()
    assert got.startswith(b"HTTP/1.1 413"), got[:100]
    assert queue_total(d) == 1


@tests.test(args=["--timeout", "2"])
def stalled_upload_is_dropped_after_timeout(d):
    data, ctype = multipart(FIELDS, [("attachment", "slow.png", "image/png", random_png(MiB))])
    head = (f"POST {comments_url()} HTTP/1.1\r\nHost: x\r\nContent-Type: {ctype}\r\n"
            f"Content-Length: {len(data)}\r\n\r\n").encode()
    s = connect(d, timeout=10)
    s.sendall(head + data[:len(data) // 3])
    t0 = time.time()
    _, closed = read_all(s, timeout=8)
    s.close()
    assert closed and time.time() - t0 < 6, ("not closed after --timeout 2", time.time() - t0)
    assert wait_until(lambda: files_in(d, "tmp") == [], 5), files_in(d, "tmp")
    assert queue_total(d) == 0 and alive(d)


if __name__ == "__main__":
    sys.exit(tests.main())
