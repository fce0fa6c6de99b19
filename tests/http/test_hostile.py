#!/usr/bin/python3
"""Hostile and careless clients, mostly over raw sockets: oversized bodies
(declared and chunked), pipelining, oversized headers, stalled and garbage
connections, bad tokens on every moderation route, and the rate limit.
After each attack the daemon must keep serving.

    /usr/bin/python3 tests/http/test_hostile.py build/ykien [--only NAME]
"""
import select
import subprocess
import sys
import time

import requests

from support import (ART, GOOD, MiB, Tests, alive, comments_url, connect,
                     exchange, files_in, jexpect, multipart, new_comment, parse_responses, post,
                     png_bytes, queue_total, raw_request, read_all, read_log, stored_contents,
                     wait_until)

tests = Tests()
JSON_BODY = '{"author": "Thu Thảo", "body": "Bài viết rất hay."}'.encode()


def chunked(data, size=8192):
    out = b""
    for i in range(0, len(data), size):
        part = data[i:i + size]
        out += b"%x\r\n" % len(part) + part + b"\r\n"
    return out + b"0\r\n\r\n"


def one_response(data):
    rs, _ = parse_responses(data)
    assert rs, f"no HTTP response in {data[:200]!r}"
    return rs[0]


# ---- bodies past the caps ---------------------------------------------------

@tests.test
def declared_length_past_cap_is_413_before_the_body(d):
    cases = [
        (comments_url(), "application/json", 64 * 1024 + 1, []),
        (comments_url(), "application/json", 10**12, []),
        (comments_url(), "multipart/form-data; boundary=x", 64 * MiB, []),
        ("/api/v1/moderation/comments/1/approve", "application/json", 200_000,
         [f"Authorization: Bearer {d.token}"]),
    ]
    for path, ctype, length, extra in cases:
        s = connect(d)
        s.sendall(raw_request("POST", path, [f"Content-Type: {ctype}",
                                             f"Content-Length: {length}"] + extra))
        t0 = time.time()
        data, closed = read_all(s, timeout=5)        # no body byte was sent
        s.close()
        r = one_response(data)
        assert r.status == 413, (path, r)
        assert r.header("content-type") == "application/json; charset=utf-8"
        assert r.json()["error"]["code"] == "payload_too_large", r.body
        assert closed and time.time() - t0 < 3, "the connection must not wait for the body"
    # exactly at the cap is read (and then judged as JSON)
    body = b'{"author":"Thu","body":"' + b"a" * (64 * 1024 - 30) + b'"}'
    body += b" " * (64 * 1024 - len(body))
    r = d.request("POST", comments_url(), data=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 422, r.status_code     # too long a body text, but read
    assert alive(d)


@tests.test
def chunked_json_past_cap_is_cut_off(d):
    s = connect(d)
    s.sendall(raw_request("POST", comments_url(), ["Content-Type: application/json",
                                                   "Transfer-Encoding: chunked"]))
    sent, data, closed = 0, b"", False
    piece = b"%x\r\n" % 8192 + b"a" * 8192 + b"\r\n"
    try:
        while sent < 1 * MiB and not closed:
            s.sendall(piece)
            sent += 8192
            r, _, _ = select.select([s], [], [], 0)
            if r:
                more, closed = read_all(s, timeout=0.5)
                data += more
    except (BrokenPipeError, ConnectionResetError):
        closed = True
    more, closed2 = read_all(s, timeout=5)
    s.close()
    data += more
    assert closed or closed2, "the daemon must stop reading past the cap"
    if data:
        r = one_response(data)
        assert r.status == 413 and r.json()["error"]["code"] == "payload_too_large", r
    assert wait_until(lambda: "body cut off" in read_log(d), 5), read_log(d)[-500:]
    assert alive(d) and queue_total(d) == 0
    # a chunked body within the cap is fine
    data, _ = exchange(d, raw_request("POST", comments_url(),
                                      ["Content-Type: application/json",
                                       "Transfer-Encoding: chunked", "Connection: close"])
                       + chunked(JSON_BODY, 7))
    assert one_response(data).status == 201, data[:300]


@tests.test
def chunked_attachment_past_10_mib_is_cut_off(d):
    body, ctype = multipart([("author", "Thu"), ("body", GOOD)],
                            [("attachment", "big.png", "image/png", png_bytes(10 * MiB + 4096))])
    s = connect(d, timeout=10)
    s.sendall(raw_request("POST", comments_url(), [f"Content-Type: {ctype}",
                                                   "Transfer-Encoding: chunked"]))
    stream = chunked(body, 256 * 1024)
    data, closed = b"", False
    try:
        for i in range(0, len(stream), 256 * 1024):
            s.sendall(stream[i:i + 256 * 1024])
    except (BrokenPipeError, ConnectionResetError):
        closed = True
    more, closed2 = read_all(s, timeout=5)
    s.close()
    data += more
    if data:
        r = one_response(data)
        assert r.status == 413 and r.json()["error"]["code"] == "payload_too_large", r
    else:
        assert closed or closed2
    assert wait_until(lambda: files_in(d, "tmp") == [], 5), files_in(d, "tmp")
    assert stored_contents(d) == 0 and queue_total(d) == 0 and alive(d)


# ---- connection handling ------------------------------------------------------

@tests.test
def pipelined_requests_are_answered_in_order(d):
    cid = new_comment(d)
    reqs = [
        raw_request("GET", "/healthz"),
        raw_request("GET", "/api/v1/nope"),                      # 404
        raw_request("GET", "/api/v1/moderation/queue"),          # 401
        raw_request("DELETE", "/healthz"),                       # 405
        raw_request("HEAD", "/healthz"),
        raw_request("POST", comments_url(), ["Content-Type: application/json"], JSON_BODY),
        raw_request("GET", f"/api/v1/moderation/comments/{cid}",
                    [f"Authorization: Bearer {d.token}"]),
        raw_request("POST", comments_url(), ["Content-Type: text/plain"], b"x"),  # 415
        raw_request("GET", f"/api/v1/counts?article={ART}"),
        raw_request("GET", "/healthz", ["Connection: close"]),
    ]
    data, closed = exchange(d, b"".join(reqs))
    rs, left = parse_responses(data, head_requests=(4,))
    got = [r.status for r in rs]
    want = [200, 404, 401, 405, 200, 201, 200, 415, 200, 200]
    # After the 415 (a body it refused before reading) the daemon may close
    # the connection; everything before it must have been answered in order.
    assert got == want or (got == want[:8] and closed), (got, left[:200])
    assert rs[5].json()["status"] == "pending" and rs[6].json()["id"] == cid
    assert closed, "Connection: close (or the refused body) ends the connection"
    # Bodyless errors keep the connection open for the next request.
    s = connect(d)
    for path in ("/api/v1/nope", "/api/v1/moderation/queue", "/api/v1/comments/999"):
        s.sendall(raw_request("GET", path))
        data = b""
        while not parse_responses(data)[0]:
            data += s.recv(65536) or b"<closed>"
            assert not data.endswith(b"<closed>"), f"closed after GET {path}"
    s.sendall(raw_request("GET", "/healthz", ["Connection: close"]))
    data, closed = read_all(s)
    s.close()
    assert one_response(data).status == 200


@tests.test
def oversized_headers_are_refused(d):
    def attack(head_start, filler):
        """Sends head_start then filler in 4 KiB pieces until the daemon
        answers; returns the answer."""
        s = connect(d)
        s.sendall(head_start)
        data = b""
        try:
            for i in range(0, len(filler), 4096):
                s.sendall(filler[i:i + 4096])
                if select.select([s], [], [], 0.01)[0]:
                    break
        except (BrokenPipeError, ConnectionResetError):
            pass
        more, _ = read_all(s, timeout=5)
        s.close()
        return data + more

    for head, filler in [
        (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ", b"a" * 200_000),
        (b"GET /healthz?q=", b"a" * 200_000),
        (b"GET /healthz HTTP/1.1\r\nHost: x\r\n", b"X-Many: 1\r\n" * 20_000),
    ]:
        data = attack(head, filler)
        assert data[:9] in (b"HTTP/1.1 ", b"HTTP/1.0 "), data[:200]
        status = int(data[9:12])
        assert 400 <= status < 500, data[:200]
        assert alive(d)
    # a large but reasonable header is fine
    r = d.get("/healthz", headers={"X-Big": "a" * 8000})
    assert r.status_code == 200


@tests.test(args=["--timeout", "2"])
def stalled_clients_do_not_block_others(d):
    stalled = []
    for part in (b"GET /healthz HTTP/1.1\r\nHost: x\r\n", b"GE", b"",
                 raw_request("POST", comments_url(), ["Content-Type: application/json",
                                                      "Content-Length: 100"]) + b'{"a',
                 raw_request("POST", comments_url(), ["Content-Type: application/json",
                                                      "Transfer-Encoding: chunked"]) + b"10\r\nab"):
        s = connect(d, timeout=10)
        if part:
            s.sendall(part)
        stalled.append(s)
    t0 = time.time()
    for _ in range(10):
        r = requests.get(d.url + "/healthz", timeout=2)
        assert r.status_code == 200
    jexpect(post(d, GOOD), 201)
    assert time.time() - t0 < 3, "others were slowed down by stalled clients"
    # ... and the stalled ones are closed once --timeout 2 has passed
    for s in stalled:
        data, closed = read_all(s, timeout=6)
        s.close()
        assert closed, "a stalled connection was not closed"
        assert time.time() - t0 < 6, time.time() - t0
        if data:
            assert data.startswith(b"HTTP/1.1 4"), data[:100]
    assert alive(d) and queue_total(d) == 1


@tests.test(args=["--timeout", "2"])
def garbage_is_refused_and_the_daemon_lives(d):
    payloads = [
        b"HELLO THERE\r\n\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(256)),   # a TLS hello
        bytes((i * 37 + 11) % 256 for i in range(4096)),
        b"\x00\x01garbage\xff\r\n\r\n",
        b"\r\n" * 200,
        b"GET / HTTP/9.9\r\nHost: x\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        b"POST /api/v1/articles/a/comments HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
        b"\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
        b"POST /api/v1/articles/a/comments HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
        b"\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n{}{}{}",
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: x\r\n\x00: \x01\r\n\r\n",
        b"GET /\x00\x01\x02 HTTP/1.1\r\nHost: x\r\n\r\n",
    ]
    # All at once, so that the ones only a timeout ends cost one timeout.
    socks = []
    for p in payloads:
        s = connect(d, timeout=10)
        try:
            s.sendall(p)
        except (BrokenPipeError, ConnectionResetError):
            pass
        socks.append(s)
    t0 = time.time()
    for p, s in zip(payloads, socks):
        data, closed = read_all(s, timeout=max(0.1, 6 - (time.time() - t0)))
        s.close()
        if data:
            assert data.startswith(b"HTTP/1."), (p[:40], data[:100])
            status = int(data[9:12])
            if not (b"Connection: close" in data or closed):
                # answered and kept open: must have been an error reply
                assert status >= 400, (p[:40], data[:200])
            else:
                assert status >= 400 or p.startswith(b"GET /healthz"), (p[:40], data[:200])
        assert closed, f"{p[:40]!r}: connection left open past --timeout"
    assert time.time() - t0 < 5
    assert alive(d)
    assert queue_total(d) == 0


@tests.test
def many_connections_at_once(d):
    socks = [connect(d) for _ in range(200)]
    for s in socks[::2]:
        s.sendall(raw_request("GET", "/healthz"))
    for s in socks[::2]:
        data = b""
        while not parse_responses(data)[0]:
            chunk = s.recv(65536)
            assert chunk, "closed without an answer"
            data += chunk
        assert parse_responses(data)[0][0].status == 200
    for s in socks:
        s.close()
    assert alive(d)


# ---- tokens -------------------------------------------------------------------

MOD_ROUTES = [
    ("GET", "/api/v1/moderation/queue", None),
    ("GET", "/api/v1/moderation/queue?status=rejected", None),
    ("GET", "/api/v1/moderation/comments/{id}", None),
    ("PATCH", "/api/v1/moderation/comments/{id}", {"body": "Sửa."}),
    ("POST", "/api/v1/moderation/comments/{id}/approve", None),
    ("POST", "/api/v1/moderation/comments/{id}/approve", {"body": "Sửa.", "note": "x"}),
    ("POST", "/api/v1/moderation/comments/{id}/reject", {"reason": "x"}),
    ("GET", "/api/v1/moderation/comments/987654", None),
]


def bad_auth_headers(d, revoked):
    return [
        None,
        "",
        "Basic x",
        "Basic " + "YWxpY2U6c2VjcmV0",
        "Bearer",
        "Bearer ",
        "Bearer " + "a" * 500,
        "Bearer " + "a" * 20000,
        "Bearer wrong",
        "Bearer " + d.token[:-1],
        "Bearer " + d.token + "x",
        "Bearer " + d.token.upper(),
        "Token " + d.token,
        d.token,
        "Bearer " + revoked,
        "Bearer " + d.token + ", Bearer " + d.token,
        "Bearer\t" + d.token + "\t",
    ]


@tests.test
def every_moderation_route_needs_a_good_token(d):
    cid = new_comment(d)
    r = subprocess.run([d.binary, "token", "add", "bob"] + d.db_args, capture_output=True,
                       text=True, timeout=30)
    revoked = r.stdout.strip()
    assert r.returncode == 0 and revoked
    r = subprocess.run([d.binary, "token", "revoke", "bob"] + d.db_args,
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    for method, path, body in MOD_ROUTES:
        path = path.replace("{id}", str(cid))
        for auth in bad_auth_headers(d, revoked):
            headers = {} if auth is None else {"Authorization": auth}
            kw = {"json": body} if body is not None else {}
            resp = d.request(method, path, headers=headers, **kw)
            jexpect(resp, 401, "unauthorized")
            assert resp.headers.get("WWW-Authenticate", "").startswith("Bearer"), resp.headers
    # attachments: a bad token is 401 too (a missing one is just public)
    jexpect(d.get("/api/v1/attachments/1", headers={"Authorization": "Bearer wrong"}), 401,
            "unauthorized")
    m = jexpect(d.get(f"/api/v1/moderation/comments/{cid}", mod=True), 200)
    assert m["status"] == "pending" and m["version"] == 1, "nothing changed"
    # the scheme is case-insensitive (RFC 7235)
    jexpect(d.get("/api/v1/moderation/queue", headers={"Authorization": "bearer " + d.token}), 200)
    # the body of an unauthorised request is not read: 401 before a large upload
    s = connect(d)
    s.sendall(raw_request("POST", f"/api/v1/moderation/comments/{cid}/approve",
                          ["Content-Type: application/json", "Content-Length: 50000"]))
    data, closed = read_all(s, timeout=5)
    s.close()
    assert one_response(data).status == 401 and closed
    log = read_log(d)
    assert d.token not in log and revoked not in log, "a token reached the log"


@tests.test
def revoking_takes_effect_on_the_running_daemon(d):
    r = subprocess.run([d.binary, "token", "add", "carol"] + d.db_args,
                       capture_output=True, text=True, timeout=30)
    carol = r.stdout.strip()
    h = {"Authorization": "Bearer " + carol}
    m = jexpect(d.get("/api/v1/moderation/queue", headers=h), 200)
    assert m["total"] == 0
    cid = new_comment(d)
    m = jexpect(d.request("POST", f"/api/v1/moderation/comments/{cid}/approve", headers=h), 200)
    assert m["history"][-1]["moderator"] == "carol"
    r = subprocess.run([d.binary, "token", "revoke", "carol"] + d.db_args,
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    jexpect(d.get("/api/v1/moderation/queue", headers=h), 401, "unauthorized")
    jexpect(d.get("/api/v1/moderation/queue", mod=True), 200)     # others unaffected
    # a new token under the same name works; the old one stays dead
    r = subprocess.run([d.binary, "token", "add", "carol"] + d.db_args,
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    carol2 = r.stdout.strip()
    assert carol2 != carol
    jexpect(d.get("/api/v1/moderation/queue", headers={"Authorization": "Bearer " + carol2}), 200)
    jexpect(d.get("/api/v1/moderation/queue", headers=h), 401, "unauthorized")
    log = read_log(d)
    for t in (d.token, carol, carol2):
        assert t not in log and t[3:] not in log, "a token reached the log"


# ---- rate limit -----------------------------------------------------------------

@tests.test(rate_limit="2")
def rate_limit_refuses_the_third_post(d):
    jexpect(post(d, GOOD), 201)
    jexpect(post(d, GOOD), 201)
    r = post(d, GOOD, headers={"Accept-Language": "en"})
    jexpect(r, 429, "rate_limited")
    ra = r.headers.get("Retry-After", "")
    assert ra.isdigit() and 0 < int(ra) <= 60, ra
    # failed posts count too, but reading and moderating do not
    jexpect(post(d, ""), 429, "rate_limited")
    for _ in range(5):
        jexpect(d.get(comments_url()), 200)
    assert queue_total(d) == 2
    cid = jexpect(d.get("/api/v1/moderation/queue", mod=True), 200)["comments"][0]["id"]
    jexpect(d.approve(cid), 200)
    # XFF from an untrusted peer is ignored
    r = post(d, GOOD, headers={"X-Forwarded-For": "203.0.113.9"})
    jexpect(r, 429, "rate_limited")


@tests.test(rate_limit="2", args=["--trusted-proxy", "127.0.0.1"])
def trusted_proxy_tells_clients_apart(d):
    def as_client(xff):
        return post(d, GOOD, headers={"X-Forwarded-For": xff})
    jexpect(as_client("203.0.113.1"), 201)
    jexpect(as_client("203.0.113.1"), 201)
    jexpect(as_client("203.0.113.1"), 429, "rate_limited")
    jexpect(as_client("203.0.113.2"), 201)
    # the proxy appends the address it saw: the last one counts
    jexpect(as_client("203.0.113.1, 198.51.100.7"), 201)
    jexpect(as_client("198.51.100.7"), 201)
    jexpect(as_client("203.0.113.2, 198.51.100.7"), 429, "rate_limited")
    jexpect(as_client("2001:db8::1"), 201)
    # the address is the client's, never shown to the public
    cid = jexpect(d.get("/api/v1/moderation/queue", mod=True), 200)["comments"][0]["id"]
    jexpect(d.approve(cid), 200)
    r = d.get(comments_url())
    assert "203.0.113" not in r.text and "198.51" not in r.text
    assert queue_total(d) == 5


@tests.test(rate_limit="2")
def forwarded_for_is_ignored_without_a_trusted_proxy(d):
    jexpect(post(d, GOOD, headers={"X-Forwarded-For": "203.0.113.1"}), 201)
    jexpect(post(d, GOOD, headers={"X-Forwarded-For": "203.0.113.2"}), 201)
    jexpect(post(d, GOOD, headers={"X-Forwarded-For": "203.0.113.3"}), 429, "rate_limited")
    jexpect(post(d, GOOD), 429, "rate_limited")


if __name__ == "__main__":
    sys.exit(tests.main())
