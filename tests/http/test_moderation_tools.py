#!/usr/bin/python3
"""The moderators' tools of API 1.1 over HTTP: article state (closing by hand
and by --close-after-days, seen at once in the cached public list), word
rules (validation, reject and hold, mark-free rules, edits, changes made by
another process), flags (rule, duplicate, links; the flagged queue), bulk
actions, and erasure, checked down to the bytes of the database, its WAL
and the attachment store.  Every new endpoint's errors: 400, 401, 404, 405,
409, 415, 422.

    /usr/bin/python3 tests/http/test_moderation_tools.py build/ykien [--only NAME]
"""
import os
import sqlite3
import sys
import threading
import time

import support
from support import (ART, GOOD, MODERATION_KEYS, RFC3339, Tests, action, approved_comment,
                     body_text, check_moderation, comments_url, jexpect, mod_get, new_comment,
                     post, post_multipart, queue_total, random_png, wait_until)

tests = Tests()

RULES = "/api/v1/moderation/rules"
BULK = "/api/v1/moderation/bulk"
RULE_KEYS = {"id", "pattern", "action", "ignore_marks", "note", "created_by", "created_at"}


def article_url(article=ART):
    return f"/api/v1/moderation/articles/{article}"


def put_article(d, closed, article=ART):
    return d.request("PUT", article_url(article), mod=True, json={"closed": closed})


def listing(d, article=ART, headers=None):
    return d.get(comments_url(article), headers=dict(headers or {}))


def add_rule(d, pattern, act="reject", **extra):
    obj = {"pattern": pattern, "action": act}
    obj.update(extra)
    return jexpect(d.post_json(RULES, obj, mod=True), 201)


def flags_of(d, cid):
    return check_moderation(jexpect(mod_get(d, cid), 200))["flags"]


def erased_form(m):
    """check_moderation() for a comment whose history may say "erased"."""
    assert set(m) == MODERATION_KEYS, f"moderation form has keys {sorted(m)}"
    for h in m["history"]:
        assert set(h) == {"action", "moderator", "at", "reason"}, h
        assert RFC3339.match(h["at"]), h
    return m


def db_path(d):
    return os.path.join(d.data, "ykien.db")


def sql(d, statement, args=()):
    """Runs one statement as another process would (the sqlite3 shell, a
    script): the daemon must see its effect."""
    if d.pg:
        return support.db_rows(d, statement, args)
    con = sqlite3.connect(db_path(d), timeout=10)
    try:
        with con:
            return con.execute(statement, args).fetchall()
    finally:
        con.close()


def unauthorized(d, method, path, **kw):
    r = d.request(method, path, **kw)
    jexpect(r, 401, "unauthorized")


# ---- article state ----------------------------------------------------------

@tests.test
def article_state_and_counts(d):
    a = jexpect(d.get(article_url("chua-co-binh-luan"), mod=True), 200)
    assert a == {"article": "chua-co-binh-luan", "closed": False,
                 "counts": {"pending": 0, "approved": 0, "rejected": 0}}, a
    ids = [new_comment(d, body_text(i)) for i in range(4)]
    jexpect(d.approve(ids[0]), 200)
    jexpect(d.reject(ids[1]), 200)
    r = d.get(article_url(), mod=True)
    assert r.headers.get("Cache-Control") == "no-store", r.headers
    assert jexpect(r, 200)["counts"] == {"pending": 2, "approved": 1, "rejected": 1}


@tests.test
def closing_shows_at_once_and_refuses_posts(d):
    approved_comment(d)
    first = jexpect(listing(d), 200)
    assert first["closed"] is False and first["total"] == 1
    etag = listing(d).headers["ETag"]           # cached now
    a = jexpect(put_article(d, True), 200)
    assert a["closed"] is True and a["counts"]["approved"] == 1, a
    r = listing(d, headers={"If-None-Match": etag})
    assert r.status_code == 200, "the cached page must not survive closing"
    assert jexpect(r, 200)["closed"] is True
    jexpect(post(d), 403, "closed")
    jexpect(post(d, article="bai-khac"), 201)       # other articles stay open
    assert jexpect(d.get(article_url(), mod=True), 200)["closed"] is True
    jexpect(put_article(d, False), 200)
    assert jexpect(listing(d), 200)["closed"] is False
    jexpect(post(d), 201)


@tests.test
def closed_refuses_multipart_and_replies(d):
    parent = approved_comment(d)
    jexpect(put_article(d, True), 200)
    jexpect(post(d, parent_id=parent), 403, "closed")
    jexpect(post_multipart(d, files=[("attachment", "a.png", "image/png", random_png(2048))]),
            403, "closed")
    jexpect(post(d, headers={"Accept-Language": "en"}), 403, "closed")


@tests.test(args=["--close-after-days", "1"])
def close_after_days(d):
    cid = approved_comment(d)
    # Its first comment was posted a day ago, less 4 seconds: the article
    # closes by itself in 4 s, and the page rendered now is cached till then.
    sql(d, "UPDATE comment SET created_at = ? WHERE id = ?", (int(time.time()) - 86400 + 4, cid))
    before = listing(d)
    assert jexpect(before, 200)["closed"] is False
    assert listing(d).headers["ETag"] == before.headers["ETag"]   # served from the cache
    time.sleep(5)
    after = listing(d, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and jexpect(after, 200)["closed"] is True
    assert after.headers["ETag"] != before.headers["ETag"]
    jexpect(post(d), 403, "closed")
    assert jexpect(d.get(article_url(), mod=True), 200)["closed"] is True
    jexpect(post(d, article="bai-khac"), 201)     # its first comment is new
    # A moderator may re-open it: that choice wins over the rule.
    jexpect(put_article(d, False), 200)
    assert jexpect(listing(d), 200)["closed"] is False
    jexpect(post(d), 201)
    # An article without comments has nothing to count from.
    assert jexpect(d.get(article_url("moi-tinh"), mod=True), 200)["closed"] is False


@tests.test
def article_state_errors(d):
    path = article_url()
    unauthorized(d, "GET", path)
    unauthorized(d, "PUT", path, json={"closed": True})
    jexpect(d.get(article_url("bad$id"), mod=True), 400, "bad_request", "article")
    jexpect(d.request("PUT", article_url("x" * 129), mod=True, json={"closed": True}), 400,
            "bad_request", "article")
    jexpect(d.request("PUT", path, mod=True), 400, "bad_request")
    jexpect(d.request("PUT", path, mod=True, data="{", headers={"Content-Type":
                                                                "application/json"}), 400)
    jexpect(d.request("PUT", path, mod=True, json=[True]), 400, "bad_request")
    jexpect(d.request("PUT", path, mod=True, json={"closed": "yes"}), 400, "bad_request",
            "closed")
    jexpect(d.request("PUT", path, mod=True, json={"closed": 1}), 400, "bad_request", "closed")
    jexpect(d.request("PUT", path, mod=True, json={}), 422, "invalid_field", "closed")
    jexpect(d.request("PUT", path, mod=True, data='{"closed": true, "closed": false}',
                      headers={"Content-Type": "application/json"}), 400, "bad_request")
    jexpect(d.request("PUT", path, mod=True, data="closed=1",
                      headers={"Content-Type": "application/x-www-form-urlencoded"}),
            415, "unsupported_media_type")
    r = d.request("DELETE", path, mod=True)
    jexpect(r, 405, "method_not_allowed")
    assert r.headers.get("Allow") == "GET, HEAD, PUT", r.headers.get("Allow")
    assert jexpect(d.get(path, mod=True), 200)["closed"] is False


# ---- word rules ---------------------------------------------------------------

@tests.test
def rules_are_created_listed_and_deleted(d):
    assert jexpect(d.get(RULES, mod=True), 200) == {"rules": []}
    r = add_rule(d, "  Đồ \t ngu  ", note="lăng mạ")
    assert set(r) == RULE_KEYS, r
    assert r["pattern"] == "Đồ ngu" and r["action"] == "reject" and r["ignore_marks"] is False
    assert r["note"] == "lăng mạ" and r["created_by"] == "acceptance"
    assert RFC3339.match(r["created_at"])
    h = add_rule(d, "lua dao*", "hold", ignore_marks=True)
    assert h["action"] == "hold" and h["ignore_marks"] is True and h["note"] is None
    listed = jexpect(d.get(RULES, mod=True), 200)["rules"]
    assert [x["id"] for x in listed] == [r["id"], h["id"]] and listed[0] == r
    d204 = d.request("DELETE", f"{RULES}/{r['id']}", mod=True)
    assert d204.status_code == 204 and d204.content == b"", d204.status_code
    assert [x["id"] for x in jexpect(d.get(RULES, mod=True), 200)["rules"]] == [h["id"]]
    jexpect(d.request("DELETE", f"{RULES}/{r['id']}", mod=True), 404, "not_found")
    jexpect(d.request("DELETE", f"{RULES}/999999", mod=True), 404, "not_found")


@tests.test
def rule_validation(d):
    def bad(obj, status, code, field):
        jexpect(d.post_json(RULES, obj, mod=True), status, code, field)

    bad({"pattern": "", "action": "reject"}, 422, "empty", "pattern")
    bad({"pattern": " \n ", "action": "reject"}, 422, "empty", "pattern")
    bad({"action": "reject"}, 422, "empty", "pattern")
    bad({"pattern": "a" * 101, "action": "reject"}, 422, "too_long", "pattern")
    bad({"pattern": " ".join(["từ"] * 11), "action": "reject"}, 422, "too_long", "pattern")
    for p in ("*", "ngu *", "*ngu", "ng*u", "ngu**", "đồ-ngu", "ngu!", "a\u200bb", "a\x01b"):
        bad({"pattern": p, "action": "reject"}, 422, "invalid_field", "pattern")
    bad({"pattern": "ngu", "action": "ban"}, 422, "invalid_field", "action")
    bad({"pattern": "ngu"}, 422, "invalid_field", "action")
    bad({"pattern": 5, "action": "reject"}, 400, "bad_request", "pattern")
    bad({"pattern": "ngu", "action": True}, 400, "bad_request", "action")
    bad({"pattern": "ngu", "action": "hold", "ignore_marks": "yes"}, 400, "bad_request",
        "ignore_marks")
    bad({"pattern": "ngu", "action": "hold", "note": 5}, 400, "bad_request", "note")
    bad(["ngu"], 400, "bad_request", None)
    jexpect(d.request("POST", RULES, mod=True, data="pattern=ngu",
                      headers={"Content-Type": "text/plain"}), 415, "unsupported_media_type")
    jexpect(d.request("POST", RULES, mod=True, data=b'{"pattern": "\xff", "action": "hold"}',
                      headers={"Content-Type": "application/json"}), 400, "bad_request")
    jexpect(d.request("POST", RULES, mod=True), 400, "bad_request")
    unauthorized(d, "GET", RULES)
    unauthorized(d, "POST", RULES, json={"pattern": "ngu", "action": "hold"})
    unauthorized(d, "DELETE", f"{RULES}/1")
    r = d.request("PUT", RULES, mod=True, json={})
    jexpect(r, 405, "method_not_allowed")
    assert r.headers.get("Allow") == "GET, HEAD, POST", r.headers.get("Allow")
    r = d.request("GET", f"{RULES}/1", mod=True)
    jexpect(r, 405, "method_not_allowed")
    assert r.headers.get("Allow") == "DELETE"
    jexpect(d.request("DELETE", f"{RULES}/abc", mod=True), 404, "not_found")
    jexpect(d.request("DELETE", f"{RULES}/0", mod=True), 404, "not_found")
    assert jexpect(d.get(RULES, mod=True), 200) == {"rules": []}


@tests.test
def reject_rules_refuse_and_store_nothing(d):
    add_rule(d, "đồ ngu")
    add_rule(d, "cờ bạc*")
    before = queue_total(d)
    for text in ("Bạn đúng là ĐỒ   NGU.", "Đồ\nngu!", "Mời vào cờ bạc online", "CỜ BẠC"):
        r = post(d, text)
        err = jexpect(r, 422, "blocked_content", "body")["error"]
        assert "ngu" not in err["message"] and "cờ" not in err["message"], err
    jexpect(post(d, GOOD, author="Đồ Ngu"), 422, "blocked_content", "author")
    en = jexpect(post(d, "đồ ngu", headers={"Accept-Language": "en"}), 422, "blocked_content")
    assert en["error"]["message"].isascii()
    assert queue_total(d) == before, "a refused comment is not stored"
    # Whole words only; a phrase does not cross punctuation; marks count.
    for text in ("Ông Nguyễn đồ nguyên vẹn.", "Đồ, ngu thì không.", "Đồ ngủ đẹp.", "Chơi cờ vua"):
        jexpect(post(d, text), 201)
    jexpect(post_multipart(d, fields=[("author", "An"), ("body", "Đúng là đồ ngu")]), 422,
            "blocked_content", "body")


@tests.test
def rules_take_effect_at_once(d):
    jexpect(post(d, "Hôm nay trời nắng đẹp."), 201)
    rule = add_rule(d, "nắng đẹp")
    jexpect(post(d, "Hôm nay trời nắng đẹp."), 422, "blocked_content", "body")
    assert d.request("DELETE", f"{RULES}/{rule['id']}", mod=True).status_code == 204
    jexpect(post(d, "Hôm nay trời nắng đẹp."), 201)


@tests.test
def rules_changed_by_another_process(d):
    jexpect(post(d, "Bài này toàn tin vịt."), 201)
    sql(d, "INSERT INTO rule (pattern, action, ignore_marks, created_at) VALUES (?, ?, ?, ?)",
        ("tin vit", "reject", True, int(time.time())))
    jexpect(post(d, "Bài này toàn TIN VỊT."), 422, "blocked_content", "body")
    listed = jexpect(d.get(RULES, mod=True), 200)["rules"]
    assert [(x["pattern"], x["created_by"]) for x in listed] == [("tin vit", None)], listed
    sql(d, "DELETE FROM rule")
    jexpect(post(d, "Bài này toàn TIN VỊT."), 201)


@tests.test
def hold_rules_take_effect_at_once(d):
    """A hold rule added: the very next comment is held with its flag;
    deleted: the very next one is not (each read back by the moderators)."""
    text = "Giá xăng lại tăng, dân khổ quá."
    before = new_comment(d, text, headers={"X-Forwarded-For": "10.2.0.1"})
    rule = add_rule(d, "xăng", "hold")
    held = new_comment(d, text + " Thật sự.")
    assert flags_of(d, before) == []
    assert flags_of(d, held) == [{"kind": "rule", "detail": "xăng"}]
    assert d.request("DELETE", f"{RULES}/{rule['id']}", mod=True).status_code == 204
    after = new_comment(d, text + " Lần nữa.")
    assert flags_of(d, after) == []
    # The same through another process's change.
    sql(d, "INSERT INTO rule (pattern, action, ignore_marks, created_at) VALUES (?, ?, ?, ?)",
        ("dan kho", "hold", True, int(time.time())))
    held = new_comment(d, text + " Ngày mai.")
    assert flags_of(d, held) == [{"kind": "rule", "detail": "dan kho"}]


@tests.test
def closed_by_another_process(d):
    """An article closed or re-opened outside the daemon: the very next
    comment is refused, or taken."""
    new_comment(d)
    sql(d, "INSERT INTO article_state (article, closed, changed_at) VALUES (?, ?, ?)",
        (ART, True, int(time.time())))
    jexpect(post(d), 403, "closed")
    sql(d, "UPDATE article_state SET closed = ? WHERE article = ?", (False, ART))
    jexpect(post(d), 201)


@tests.test
def mark_free_rules(d):
    add_rule(d, "ngu", ignore_marks=True)
    for text in ("Thật là ngu.", "Ngủ ngon nhé.", "Ngư dân ra khơi.", "NGỪ"):
        jexpect(post(d, text), 422, "blocked_content", "body")
    for text in ("Anh Nguyễn nói đúng.", "Nguồn tin chính xác."):
        jexpect(post(d, text), 201)
    add_rule(d, "do", ignore_marks=True)
    jexpect(post(d, "Đó là sự thật."), 422, "blocked_content", "body")     # đ -> d


@tests.test
def hold_rules_flag_and_queue_filters(d):
    add_rule(d, "lua dao", "hold", ignore_marks=True)
    add_rule(d, "spam*", "hold")
    flagged = new_comment(d, "Trang này LỪA ĐẢO, toàn spammer.")
    plain = new_comment(d, body_text(1))
    m = check_moderation(jexpect(mod_get(d, flagged), 200))
    assert m["status"] == "pending", m
    assert sorted(f["detail"] for f in m["flags"]) == ["lua dao", "spam*"], m["flags"]
    assert {f["kind"] for f in m["flags"]} == {"rule"}
    assert flags_of(d, plain) == []
    q = jexpect(d.get("/api/v1/moderation/queue?flagged=true", mod=True), 200)
    assert [c["id"] for c in q["comments"]] == [flagged] and q["total"] == 1, q
    q = jexpect(d.get("/api/v1/moderation/queue?flagged=false", mod=True), 200)
    assert [c["id"] for c in q["comments"]] == [plain] and q["total"] == 1, q
    q = jexpect(d.get(f"/api/v1/moderation/queue?flagged=true&article={ART}", mod=True), 200)
    assert q["total"] == 1
    q = jexpect(d.get("/api/v1/moderation/queue?flagged=true&article=khac", mod=True), 200)
    assert q == {"comments": [], "next": None, "total": 0}, q
    assert jexpect(d.get("/api/v1/moderation/queue", mod=True), 200)["total"] == 2
    jexpect(d.get("/api/v1/moderation/queue?flagged=1", mod=True), 400, "bad_request", "flagged")
    # Flags follow the comment through the states, and stay private.
    jexpect(d.approve(flagged), 200)
    q = jexpect(d.get("/api/v1/moderation/queue?status=approved&flagged=true", mod=True), 200)
    assert [c["id"] for c in q["comments"]] == [flagged] and q["total"] == 1
    assert jexpect(d.get("/api/v1/moderation/queue?flagged=true", mod=True), 200)["total"] == 0
    pub = jexpect(d.get(f"/api/v1/comments/{flagged}"), 200)
    assert "flags" not in pub and "flags" not in jexpect(listing(d), 200)["comments"][0]


@tests.test
def flagged_queue_pages(d):
    add_rule(d, "quảng cáo", "hold")
    ids = [new_comment(d, f"Quảng cáo số {i} ở đây." if i % 2 else body_text(i))
           for i in range(12)]
    want = [cid for i, cid in enumerate(ids) if i % 2]
    got, nxt = [], None
    while True:
        q = "/api/v1/moderation/queue?flagged=true&limit=2" + (f"&cursor={nxt}" if nxt else "")
        page = jexpect(d.get(q, mod=True), 200)
        assert page["total"] == 6
        got += [c["id"] for c in page["comments"]]
        nxt = page["next"]
        if not nxt:
            break
    assert got == want, (got, want)
    page = jexpect(d.get("/api/v1/moderation/queue?flagged=true&order=newest&limit=3", mod=True),
                   200)
    assert [c["id"] for c in page["comments"]] == want[::-1][:3]


@tests.test
def rules_apply_to_edits(d):
    add_rule(d, "đồ ngu")
    add_rule(d, "xạo", "hold")
    cid = new_comment(d)
    r = action(d, cid, "approve", {"body": "Bài viết hay, đồ ngu mới chê."})
    jexpect(r, 422, "blocked_content", "body")
    jexpect(action(d, cid, "edit", {"body": "Đồ ngu"}), 422, "blocked_content", "body")
    m = check_moderation(jexpect(mod_get(d, cid), 200))
    assert m["version"] == 1 and m["status"] == "pending", "nothing was written"
    m = check_moderation(jexpect(action(d, cid, "edit", {"body": "Toàn chuyện xạo thôi."}), 200))
    assert m["flags"] == [{"kind": "rule", "detail": "xạo"}], m["flags"]


@tests.test
def duplicate_flags(d):
    first = new_comment(d, "Bài viết rất hay,  cảm ơn tác giả!")
    same = new_comment(d, "BÀI VIẾT RẤT HAY, cảm ơn\ntác giả!")
    other_article = new_comment(d, "bài viết rất hay, cảm ơn tác giả!", article="bai-khac")
    punct = new_comment(d, "Bài viết rất hay cảm ơn tác giả")
    assert flags_of(d, first) == []
    assert flags_of(d, same) == [{"kind": "duplicate",
                                  "detail": f"same text as comment {first}"}]
    # Another article, the same address within ten minutes.
    assert flags_of(d, other_article)[0]["kind"] == "duplicate"
    assert flags_of(d, punct) == []
    # The article's own duplicates are kept in the database: they outlive a
    # restart (the ten-minute address window is kept in memory).
    d.stop()
    d.start()
    late = new_comment(d, "Bài viết rất hay, cảm ơn tác giả!", article="bai-thu-ba")
    assert flags_of(d, late) == []
    again = new_comment(d, "Bài viết rất hay, cảm ơn tác giả!")
    assert flags_of(d, again)[0] == {"kind": "duplicate", "detail": f"same text as comment {first}"}


@tests.test
def duplicate_of_an_erased_comment(d):
    """The oldest comment with the text is erased: the next oldest is named,
    before and after a restart, and the erased one never again."""
    text = "Mong tòa soạn đăng thêm nhiều bài như thế này."
    first = new_comment(d, text)
    second = new_comment(d, text)
    assert flags_of(d, second) == [{"kind": "duplicate",
                                    "detail": f"same text as comment {first}"}]
    jexpect(d.post_json(f"/api/v1/moderation/comments/{first}/erase", None, mod=True), 200)
    third = new_comment(d, text)
    assert flags_of(d, third) == [{"kind": "duplicate",
                                   "detail": f"same text as comment {second}"}]
    d.stop()
    d.start()
    fourth = new_comment(d, text)
    assert flags_of(d, fourth) == [{"kind": "duplicate",
                                    "detail": f"same text as comment {second}"}]
    jexpect(d.post_json(f"/api/v1/moderation/comments/{second}/erase", None, mod=True), 200)
    jexpect(d.post_json(f"/api/v1/moderation/comments/{third}/erase", None, mod=True), 200)
    jexpect(d.post_json(f"/api/v1/moderation/comments/{fourth}/erase", None, mod=True), 200)
    d.stop()
    d.start()
    fifth = new_comment(d, text)
    assert flags_of(d, fifth) == [], "every earlier comment with the text is erased"


@tests.test(args=["--trusted-proxy", "127.0.0.1"])
def duplicates_posted_at_once(d):
    """The same text posted by many readers at the same moment (comments
    committed in one batch): every one but the first names the first."""
    text = "Đồng ý với tác giả, cần xử lý nghiêm những vụ này."
    ids = []
    lock = threading.Lock()

    def one(n):
        c = jexpect(post(d, text, article="cung-luc", headers={"X-Forwarded-For": f"10.1.0.{n}"}),
                    201)
        with lock:
            ids.append(c["id"])

    threads = [threading.Thread(target=one, args=(n,)) for n in range(1, 13)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(ids) == 12, ids
    first = min(ids)
    assert flags_of(d, first) == []
    for cid in ids:
        if cid != first:
            assert flags_of(d, cid) == [{"kind": "duplicate",
                                         "detail": f"same text as comment {first}"}], cid


@tests.test(args=["--trusted-proxy", "127.0.0.1"])
def duplicates_by_address(d):
    text = "Ủng hộ bài viết này, rất đáng đọc."

    def from_addr(addr, article):
        return jexpect(post(d, text, article=article, headers={"X-Forwarded-For": addr}), 201)["id"]

    a = from_addr("10.0.0.1", "bai-mot")
    b = from_addr("10.0.0.2", "bai-hai")
    c = from_addr("10.0.0.1", "bai-ba")
    assert flags_of(d, a) == [] and flags_of(d, b) == []
    assert flags_of(d, c) == [{"kind": "duplicate", "detail": f"same text as comment {a}"}]


@tests.test
def links_flag(d):
    two = new_comment(d, "Xem https://vnexpress.net/a và http://tuoitre.vn/b nhé.")
    three = new_comment(d, "Xem https://a.vn, http://b.vn và www.c.vn nhé, cả nhà.")
    assert flags_of(d, two) == []
    assert flags_of(d, three) == [{"kind": "links", "detail": "3 links"}]


# ---- bulk actions -------------------------------------------------------------

@tests.test
def bulk_approve_and_reject(d):
    ids = [new_comment(d, body_text(i)) for i in range(4)]
    page_before = jexpect(listing(d), 200)       # cached
    assert page_before["total"] == 0
    r = jexpect(d.post_json(BULK, {"action": "approve", "ids": [ids[0], ids[1], ids[0], 999999],
                                   "reason": "ổn"}, mod=True), 200)
    res = r["results"]
    assert [x["id"] for x in res] == [ids[0], ids[1], ids[0], 999999], res
    assert [x["status"] for x in res] == [200, 200, 409, 404], res
    assert set(res[0]) == {"id", "status"}
    assert res[2]["error"]["code"] == "conflict" and res[2]["error"]["status"] == "approved"
    assert res[3]["error"]["code"] == "not_found"
    m = check_moderation(jexpect(mod_get(d, ids[0]), 200))
    assert m["status"] == "approved" and m["version"] == 2
    assert [(h["action"], h["reason"]) for h in m["history"]] == [("created", None),
                                                                 ("approved", "ổn")]
    page = jexpect(listing(d), 200)
    assert [c["id"] for c in page["comments"]] == ids[:2], "the page cache saw the bulk at once"
    r = jexpect(d.post_json(BULK, {"action": "reject", "ids": [ids[1], ids[2], ids[3]],
                                   "reason": "trùng lặp"}, mod=True), 200)
    assert [x["status"] for x in r["results"]] == [200, 200, 200]
    m = check_moderation(jexpect(mod_get(d, ids[1]), 200))
    assert m["status"] == "rejected" and m["published_at"] is None
    assert m["history"][-1]["action"] == "rejected" and m["history"][-1]["reason"] == "trùng lặp"
    assert [c["id"] for c in jexpect(listing(d), 200)["comments"]] == [ids[0]]
    assert queue_total(d, "rejected") == 3


@tests.test
def bulk_validation(d):
    cid = new_comment(d)

    def bad(obj, status, code, field=None):
        jexpect(d.post_json(BULK, obj, mod=True), status, code, field)

    bad({"action": "approve", "ids": []}, 422, "invalid_field", "ids")
    bad({"action": "approve", "ids": list(range(1, 102))}, 422, "invalid_field", "ids")
    bad({"action": "approve"}, 422, "invalid_field", "ids")
    bad({"action": "approve", "ids": str(cid)}, 400, "bad_request", "ids")
    bad({"action": "approve", "ids": [cid, "2"]}, 400, "bad_request", "ids")
    bad({"action": "approve", "ids": [cid, 1.5]}, 400, "bad_request", "ids")
    bad({"action": "delete", "ids": [cid]}, 422, "invalid_field", "action")
    bad({"ids": [cid]}, 422, "invalid_field", "action")
    bad({"action": "approve", "ids": [cid], "reason": 5}, 400, "bad_request", "reason")
    bad(["approve"], 400, "bad_request")
    jexpect(d.request("POST", BULK, mod=True), 400, "bad_request")
    jexpect(d.request("POST", BULK, mod=True, data="x", headers={"Content-Type": "text/plain"}),
            415, "unsupported_media_type")
    unauthorized(d, "POST", BULK, json={"action": "approve", "ids": [cid]})
    r = d.get(BULK, mod=True)
    jexpect(r, 405, "method_not_allowed")
    assert r.headers.get("Allow") == "POST"
    assert check_moderation(jexpect(mod_get(d, cid), 200))["version"] == 1, "nothing applied"
    # Exactly 100 is allowed; ids of no comment are 404 each.
    r = jexpect(d.post_json(BULK, {"action": "reject", "ids": [cid] + [-i for i in range(99)]},
                            mod=True), 200)
    assert r["results"][0]["status"] == 200 and len(r["results"]) == 100
    assert {x["status"] for x in r["results"][1:]} == {404}


# ---- erasure --------------------------------------------------------------------

MARKS = ("ZQXAUTHOR", "ZQXMAIL", "ZQXBODY", "ZQXEDIT", "ZQXNOTE", "ZQXREASON", "ZQXFILE")


def raw_files(d):
    """The database, its WAL, and every stored attachment, as bytes."""
    out = {}
    for name in ("ykien.db", "ykien.db-wal"):
        p = os.path.join(d.data, name)
        if os.path.exists(p):
            with open(p, "rb") as f:
                out[name] = f.read()
    for root, _dirs, names in os.walk(os.path.join(d.data, "files")):
        for n in names:
            with open(os.path.join(root, n), "rb") as f:
                out[os.path.join(root, n)] = f.read()
    return out


def find_marks(d, marks):
    found = []
    for name, data in raw_files(d).items():
        for m in marks:
            if m.encode() in data:
                found.append((m, name))
    return found


@tests.test(sqlite_only="reads SQLite's database, WAL and stored files byte by byte; "
                        "erase_leaves_no_row_version_on_postgresql reads PostgreSQL's pages")
def erase_removes_personal_data(d):
    png = random_png(4096)[:-32] + b"ZQXFILE" + b"\0" * 25
    r = post_multipart(d, fields=[("author", "Người ZQXAUTHOR"), ("email", "ZQXMAIL@example.vn"),
                                  ("body", "Ý kiến riêng ZQXBODY của tôi về bài báo này.")],
                       files=[("attachment", "anh-ZQXFILE.png", "image/png", png)])
    cid = jexpect(r, 201)["id"]
    att = r.json()["attachments"][0]["id"]
    keep = new_comment(d, "Một bình luận khác vẫn ở lại, không liên quan.")
    jexpect(action(d, cid, "approve", {"body": "Ý kiến ZQXEDIT đã biên tập.", "note": "ZQXNOTE"}),
            200)
    jexpect(action(d, cid, "reject", {"reason": "ZQXREASON"}), 200)
    jexpect(action(d, cid, "approve"), 200)
    assert find_marks(d, MARKS), "the test must see its marks before the erasure"
    r = d.post_json(f"/api/v1/moderation/comments/{cid}/erase", {"reason": "yêu cầu của bạn đọc"},
                    mod=True)
    m = erased_form(jexpect(r, 200))
    assert m["status"] == "rejected" and m["published_at"] is None
    assert (m["author"], m["body"], m["original_body"], m["email"]) == ("", "", "", ""), m
    assert m["attachments"] == []
    assert [h["action"] for h in m["history"]] == ["created", "edited", "approved", "rejected",
                                                   "approved", "erased"], m["history"]
    assert [h["reason"] for h in m["history"][:-1]] == [None] * 5
    assert m["history"][-1]["reason"] == "yêu cầu của bạn đọc"
    assert m["history"][-1]["moderator"] == "acceptance"
    assert r.headers.get("ETag") == f'"{m["version"]}"'
    left = find_marks(d, MARKS)
    assert not left, f"erased data is still on disk: {left}"
    jexpect(d.get(f"/api/v1/comments/{cid}"), 404, "not_found")
    jexpect(d.get(f"/api/v1/attachments/{att}", mod=True), 404, "not_found")
    assert jexpect(listing(d), 200)["total"] == 0
    # Erased for good.
    jexpect(action(d, cid, "approve"), 409, "conflict")
    jexpect(action(d, cid, "edit", {"body": "Viết lại nội dung mới."}), 409, "conflict")
    jexpect(action(d, cid, "reject"), 409, "conflict")
    jexpect(d.post_json(f"/api/v1/moderation/comments/{cid}/erase", None, mod=True), 409,
            "conflict")
    r = jexpect(d.post_json(BULK, {"action": "approve", "ids": [cid, keep]}, mod=True), 200)
    assert [x["status"] for x in r["results"]] == [409, 200]
    assert check_moderation(jexpect(mod_get(d, keep), 200))["body"].startswith("Một bình luận")
    # The database is still whole.
    assert sql(d, "PRAGMA integrity_check") == [("ok",)]


def pg_row_versions(d, marks):
    """On PostgreSQL: which marks some tuple, live or dead, holds on any
    page of any table of the daemon's database or of its TOAST table
    (through pageinspect), as (mark, table)."""
    db = d.pg_db_name()
    d.psql("CREATE EXTENSION IF NOT EXISTS pageinspect", dbname=db)
    tables = d.psql("SELECT oid::regclass FROM pg_class WHERE relkind = 'r'"
                    " AND relnamespace = 'public'::regnamespace UNION ALL"
                    " SELECT reltoastrelid::regclass FROM pg_class WHERE relkind = 'r'"
                    " AND relnamespace = 'public'::regnamespace AND reltoastrelid <> 0",
                    dbname=db).split()
    assert "comment" in tables and "blob_chunk" in tables, tables
    found = []
    for t in tables:
        out = d.psql(f"SELECT encode(t_data, 'hex') FROM generate_series(0,"
                     f" pg_relation_size('{t}') / current_setting('block_size')::int - 1) AS n,"
                     f" heap_page_items(get_raw_page('{t}', n::int)) WHERE t_data IS NOT NULL",
                     dbname=db)
        tuples = [bytes.fromhex(x) for x in out.split()]
        whole = b"".join(tuples)        # a value TOASTed in pieces, too
        found += [(m, t) for m in marks if m.encode() in whole]
    return found


@tests.test(pg_only="reads PostgreSQL's pages with pageinspect; erase_removes_personal_data "
                    "does the same for SQLite's files")
def erase_leaves_no_row_version_on_postgresql(d):
    png = random_png(4096)[:-32] + b"ZQXFILE" + b"\0" * 25
    r = post_multipart(d, fields=[("author", "Người ZQXAUTHOR"), ("email", "ZQXMAIL@example.vn"),
                                  ("body", "Ý kiến riêng ZQXBODY của tôi về bài báo này.")],
                       files=[("attachment", "anh-ZQXFILE.png", "image/png", png)])
    cid = jexpect(r, 201)["id"]
    keep = new_comment(d, "Một bình luận khác vẫn ở lại, không liên quan.")
    jexpect(action(d, cid, "approve", {"body": "Ý kiến ZQXEDIT đã biên tập.", "note": "ZQXNOTE"}),
            200)
    jexpect(action(d, cid, "reject", {"reason": "ZQXREASON"}), 200)
    jexpect(action(d, cid, "approve"), 200)
    before = {m for m, _t in pg_row_versions(d, MARKS)}
    assert before == set(MARKS), f"the test must see its marks first: {sorted(before)}"
    m = erased_form(jexpect(d.post_json(f"/api/v1/moderation/comments/{cid}/erase",
                                        {"reason": "yêu cầu của bạn đọc"}, mod=True), 200))
    assert (m["author"], m["body"], m["original_body"], m["email"]) == ("", "", "", ""), m
    left = pg_row_versions(d, MARKS)
    assert not left, f"erased text still in row versions: {left}"
    assert check_moderation(jexpect(mod_get(d, keep), 200))["body"].startswith("Một bình luận")


@tests.test
def erase_keeps_files_other_comments_use(d):
    png = random_png(3000)
    a = jexpect(post_multipart(d, files=[("attachment", "a.png", "image/png", png)]), 201)
    b = jexpect(post_multipart(d, files=[("attachment", "b.png", "image/png", png)]), 201)
    jexpect(d.post_json(f"/api/v1/moderation/comments/{a['id']}/erase", None, mod=True), 200)
    got = d.get(f"/api/v1/attachments/{b['attachments'][0]['id']}", mod=True)
    assert got.status_code == 200 and got.content == png
    jexpect(d.post_json(f"/api/v1/moderation/comments/{b['id']}/erase", None, mod=True), 200)
    assert wait_until(lambda: not any(png[-64:] in v for v in raw_files(d).values()))


@tests.test
def erase_errors(d):
    cid = new_comment(d)
    path = f"/api/v1/moderation/comments/{cid}/erase"
    unauthorized(d, "POST", path)
    jexpect(d.post_json("/api/v1/moderation/comments/999999/erase", None, mod=True), 404,
            "not_found")
    jexpect(d.request("POST", path, mod=True, json={"reason": 5}), 400, "bad_request", "reason")
    jexpect(d.request("POST", path, mod=True, data="{", headers={"Content-Type":
                                                                 "application/json"}), 400)
    jexpect(d.request("POST", path, mod=True, json={}, headers={"If-Match": '"7"'}), 409,
            "conflict")
    jexpect(d.request("POST", path, mod=True, json={}, headers={"If-Match": "7"}), 400,
            "bad_request", "If-Match")
    r = d.get(path, mod=True)
    jexpect(r, 405, "method_not_allowed")
    assert r.headers.get("Allow") == "POST"
    assert check_moderation(jexpect(mod_get(d, cid), 200))["body"] == GOOD
    m = erased_form(jexpect(d.request("POST", path, mod=True, json={},
                                      headers={"If-Match": '"1"'}), 200))
    assert m["history"][-1] == {"action": "erased", "moderator": "acceptance",
                                "at": m["history"][-1]["at"], "reason": None}


@tests.test
def metrics_name_the_new_routes(d):
    jexpect(d.get(RULES, mod=True), 200)
    jexpect(d.get(article_url(), mod=True), 200)
    text = d.get("/metrics").text
    assert 'route="rules_list",status="200"' in text, text
    assert 'route="article_show",status="200"' in text
    assert 'ykien_webhook_outbox_depth 0' in text


if __name__ == "__main__":
    sys.exit(tests.main())
