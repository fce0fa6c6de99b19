#!/usr/bin/python3
"""The executable and the running process: commands, options and exit
statuses, moderator tokens, check-text; and the daemon's operations side:
/healthz, /metrics, the request log, SIGTERM / SIGINT, restarts on the same
data folder, and a SIGKILL right after a 201.

    /usr/bin/python3 tests/http/test_cli.py build/ykien [--only NAME]
"""
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time

import requests

from support import (GOOD, Tests, action, approved_comment, body_text, comments_url, connect,
                     free_port, jexpect, mod_get, new_comment, png_bytes, post_multipart,
                     queue_total, raw_request, read_all, read_log, run_cli, wait_until)

tests = Tests()
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]+$")


class TempDir:
    def __enter__(self):
        self.path = tempfile.mkdtemp(prefix="ykien-cli-")
        return self.path

    def __exit__(self, *exc):
        shutil.rmtree(self.path, ignore_errors=True)


def reason_line(r):
    """The one-line reason: the first stderr line starting "ykien: " (a
    usage text may follow it; the daemon's log lines may precede it)."""
    for line in r.stderr.decode("utf-8", "replace").splitlines():
        if line.startswith("ykien: "):
            return line
    return ""


# ---- commands and options ----------------------------------------------------

@tests.test(daemon=False)
def help_and_version_exit_0(ykien):
    for args in (["--help"], ["-h"], ["serve", "--help"], ["token", "--help"],
                 ["check-text", "--help"]):
        r = run_cli(ykien, *args)
        assert r.returncode == 0, (args, r.returncode, r.stderr)
        out = r.stdout.decode()
        assert "usage" in out.lower() and len(out.splitlines()) >= 2, (args, out)
        assert r.stderr == b"", (args, r.stderr)
    for args in (["--version"], ["serve", "--version"], ["token", "--version"],
                 ["check-text", "--version"]):
        r = run_cli(ykien, *args)
        assert r.returncode == 0, (args, r.returncode)
        assert re.match(r"^ykien \d+\.\d+\.\d+\n$", r.stdout.decode()), (args, r.stdout)
    out = run_cli(ykien, "serve", "--help").stdout.decode()
    for opt in ("--listen", "--data", "--rate-limit", "--trusted-proxy", "--timeout"):
        assert opt in out, opt


@tests.test(daemon=False)
def usage_errors_exit_2_with_a_reason(ykien):
    with TempDir() as tmp:
        data = os.path.join(tmp, "data")
        cases = [
            ([], None),
            (["frobnicate"], "frobnicate"),
            (["--frobnicate"], "frobnicate"),
            (["serve", "--bogus", "1", "--data", data], "--bogus"),
            (["serve", "--listen", "nonsense", "--data", data], "nonsense"),
            (["serve", "--listen", "127.0.0.1:99999", "--data", data], "99999"),
            (["serve", "--listen", "127.0.0.1:", "--data", data], "--listen"),
            (["serve", "--listen", "300.1.1.1:80", "--data", data], "300.1.1.1"),
            (["serve", "--listen", "localhost:8080", "--data", data], "localhost"),
            (["serve", "--data", data, "--listen"], "--listen"),
            (["serve", "--rate-limit", "abc", "--data", data], "abc"),
            (["serve", "--rate-limit", "-1", "--data", data], "-1"),
            (["serve", "--timeout", "0", "--data", data], "--timeout"),
            (["serve", "--trusted-proxy", "example.com", "--data", data], "example.com"),
            (["serve", "stray", "--data", data], "stray"),
            (["token"], None),
            (["token", "frob", "--data", data], "frob"),
            (["token", "add", "--data", data], "NAME"),
            (["token", "add", "bad name!", "--data", data], "bad name!"),
            (["token", "add", "x" * 65, "--data", data], None),
            (["token", "add", "alice", "extra", "--data", data], "extra"),
            (["token", "list", "--bogus"], "--bogus"),
            (["check-text", "--bogus"], "--bogus"),
            (["check-text", "--field", "title"], "title"),
        ]
        for args, word in cases:
            r = run_cli(ykien, *args, timeout=10)
            assert r.returncode == 2, (args, r.returncode, r.stderr[:300])
            line = reason_line(r)
            assert line.startswith("ykien: ") and len(line) > len("ykien: "), (args, line)
            if word:
                assert word in line, (args, line)
            assert r.stdout == b"", (args, r.stdout)
        assert not os.path.exists(os.path.join(data, "ykien.db")), \
            "a usage error must not create the database"


@tests.test(daemon=False)
def other_failures_exit_1_with_a_reason(ykien):
    with TempDir() as tmp:
        # a data folder that cannot be created
        blocker = os.path.join(tmp, "file")
        open(blocker, "w").close()
        r = run_cli(ykien, "serve", "--listen", f"127.0.0.1:{free_port()}",
                    "--data", os.path.join(blocker, "data"), timeout=10)
        assert r.returncode == 1, (r.returncode, r.stderr)
        assert reason_line(r).startswith("ykien: "), r.stderr
        r = run_cli(ykien, "token", "list", "--data", os.path.join(blocker, "data"))
        assert r.returncode == 1 and reason_line(r).startswith("ykien: "), r.stderr
        # a port already taken
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen(1)
            port = s.getsockname()[1]
            r = run_cli(ykien, "serve", "--listen", f"127.0.0.1:{port}",
                        "--data", os.path.join(tmp, "d1"), timeout=10)
            assert r.returncode == 1, (r.returncode, r.stderr)
            assert str(port) in reason_line(r), r.stderr
        # revoking a name that has no token
        r = run_cli(ykien, "token", "revoke", "nobody", "--data", os.path.join(tmp, "d2"))
        assert r.returncode == 1 and "nobody" in reason_line(r), r.stderr


@tests.test(daemon=False)
def tokens_add_list_revoke(ykien):
    with TempDir() as tmp:
        data = os.path.join(tmp, "data")
        r = run_cli(ykien, "token", "add", "alice", "--data", data)
        assert r.returncode == 0, r.stderr
        lines = r.stdout.decode().split("\n")
        assert len(lines) == 2 and lines[1] == "", f"the token alone on one line: {r.stdout!r}"
        alice = lines[0]
        payload = alice.split("_", 1)[1] if alice.startswith("yk_") else alice
        assert TOKEN_RE.match(alice) and len(payload) >= 22, alice     # >= 128 bits of base64
        bob = run_cli(ykien, "token", "add", "bob.smith@site", "--data", data).stdout.decode()
        assert bob.strip() and bob.strip() != alice
        again = run_cli(ykien, "token", "add", "alice", "--data", data)
        assert again.returncode == 1 and again.stdout == b"", again
        assert "alice" in reason_line(again), again.stderr
        r = run_cli(ykien, "token", "list", "--data", data)
        assert r.returncode == 0
        listing = r.stdout.decode()
        assert "alice" in listing and "bob.smith@site" in listing, listing
        assert alice not in listing, "list must not print tokens"
        r = run_cli(ykien, "token", "revoke", "alice", "--data", data)
        assert r.returncode == 0, r.stderr
        rows = {ln.split("\t")[0]: ln for ln in
                run_cli(ykien, "token", "list", "--data", data).stdout.decode().splitlines()}
        assert "revoked" in rows["alice"] and "active" in rows["bob.smith@site"], rows
        assert run_cli(ykien, "token", "revoke", "alice", "--data", data).returncode == 1
        r = run_cli(ykien, "token", "add", "alice", "--data", data)
        assert r.returncode == 0 and r.stdout.decode().strip() != alice
        # Tokens are stored only as hashes.
        with open(os.path.join(data, "ykien.db"), "rb") as f:
            db = f.read()
        for name in os.listdir(data):
            if name.startswith("ykien.db-"):
                with open(os.path.join(data, name), "rb") as f:
                    db += f.read()
        assert alice.encode() not in db and payload.encode() not in db


@tests.test(daemon=False)
def check_text_prints_one_verdict_per_line(ykien):
    long_ok = ("Rất hay. " * 600)[:5000]
    lines = [GOOD, "", "   ", long_ok, ("Rất hay. " * 600)[:5001], "Tốt\x01lắm",
             "Great article, thanks.", "Bài viết\thay."]
    stdin = ("\n".join(lines) + "\n").encode()
    r = run_cli(ykien, "check-text", input=stdin)
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode().split("\n")
    assert out[-1] == "" and len(out) - 1 == len(lines), out
    out = out[:-1]
    for ln in out:
        assert re.match(r"^(accept|reject\t[a-z_]+(\t[^\t]+)?)$", ln), repr(ln)
    assert out[0] == "accept" and out[3] == "accept" and out[6] == "accept"
    assert out[1] == "reject\tempty" and out[2] == "reject\tempty", out
    assert out[4] == "reject\ttoo_long", out[4]
    assert out[5] == "reject\tinvalid_field", out[5]
    assert out[7] == "accept"
    # the last line needs no newline; CRLF input is one line each
    r = run_cli(ykien, "check-text", input="Bài viết hay.\r\n\r\nCảm ơn".encode())
    assert r.stdout.decode().split("\n") == ["accept", "reject\tempty", "accept", ""], r.stdout
    r = run_cli(ykien, "check-text", input=b"")
    assert r.returncode == 0 and r.stdout == b""


# ---- the running daemon ------------------------------------------------------

def parse_metrics(text):
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$", line)
        assert m, f"not a Prometheus sample: {line!r}"
        samples[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    return samples


@tests.test
def healthz_answers(d):
    r = d.get("/healthz")
    assert jexpect(r, 200) == {"status": "ok"}
    assert d.request("HEAD", "/healthz").status_code == 200


@tests.test
def metrics_reflect_the_traffic(d):
    ids = [new_comment(d, body_text(i)) for i in range(4)]
    jexpect(d.approve(ids[0]), 200)
    jexpect(d.reject(ids[1]), 200)
    jexpect(d.get("/api/v1/nope"), 404)
    jexpect(d.get(comments_url()), 200)
    jexpect(d.get("/api/v1/moderation/queue"), 401)
    png = png_bytes(3000)
    jexpect(post_multipart(d, files=[("attachment", "a.png", "image/png", png)]), 201)
    r = d.get("/metrics")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/plain"), r.headers["Content-Type"]
    text = r.text
    assert "# TYPE ykien_http_requests_total counter" in text
    assert "# TYPE ykien_http_request_duration_seconds histogram" in text
    m = parse_metrics(text)
    assert m['ykien_http_requests_total{route="comment_create",status="201"}'] == 5, text
    assert m['ykien_http_requests_total{route="moderation_approve",status="200"}'] == 1
    assert m['ykien_http_requests_total{route="moderation_reject",status="200"}'] == 1
    assert m['ykien_http_requests_total{route="comment_list",status="200"}'] == 1
    assert m['ykien_http_requests_total{route="queue",status="401"}'] == 1
    assert any(k.startswith("ykien_http_requests_total{") and 'status="404"' in k
               and v >= 1 for k, v in m.items()), text
    assert m["ykien_queue_depth"] == 3
    assert m['ykien_comments{status="pending"}'] == 3
    assert m['ykien_comments{status="approved"}'] == 1
    assert m['ykien_comments{status="rejected"}'] == 1
    assert m["ykien_upload_bytes_total"] >= 3000
    buckets = [(k, v) for k, v in m.items()
               if k.startswith("ykien_http_request_duration_seconds_bucket")]
    assert len(buckets) >= 5 and buckets[-1][0].endswith('le="+Inf"}'), buckets
    values = [v for _, v in buckets]
    assert values == sorted(values), "buckets are cumulative"
    count = m["ykien_http_request_duration_seconds_count"]
    assert values[-1] == count and count >= 11, (values[-1], count)
    assert m["ykien_http_request_duration_seconds_sum"] > 0
    # the numbers move
    jexpect(d.approve(ids[2]), 200)
    m2 = parse_metrics(d.get("/metrics").text)
    assert m2["ykien_queue_depth"] == 2 and m2['ykien_comments{status="approved"}'] == 2
    assert m2["ykien_http_request_duration_seconds_count"] > count


@tests.test
def one_log_line_per_request(d):
    marker = "log-marker-article"
    for _ in range(3):
        d.get(comments_url(marker))
    d.request("DELETE", "/api/v1/log-marker-path")
    email, text = "secret.mail@example.vn", "Nội dung riêng tư số 4711 của bạn đọc."
    cid = new_comment(d, text, article=marker, email=email)
    d.get(f"/api/v1/moderation/comments/{cid}", mod=True)
    # a request's line is written when it completes, just after its reply
    wait_until(lambda: f"GET /api/v1/moderation/comments/{cid} 200" in read_log(d), 3)
    log = read_log(d)
    lines = log.splitlines()
    gets = [ln for ln in lines if f"GET /api/v1/articles/{marker}/comments 200" in ln]
    assert len(gets) == 3, gets
    assert [ln for ln in lines if "DELETE /api/v1/log-marker-path 404" in ln], log[-500:]
    posts = [ln for ln in lines if f"POST /api/v1/articles/{marker}/comments 201" in ln]
    assert len(posts) == 1, posts
    assert [ln for ln in lines if f"GET /api/v1/moderation/comments/{cid} 200" in ln]
    assert email not in log and "4711" not in log and d.token not in log, "private data logged"
    # a hostile path cannot forge a log line
    d.get("/api/v1/x%0Aforged%20line%0D")
    assert wait_until(lambda: "forged" in read_log(d), 3)
    assert not any(ln.startswith("forged") for ln in read_log(d).splitlines())


@tests.test
def sigterm_exits_0_after_the_request_in_flight(d):
    cid = new_comment(d)
    body = ('{"author": "Thu Thảo", "body": "' + "Bình luận gửi chậm. " * 20 + '"}').encode()
    s = connect(d, timeout=15)
    s.sendall(raw_request("POST", comments_url(), ["Content-Type: application/json",
                                                   f"Content-Length: {len(body)}"])
              + body[:20])
    time.sleep(0.5)                         # the request is in flight
    d.proc.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    assert d.proc.poll() is None, "exited with a request in flight"
    # no new connections while draining
    try:
        socket.create_connection(("127.0.0.1", d.port), timeout=1).close()
        refused = False
    except OSError:
        refused = True
    s.sendall(body[20:])
    data, _ = read_all(s, timeout=10)
    s.close()
    assert data.startswith(b"HTTP/1.1 201"), data[:300]
    assert d.proc.wait(timeout=10) == 0
    assert refused, "a new connection was accepted after SIGTERM"
    d.log.close()
    d.proc = None
    d.start()
    q = jexpect(d.get("/api/v1/moderation/queue", mod=True), 200)
    assert q["total"] == 2 and q["comments"][0]["id"] == cid


@tests.test
def sigint_also_exits_0(d):
    new_comment(d)
    d.proc.send_signal(signal.SIGINT)
    assert d.proc.wait(timeout=10) == 0
    d.log.close()
    d.proc = None
    assert "stopping" in read_log(d)


@tests.test
def restart_keeps_everything(d):
    a = approved_comment(d, body_text(1), email="a@example.vn")
    b = new_comment(d, body_text(2))
    c = new_comment(d, body_text(3))
    jexpect(action(d, c, "reject", {"reason": "spam"}), 200)
    jexpect(action(d, a, "edit", {"body": "Đã biên tập."}), 200)
    png = png_bytes(5000)
    up = jexpect(post_multipart(d, files=[("attachment", "ảnh.png", "image/png", png)]), 201)
    before = {i: jexpect(mod_get(d, i), 200) for i in (a, b, c, up["id"])}
    public = jexpect(d.get(comments_url()), 200)
    assert d.stop() == 0
    d.start()
    for i, m in before.items():
        assert jexpect(mod_get(d, i), 200) == m, i        # token still valid, all kept
    assert jexpect(d.get(comments_url()), 200) == public
    att = up["attachments"][0]
    assert d.get(att["url"], mod=True).content == png
    assert queue_total(d) == 2 and queue_total(d, "rejected") == 1
    n = new_comment(d, body_text(4))
    assert n > max(before), "ids are not reused"


@tests.test
def sigkill_right_after_201_loses_nothing(d):
    cid = new_comment(d, body_text(1), email="k@example.vn")
    d.proc.kill()
    d.proc.wait()
    d.log.close()
    d.proc = None
    d.start()
    m = jexpect(mod_get(d, cid), 200)
    assert m["body"] == body_text(1) and m["email"] == "k@example.vn"
    png = png_bytes(70_000)
    up = jexpect(post_multipart(d, files=[("attachment", "k.png", "image/png", png)]), 201)
    d.proc.kill()
    d.proc.wait()
    d.log.close()
    d.proc = None
    d.start()
    assert d.get(up["attachments"][0]["url"], mod=True).content == png
    assert queue_total(d) == 2


@tests.test
def concurrent_posts_all_land(d):
    errors, ids, lock = [], [], threading.Lock()

    def worker(n):
        s = requests.Session()
        for i in range(10):
            r = s.post(d.url + comments_url(), json={"author": "Thu Thảo",
                                                     "body": body_text(n * 100 + i)}, timeout=30)
            with lock:
                if r.status_code == 201:
                    ids.append(r.json()["id"])
                else:
                    errors.append(r.status_code)
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(set(ids)) == 80, (errors, len(set(ids)))
    assert queue_total(d) == 80


if __name__ == "__main__":
    sys.exit(tests.main())
