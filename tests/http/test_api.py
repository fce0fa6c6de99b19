#!/usr/bin/python3
"""The API over HTTP.  The life of a comment: posting, the moderation queue
and form, approve / reject / edit with their conflicts, public lists and
cursors, counts, article ids, routing (404, 405, HEAD) and error languages.
What a new comment may contain: text fields (empty, length in code points,
control characters, CRLF, NFC), JSON shape and types, UTF-8, e-mail,
content types; stored text comes back byte for byte and private data never
goes public.

    /usr/bin/python3 tests/http/test_api.py build/ykien [--only NAME]
"""
import sys
import threading

import requests

from support import (ART, GOOD, JSON_CT, RFC3339, TOKEN_NAME, Tests, action, approved_comment,
                     body_text, check_moderation, check_public, comments_url, exchange, jexpect,
                     mod_get, multipart, new_comment, nfc, nfd, parse_responses, post,
                     post_multipart, queue_total, raw_request, walk)

tests = Tests()


@tests.test
def post_json_creates_pending(d):
    r = post(d, GOOD, author="Thu Thảo", email="thao@example.vn")
    c = check_public(jexpect(r, 201))
    assert c["status"] == "pending" and c["article"] == ART and c["parent_id"] is None
    assert c["author"] == "Thu Thảo" and c["body"] == GOOD
    assert c["published_at"] is None and c["edited"] is False and c["attachments"] == []
    assert r.headers.get("Location") == f"/api/v1/comments/{c['id']}", r.headers.get("Location")
    assert "thao@example.vn" not in r.text and "127.0.0.1" not in r.text
    second = jexpect(post(d, body_text(2)), 201)
    assert second["id"] > c["id"], "ids grow"


@tests.test
def post_multipart_creates_pending(d):
    parent = approved_comment(d)
    r = post_multipart(d, fields=[("author", "Minh Anh"), ("email", "anh@example.vn"),
                                  ("body", body_text(1)), ("parent_id", str(parent))])
    c = check_public(jexpect(r, 201))
    assert c["status"] == "pending" and c["author"] == "Minh Anh" and c["body"] == body_text(1)
    assert c["parent_id"] == parent and c["attachments"] == []
    assert r.headers.get("Location") == f"/api/v1/comments/{c['id']}"
    m = jexpect(mod_get(d, c["id"]), 200)
    assert m["email"] == "anh@example.vn", m


@tests.test
def moderation_form_has_private_fields(d):
    cid = new_comment(d, GOOD, email="thao@example.vn")
    r = mod_get(d, cid)
    m = check_moderation(jexpect(r, 200))
    assert m["email"] == "thao@example.vn" and m["original_body"] == GOOD and m["body"] == GOOD
    assert m["version"] == 1 and m["status"] == "pending"
    assert r.headers.get("ETag") == '"1"', r.headers.get("ETag")
    assert [h["action"] for h in m["history"]] == ["created"], m["history"]
    assert m["history"][0]["moderator"] is None and m["history"][0]["reason"] is None
    # Without e-mail, the field is there and null.
    m2 = jexpect(mod_get(d, new_comment(d, body_text(2))), 200)
    assert m2["email"] is None, m2


@tests.test
def approve_with_edited_body_and_note(d):
    original = "Bài viết hay nhưng có một vài từ ngữ chưa phù hợp lắm!!!"
    edited = "Bài viết hay."
    cid = new_comment(d, original, email="x@example.vn")
    r = action(d, cid, "approve", {"body": edited, "note": "rút gọn"})
    m = check_moderation(jexpect(r, 200))
    assert m["status"] == "approved" and RFC3339.match(m["published_at"] or ""), m
    assert m["body"] == edited and m["original_body"] == original and m["edited"] is True
    assert m["version"] == 2, m["version"]
    assert r.headers.get("ETag") == '"2"', r.headers.get("ETag")
    hist = m["history"]
    assert [h["action"] for h in hist] == ["created", "edited", "approved"], hist
    assert hist[-1]["moderator"] == TOKEN_NAME and hist[-1]["reason"] == "rút gọn", hist
    assert hist[1]["moderator"] == TOKEN_NAME, hist
    pub = check_public(jexpect(d.get(f"/api/v1/comments/{cid}"), 200))
    assert pub["body"] == edited and pub["edited"] is True and pub["status"] == "approved"
    assert pub["published_at"] == m["published_at"]


@tests.test
def approve_without_body_keeps_text(d):
    cid = new_comment(d)
    m = jexpect(action(d, cid, "approve"), 200)
    assert m["body"] == GOOD and m["edited"] is False and m["version"] == 2
    assert [h["action"] for h in m["history"]] == ["created", "approved"]
    assert m["history"][1]["reason"] is None
    # An approve body that repeats the text is no edit.
    cid2 = new_comment(d, body_text(2))
    m2 = jexpect(action(d, cid2, "approve", {"body": body_text(2)}), 200)
    assert m2["edited"] is False, m2


@tests.test
def approve_validates_edited_body(d):
    cid = new_comment(d)
    jexpect(action(d, cid, "approve", {"body": "   "}), 422, "empty", "body")
    jexpect(action(d, cid, "approve", {"body": "x" * 5001}), 422, "too_long", "body")
    jexpect(action(d, cid, "approve", {"body": "a\u0000b"}), 422, "invalid_field", "body")
    jexpect(action(d, cid, "approve", {"body": 12}), 400, "bad_request", "body")
    jexpect(action(d, cid, "approve", {"note": 12}), 400, "bad_request", "note")
    jexpect(action(d, cid, "approve", {"note": "x" * 1001}), 422, "too_long", "note")
    jexpect(action(d, cid, "approve", {"note": "rút\x07gọn"}), 422, "invalid_field", "note")
    jexpect(action(d, cid, "reject", {"reason": "spam \u202e"}), 422, "invalid_field", "reason")
    jexpect(action(d, cid, "reject", {"reason": "a\u0000b"}), 422, "invalid_field", "reason")
    jexpect(action(d, cid, "reject", {"reason": ["spam"]}), 400, "bad_request", "reason")
    jexpect(action(d, cid, "reject", ["spam"]), 400, "bad_request")
    # an edit must pass the same text rules as a new comment
    unaccented = "Bai viet rat hay, cam on tac gia da chia se nhung thong tin huu ich"
    jexpect(action(d, cid, "approve", {"body": unaccented}), 422, "missing_diacritics", "body")
    jexpect(action(d, cid, "edit", {"body": unaccented}), 422, "missing_diacritics", "body")
    m = jexpect(mod_get(d, cid), 200)
    assert m["status"] == "pending" and m["version"] == 1, "refused actions change nothing"


@tests.test
def reject_with_reason(d):
    cid = new_comment(d)
    r = action(d, cid, "reject", {"reason": "spam quảng cáo"})
    m = check_moderation(jexpect(r, 200))
    assert m["status"] == "rejected" and m["published_at"] is None
    assert m["history"][-1] == {"action": "rejected", "moderator": TOKEN_NAME,
                                "at": m["history"][-1]["at"], "reason": "spam quảng cáo"}
    jexpect(d.get(f"/api/v1/comments/{cid}"), 404, "not_found")
    q = jexpect(d.get("/api/v1/moderation/queue?status=rejected", mod=True), 200)
    assert [c["id"] for c in q["comments"]] == [cid] and q["total"] == 1
    assert jexpect(d.get("/api/v1/moderation/queue", mod=True), 200)["total"] == 0
    # A reject without a body is fine too.
    jexpect(action(d, new_comment(d, body_text(2)), "reject"), 200)


@tests.test
def take_down_an_approved_comment(d):
    a, b = approved_comment(d, body_text(1)), approved_comment(d, body_text(2))
    other = approved_comment(d, body_text(3), article="bai-khac")
    counts = jexpect(d.get(f"/api/v1/counts?article={ART}&article=bai-khac"), 200)
    assert counts == {"counts": {ART: 2, "bai-khac": 1}}, counts
    m = jexpect(action(d, a, "reject", {"reason": "vi phạm"}), 200)
    assert m["status"] == "rejected" and m["published_at"] is None, m
    lst = jexpect(d.get(comments_url()), 200)
    assert [c["id"] for c in lst["comments"]] == [b] and lst["total"] == 1, lst
    jexpect(d.get(f"/api/v1/comments/{a}"), 404, "not_found")
    jexpect(d.get(f"/api/v1/comments/{b}"), 200)
    counts = jexpect(d.get(f"/api/v1/counts?article={ART}&article=bai-khac"), 200)
    assert counts == {"counts": {ART: 1, "bai-khac": 1}}, counts
    assert jexpect(d.get(f"/api/v1/comments/{other}"), 200)["id"] == other


@tests.test
def reapprove_a_rejected_comment(d):
    cid = new_comment(d)
    jexpect(action(d, cid, "reject", {"reason": "nhầm"}), 200)
    m = jexpect(action(d, cid, "approve", {"note": "duyệt lại"}), 200)
    assert m["status"] == "approved" and RFC3339.match(m["published_at"] or ""), m
    assert [h["action"] for h in m["history"]] == ["created", "rejected", "approved"]
    assert m["version"] == 3
    assert jexpect(d.get(f"/api/v1/comments/{cid}"), 200)["status"] == "approved"
    assert jexpect(d.get(comments_url()), 200)["total"] == 1
    # approved -> rejected -> approved again: still one comment, counted once
    jexpect(action(d, cid, "reject"), 200)
    jexpect(action(d, cid, "approve"), 200)
    assert jexpect(d.get(f"/api/v1/counts?article={ART}"), 200)["counts"][ART] == 1


@tests.test
def patch_edits_without_changing_state(d):
    cid = new_comment(d, GOOD)
    r = action(d, cid, "edit", {"body": "Bài viết rất hay."})
    m = check_moderation(jexpect(r, 200))
    assert m["status"] == "pending" and m["body"] == "Bài viết rất hay." and m["edited"] is True
    assert m["original_body"] == GOOD and m["version"] == 2
    assert r.headers.get("ETag") == '"2"'
    assert m["history"][-1]["action"] == "edited" and m["history"][-1]["moderator"] == TOKEN_NAME
    # Editing a published comment changes what the public sees, state kept.
    jexpect(action(d, cid, "approve"), 200)
    m = jexpect(action(d, cid, "edit", {"body": "Cảm ơn tác giả."}), 200)
    assert m["status"] == "approved" and m["original_body"] == GOOD
    pub = jexpect(d.get(f"/api/v1/comments/{cid}"), 200)
    assert pub["body"] == "Cảm ơn tác giả." and pub["edited"] is True
    assert [h["action"] for h in m["history"]] == ["created", "edited", "approved", "edited"]
    # PATCH needs a body, of the right type, valid as a comment.
    jexpect(action(d, cid, "edit"), 422, "empty", "body")
    jexpect(action(d, cid, "edit", {}), 422, "empty", "body")
    jexpect(action(d, cid, "edit", {"body": 7}), 400, "bad_request", "body")
    jexpect(action(d, cid, "edit", {"body": "x" * 5001}), 422, "too_long", "body")
    # A rejected comment can be edited as well (it stays rejected).
    rid = new_comment(d, body_text(9))
    jexpect(action(d, rid, "reject"), 200)
    assert jexpect(action(d, rid, "edit", {"body": "Đã sửa."}), 200)["status"] == "rejected"


@tests.test
def if_match_guards_actions(d):
    cid = new_comment(d)
    r = mod_get(d, cid)
    v = jexpect(r, 200)["version"]
    assert r.headers["ETag"] == f'"{v}"'
    # stale
    e = jexpect(action(d, cid, "approve", headers={"If-Match": f'"{v + 1}"'}), 409, "conflict")
    assert e["error"].get("status") == "pending", e
    e = jexpect(action(d, cid, "edit", {"body": "Đã sửa."}, headers={"If-Match": '"99"'}),
                409, "conflict")
    assert e["error"].get("status") == "pending", e
    assert jexpect(mod_get(d, cid), 200)["version"] == v, "a refused action changes nothing"
    # malformed
    for bad in ("1", '"abc"', '"1', '"0"', '"-1"', '"1" x'):
        jexpect(action(d, cid, "approve", headers={"If-Match": bad}), 400, "bad_request",
                "If-Match")
    # matching
    m = jexpect(action(d, cid, "edit", {"body": "Đã sửa."}, headers={"If-Match": f'"{v}"'}), 200)
    assert m["version"] == v + 1
    # the old version is now stale
    e = jexpect(action(d, cid, "approve", headers={"If-Match": f'"{v}"'}), 409, "conflict")
    assert e["error"]["status"] == "pending"
    m = jexpect(action(d, cid, "approve", headers={"If-Match": f'W/"{v + 1}"'}), 200)
    assert m["status"] == "approved"
    e = jexpect(action(d, cid, "reject", headers={"If-Match": f'"{v + 1}"'}), 409, "conflict")
    assert e["error"]["status"] == "approved", e
    jexpect(action(d, cid, "reject", headers={"If-Match": "*"}), 200)


@tests.test
def impossible_transitions_are_409(d):
    cid = approved_comment(d)
    e = jexpect(action(d, cid, "approve"), 409, "conflict")
    assert e["error"].get("status") == "approved", e
    e = jexpect(action(d, cid, "approve", {"body": "Sửa lại."}), 409, "conflict")
    m = jexpect(mod_get(d, cid), 200)
    assert m["body"] == GOOD and m["version"] == 2, "a 409 must not apply the edit"
    jexpect(action(d, cid, "reject"), 200)
    e = jexpect(action(d, cid, "reject", {"reason": "lần hai"}), 409, "conflict")
    assert e["error"].get("status") == "rejected", e
    assert len(jexpect(mod_get(d, cid), 200)["history"]) == 3


@tests.test
def two_moderators_never_both_win(d):
    ids = [new_comment(d, body_text(i)) for i in range(12)]
    results = {}

    def act(cid, verb, slot, headers=None):
        s = requests.Session()
        path = f"/api/v1/moderation/comments/{cid}" + ("" if verb == "edit" else f"/{verb}")
        h = {"Authorization": f"Bearer {d.token}"}
        h.update(headers or {})
        r = s.request("PATCH" if verb == "edit" else "POST", d.url + path, headers=h,
                      json={"body": f"Bản sửa số {slot}."} if verb == "edit" else None,
                      timeout=30)
        results[(cid, slot)] = r.status_code
    threads = []
    for n, cid in enumerate(ids):
        if n % 3 == 0:        # approve vs approve
            pair = [(cid, "approve", 0), (cid, "approve", 1)]
        elif n % 3 == 1:      # approve vs reject: both may win, one after the other
            pair = [(cid, "approve", 0), (cid, "reject", 1)]
        else:                 # two edits of version 1
            pair = [(cid, "edit", 0, {"If-Match": '"1"'}), (cid, "edit", 1, {"If-Match": '"1"'})]
        threads += [threading.Thread(target=act, args=p) for p in pair]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for n, cid in enumerate(ids):
        got = sorted([results[(cid, 0)], results[(cid, 1)]])
        m = jexpect(mod_get(d, cid), 200)
        if n % 3 == 1:
            assert got in ([200, 200], [200, 409]), (cid, got)
        else:
            assert got == [200, 409], (cid, got)
        if n % 3 == 0:
            assert m["version"] == 2 and m["status"] == "approved", m
            assert [h["action"] for h in m["history"]] == ["created", "approved"]
        if n % 3 == 2:
            assert m["version"] == 2 and m["body"] in ("Bản sửa số 0.", "Bản sửa số 1."), m
            assert len(m["history"]) == 2


@tests.test
def moderating_while_readers_post(d):
    errors = []
    stop = threading.Event()

    def reader(n):
        s = requests.Session()
        i = 0
        while not stop.is_set() and i < 40:
            r = s.post(d.url + comments_url(), timeout=30,
                       json={"author": "Thu Thảo", "body": body_text(n * 1000 + i)})
            if r.status_code != 201:
                errors.append(("post", r.status_code, r.text[:200]))
            i += 1
    threads = [threading.Thread(target=reader, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    done = 0
    while any(t.is_alive() for t in threads) or done < 160:
        q = jexpect(d.get("/api/v1/moderation/queue?limit=10", mod=True), 200)
        if not q["comments"] and not any(t.is_alive() for t in threads):
            break
        for c in q["comments"]:
            r = action(d, c["id"], "approve" if c["id"] % 2 else "reject")
            if r.status_code != 200:
                errors.append(("moderate", r.status_code, r.text[:200]))
            done += 1
    stop.set()
    for t in threads:
        t.join()
    assert not errors, errors[:5]
    assert done == 160 and queue_total(d) == 0
    total = jexpect(d.get(comments_url()), 200)["total"]
    assert total == queue_total(d, "approved") == 80, total


@tests.test
def unknown_ids_are_404(d):
    new_comment(d)
    for verb in ("approve", "reject"):
        jexpect(action(d, 987654, verb), 404, "not_found")
    jexpect(action(d, 987654, "edit", {"body": "Sửa."}), 404, "not_found")
    jexpect(mod_get(d, 987654), 404, "not_found")
    jexpect(d.get("/api/v1/comments/987654"), 404, "not_found")
    jexpect(d.get("/api/v1/attachments/987654"), 404, "not_found")
    for bad in ("0", "-1", "abc", "01", "1.5", "99999999999999999999999"):
        jexpect(d.get(f"/api/v1/comments/{bad}"), 404, "not_found")
        jexpect(d.get(f"/api/v1/moderation/comments/{bad}", mod=True), 404, "not_found")


@tests.test
def queue_filters_pages_and_totals(d):
    a = [new_comment(d, body_text(i), article="bai-a") for i in range(5)]
    b = [new_comment(d, body_text(10 + i), article="bai-b") for i in range(3)]
    jexpect(action(d, a[1], "approve"), 200)
    jexpect(action(d, b[0], "reject"), 200)
    q = jexpect(d.get("/api/v1/moderation/queue", mod=True), 200)
    pending = [x for x in a + b if x not in (a[1], b[0])]
    assert [c["id"] for c in q["comments"]] == pending and q["total"] == 6, q
    assert q["next"] is None
    for c in q["comments"]:
        check_moderation(c)
        assert c["status"] == "pending"
    q = jexpect(d.get("/api/v1/moderation/queue?status=pending", mod=True), 200)
    assert q["total"] == 6
    q = jexpect(d.get("/api/v1/moderation/queue?status=approved", mod=True), 200)
    assert [c["id"] for c in q["comments"]] == [a[1]] and q["total"] == 1
    q = jexpect(d.get("/api/v1/moderation/queue?status=rejected", mod=True), 200)
    assert [c["id"] for c in q["comments"]] == [b[0]] and q["total"] == 1
    q = jexpect(d.get("/api/v1/moderation/queue?article=bai-a", mod=True), 200)
    assert [c["id"] for c in q["comments"]] == [a[0]] + a[2:] and q["total"] == 4, q
    q = jexpect(d.get("/api/v1/moderation/queue?article=bai-b&status=rejected", mod=True), 200)
    assert [c["id"] for c in q["comments"]] == [b[0]] and q["total"] == 1
    q = jexpect(d.get("/api/v1/moderation/queue?article=khong-co", mod=True), 200)
    assert q == {"comments": [], "next": None, "total": 0}, q
    ids, pages, totals = walk(d, "/api/v1/moderation/queue", mod=True, limit=4)
    assert ids == pending and pages == 2 and totals == {6}, (ids, pages, totals)
    ids, pages, totals = walk(d, "/api/v1/moderation/queue", mod=True, limit=1,
                              extra="article=bai-a")
    assert ids == [a[0]] + a[2:] and pages == 4 and totals == {4}
    jexpect(d.get("/api/v1/moderation/queue?status=spam", mod=True), 400, "bad_request", "status")
    jexpect(d.get("/api/v1/moderation/queue?article=b%C3%A0i", mod=True), 400, "bad_request")
    for bad in ("0", "101", "abc", "-3", "", "%2B5", "%205", "5x"):
        jexpect(d.get(f"/api/v1/moderation/queue?limit={bad}", mod=True), 400, "bad_request",
                "limit")
    jexpect(d.get("/api/v1/moderation/queue?cursor=zzz", mod=True), 400, "bad_request", "cursor")


@tests.test
def public_list_shows_only_approved_in_order(d):
    ids = []
    for i in range(7):
        cid = new_comment(d, body_text(i))
        if i % 3 == 1:
            jexpect(action(d, cid, "reject"), 200)      # never shown
        else:
            jexpect(action(d, cid, "approve"), 200)
            ids.append(cid)
        new_comment(d, body_text(100 + i))              # pending, never shown
    approved_comment(d, body_text(50), article="bai-khac")
    lst = jexpect(d.get(comments_url()), 200)
    assert set(lst) == {"comments", "next", "total", "closed"}
    assert [c["id"] for c in lst["comments"]] == ids and lst["total"] == len(ids)
    assert lst["next"] is None
    for c in lst["comments"]:
        check_public(c)
        assert c["status"] == "approved" and c["article"] == ART
    lst = jexpect(d.get(comments_url() + "?order=oldest"), 200)
    assert [c["id"] for c in lst["comments"]] == ids
    lst = jexpect(d.get(comments_url() + "?order=newest"), 200)
    assert [c["id"] for c in lst["comments"]] == ids[::-1]
    empty = jexpect(d.get(comments_url("chua-co-binh-luan")), 200)
    assert empty == {"comments": [], "next": None, "total": 0, "closed": False}, empty


@tests.test
def cursors_walk_every_comment_once(d):
    ids = [approved_comment(d, body_text(i)) for i in range(23)]
    for limit in (1, 5, 10, 23, 100):
        got, pages, totals = walk(d, comments_url(), limit=limit)
        assert got == ids, (limit, got)
        assert pages == -(-23 // limit), (limit, pages)
        assert totals == {23}
        got, pages, totals = walk(d, comments_url(), limit=limit, order="newest")
        assert got == ids[::-1], (limit, got)
        assert pages == -(-23 // limit)
    # Default limit is 20.
    first = jexpect(d.get(comments_url()), 200)
    assert len(first["comments"]) == 20 and first["next"]
    # A comment published while paging shows up at the end (oldest order)
    # and not twice.
    page1 = jexpect(d.get(comments_url() + "?limit=10"), 200)
    late = approved_comment(d, body_text(99))
    rest, _, _ = walk(d, comments_url(), limit=10, cursor=page1["next"])
    seen = [c["id"] for c in page1["comments"]] + rest
    assert seen == ids + [late], seen
    # A cursor belongs to its order.
    newest = jexpect(d.get(comments_url() + "?limit=5&order=newest"), 200)
    jexpect(d.get(comments_url() + "?cursor=" + newest["next"]), 400, "bad_request", "cursor")
    jexpect(d.get(comments_url() + "?order=newest&cursor=" + page1["next"]), 400,
            "bad_request", "cursor")


@tests.test
def list_parameters_are_checked(d):
    approved_comment(d)
    url = comments_url()
    for bad in ("0", "101", "abc", "-1", "", "1e2", "5x", "99999999999999999999"):
        jexpect(d.get(f"{url}?limit={bad}"), 400, "bad_request", "limit")
    for good in ("1", "100", "20"):
        assert len(jexpect(d.get(f"{url}?limit={good}"), 200)["comments"]) == 1
    for bad in ("random", "NEWEST", "asc", "desc", ""):
        jexpect(d.get(f"{url}?order={bad}"), 400, "bad_request", "order")
    # base64url of nothing sensible, of a too long text, of "v1:d:1" (the other
    # order), "v", "v2:a:1", "v1:a:0" and "v1:a:-1"
    for bad in ("abc", "!!!", "djE6YTox" + "A" * 80, "djE6ZDox", "dj", "djI6YTox", "djE6YTow",
                "djE6YTotMQ"):
        jexpect(d.get(f"{url}?cursor={bad}"), 400, "bad_request", "cursor")
    # English when asked
    r = d.get(f"{url}?limit=0", headers={"Accept-Language": "en"})
    assert jexpect(r, 400)["error"]["message"] == "A query parameter is not valid."


@tests.test
def counts_for_many_articles(d):
    for i in range(3):
        approved_comment(d, body_text(i), article="a1")
    approved_comment(d, body_text(5), article="a2")
    new_comment(d, body_text(6), article="a2")      # pending: not counted
    rid = new_comment(d, body_text(7), article="a3")
    jexpect(action(d, rid, "reject"), 200)
    r = jexpect(d.get("/api/v1/counts?article=a1&article=a2&article=a3&article=a4"), 200)
    assert r == {"counts": {"a1": 3, "a2": 1, "a3": 0, "a4": 0}}, r
    assert jexpect(d.get("/api/v1/counts"), 200) == {"counts": {}}
    assert jexpect(d.get("/api/v1/counts?article=a1&article=a1"), 200) == {"counts": {"a1": 3}}
    q = "&".join(f"article=art-{i}" for i in range(99)) + "&article=a1"
    r = jexpect(d.get("/api/v1/counts?" + q), 200)
    assert len(r["counts"]) == 100 and r["counts"]["a1"] == 3 and r["counts"]["art-5"] == 0
    q = "&".join(f"article=art-{i}" for i in range(101))
    jexpect(d.get("/api/v1/counts?" + q), 400, "bad_request", "article")
    jexpect(d.get("/api/v1/counts?article=a1&article=bad%20id"), 400, "bad_request", "article")
    jexpect(d.get("/api/v1/counts?article="), 400, "bad_request", "article")
    jexpect(d.get("/api/v1/counts?article=a1%00x"), 400, "bad_request", "article")
    assert jexpect(d.get("/api/v1/counts?article=a%31"), 200) == {"counts": {"a1": 3}}
    jexpect(d.get("/api/v1/counts?article=" + "x" * 129), 400, "bad_request", "article")


@tests.test
def article_ids_in_paths(d):
    longest = "a" * 128
    c = jexpect(post(d, body_text(1), article=longest), 201)
    assert c["article"] == longest
    jexpect(d.approve(c["id"]), 200)
    assert jexpect(d.get(comments_url(longest)), 200)["total"] == 1
    assert jexpect(d.get(f"/api/v1/counts?article={longest}"), 200)["counts"][longest] == 1
    every = "AZaz09._-:x"
    assert jexpect(post(d, body_text(2), article=every), 201)["article"] == every
    for bad in ("a" * 129, "a" * 300, "bad%20id", "a!b", "b%C3%A0i-viet", "a%2Cb", "a%22b",
                "a%3Cb%3E", "~x", "a+b", "a%00b", "a%00"):
        jexpect(post(d, body_text(3), article=bad), 400, "bad_request", "article")
        jexpect(d.get(comments_url(bad)), 400, "bad_request", "article")
    # a NUL does not cut the path short
    jexpect(d.get(comments_url(longest) + "%00x"), 404, "not_found")
    jexpect(d.get(f"/api/v1/comments/{c['id']}%00"), 404, "not_found")
    assert jexpect(d.get("/api/v1/moderation/queue", mod=True), 200)["total"] == 1


@tests.test
def replies_share_the_article(d):
    parent = approved_comment(d)
    r = jexpect(post(d, "Tôi đồng ý với bạn.", parent_id=parent), 201)
    assert r["parent_id"] == parent
    jexpect(d.approve(r["id"]), 200)
    lst = jexpect(d.get(comments_url()), 200)
    assert [(c["id"], c["parent_id"]) for c in lst["comments"]] == [(parent, None),
                                                                     (r["id"], parent)]
    e = jexpect(post(d, "Tôi đồng ý.", article="bai-khac", parent_id=parent), 404, "not_found",
                "parent_id")
    assert e
    jexpect(post(d, "Tôi đồng ý.", parent_id=987654), 404, "not_found", "parent_id")
    for bad in (0, -5):
        r = post(d, "Tôi đồng ý.", parent_id=bad)
        assert r.status_code in (404, 422), r.text
        jexpect(r, r.status_code, None, "parent_id")
    assert jexpect(d.get("/api/v1/moderation/queue", mod=True), 200)["total"] == 0
    assert jexpect(post(d, "Không trả lời ai.", parent_id=None), 201)["parent_id"] is None
    # Readers reply to what they can see: a pending or rejected parent is as
    # unknown as a missing one, so hidden ids cannot be probed.
    pending = new_comment(d, "Bình luận đang chờ duyệt.")
    rejected = new_comment(d, "Bình luận sẽ bị từ chối.")
    jexpect(action(d, rejected, "reject"), 200)
    for hidden in (pending, rejected):
        jexpect(post(d, "Tôi đồng ý.", parent_id=hidden), 404, "not_found", "parent_id")


@tests.test
def errors_speak_vietnamese_or_english(d):
    vi = jexpect(d.get("/api/v1/nope"), 404, "not_found")["error"]["message"]
    en = jexpect(d.get("/api/v1/nope", headers={"Accept-Language": "en"}), 404,
                 "not_found")["error"]["message"]
    assert en == "Not found." and vi == "Không tìm thấy.", (vi, en)
    for h, want in (("vi", vi), ("vi-VN", vi), ("en-US,en;q=0.9", en), ("EN", en), ("fr", vi),
                    ("vi;q=0.5, en;q=0.8", en), ("en;q=0.3, vi", vi), ("*", vi), ("", vi),
                    ("en-GB", en), ("env", vi)):
        got = jexpect(d.get("/api/v1/nope", headers={"Accept-Language": h}), 404)
        assert got["error"]["message"] == want, (h, got)
    e = jexpect(post(d, "", headers={"Accept-Language": "en"}), 422, "empty", "body")
    assert e["error"]["message"] == "The text must not be empty.", e
    e = jexpect(post(d, ""), 422, "empty", "body")
    assert e["error"]["message"] == "Nội dung không được để trống.", e
    e = jexpect(d.get("/api/v1/moderation/queue", headers={"Accept-Language": "en"}), 401,
                "unauthorized")
    assert "token" in e["error"]["message"], e


@tests.test
def unknown_paths_are_json_404(d):
    for path in ("/", "/api", "/api/v1", "/api/v1/", "/api/v1/nope", "/api/v2/counts",
                 "/api/v1/comments", "/api/v1/comments/", "/api/v1/articles/a1",
                 "/api/v1/articles//comments", "/api/v1/articles/a1/comments/extra",
                 "/api/v1/moderation", "/api/v1/moderation/comments/1/delete",
                 "/healthz/", "/metricsx", "/API/V1/COUNTS", "/api/v1/counts/../healthz",
                 "/api/v1/%00"):
        # Under the moderation prefix a moderator learns what exists; anyone
        # else gets 401 whatever the path.
        mod = path.startswith("/api/v1/moderation")
        jexpect(d.get(path, mod=mod), 404, "not_found")
        jexpect(d.request("POST", path, mod=mod, json={"a": 1}), 404, "not_found")
        if mod:
            jexpect(d.get(path), 401, "unauthorized")
            jexpect(d.request("DELETE", path), 401, "unauthorized")


@tests.test
def wrong_method_is_405_with_allow(d):
    def allow(r):
        return {m.strip() for m in r.headers.get("Allow", "").split(",") if m.strip()}
    cases = [
        ("DELETE", comments_url(), {"GET", "HEAD", "POST"}),
        ("PUT", comments_url(), {"GET", "HEAD", "POST"}),
        ("POST", "/api/v1/comments/1", {"GET", "HEAD"}),
        ("DELETE", "/api/v1/comments/1", {"GET", "HEAD"}),
        ("PUT", "/api/v1/attachments/1", {"GET", "HEAD"}),
        ("POST", "/api/v1/counts", {"GET", "HEAD"}),
        ("POST", "/api/v1/moderation/queue", {"GET", "HEAD"}),
        ("DELETE", "/api/v1/moderation/comments/1", {"GET", "HEAD", "PATCH"}),
        ("GET", "/api/v1/moderation/comments/1/approve", {"POST"}),
        ("PATCH", "/api/v1/moderation/comments/1/reject", {"POST"}),
        ("POST", "/healthz", {"GET", "HEAD"}),
        ("DELETE", "/metrics", {"GET", "HEAD"}),
    ]
    for method, path, want in cases:
        mod = path.startswith("/api/v1/moderation")
        r = d.request(method, path, mod=mod)
        jexpect(r, 405, "method_not_allowed")
        assert allow(r) == want, (method, path, r.headers.get("Allow"))
        if mod:
            jexpect(d.request(method, path), 401, "unauthorized")
    r = d.request("PUT", comments_url(), json={"author": "A", "body": GOOD})
    jexpect(r, 405, "method_not_allowed")
    assert jexpect(d.get("/api/v1/moderation/queue", mod=True), 200)["total"] == 0


@tests.test
def head_answers_like_get_without_body(d):
    cid = approved_comment(d)
    for path in ("/healthz", comments_url(), f"/api/v1/comments/{cid}",
                 f"/api/v1/counts?article={ART}", "/api/v1/moderation/queue?status=approved",
                 f"/api/v1/moderation/comments/{cid}"):
        mod = "moderation" in path
        g = d.get(path, mod=mod)
        h = d.request("HEAD", path, mod=mod)
        assert g.status_code == 200 and h.status_code == 200, (path, h.status_code)
        assert h.content == b"", path
        assert h.headers.get("Content-Type") == JSON_CT, (path, h.headers)
        assert h.headers.get("Content-Length") == str(len(g.content)), \
            (path, h.headers.get("Content-Length"), len(g.content))
    h = d.request("HEAD", "/api/v1/comments/987654")
    assert h.status_code == 404 and h.content == b""
    h = d.request("HEAD", "/api/v1/moderation/queue")
    assert h.status_code == 401 and h.content == b""


@tests.test
def options_preflight(d):
    r = d.request("OPTIONS", comments_url())
    assert r.status_code == 204, r.status_code
    assert {m.strip() for m in r.headers["Allow"].split(",")} == {"GET", "HEAD", "POST"}
    r = d.request("OPTIONS", "/api/v1/nope")
    jexpect(r, 404, "not_found")



# ---- what a new comment may contain ------------------------------------


def post_raw(d, data, ctype="application/json", headers=None):
    h = {"Content-Type": ctype} if ctype is not None else {}
    h.update(headers or {})
    return d.request("POST", comments_url(), data=data, headers=h)


def cut(unit, n):
    """unit repeated and cut to n code points (must not end in a space)."""
    s = (unit * (n // len(unit) + 1))[:n]
    assert len(s) == n and not s[-1].isspace(), repr(s[-3:])
    return s


AUTHOR_UNIT = "Nguyễn Thị Thảo "       # 16 code points, 3 of them 2-3 bytes
BODY_UNIT = "Rất hay. "                 # 9 code points


@tests.test
def empty_and_blank_fields(d):
    for blank in ("", " ", "   \t\n  ", "\r\n", "\u00a0\u3000\u2003"):
        jexpect(post(d, blank), 422, "empty", "body")
        jexpect(post(d, GOOD, author=blank), 422, "empty", "author")
    r = d.post_json(comments_url(), {"author": "Thu Thảo"})
    jexpect(r, 422, "empty", "body")
    r = d.post_json(comments_url(), {"body": GOOD})
    jexpect(r, 422, "empty", "author")
    r = d.post_json(comments_url(), {"author": None, "body": GOOD})
    jexpect(r, 422, "empty", "author")
    r = d.post_json(comments_url(), {})
    jexpect(r, 422, "empty")
    r = post_multipart(d, fields=[("author", "Thu Thảo"), ("body", "   ")])
    jexpect(r, 422, "empty", "body")
    r = post_multipart(d, fields=[("body", GOOD)])
    jexpect(r, 422, "empty", "author")
    assert queue_total(d) == 0


@tests.test
def text_is_trimmed(d):
    c = jexpect(post(d, "  \n\tBài viết hay.\n  Cảm ơn.  \n\n", author="  Thu Thảo \t"), 201)
    assert c["body"] == "Bài viết hay.\n  Cảm ơn." and c["author"] == "Thu Thảo", c
    m = jexpect(mod_get(d, c["id"]), 200)
    assert m["body"] == c["body"]


@tests.test
def length_limits_count_code_points(d):
    a100, a101 = cut(AUTHOR_UNIT, 100), cut(AUTHOR_UNIT, 101)
    assert len(a100.encode()) > 110, "the boundary must be in code points, not bytes"
    c = jexpect(post(d, GOOD, author=a100), 201)
    assert c["author"] == a100
    jexpect(post(d, GOOD, author=a101), 422, "too_long", "author")
    b5000, b5001 = cut(BODY_UNIT, 5000), cut(BODY_UNIT, 5001)
    assert len(b5000.encode()) > 5500
    c = jexpect(post(d, b5000), 201)
    assert c["body"] == b5000
    jexpect(post(d, b5001), 422, "too_long", "body")
    # Spaces around the text do not count.
    assert jexpect(post(d, "   " + b5000 + "\n\n "), 201)["body"] == b5000
    # Four-byte characters count once each.
    emoji = cut("Hay quá 😀! ", 5000)
    assert jexpect(post(d, emoji), 201)["body"] == emoji
    jexpect(post(d, emoji + "😀"), 422, "too_long", "body")
    # Counted after NFC: 5000 characters sent decomposed are still 5000.
    decomposed = nfd(b5000)
    assert len(decomposed) > 5000
    assert jexpect(post(d, decomposed), 201)["body"] == b5000
    # The same limits over multipart.
    r = post_multipart(d, fields=[("author", a100), ("body", b5000)])
    jexpect(r, 201)
    r = post_multipart(d, fields=[("author", a101), ("body", GOOD)])
    jexpect(r, 422, "too_long", "author")
    r = post_multipart(d, fields=[("author", "Thu Thảo"), ("body", b5001)])
    jexpect(r, 422, "too_long", "body")
    assert queue_total(d) == 6


@tests.test
def control_characters_are_refused(d):
    for ch in ("\u0000", "\u0001", "\u0007", "\u0008", "\u000b", "\u000c", "\u001b",
               "\u001f", "\u007f", "\u0085", "\u009f"):
        jexpect(post(d, "Bài viết" + ch + " hay."), 422, "invalid_field", "body")
        jexpect(post(d, GOOD, author="Thu" + ch + "Thảo"), 422, "invalid_field", "author")
    # NUL as raw JSON text, as the only content, and at the very end
    for raw in (b'{"author":"Thu","body":"\\u0000"}', b'{"author":"Thu","body":"ok\\u0000"}',
                b'{"author":"\\u0000Thu","body":"B\xc3\xa0i vi\xe1\xba\xbft hay."}'):
        r = post_raw(d, raw)
        jexpect(r, 422, "invalid_field")
    # raw NUL bytes inside a multipart text part
    r = post_multipart(d, fields=[("author", "Thu Thảo"), ("body", b"B\xc3\xa0i\x00 hay.")])
    jexpect(r, 422, "invalid_field", "body")
    # tab and newline are text
    c = jexpect(post(d, "Một\tHai\nBa."), 201)
    assert c["body"] == "Một\tHai\nBa."
    assert queue_total(d) == 1


@tests.test
def crlf_is_stored_as_lf(d):
    c = jexpect(post(d, "Dòng một.\r\nDòng hai.\rDòng ba.\r\n\r\nDòng năm."), 201)
    assert c["body"] == "Dòng một.\nDòng hai.\nDòng ba.\n\nDòng năm.", repr(c["body"])
    jexpect(d.approve(c["id"]), 200)
    assert jexpect(d.get(f"/api/v1/comments/{c['id']}"), 200)["body"] == c["body"]
    r = post_multipart(d, fields=[("author", "Thu Thảo"), ("body", "Một.\r\nHai.")])
    assert jexpect(r, 201)["body"] == "Một.\nHai."


@tests.test
def wrong_json_types_are_400(d):
    cases = [
        ({"author": "Thu", "body": 5}, "body"),
        ({"author": "Thu", "body": True}, "body"),
        ({"author": "Thu", "body": ["x"]}, "body"),
        ({"author": "Thu", "body": {"text": "x"}}, "body"),
        ({"author": 1, "body": GOOD}, "author"),
        ({"author": [], "body": GOOD}, "author"),
        ({"author": "Thu", "body": GOOD, "email": 7}, "email"),
        ({"author": "Thu", "body": GOOD, "parent_id": "1"}, "parent_id"),
        ({"author": "Thu", "body": GOOD, "parent_id": 1.5}, "parent_id"),
        ({"author": "Thu", "body": GOOD, "parent_id": True}, "parent_id"),
        ({"author": "Thu", "body": GOOD, "parent_id": [1]}, "parent_id"),
    ]
    for obj, field in cases:
        jexpect(d.post_json(comments_url(), obj), 400, "bad_request", field)
    # null optional members and unknown members are fine
    c = jexpect(d.post_json(comments_url(), {"author": "Thu", "body": GOOD, "email": None,
                                             "parent_id": None, "extra": {"a": [1]}}), 201)
    assert c["parent_id"] is None
    r = post_multipart(d, fields=[("author", "Thu"), ("body", GOOD), ("parent_id", "abc")])
    jexpect(r, 400, "bad_request", "parent_id")
    assert queue_total(d) == 1


@tests.test
def malformed_json_is_400(d):
    for raw in (b"", b"{", b'{"author": "A", "body": ', b"{'author': 'A'}",
                b'{"author": "A", "body": "B"} x', b'{"author": "A" "body": "B"}',
                b'{"author": "A", "body": "B",}', b"nul", b'{"a":1}{"b":2}',
                b'{"author":"A","body":"B\x01"}'):
        jexpect(post_raw(d, raw), 400, "bad_request")
    # duplicate keys, anywhere
    for raw in (b'{"author":"A","body":"x","body":"y"}', b'{"author":"A","author":"A","body":"B"}',
                b'{"author":"A","body":"B","x":{"k":1,"k":2}}'):
        jexpect(post_raw(d, raw), 400, "bad_request")
    # not an object
    for raw in (b"[]", b'["author", "body"]', b'"text"', b"42", b"null", b"true"):
        jexpect(post_raw(d, raw), 400, "bad_request")
    assert queue_total(d) == 0


@tests.test
def invalid_utf8_and_surrogates_are_400(d):
    for raw in (b'{"author":"A","body":"B\xe0i vi\xff\xfet"}',   # stray bytes
                b'{"author":"A","body":"\xc0\xaf"}',              # overlong '/'
                b'{"author":"A","body":"\xed\xa0\x80"}',          # UTF-8 of a surrogate
                b'{"author":"A","body":"\xf4\x90\x80\x80"}',      # past U+10FFFF
                b'{"author":"A","body":"abc\xe1\xba"}',           # cut sequence
                b'{"author":"A\xff","body":"B"}',
                b'{"author":"A","body":"\\ud800"}',               # lone high surrogate
                b'{"author":"A","body":"\\udc00 x"}',             # lone low surrogate
                b'{"author":"A","body":"\\ud800\\u0041"}'):       # high + non-low
        jexpect(post_raw(d, raw), 400, "bad_request")
    r = post_multipart(d, fields=[("author", "Thu"), ("body", b"B\xe0i vi\xff\xfet")])
    jexpect(r, 400, "bad_request", "body")
    assert queue_total(d) == 0
    # a proper pair is one character
    c = jexpect(post_raw(d, b'{"author":"A","body":"Hay qu\\u00e1 \\ud83d\\ude00"}'), 201)
    assert c["body"] == "Hay quá 😀", c


@tests.test
def deep_nesting_is_400_not_a_crash(d):
    for depth in (3000, 20000):
        raw = b'{"author":"A","body":"B","x":' + b"[" * depth + b"]" * depth + b"}"
        jexpect(post_raw(d, raw), 400, "bad_request")
        raw = b'{"author":"A","body":"B","x":' + b'{"a":' * depth + b"1" + b"}" * depth + b"}"
        if len(raw) < 64 * 1024:
            jexpect(post_raw(d, raw), 400, "bad_request")
        jexpect(post_raw(d, b"[" * depth), 400, "bad_request")
    # the same on a moderator action's body
    cid = new_comment(d)
    r = d.request("POST", f"/api/v1/moderation/comments/{cid}/approve", mod=True,
                  data=b"[" * 30000, headers={"Content-Type": "application/json"})
    jexpect(r, 400, "bad_request")
    assert jexpect(mod_get(d, cid), 200)["status"] == "pending"


@tests.test
def email_is_checked_and_private(d):
    for bad in ("no-at", "a@", "@b.vn", "a b@c.vn", "a@@b.vn", "a@b@c.vn", "<a@b.vn>",
                "a@b.vn, c@d.vn", "a;b@c.vn", "x" * 250 + "@b.vn", "a\u0000@b.vn", "a\n@b.vn"):
        jexpect(post(d, GOOD, email=bad), 422, "invalid_field", "email")
    assert queue_total(d) == 0
    email = "thao.nguyen+tin@example.vn"
    cid = new_comment(d, GOOD, email=email)
    assert jexpect(mod_get(d, cid), 200)["email"] == email
    # trimmed; an empty address is no address
    cid2 = new_comment(d, GOOD, email="  an@example.vn ")
    assert jexpect(mod_get(d, cid2), 200)["email"] == "an@example.vn"
    cid3 = new_comment(d, GOOD, email="")
    assert jexpect(mod_get(d, cid3), 200)["email"] is None
    for c in (cid, cid2):
        jexpect(d.approve(c), 200)
    for path in (f"/api/v1/comments/{cid}", comments_url(), f"/api/v1/counts?article={ART}"):
        r = d.get(path)
        jexpect(r, 200)
        assert "example.vn" not in r.text and "email" not in r.text, r.text[:300]
        assert "127.0.0.1" not in r.text and "client" not in r.text, r.text[:300]


@tests.test
def nfd_input_is_stored_nfc(d):
    body = "Tiếng Việt có dấu: ắ ằ ẳ ẵ ặ ố ồ ổ ỗ ộ ướ ừ ử ữ ự."
    r = post(d, nfd(body), author=nfd("Nguyễn Thị Thảo"))
    c = jexpect(r, 201)
    assert c["body"] == nfc(body) and c["author"] == "Nguyễn Thị Thảo", ascii(c["body"])
    # on the wire too: the NFC bytes as UTF-8, not \u escapes, no NFD left
    assert nfc(body).encode() in r.content, r.content[:300]
    assert nfd(body).encode() not in r.content, r.content[:300]
    m = jexpect(mod_get(d, c["id"]), 200)
    assert m["body"] == nfc(body) and m["original_body"] == nfc(body)
    jexpect(d.approve(c["id"]), 200)
    pub = jexpect(d.get(comments_url()), 200)["comments"][0]
    assert pub["body"].encode("utf-8") == nfc(body).encode("utf-8")
    r = post_multipart(d, fields=[("author", nfd("Thảo")), ("body", nfd(body))])
    assert jexpect(r, 201)["body"] == nfc(body)


HOSTILE = [
    '<script>alert("xss")</script> Bài viết hay',
    "<img src=x onerror=alert(1)> Cảm ơn tác giả",
    "'; DROP TABLE comment; -- Bình luận",
    "Robert'); DELETE FROM comment WHERE 1=1; --",
    "&lt;b&gt; &amp; \"ngoặc kép\" \\ gạch chéo / và </script>",
    "{{7*7}} ${7*7} %s %n %x %%",
    "\\u0041 không phải chữ A",
    "Đoạn một.\n\n<p>Đoạn hai</p>\t\"trích\"",
    "Chữ שלום viết \u200fphải sang trái và \u200bkhoảng trắng rộng 0",
]


@tests.test
def disguising_characters_are_refused(d):
    """Bidi overrides and isolates anywhere, and invisible format characters
    in names, would let a text display as something it is not: 422, and
    nothing stored.  Zero-width joiners (emoji) and marks stay allowed."""
    refused = [
        ("Bài viết \u202eyaj\u202c hay", "Thu Thảo", "body"),
        ("Bài viết \u2067hay\u2069 lắm", "Thu Thảo", "body"),
        ("Bài viết hay.", "Ban biên tập\u202e", "author"),
        ("Bài viết hay.", "Ban\u200bbiên tập", "author"),
        ("Bài viết hay.", "\ufeffThu Thảo", "author"),
        ("Bài viết hay.", "Thu\u2060Thảo", "author"),
    ]
    for body, author, field in refused:
        jexpect(post(d, body, author=author), 422, "invalid_field", field)
    assert jexpect(d.get("/api/v1/moderation/queue", mod=True), 200)["total"] == 0
    ok = jexpect(post(d, "Gia đình 👨\u200d👩\u200d👧 xin cảm ơn.", author="An 👨\u200d👩\u200d👧"), 201)
    assert "\u200d" in ok["author"] and "\u200d" in ok["body"]


@tests.test
def stored_text_comes_back_byte_for_byte(d):
    ids = []
    for i, text in enumerate(HOSTILE):
        author = text[:40].strip() if i % 2 else "Thu Thảo"
        r = post(d, text, author=author)
        c = jexpect(r, 201)
        assert c["body"] == text and c["author"] == author, (text, c)
        ids.append((c["id"], author, text))
    for cid, author, text in ids:
        m = jexpect(mod_get(d, cid), 200)
        assert m["body"] == text and m["original_body"] == text and m["author"] == author
        jexpect(d.approve(cid), 200)
        r = d.get(f"/api/v1/comments/{cid}")
        c = jexpect(r, 200)
        assert c["body"].encode() == text.encode() and c["author"] == author
        # JSON-escaped, not HTML-escaped
        assert "&lt;script" not in r.text.replace(text, "")
    lst = jexpect(d.get(comments_url() + "?limit=100"), 200)
    assert [c["body"] for c in lst["comments"]] == HOSTILE
    assert lst["total"] == len(HOSTILE), "the table is still whole"


@tests.test
def request_content_types(d):
    body = '{"author": "Thu", "body": "Bài viết hay."}'.encode()
    for ct in ("text/plain", "application/x-www-form-urlencoded", "text/json",
               "application/jsonx", "application/xml", "image/png", "*/*", ""):
        jexpect(post_raw(d, body, ct), 415, "unsupported_media_type")
    # no Content-Type at all (raw, since libraries like to add one)
    data, closed = exchange(d, raw_request("POST", comments_url(), body=body))
    (resp,), _ = parse_responses(data)
    assert resp.status == 415 and resp.json()["error"]["code"] == "unsupported_media_type", resp
    for ct in ("application/json", "application/json; charset=utf-8",
               "application/json;charset=UTF-8", "Application/JSON"):
        jexpect(post_raw(d, body, ct), 201)
    # multipart without a boundary cannot be parsed
    jexpect(post_raw(d, b"x", "multipart/form-data"), 400, "bad_request")
    # moderator actions take JSON only
    cid = new_comment(d)
    r = d.request("POST", f"/api/v1/moderation/comments/{cid}/approve", mod=True,
                  data=b"note=x", headers={"Content-Type": "application/x-www-form-urlencoded"})
    jexpect(r, 415, "unsupported_media_type")
    r = d.request("PATCH", f"/api/v1/moderation/comments/{cid}", mod=True,
                  data="Sửa".encode(), headers={"Content-Type": "text/plain"})
    jexpect(r, 415, "unsupported_media_type")
    assert jexpect(mod_get(d, cid), 200)["version"] == 1
    assert queue_total(d) == 5


@tests.test
def multipart_fields(d):
    # a repeated text field is ambiguous: refused
    r = post_multipart(d, fields=[("author", "Thu"), ("body", GOOD), ("body", "Khác.")])
    jexpect(r, 400, "bad_request")
    # unknown parts are ignored like unknown JSON members
    r = post_multipart(d, fields=[("author", "Thu"), ("body", GOOD), ("website", "x")])
    c = jexpect(r, 201)
    assert c["body"] == GOOD
    # a body cut before the closing boundary is malformed
    data, ctype = multipart([("author", "Thu"), ("body", GOOD)])
    for n in (30, 4):
        r = d.request("POST", comments_url(), data=data[:-n], headers={"Content-Type": ctype})
        jexpect(r, 400, "bad_request")
    assert queue_total(d) == 1


if __name__ == "__main__":
    sys.exit(tests.main())
