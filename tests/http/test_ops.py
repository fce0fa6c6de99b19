#!/usr/bin/python3
"""Operations: the OpenAPI document, Disqus and WordPress imports, JSON
Lines export and import, backups under write load, and serve's
configuration file and YKIEN_* variables.

    /usr/bin/python3 tests/http/test_ops.py build/ykien [--only NAME]
"""
import base64
import json
import os
import shutil
import sqlite3
import tempfile
import threading
import time

import jsonschema
import requests

from openapi_check import DOC_PATH, check_response
from support import (GOOD, TOKEN_NAME, Daemon, Tests, action, body_text, db_rows, free_port,
                     jexpect,
                     jpeg_bytes, mod_get, new_comment, nfc, nfd, png_bytes, post, post_multipart,
                     run_cli, wait_until)

tests = Tests()
HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "import")
EXPORT_SCHEMA = os.path.join(HERE, "..", "..", "docs", "export.schema.json")
DISQUS = os.path.join(FIXTURES, "disqus.xml")
WORDPRESS = os.path.join(FIXTURES, "wordpress.xml")


class TempDir:
    def __enter__(self):
        self.path = tempfile.mkdtemp(prefix="ykien-ops-")
        return self.path

    def __exit__(self, *exc):
        shutil.rmtree(self.path, ignore_errors=True)


def cli(ykien, *args, input=None, expect=0):
    r = run_cli(ykien, *args, input=input, timeout=120)
    assert r.returncode == expect, (args, r.returncode, r.stderr.decode()[-2000:])
    return r


def all_forms(d):
    """Every comment's moderation form, by id."""
    forms = {}
    for status in ("pending", "approved", "rejected"):
        cursor = None
        while True:
            q = f"/api/v1/moderation/queue?status={status}&limit=100"
            if cursor:
                q += "&cursor=" + requests.utils.quote(cursor, safe="")
            page = jexpect(d.get(q, mod=True), 200)
            for c in page["comments"]:
                forms[c["id"]] = c
            cursor = page["next"]
            if not cursor:
                break
    return forms


def import_into(d, command, path, *extra, expect=0, input_data=None):
    """Runs an import on the daemon's storage.  On SQLite with the daemon
    stopped (one process per data folder: its page cache is in memory); on
    PostgreSQL while it serves (the import tells it what changed)."""
    if not d.pg:
        d.stop()
    r = cli(d.binary, command, path, *d.db_args, *extra, expect=expect, input=input_data)
    if not d.pg:
        d.start()
    return r.stdout.decode()


def by_body(forms, start):
    found = [c for c in forms.values() if c["body"].startswith(start)]
    assert len(found) == 1, (start, [c["body"] for c in forms.values()])
    return found[0]


# ---- the OpenAPI document ---------------------------------------------------

@tests.test
def openapi_document_is_served(d):
    served = jexpect(d.get("/api/v1/openapi.json"), 200)
    with open(DOC_PATH, encoding="utf-8") as f:
        assert served == json.load(f)
    assert served["openapi"].startswith("3.1")
    paths = served["paths"]
    for p in ("/api/v1/articles/{article}/comments", "/api/v1/moderation/queue",
              "/api/v1/moderation/comments/{id}/erase", "/api/v1/moderation/bulk",
              "/api/v1/moderation/rules/{id}", "/api/v1/moderation/articles/{article}",
              "/api/v1/check-text", "/api/v1/openapi.json", "/widget.js", "/moderation/",
              "/healthz", "/metrics", "/api/v1/counts", "/api/v1/attachments/{id}"):
        assert p in paths, p


@tests.test
def openapi_check_catches_a_wrong_body(d):
    cid = new_comment(d)
    r = d.get(f"/api/v1/moderation/comments/{cid}", mod=True)
    check_response(r)
    r._content = json.dumps(dict(r.json(), secret="x")).encode()
    try:
        check_response(r)
    except AssertionError as e:
        assert "secret" in str(e), e
    else:
        raise AssertionError("an extra member passed the check")
    r._content = json.dumps({"error": {"code": "no_such_code", "message": "x"}}).encode()
    r.status_code = 404
    try:
        check_response(r)
    except AssertionError:
        pass
    else:
        raise AssertionError("an unknown error code passed the check")


# ---- Disqus -------------------------------------------------------------------

@tests.test
def import_disqus(d):
    out = import_into(d, "import-disqus", DISQUS)
    assert "imported 7 comments, skipped 0, refused 4" in out, out
    for why in ("empty message", "no valid date", "thread without a <link>",
                "its thread is not in the file"):
        assert why in out, (why, out)
    forms = all_forms(d)
    assert len(forms) == 7
    art = "2017:06:thu-dau-mot-lam-theo-bac"
    parent = by_body(forms, "Bài viết rất hay.")
    assert parent["article"] == art
    assert parent["body"] == ("Bài viết rất hay.\nCảm ơn tác giả!\n\n"
                              "Xem thêm bài này (https://example.vn/a?b=1&c=2) và "
                              "https://example.vn/x"), parent["body"]
    assert parent["status"] == "approved" and parent["published_at"] == "2017-06-09T08:00:00Z"
    assert parent["email"] == "thao@example.vn" and parent["author"] == "Thu Thảo"
    assert parent["created_at"] == "2017-06-09T08:00:00Z"
    assert [h["action"] for h in parent["history"]] == ["created", "approved"]
    # a reply that came before its parent in the file
    reply = by_body(forms, "Đồng ý với bạn & cảm ơn!")
    assert reply["parent_id"] == parent["id"], reply
    deleted = by_body(forms, "Tin nhắn bị xoá")
    assert deleted["status"] == "rejected" and deleted["history"][-1]["reason"] == "deleted in Disqus"
    spam = by_body(forms, "Buy cheap watches")
    assert spam["status"] == "rejected" and spam["email"] is None   # a malformed address
    # a post before its thread; a name missing: the username
    early = by_body(forms, "Trả lời trước khi có chủ đề")
    assert early["article"] == "tin-tuc:Ha-Noi-mua-thu.html" and early["author"] == "hanoi_fan"
    # control and bidi characters removed, white space of a name collapsed,
    # the time offset applied; a reply to a post of another article is top-level
    ctl = by_body(forms, "Ký tự điều khiển")
    assert ctl["body"] == "Ký tự điều khiển: a bc", repr(ctl["body"])
    assert ctl["author"] == "Hoàng Lan" and ctl["email"] == "lan@example.vn"
    assert ctl["created_at"] == "2017-06-09T21:00:00Z" and ctl["parent_id"] == early["id"]
    assert by_body(forms, "Trả lời bình luận ở bài khác")["parent_id"] is None
    for c in forms.values():
        assert c["body"] == nfc(c["body"]) and c["author"] == nfc(c["author"])
    # public: approved comments listed under the article id made from the URL
    page = jexpect(d.get(f"/api/v1/articles/{art}/comments"), 200)
    assert page["total"] == 2
    # idempotent
    out = import_into(d, "import-disqus", DISQUS)
    assert "imported 0 comments, skipped 7" in out, out
    assert len(all_forms(d)) == 7


@tests.test
def import_disqus_article_id_option(d):
    out = import_into(d, "import-disqus", DISQUS, "--article-id", "id")
    assert "imported 7 comments" in out and "thread without an <id>" in out, out
    arts = {c["article"] for c in all_forms(d).values()}
    assert arts == {"bai-2017-06", "ha-noi-mua-thu"}, arts
    r = run_cli(d.binary, "import-disqus", DISQUS, *d.db_args, "--article-id", "slug")
    assert r.returncode == 2 and b"slug" in r.stderr, r.stderr


@tests.test
def import_disqus_malformed_imports_nothing(d):
    with open(DISQUS, "rb") as f:
        data = f.read()
    with TempDir() as tmp:
        cut = os.path.join(tmp, "cut.xml")
        with open(cut, "wb") as f:
            f.write(data[:len(data) * 2 // 3])
        lines = data[:len(data) * 2 // 3].count(b"\n") + 1
        d.stop()
        r = run_cli(d.binary, "import-disqus", cut, *d.db_args)
        assert r.returncode == 1, r.returncode
        err = r.stderr.decode()
        assert f"cut.xml:{lines}:" in err and "nothing was imported" in err, err
        bad = os.path.join(tmp, "bad.xml")
        with open(bad, "wb") as f:
            f.write(data.replace(b"</post>", b"</pots>", 3))
        r = run_cli(d.binary, "import-disqus", bad, *d.db_args)
        assert r.returncode == 1 and b"bad.xml:" in r.stderr, r.stderr
        r = run_cli(d.binary, "import-disqus", WORDPRESS, *d.db_args)
        assert r.returncode == 1 and b"not a Disqus export" in r.stderr, r.stderr
        r = run_cli(d.binary, "import-disqus", os.path.join(tmp, "missing.xml"), *d.db_args)
        assert r.returncode == 1 and b"missing.xml" in r.stderr, r.stderr
        d.start()
    assert all_forms(d) == {}


@tests.test
def import_from_stdin(d):
    with open(DISQUS, "rb") as f:
        d.stop()
        r = cli(d.binary, "import-disqus", "-", *d.db_args, input=f.read())
        d.start()
    assert b"imported 7 comments" in r.stdout, r.stdout


# ---- WordPress ----------------------------------------------------------------

@tests.test
def import_wordpress(d):
    out = import_into(d, "import-wordpress", WORDPRESS)
    assert "imported 6 comments, skipped 1, refused 1" in out, out
    assert "pingback or trackback" in out and "without a <wp:comment_id>" in out, out
    forms = all_forms(d)
    parent = by_body(forms, "Lúa năm nay")
    assert parent["body"] == ("Lúa năm nay được mùa & giá tốt.\n\n"
                              "Đoạn thứ hai với giá lúa (https://nong.example.vn/gia-lua)."), \
        parent["body"]
    assert parent["article"] == "2019:10:mua-lua-chin"
    assert parent["created_at"] == "2019-10-01T08:00:00Z"
    reply = by_body(forms, "Đồng ý!")
    assert reply["body"] == "Đồng ý!\nDòng thứ hai." and reply["parent_id"] == parent["id"]
    assert reply["author"] == "Trần Thị Bình" and reply["email"] == "binh@example.vn"
    pending = by_body(forms, "Đang chờ kiểm duyệt")
    assert pending["status"] == "pending" and pending["published_at"] is None
    assert pending["body"] == "Đang chờ kiểm duyệt – cảm ơn."
    assert pending["created_at"] == "2019-10-03T12:00:00Z"      # no GMT date: the local one
    assert by_body(forms, "cheap pills")["status"] == "rejected"
    trash = by_body(forms, "Bị bỏ vào thùng rác")
    assert trash["status"] == "rejected" and trash["author"] == "Ẩn danh"
    assert by_body(forms, "Bình luận đến trước")["article"] == "2020:01:link-sau"
    out = import_into(d, "import-wordpress", WORDPRESS)
    assert "imported 0 comments, skipped 7" in out, out


@tests.test
def import_wordpress_by_slug(d):
    out = import_into(d, "import-wordpress", WORDPRESS, "--article-id", "slug")
    assert "imported 6 comments" in out, out
    assert {c["article"] for c in all_forms(d).values()} == {"mua-lua-chin", "link-sau"}


# ---- JSON Lines ---------------------------------------------------------------

def make_history(d):
    """Comments with replies, attachments, edits, rejections and NFD text."""
    a = new_comment(d, body_text(1))
    jexpect(action(d, a, "approve", {"body": body_text(1) + " (đã sửa)", "note": "sửa"}), 200)
    files = [("attachment", "ảnh.png", "image/png", png_bytes(300)),
             ("attachment", "tệp.jpg", "image/jpeg", jpeg_bytes(5000))]
    r = post_multipart(d, fields=[("author", "Thu Thảo"), ("body", body_text(2)),
                                  ("email", "thao@example.vn"), ("parent_id", str(a))],
                       files=files)
    b = jexpect(r, 201)["id"]
    jexpect(d.approve(b), 200)
    c = new_comment(d, nfd("Bình luận viết ở dạng tổ hợp, có dấu đầy đủ."), article="bai-khac")
    jexpect(d.reject(c, reason="lạc đề"), 200)
    jexpect(d.approve(c), 200)
    jexpect(d.reject(c), 200)
    new_comment(d, body_text(4), email="an@example.vn")
    return a, b, c


@tests.test
def export_import_round_trip(d):
    a, b, c = make_history(d)
    before = all_forms(d)
    r = cli(d.binary, "export", *d.db_args)
    lines = r.stdout.decode().splitlines()
    assert len(lines) == 4 and b"exported 4 comments" in r.stderr
    objs = [json.loads(line) for line in lines]
    with open(EXPORT_SCHEMA, encoding="utf-8") as f:
        schema = jsonschema.Draft202012Validator(json.load(f))
    for o in objs:
        schema.validate(o)
    assert [o["id"] for o in objs] == sorted(before)
    att = objs[1]["attachments"]
    assert len(att) == 2 and all("data" in x for x in att), att
    # into a fresh database of the same backend
    with Daemon(d.binary, extra_args=["--rate-limit", "0"], token_name="copy") as d2:
        if not d2.pg:
            d2.stop()
        out = cli(d.binary, "import", *d2.db_args, input=r.stdout).stdout.decode()
        assert "imported 4 comments with 2 attachments, skipped 0, refused 0" in out, out
        out = cli(d.binary, "import", *d2.db_args, input=r.stdout).stdout.decode()
        assert "imported 0 comments, skipped 4" in out, out
        again = cli(d.binary, "export", *d2.db_args).stdout
        assert again == r.stdout, "export of the import differs"
        # the copy serves the same moderation forms and the same files
        if not d2.pg:
            d2.start()
        assert all_forms(d2) == before
        for x in before[b]["attachments"]:
            got = d2.get(x["url"], mod=True)
            want = d.get(x["url"], mod=True)
            assert got.status_code == 200 and got.content == want.content
        # the ids kept do not collide with the next comment posted
        fresh = new_comment(d2, "Bình luận mới sau khi nhập.")
        assert fresh > max(before), (fresh, sorted(before))
    # importing the export into the database it came from adds nothing
    if not d.pg:
        d.stop()
    out = cli(d.binary, "import", *d.db_args, input=r.stdout).stdout.decode()
    assert "imported 0 comments, skipped 4" in out, out
    if not d.pg:
        d.start()
    assert all_forms(d) == before


@tests.test
def import_jsonl_into_a_database_with_other_comments(d):
    make_history(d)
    export = cli(d.binary, "export", *d.db_args).stdout
    with Daemon(d.binary, extra_args=["--rate-limit", "0"], token_name=TOKEN_NAME) as d2:
        new_comment(d2, "Một bình luận có sẵn ở nơi nhận.")
        new_comment(d2, "Bình luận thứ hai có sẵn ở nơi nhận.")
        if not d2.pg:
            d2.stop()
        out = cli(d.binary, "import", "-", *d2.db_args, input=export).stdout.decode()
        assert "imported 4 comments" in out and "1 linked" in out, out
        if not d2.pg:
            d2.start()
        forms = all_forms(d2)
        assert len(forms) == 6
        reply = by_body(forms, body_text(2))
        parent = by_body(forms, body_text(1))
        assert reply["parent_id"] == parent["id"] and reply["id"] > 2
        # ids taken by the comments there went to the next free ones, and
        # the next comment posted gets one of its own
        assert len({c["id"] for c in forms.values()}) == 6
        fresh = new_comment(d2, "Bình luận mới sau khi nhập.")
        assert fresh not in forms, (fresh, sorted(forms))
        if not d2.pg:
            d2.stop()
        out = cli(d.binary, "import", *d2.db_args, input=export).stdout.decode()
        assert "imported 0 comments, skipped 4" in out, out


@tests.test
def import_jsonl_malformed_imports_nothing(d):
    make_history(d)
    export = cli(d.binary, "export", *d.db_args).stdout.splitlines(keepends=True)
    with Daemon(d.binary, extra_args=["--rate-limit", "0"], token_name=TOKEN_NAME) as d2:
        if not d2.pg:
            d2.stop()
        broken = b"".join(export[:2]) + export[2][:40] + b"\n" + b"".join(export[3:])
        r = run_cli(d.binary, "import", *d2.db_args, input=broken)
        assert r.returncode == 1 and b"stdin:3:" in r.stderr, r.stderr
        assert db_rows(d2, "SELECT count(*) FROM comment")[0][0] == 0
        assert db_rows(d2, "SELECT count(*) FROM comment_source")[0][0] == 0
        # a well-formed line with a bad member is refused alone
        obj = json.loads(export[0])
        obj["article"] = "không hợp lệ"
        lines = [json.dumps(obj).encode() + b"\n"] + export[1:]
        out = cli(d.binary, "import", *d2.db_args, input=b"".join(lines)).stdout.decode()
        assert "imported 3 comments" in out and "an invalid article id" in out, out
        # a line refused by the database (an attachment of a type ykien
        # does not store) takes back its comment alone
        bad = dict(json.loads(export[1]), id=98, original_body="Một bình luận có tệp hỏng.")
        bad["attachments"][0]["data"] = base64.b64encode(b"MZ not an image").decode()
        bad["attachments"][0]["size"] = len(b"MZ not an image")
        other = dict(json.loads(export[3]), id=99, original_body="Một bình luận khác hẳn.",
                     body="Một bình luận khác hẳn.")
        data = json.dumps(bad).encode() + b"\n" + json.dumps(other).encode() + b"\n"
        out = cli(d.binary, "import", *d2.db_args, input=data).stdout.decode()
        assert "imported 1 comments" in out and "refused 1" in out, out


def many_comments(n):
    """A JSON Lines file of n comments (ids 1..n) on a few articles, with
    replies, a third of which come before their parent in the file; a
    comment twice, one with a history action no database knows and one
    with a source id too long, each in the middle of the file."""
    objs = []
    for i in range(1, n + 1):
        article = f"bai-viet-{i % 7}"
        parent = None
        if i > 35 and i % 3 != 0:
            parent = i - 7 * (1 + i % 5)      # an earlier id, same article
        if i % 9 == 0 and i + 14 <= n:
            parent = i + 14                   # a later one
        body = f"Bình luận số {i} về bài viết {i % 7}, có dấu \"ngoặc\" và \\ gạch."
        status = ("pending", "approved", "rejected")[i % 3]
        history = [{"action": "created", "moderator": None,
                    "at": "2024-01-02T03:04:05Z", "reason": None}]
        if status != "pending":
            history.append({"action": status, "moderator": "biên tập {i % 4}",
                            "at": "2024-01-02T04:04:05Z",
                            "reason": "lý do {i}" if status == "rejected" else None})
        objs.append({
            "id": i, "article": article, "parent_id": parent,
            "author": f"Độc giả {i % 50}", "email": f"d{i}@example.vn" if i % 4 else None,
            "body": body, "original_body": body, "status": status,
            "created_at": "2024-01-02T03:04:05Z",
            "published_at": "2024-01-02T04:04:05Z" if status == "approved" else None,
            "edited": False, "version": 1 if status == "pending" else 2,
            "attachments": [], "history": history,
            "sources": [{"source": "disqus", "id": f"d{i}"}] if i % 2 else [],
        })
    # a file lists parents anywhere: shuffle by blocks, deterministically
    order = sorted(range(n), key=lambda k: (k * 7919) % n)
    lines = [objs[k] for k in order]
    bad_history = n // 2
    lines[bad_history]["history"].append({"action": "pinned", "moderator": None,
                                          "at": "2024-01-03T00:00:00Z", "reason": None})
    too_long = n // 2 + 40
    lines[too_long]["sources"] = [{"source": "disqus", "id": "x" * 301}]
    refused = {lines[bad_history]["id"], lines[too_long]["id"]}
    text = [json.dumps(o, ensure_ascii=False) for o in lines]
    text.insert(n // 2 + 20, text[n // 2 + 10])   # the same comment again
    return ("\n".join(text) + "\n").encode(), objs, refused


@tests.test
def import_jsonl_thousands_match_sqlite(d):
    n = 3000
    data, objs, refused = many_comments(n)
    out = import_into(d, "import", "-", input_data=data)
    assert f"imported {n - 2} comments" in out and "skipped 1" in out \
        and "refused 2" in out, out
    assert "a history action this database does not know" in out, out
    assert "refused by a constraint of the database" in out, out
    mine = cli(d.binary, "export", *d.db_args).stdout.splitlines()
    assert len(mine) == n - 2
    by_id = {json.loads(line)["id"]: json.loads(line) for line in mine}
    assert not refused & set(by_id)
    for o in objs:
        if o["id"] in refused:
            continue
        got = by_id[o["id"]]
        want_parent = None if o["parent_id"] in refused else o["parent_id"]
        assert got["parent_id"] == want_parent, (o["id"], got["parent_id"], want_parent)
        assert [h["action"] for h in got["history"]] == [h["action"] for h in o["history"]]
        assert got["body"] == o["body"] and got["email"] == o["email"], o["id"]
        assert got["sources"] == o["sources"], (o["id"], got["sources"])
    # the same file into SQLite, a statement at a time: the same export
    with TempDir() as tmp:
        ref = cli(d.binary, "import", "--data", tmp, input=data).stdout.decode()
        assert ref == out, (ref, out)
        theirs = cli(d.binary, "export", "--data", tmp).stdout.splitlines()
    assert mine == theirs, next(((a, b) for a, b in zip(mine, theirs) if a != b), None)
    # again: every line is there already
    out = import_into(d, "import", "-", input_data=data)
    assert f"imported 0 comments, skipped {n - 1}" in out and "refused 2" in out, out
    fresh = new_comment(d, "Bình luận mới sau khi nhập nhiều.")
    assert fresh > n, fresh


# ---- backup -------------------------------------------------------------------

@tests.test(sqlite_only="backup copies SQLite's file; on PostgreSQL backups are pg_dump's job")
def backup_while_posting(d):
    acked, stop, errors = [], threading.Event(), []
    photo = png_bytes(2000)

    def poster(n):
        s = requests.Session()
        i = 0
        while not stop.is_set() and i < 5000:
            i += 1
            try:
                if i % 10 == 0:
                    r = post_multipart(d, fields=[("author", "An"), ("body", body_text(i))],
                                       files=[("attachment", "a.png", "image/png",
                                               photo + bytes([n, i % 256, i // 256]))])
                else:
                    r = s.post(d.url + "/api/v1/articles/tai/comments",
                               json={"author": "An", "body": body_text(i)}, timeout=30)
                if r.status_code == 201:
                    acked.append((time.monotonic(), r.json()["id"]))
                else:
                    errors.append(r.status_code)
            except requests.RequestException as e:
                errors.append(str(e))

    threads = [threading.Thread(target=poster, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    assert wait_until(lambda: len(acked) >= 200, timeout=30), len(acked)
    with TempDir() as tmp:
        dest = os.path.join(tmp, "copy")
        started = time.monotonic()
        before = [cid for t, cid in list(acked) if t < started]
        r = cli(d.binary, "backup", dest, "--data", d.data)
        assert wait_until(lambda: any(t > time.monotonic() - 0.2 for t, _ in acked), 5)
        stop.set()
        for t in threads:
            t.join()
        assert not errors, errors[:5]
        assert b"backup of" in r.stdout, r.stdout
        con = sqlite3.connect(os.path.join(dest, "ykien.db"))
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        in_copy = {row[0] for row in con.execute("SELECT id FROM comment")}
        shas = [row[0] for row in con.execute("SELECT sha256 FROM attachment")]
        con.close()
        assert set(before) <= in_copy, len(set(before) - in_copy)
        assert shas, "no attachment in the copy"
        for sha in shas:
            assert os.path.exists(os.path.join(dest, "files", sha[:2], sha)), sha
        # the copy serves: a second daemon on it, with the same token
        with Daemon(d.binary, extra_args=["--rate-limit", "0"]) as d2:
            d2.stop()
            shutil.rmtree(d2.data)
            shutil.copytree(dest, d2.data)
            d2.token = d.token
            d2.start()
            for cid in before[:: max(1, len(before) // 50)]:
                form = jexpect(mod_get(d2, cid), 200)
                for x in form["attachments"]:
                    got = d2.get(x["url"], mod=True)
                    assert got.status_code == 200 and got.content == d.get(x["url"], mod=True).content
            total = jexpect(d2.get("/api/v1/moderation/queue", mod=True), 200)["total"]
            assert total == len(in_copy), (total, len(in_copy))
            jexpect(post(d2, GOOD), 201)


@tests.test(sqlite_only="backup copies SQLite's file; on PostgreSQL backups are pg_dump's job")
def backup_refusals(d):
    with TempDir() as tmp:
        busy = os.path.join(tmp, "busy")
        os.mkdir(busy)
        open(os.path.join(busy, "x"), "w").close()
        r = run_cli(d.binary, "backup", busy, "--data", d.data)
        assert r.returncode == 1 and b"not empty" in r.stderr, r.stderr
        r = run_cli(d.binary, "backup", "--data", d.data)
        assert r.returncode == 2, r.returncode
        r = run_cli(d.binary, "backup", os.path.join(tmp, "c"), "--data", os.path.join(tmp, "none"))
        assert r.returncode == 1 and b"no database" in r.stderr, r.stderr
        r = run_cli(d.binary, "export", "--data", os.path.join(tmp, "none"))
        assert r.returncode == 1 and b"no database" in r.stderr, r.stderr
        assert not os.path.exists(os.path.join(tmp, "none"))


@tests.test
def backup_on_postgresql_names_pg_dump(d):
    """backup copies SQLite's file; with a PostgreSQL database it says, in
    one line and exit status 1, which pg_dump to run instead (the
    connection string from YKIEN_DB is named, not printed)."""
    import shlex
    import subprocess
    url = "host=/run/postgresql dbname=ykien password=it's"
    with TempDir() as tmp:
        dest = os.path.join(tmp, "the copy")
        r = run_cli(d.binary, "backup", dest, "--db", url)
        err = r.stderr.decode()
        assert r.returncode == 1, (r.returncode, err)
        assert err.count("\n") == 1 and err.startswith("ykien: backup: "), err
        # The command, as a shell reads it, has every word whole.
        words = shlex.split(err.split(": run ", 1)[1])
        assert words == ["mkdir", "-p", dest, "&&", "pg_dump", "--format=custom",
                         f"--file={dest}/ykien.pgdump", url], words
        env = dict(os.environ, YKIEN_DB="postgresql://ykien:secret@db.example/ykien")
        r = subprocess.run([d.binary, "backup", dest], env=env, capture_output=True,
                           timeout=30)
        err = r.stderr.decode()
        assert r.returncode == 1 and '"$YKIEN_DB"' in err and "secret" not in err, err
        assert not os.path.exists(dest)


# ---- configuration ------------------------------------------------------------

def serve(ykien, args, env=None, conf=None, tmp=None):
    """Starts `ykien serve` with args; returns the process once /healthz
    answers (or it exited)."""
    import subprocess
    e = dict(os.environ)
    e.update(env or {})
    if conf is not None:
        path = os.path.join(tmp, "ykien.conf")
        with open(path, "w") as f:
            f.write(conf)
        args = ["--config", path] + args
    log = open(os.path.join(tmp, "serve.log"), "wb")
    p = subprocess.Popen([ykien, "serve"] + args, env=e, stdout=log, stderr=log)
    return p


def rate_limit_seen(ykien, tmp, port, args, env=None, conf=None):
    """How many posts a fresh daemon listening on port accepts from one
    address before 429."""
    data = os.path.join(tmp, f"data{free_port()}")
    p = serve(ykien, ["--data", data] + args, env=env, conf=conf, tmp=tmp)
    try:
        url = f"http://127.0.0.1:{port}"
        assert wait_until(lambda: _healthy(url), timeout=10), \
            open(os.path.join(tmp, "serve.log")).read()
        for n in range(1, 20):
            r = requests.post(url + "/api/v1/articles/a/comments",
                              json={"author": "An", "body": body_text(n)}, timeout=10)
            if r.status_code == 429:
                return n - 1
            assert r.status_code == 201, r.text
        return None
    finally:
        p.terminate()
        assert p.wait(timeout=20) == 0


def _healthy(url):
    try:
        return requests.get(url + "/healthz", timeout=1).status_code == 200
    except requests.RequestException:
        return False


@tests.test(daemon=False)
def config_file_environment_and_command_line(ykien):
    with TempDir() as tmp:
        port = free_port()
        conf = (f"# ykien.conf\n\n  listen 127.0.0.1:{port}\n--rate-limit 2\n"
                "trusted-proxy 10.0.0.1\n   # indented comment\nmax-body-chars 6000\n")
        assert rate_limit_seen(ykien, tmp, port, [], conf=conf) == 2
        assert rate_limit_seen(ykien, tmp, port, [], env={"YKIEN_RATE_LIMIT": "3"},
                               conf=conf) == 3
        assert rate_limit_seen(ykien, tmp, port, ["--rate-limit", "4"],
                               env={"YKIEN_RATE_LIMIT": "3"}, conf=conf) == 4
        # YKIEN_CONFIG names the file when --config does not
        path = os.path.join(tmp, "ykien.conf")
        assert rate_limit_seen(ykien, tmp, port, [], env={"YKIEN_CONFIG": path}) == 2
        # YKIEN_LISTEN beats the file's listen, --listen beats both
        port2, port3 = free_port(), free_port()
        assert rate_limit_seen(ykien, tmp, port2, [],
                               env={"YKIEN_LISTEN": f"127.0.0.1:{port2}",
                                    "YKIEN_RATE_LIMIT": "1"}, conf=conf) == 1
        assert rate_limit_seen(ykien, tmp, port3, ["--listen", f"127.0.0.1:{port3}"],
                               env={"YKIEN_LISTEN": f"127.0.0.1:{port2}"}, conf=conf) == 2


@tests.test(daemon=False)
def config_mistakes_exit_2_naming_the_line(ykien):
    with TempDir() as tmp:
        path = os.path.join(tmp, "bad.conf")
        cases = [
            ("# ok\nrate-limit 5\nfrobnicate 1\n", "bad.conf:3:", "frobnicate"),
            ("rate-limit lots\n", "bad.conf:1:", "rate-limit"),
            ("\n\nlisten\n", "bad.conf:3:", "listen"),
            ("config other.conf\n", "bad.conf:1:", "config"),
        ]
        for text, where, word in cases:
            with open(path, "w") as f:
                f.write(text)
            r = run_cli(ykien, "serve", "--config", path, "--data", os.path.join(tmp, "d"))
            err = r.stderr.decode()
            assert r.returncode == 2, (text, r.returncode, err)
            assert where in err and word in err, (text, err)
        r = run_cli(ykien, "serve", "--config", os.path.join(tmp, "none.conf"))
        assert r.returncode == 2 and b"none.conf" in r.stderr, r.stderr
        import subprocess
        r = subprocess.run([ykien, "serve", "--data", os.path.join(tmp, "d")],
                           env=dict(os.environ, YKIEN_TIMEOUT="never"), capture_output=True,
                           timeout=20)
        assert r.returncode == 2 and b"YKIEN_TIMEOUT" in r.stderr, r.stderr
        # --help still answers with a broken file
        with open(path, "w") as f:
            f.write("frobnicate 1\n")
        r = run_cli(ykien, "serve", "--config", path, "--help")
        assert r.returncode == 0 and b"--config" in r.stdout


@tests.test(daemon=False)
def every_command_has_help(ykien):
    for cmd in ("backup", "export", "import", "import-disqus", "import-wordpress"):
        r = run_cli(ykien, cmd, "--help")
        assert r.returncode == 0 and b"usage: ykien " + cmd.encode() in r.stdout, (cmd, r.stdout)
        r = run_cli(ykien, cmd, "--version")
        assert r.returncode == 0 and r.stdout.startswith(b"ykien "), cmd
        r = run_cli(ykien, cmd, "--bogus", "1")
        assert r.returncode == 2 and r.stderr.startswith(b"ykien: "), cmd
    out = run_cli(ykien, "--help").stdout.decode()
    for cmd in ("backup", "export", "import-disqus", "import-wordpress"):
        assert cmd in out, cmd


if __name__ == "__main__":
    import sys
    sys.exit(tests.main())
