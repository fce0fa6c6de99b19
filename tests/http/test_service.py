#!/usr/bin/env python3
"""Running as a service: start-up refusals with a clear message, security
headers on every response, CORS for the sites named with --allow-origin.

    python3 tests/http/test_service.py build/ykien
"""
import os
import sqlite3
import subprocess
import sys
import tempfile

from support import Tests, expect

suite = Tests()
BINARY = None
SITE = "https://baothudaumot.example.vn"


def serve(data, *extra):
    return subprocess.run([BINARY, "serve", "--listen", "127.0.0.1:0", "--data", data, *extra],
                          capture_output=True, text=True, timeout=20)


def check_refused(r, words):
    assert r.returncode == 1, (r.returncode, r.stderr)
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert lines and any(w in lines[-1] for w in words), r.stderr


@suite.test
def refuses_unusable_data_folder(d):
    with tempfile.TemporaryDirectory() as tmp:
        blocker = os.path.join(tmp, "file")
        open(blocker, "w").close()
        check_refused(serve(os.path.join(blocker, "data")), ["cannot create"])
        check_refused(serve("/proc/ykien-data"), ["cannot create", "not writable"])


@suite.test
def refuses_newer_schema(d):
    d.stop()
    if d.pg:
        d.psql("UPDATE ykien_schema SET version = 999", dbname=d.pg_db_name())
        check_refused(serve(d.data, "--db", d.pg_url), ["newer"])
        return
    con = sqlite3.connect(os.path.join(d.data, "ykien.db"))
    con.execute("PRAGMA user_version = 999")
    con.commit()
    con.close()
    check_refused(serve(d.data), ["newer"])


@suite.test
def security_headers_everywhere(d):
    cid = expect(d.post_comment("tin", "Bài viết hay."), 201).json()["id"]
    responses = [
        d.get("/healthz"), d.get("/api/v1/nope"), d.get("/api/v1/articles/tin/comments"),
        d.get(f"/api/v1/comments/{cid}"), d.get("/api/v1/moderation/queue"),
        d.get("/api/v1/moderation/queue", mod=True),
        d.get(f"/api/v1/moderation/comments/{cid}", mod=True),
        d.request("DELETE", "/api/v1/counts"),
    ]
    for r in responses:
        assert r.headers.get("X-Content-Type-Options") == "nosniff", (r.url, r.headers)
    for r in responses[4:7]:
        assert "no-store" in r.headers.get("Cache-Control", ""), (r.url, r.headers)


@suite.test
def cors_only_for_named_sites(d):
    d.stop()
    d.extra_args += ["--allow-origin", SITE]
    d.start()
    r = d.get("/api/v1/articles/tin/comments", headers={"Origin": SITE})
    assert r.headers.get("Access-Control-Allow-Origin") == SITE, r.headers
    assert "Origin" in r.headers.get("Vary", "")
    r = d.get("/api/v1/articles/tin/comments", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in r.headers, r.headers
    r = d.request("OPTIONS", "/api/v1/articles/tin/comments",
                  headers={"Origin": SITE, "Access-Control-Request-Method": "POST",
                           "Access-Control-Request-Headers": "content-type"})
    assert r.status_code == 204, r.status_code
    assert r.headers.get("Access-Control-Allow-Origin") == SITE
    assert "POST" in r.headers.get("Access-Control-Allow-Methods", "")
    assert "content-type" in r.headers.get("Access-Control-Allow-Headers", "").lower()
    r = d.request("OPTIONS", "/api/v1/nope", headers={"Origin": SITE})
    expect(r, 404, "not_found")
    r = d.post_comment("tin", "Bình luận từ trang báo.")
    expect(r, 201)


if __name__ == "__main__":
    BINARY = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else None
    sys.exit(suite.main())
