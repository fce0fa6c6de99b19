#!/usr/bin/python3
"""Holes a red team found, one group of tests each: clients that trickle
bytes to outlive --timeout, X-Forwarded-For lines forged ahead of the
proxy's, request framing a proxy may read differently (smuggling),
multipart parameters as RFC 7578 allows them, requests that exhaust
libmicrohttpd's per-connection memory, SIGTERM under posting, and a busy or
failing database during a moderator's request.

    /usr/bin/python3 tests/http/test_redteam.py build/ykien [--only NAME]
"""
import os
import random
import select
import signal
import socket
import sqlite3
import sys
import threading
import time

import requests

from openapi_check import check_answer
import support
from support import (GOOD, TOKEN_NAME, Daemon, Tests, alive, comments_url, connect, exchange,
                     jexpect, jpeg_bytes, parse_responses, png_bytes, queue_total, raw_request,
                     read_all, read_log, read_response)

tests = Tests()
JSON_BODY = '{"author": "Thu Thảo", "body": "Bài viết rất hay."}'.encode()
JSON_CT = "application/json; charset=utf-8"


def one_response(data):
    rs, _ = parse_responses(data)
    assert rs, f"no HTTP response in {data[:200]!r}"
    return rs[0]


def status_of(data):
    assert data[:9] in (b"HTTP/1.1 ", b"HTTP/1.0 "), data[:200]
    return int(data[9:12])


def json_error(r, status, code, request):
    """Asserts the JSON error, and that docs/openapi.json lists it for the
    request (raw bytes: its request line names the operation)."""
    assert r.status == status, r
    assert r.header("content-type") == JSON_CT, r.headers
    err = r.json()["error"]
    assert err["code"] == code, r.body
    method, target = request.split(b"\r\n", 1)[0].decode().split(" ")[:2]
    check_answer(method, target.split("?", 1)[0], status, r.json())
    return err


def db_rows(d, sql, args=()):
    if d.pg:
        return support.db_rows(d, sql, args)
    con = sqlite3.connect(os.path.join(d.data, "ykien.db"), timeout=10)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


# ---- 1. trickling clients ----------------------------------------------------

def trickle(socks, until, step=0.5):
    """Sends each socket one byte of its tail every step seconds until it is
    closed or until passes.  socks: {socket: tail}.  Returns {socket:
    (seconds after the start when it was closed, or None; bytes read)}."""
    t0 = time.time()
    state = {s: [None, b"", 0] for s in socks}
    while time.time() - t0 < until and any(v[0] is None for v in state.values()):
        for s, tail in socks.items():
            st = state[s]
            if st[0] is not None:
                continue
            if select.select([s], [], [], 0)[0]:
                more, closed = read_all(s, timeout=0.05)
                st[1] += more
                if closed:
                    st[0] = time.time() - t0
                    continue
            try:
                s.sendall(tail[st[2]:st[2] + 1])
                st[2] += 1
            except (BrokenPipeError, ConnectionResetError):
                more, _ = read_all(s, timeout=0.5)
                st[1] += more
                st[0] = time.time() - t0
        time.sleep(step)
    return {s: (v[0], v[1]) for s, v in state.items()}


@tests.test(args=["--timeout", "2", "--max-connections", "10"])
def trickling_clients_are_closed_at_the_timeout(d):
    json_head = raw_request("POST", comments_url(), ["Content-Type: application/json",
                                                     "Content-Length: 4000"])
    chunked_head = raw_request("POST", comments_url(), ["Content-Type: application/json",
                                                        "Transfer-Encoding: chunked"])
    tricklers = [
        # the header section, a byte at a time
        (b"GET /healthz HTTP/1.1\r\nHost: x\r\n", b"X-Slow: " + b"a" * 100),
        (b"GET /healthz HTTP/1.1\r\nHost: x\r\n", b"X-Slow: " + b"a" * 100),
        (b"", b"GET /api/v1/counts?" + b"a" * 100),
        (b"POST /api/v1/articles/a/comments HTTP/1.1\r\n", b"X" * 100),
        # a declared body, a byte at a time
        (json_head + b'{"author": "Thu", "body": "', b"a" * 100),
        (json_head + b'{"author": "Thu", "body": "', b"a" * 100),
        (json_head, b" " * 100),
        # chunked: a chunk-size line that never ends (libmicrohttpd may
        # call that malformed when the connection ends), one-byte chunks
        (chunked_head + b"5", b";" + b"x" * 100),
        (chunked_head, b"1\r\na\r\n" * 100),
        (chunked_head + b'10\r\n{"author": "Thu"\r\n', b"1\r\na\r\n" * 100),
    ]
    time.sleep(0.5)     # the start-up check's connection is gone: ten slots free
    socks = {}
    for head, tail in tricklers:
        s = connect(d, timeout=10)
        if head:
            s.sendall(head)
        socks[s] = tail
    # One byte every 0.5 s keeps libmicrohttpd's idle timeout (2 s) from
    # ever firing; the daemon must close them all at --timeout anyway.
    result = trickle(socks, until=8)
    for s in socks:
        s.close()
    for i, (s, (closed_at, data)) in enumerate(result.items()):
        assert closed_at is not None, f"trickler {i} still open after 8 s"
        # --timeout 2, checked five times a second; slack for a loaded machine
        assert closed_at < 2 + 2.5, f"trickler {i} closed only after {closed_at:.1f} s"
        if data:
            r = one_response(data)
            if i == 7 and r.status == 400:
                continue
            json_error(r, 408, "request_timeout", b"".join(tricklers[i]))
    # ... and a new client is served, not refused past --max-connections
    r = requests.get(d.url + "/healthz", timeout=5)
    assert r.status_code == 200, r.status_code
    assert queue_total(d) == 0
    log = read_log(d)
    assert "request_timeout" in log or " 408 " in log, log[-1500:]


@tests.test(args=["--timeout", "1", "--min-body-rate", "4096"])
def slow_but_honest_uploads_are_accepted(d):
    """A body that keeps to --min-body-rate may take longer than --timeout."""
    boundary = "slowHonestBoundary"
    data = png_bytes(24 * 1024)
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"author\"\r\n\r\nThu\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\n{GOOD}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"attachment\"; "
            f"filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n").encode() + data \
        + f"\r\n--{boundary}--\r\n".encode()
    s = connect(d, timeout=10)
    s.sendall(raw_request("POST", comments_url(),
                          [f"Content-Type: multipart/form-data; boundary={boundary}",
                           f"Content-Length: {len(body)}"]))
    # about 10 KiB/s: 2.5 s in all, well past --timeout 1
    t0 = time.time()
    for i in range(0, len(body), 1024):
        s.sendall(body[i:i + 1024])
        time.sleep(0.1)
    assert time.time() - t0 > 2
    r = read_response(s, timeout=10)
    s.close()
    assert r is not None, "no answer to a slow upload"
    assert r.status == 201, r
    assert len(r.json()["attachments"]) == 1, r.body
    # slow headers within --timeout are fine too
    s = connect(d, timeout=10)
    for piece in (b"GET /healthz HTTP/1.1\r\n", b"Host: x\r\n", b"\r\n"):
        s.sendall(piece)
        time.sleep(0.25)
    r = read_response(s, timeout=5)
    s.close()
    assert r is not None and r.status == 200, r


# ---- 2. X-Forwarded-For behind trusted proxies ---------------------------------

def post_from(d, *xff_lines):
    heads = ["Content-Type: application/json", "Connection: close"] + \
        [f"X-Forwarded-For: {x}" for x in xff_lines]
    data, _ = exchange(d, raw_request("POST", comments_url(), heads, JSON_BODY))
    return one_response(data).status


@tests.test(rate_limit="2", args=["--trusted-proxy", "127.0.0.1"])
def forwarded_for_lines_are_one_list(d):
    # A client's own line comes first; the proxy adds its line after it.
    assert post_from(d, "203.0.113.1", "198.51.100.7") == 201
    assert post_from(d, "203.0.113.2", "198.51.100.7") == 201
    assert post_from(d, "203.0.113.3", "198.51.100.7") == 429, "forged line believed"
    assert post_from(d, "203.0.113.3, 203.0.113.4", "198.51.100.7") == 429
    assert post_from(d, "198.51.100.8") == 201
    assert post_from(d, "203.0.113.9,198.51.100.8") == 201
    # empty list members are skipped; an address the proxy did not write as
    # one (here: junk) makes the peer the client
    assert post_from(d, "198.51.100.9, ,") == 201
    assert post_from(d, "203.0.113.1", "unknown") == 201
    rows = sorted(r[0] for r in db_rows(d, "SELECT client_addr FROM comment"))
    assert rows == ["127.0.0.1", "198.51.100.7", "198.51.100.7", "198.51.100.8",
                    "198.51.100.8", "198.51.100.9"], rows


@tests.test(rate_limit="2", args=["--trusted-proxy", "127.0.0.1", "--trusted-proxy", "10.0.0.2",
                                  "--trusted-proxy", "2001:db8::2"])
def several_trusted_proxies_are_walked_from_the_right(d):
    assert post_from(d, "203.0.113.5, 10.0.0.2") == 201
    assert post_from(d, "6.6.6.6", "203.0.113.5, 2001:db8::2", "10.0.0.2") == 201
    assert post_from(d, "7.7.7.7, 203.0.113.5", "10.0.0.2") == 429, "same client, third post"
    assert post_from(d, "203.0.113.6, 10.0.0.2") == 201, "another client behind the same proxy"
    assert post_from(d, "2001:db8::77", "2001:db8::2") == 201
    # every entry a trusted proxy: the leftmost is as far as one can see
    assert post_from(d, "10.0.0.2, 2001:db8::2") == 201
    rows = sorted(r[0] for r in db_rows(d, "SELECT client_addr FROM comment"))
    assert rows == ["10.0.0.2", "2001:db8::77", "203.0.113.5", "203.0.113.5",
                    "203.0.113.6"], rows


# ---- 3. request framing ------------------------------------------------------

# A request hidden in the body: answered (404) only if the framing was guessed.
SMUGGLED = raw_request("GET", "/api/v1/smuggled")


def framing_cases():
    n = len(JSON_BODY)
    post = ["Content-Type: application/json"]
    chunk = b"%x\r\n" % n + JSON_BODY + b"\r\n0\r\n\r\n"
    ours = [   # refused by ykien with its JSON error
        ("two different lengths", post + [f"Content-Length: {n}", f"Content-Length: {n + 5}"],
         JSON_BODY),
        ("the same length twice", post + [f"Content-Length: {n}", f"Content-Length: {n}"],
         JSON_BODY),
        ("length and chunked", post + [f"Content-Length: {n}", "Transfer-Encoding: chunked"],
         chunk),
        ("chunked and length", post + ["Transfer-Encoding: chunked", f"Content-Length: {len(chunk)}"],
         chunk),
        ("gzip, chunked", post + ["Transfer-Encoding: gzip, chunked"], chunk),
        ("chunked, identity", post + ["Transfer-Encoding: chunked, identity"], chunk),
        ("identity", post + ["Transfer-Encoding: identity"], JSON_BODY),
        ("xchunked", post + ["Transfer-Encoding: xchunked"], chunk),
        ("chunked twice", post + ["Transfer-Encoding: chunked", "Transfer-Encoding: chunked"],
         chunk),
        ("chunked;ext", post + ["Transfer-Encoding: chunked;q=1"], chunk),
        ("GET with two lengths", ["Content-Length: 0", "Content-Length: 5"], b"hello"),
        ("GET with length and chunked", ["Content-Length: 0", "Transfer-Encoding: chunked"],
         b"0\r\n\r\n"),
    ]
    theirs = [  # refused by libmicrohttpd before ykien sees the request
        ("+N", post + [f"Content-Length: +{n}"], JSON_BODY),
        ("N, N", post + [f"Content-Length: {n}, {n}"], JSON_BODY),
        ("N N", post + [f"Content-Length: {n} {n}"], JSON_BODY),
        ("hex", post + [f"Content-Length: 0x{n:x}"], JSON_BODY),
        ("letters", post + [f"Content-Length: {n}abc"], JSON_BODY),
        ("negative", post + ["Content-Length: -1"], JSON_BODY),
        ("empty", post + ["Content-Length: "], JSON_BODY),
    ]
    return ours, theirs


@tests.test
def ambiguous_framing_is_refused_and_closed(d):
    ours, theirs = framing_cases()
    for name, heads, body in ours + theirs:
        path = "/healthz" if name.startswith("GET") else comments_url()
        method = "GET" if name.startswith("GET") else "POST"
        request = raw_request(method, path, heads, body)
        data, closed = exchange(d, request + SMUGGLED)
        assert data, f"{name}: no answer"
        assert status_of(data) == 400, f"{name}: {data[:300]!r}"
        assert closed, f"{name}: the connection must be closed after a framing error"
        assert b"HTTP/1.1 404" not in data and b"HTTP/1.1 2" not in data, \
            f"{name}: the smuggled request was answered: {data[:600]!r}"
        if (name, heads, body) in ours:
            r = one_response(data)
            json_error(r, 400, "bad_request", request)
            assert r.header("connection") == "close", (name, r.headers)
    assert queue_total(d) == 0
    assert "/api/v1/smuggled" not in read_log(d)
    # plain chunked, in any letter case, and a single length still work
    for te in ("chunked", "Chunked"):
        n = len(JSON_BODY)
        data, _ = exchange(d, raw_request("POST", comments_url(),
                                          ["Content-Type: application/json",
                                           f"Transfer-Encoding: {te}", "Connection: close"],
                                          b"%x\r\n" % n + JSON_BODY + b"\r\n0\r\n\r\n"))
        assert one_response(data).status == 201, data[:300]
    data, _ = exchange(d, raw_request("POST", comments_url(),
                                      ["Content-Type: application/json", "Connection: close",
                                       f"Content-Length: 00{len(JSON_BODY)}"], JSON_BODY))
    assert one_response(data).status == 201, data[:300]
    assert alive(d)


# ---- 4. multipart parameters ------------------------------------------------

def form(parts, boundary="rtB0undary"):
    """parts: (Content-Disposition value, extra header lines, data)."""
    out = b""
    for disposition, extra, data in parts:
        out += b"--" + boundary.encode() + b"\r\n"
        out += b"Content-Disposition: " + disposition.encode("utf-8") + b"\r\n"
        for h in extra:
            out += h.encode() + b"\r\n"
        out += b"\r\n" + (data if isinstance(data, bytes) else data.encode()) + b"\r\n"
    return out + b"--" + boundary.encode() + b"--\r\n"


TEXT_PARTS = [('form-data; name="author"', [], "Thu Thảo"), ('form-data; name="body"', [], GOOD)]


def post_form(d, parts, ctype="multipart/form-data; boundary=rtB0undary", boundary="rtB0undary"):
    return d.request("POST", comments_url(), data=form(parts, boundary),
                     headers={"Content-Type": ctype})


@tests.test
def multipart_parameters_as_rfc_7578_allows(d):
    img = jpeg_bytes(3000)
    # quoted boundaries, with and without further parameters
    for ctype, boundary in [
        ('multipart/form-data; boundary="rtB0undary"', "rtB0undary"),
        ('multipart/form-data; boundary="rt b0undary:+"; charset=utf-8', "rt b0undary:+"),
        ('multipart/form-data; charset=utf-8; BOUNDARY=rtB0undary', "rtB0undary"),
        ('Multipart/Form-Data;boundary=rtB0undary', "rtB0undary"),
    ]:
        c = jexpect(post_form(d, TEXT_PARTS, ctype, boundary), 201)
        assert c["author"] == "Thu Thảo" and c["body"] == GOOD, (ctype, c)
    # file parts with parameters in any case, quoted or not, or filename* only
    for disposition, name in [
        ("form-data; NAME=attachment; FILENAME=a.jpg", "a.jpg"),
        ("form-data; name=attachment; filename=a.jpg", "a.jpg"),
        ('FORM-DATA;name="attachment";filename="b c.jpg"', "b c.jpg"),
        ("form-data; name=\"attachment\"; filename*=UTF-8''%E1%BA%A2nh%20m%E1%BB%9Bi.jpg",
         "Ảnh mới.jpg"),
        ("form-data; name=\"attachment\"; filename=\"x.jpg\"; filename*=utf-8''%C3%BD.jpg",
         "ý.jpg"),
        ('form-data; name="attachment"; filename="q\\"uote.jpg"', "quote.jpg"),
        ('form-data; name="attachment"; filename="C:\\x\\y.jpg"', "y.jpg"),
        ('form-data; filename="first.jpg"; name="attachment"', "first.jpg"),
    ]:
        parts = TEXT_PARTS + [(disposition, ["Content-Type: image/jpeg"], img)]
        c = jexpect(post_form(d, parts), 201)
        assert [a["filename"] for a in c["attachments"]] == [name], (disposition, c)
    # text parts with unquoted or upper-case names
    parts = [("form-data; NAME=author", [], "Thu Thảo"), ("form-data;name=body", [], GOOD)]
    c = jexpect(post_form(d, parts), 201)
    assert c["author"] == "Thu Thảo" and c["body"] == GOOD, c
    # an empty file input (a browser's "no file chosen") is no attachment
    parts = TEXT_PARTS + [('form-data; name="attachment"; filename=""',
                           ["Content-Type: application/octet-stream"], b"")]
    c = jexpect(post_form(d, parts), 201)
    assert c["attachments"] == [], c


@tests.test
def attachment_parts_that_are_not_files_are_refused(d):
    img = jpeg_bytes(3000)
    before = queue_total(d)
    for disposition, extra in [
        ('form-data; name="attachment"', []),                         # no file name
        ("form-data; name=\"attachment\"; filename*=KOI8-R''%E1.jpg", []),   # unknown charset
        ("form-data; name=\"attachment\"; filename*=UTF-8''%ZZ.jpg", []),    # bad escape
        ("form-data; name=\"attachment\"; filename*=UTF-8''%C3.jpg", []),    # bad UTF-8
        ('form-data; name="attachment"; filename="a.jpg"; filename="b.jpg"', []),
        ('form-data; name="attachment"; name="body"; filename="a.jpg"', []),
        ('form-data; name="attachment"; filename="a.jpg', []),        # unterminated quote
        ('attachment; name="attachment"; filename="a.jpg"', []),      # not form-data
        ('form-data; name="attachment"; filename="a.jpg"', ["Content-Transfer-Encoding: base64"]),
    ]:
        parts = TEXT_PARTS + [(disposition, ["Content-Type: image/jpeg"] + extra, img)]
        r = post_form(d, parts)
        jexpect(r, 400, "bad_request")
    # a part without Content-Disposition, or without a name
    for disposition in ["", "form-data", 'form-data; filename="a.jpg"']:
        raw = form(TEXT_PARTS + [(disposition, [], img)]).replace(b"Content-Disposition: \r\n", b"")
        r = d.request("POST", comments_url(), data=raw,
                      headers={"Content-Type": "multipart/form-data; boundary=rtB0undary"})
        jexpect(r, 400, "bad_request")
    # boundaries RFC 2046 does not allow
    for ctype in ['multipart/form-data; boundary=""', "multipart/form-data; boundary=",
                  "multipart/form-data", "multipart/form-data; boundary=" + "b" * 71,
                  'multipart/form-data; boundary="unterminated']:
        r = d.request("POST", comments_url(), data=form(TEXT_PARTS),
                      headers={"Content-Type": ctype})
        jexpect(r, 400, "bad_request")
    assert queue_total(d) == before


# ---- 5. requests past libmicrohttpd's per-connection memory ---------------------

def answer_to(d, payload):
    """Sends payload on a new connection; returns (its response, whether the
    daemon closed the connection after it)."""
    s = connect(d)
    try:
        try:
            s.sendall(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass
        r = read_response(s, timeout=5)
        assert r is not None, f"no answer at all ({len(payload)} bytes sent)"
        closed = r.status != 200 and read_all(s, timeout=3)[1]
        return r, closed
    finally:
        s.close()


@tests.test
def many_query_parameters_get_a_json_414(d):
    for n in (129, 300, 460, 1000, 3000):
        q = "&".join(f"a{i}=b" for i in range(n))
        request = raw_request("GET", "/api/v1/counts?" + q)
        r, closed = answer_to(d, request)
        json_error(r, 414, "uri_too_long", request)
        assert closed
    q = "&".join(f"article=a{i}" for i in range(100))
    assert requests.get(d.url + "/api/v1/counts?" + q, timeout=5).status_code == 200
    assert alive(d)


@tests.test
def long_and_many_headers_always_get_an_answer(d):
    statuses = set()

    def check(payload, what):
        r, closed = answer_to(d, payload)
        statuses.add(r.status)
        assert r.status in (200, 414, 431), (what, r)
        if r.status != 200:
            assert closed, what
        if r.status != 200 and r.header("content-type") == JSON_CT:
            json_error(r, r.status, "uri_too_long" if r.status == 414 else "headers_too_large",
                       payload)
        return r.status

    # one long value, around the size where the memory runs out
    for n in range(20000, 34000, 97):
        check(raw_request("GET", "/healthz", [f"X-Big: {'a' * n}"]), f"X-Big of {n}")
    # many headers, many cookies, and both with many parameters
    for n in range(100, 700, 9):
        check(raw_request("GET", "/healthz", [f"X-H{i}: v" for i in range(n)]), f"{n} headers")
    for n in range(100, 1500, 37):
        check(raw_request("GET", "/healthz",
                          ["Cookie: " + "; ".join(f"c{i}=v" for i in range(n))]), f"{n} cookies")
    q = "&".join(f"a{i}=b" for i in range(128))
    for n in range(0, 500, 11):
        check(raw_request("GET", "/api/v1/counts?" + q, [f"X-H{i}: v" for i in range(n)]),
              f"128 parameters and {n} headers")
    assert 200 in statuses and 431 in statuses, statuses
    # a large but reasonable header section is fine
    r = d.get("/healthz", headers={"X-Big": "a" * 8000, "Cookie": "; ".join(
        f"c{i}=v{i}" for i in range(100))})
    assert r.status_code == 200
    assert alive(d)


# ---- 6. SIGTERM while posting ----------------------------------------------

def keep_posting(d, stop, outcomes, lock):
    """Posts over keep-alive connections until the daemon is gone.  Records
    'answered <status>', 'closed' (connection ended without an answer) or
    'hung' (neither within 10 s)."""
    req = raw_request("POST", comments_url(), ["Content-Type: application/json"], JSON_BODY)
    s = None
    while not stop.is_set():
        if s is None:
            try:
                s = socket.create_connection(("127.0.0.1", d.port), timeout=10)
            except OSError:
                return      # no longer listening
        try:
            s.sendall(req)
        except OSError:
            s.close()
            s = None
            with lock:
                outcomes.append("closed")
            continue
        r = read_response(s, timeout=10)
        if r is None:
            _, closed = read_all(s, timeout=0.1)
            with lock:
                outcomes.append("closed" if closed else "hung")
            s.close()
            s = None
            continue
        with lock:
            outcomes.append(f"answered {r.status}")
        if r.header("connection") == "close":
            s.close()
            s = None
    if s is not None:
        s.close()


@tests.test(daemon=False)
def sigterm_while_posting_answers_every_request(binary):
    rng = random.Random(9)
    for rnd in range(6):
        with Daemon(binary, extra_args=["--rate-limit", "0"], token_name=TOKEN_NAME) as d:
            stop, lock, outcomes = threading.Event(), threading.Lock(), []
            threads = [threading.Thread(target=keep_posting, args=(d, stop, outcomes, lock))
                       for _ in range(8)]
            for t in threads:
                t.start()
            time.sleep(0.3 + rng.random() * 0.4)
            d.proc.send_signal(signal.SIGTERM)
            try:
                code = d.proc.wait(timeout=40)
            except Exception:
                code = "did not exit"
            stop.set()
            for t in threads:
                t.join(timeout=20)
            log = read_log(d)
            assert code == 0, f"round {rnd}: exit {code}; log tail:\n{log[-1500:]}"
            assert "hung" not in outcomes, f"round {rnd}: a request was never answered"
            answered = [o for o in outcomes if o.startswith("answered")]
            assert set(answered) <= {"answered 201", "answered 503"}, set(answered)
            assert "answered 201" in answered, outcomes[:20]
            stored = db_rows(d, "SELECT count(*) FROM comment")[0][0]
            assert stored >= answered.count("answered 201"), (stored, len(answered))
            d.proc = None


# ---- 7. a busy or failing database during a moderator's request ---------------

@tests.test(sqlite_only="breaks SQLite's file under the daemon; test_multi stops PostgreSQL "
                        "itself")
def failing_database_is_503_not_401(d):
    jexpect(d.get("/api/v1/moderation/queue", mod=True), 200)
    con = sqlite3.connect(os.path.join(d.data, "ykien.db"), isolation_level=None, timeout=10)
    try:
        con.execute("ALTER TABLE moderator_token RENAME TO moderator_token_away")
        r = d.get("/api/v1/moderation/queue", mod=True)
        jexpect(r, 503, "unavailable")
        assert r.headers.get("Retry-After", "").isdigit(), r.headers
        r = d.get("/api/v1/attachments/1", mod=True)
        jexpect(r, 503, "unavailable")
    finally:
        con.execute("ALTER TABLE moderator_token_away RENAME TO moderator_token")
        con.close()
    jexpect(d.get("/api/v1/moderation/queue", mod=True), 200)
    jexpect(d.get("/api/v1/moderation/queue", headers={"Authorization": "Bearer wrong"}), 401,
            "unauthorized")


@tests.test(sqlite_only="holds SQLite's write lock from outside; PostgreSQL has no such lock")
def busy_database_is_503_not_401(d):
    """Every reader slot of the WAL index held by another process: SQLite
    cannot start a read transaction and gives up after its retries."""
    import fcntl
    jexpect(d.get("/api/v1/moderation/queue", mod=True), 200)
    shm = os.open(os.path.join(d.data, "ykien.db-shm"), os.O_RDWR)
    try:
        # bytes 120..127 of the -shm file: the write, checkpoint, recovery
        # and the five read locks
        fcntl.lockf(shm, fcntl.LOCK_EX | fcntl.LOCK_NB, 8, 120)
        t0 = time.time()
        r = requests.get(d.url + "/api/v1/moderation/queue", headers=d.auth(), timeout=30)
        jexpect(r, 503, "unavailable")
        assert r.headers.get("Retry-After", "").isdigit(), r.headers
        assert time.time() - t0 < 25
    finally:
        fcntl.lockf(shm, fcntl.LOCK_UN, 8, 120)
        os.close(shm)
    jexpect(d.get("/api/v1/moderation/queue", mod=True), 200)


if __name__ == "__main__":
    sys.exit(tests.main())
