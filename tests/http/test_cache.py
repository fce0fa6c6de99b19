#!/usr/bin/env python3
"""Public list pages are served from a response cache: every moderation
action that changes what readers see must show at once, ETags must change
with the content, and If-None-Match must give 304 only for the current page.

    python3 tests/http/test_cache.py build/ykien
"""
import os
import sys

from support import Tests, expect

suite = Tests()
ART = "cache-article"


def post(d, text, art=ART):
    return expect(d.post_comment(art, text), 201).json()["id"]


def listing(d, query="", headers=None):
    return d.get(f"/api/v1/articles/{ART}/comments{query}", headers=headers or {})


class CacheCounts:
    """Page cache hits and misses counted by /metrics since the last
    check(): check(hits, misses) asserts how many of each there were."""

    def __init__(self, d):
        self.d = d
        self.hits, self.misses = self.now()

    def now(self):
        m = self.d.metrics()
        return m["ykien_page_cache_hits_total"], m["ykien_page_cache_misses_total"]

    def check(self, hits, misses):
        h, m = self.now()
        got = (h - self.hits, m - self.misses)
        self.hits, self.misses = h, m
        assert got == (hits, misses), f"page cache (hits, misses): got {got}, want {(hits, misses)}"


@suite.test
def approve_shows_at_once(d):
    a = post(d, "Ý kiến thứ nhất về bài báo.")
    b = post(d, "Ý kiến thứ hai về bài báo.")
    expect(d.approve(a), 200)
    counts = CacheCounts(d)
    first = expect(listing(d), 200)
    assert [c["id"] for c in first.json()["comments"]] == [a]
    counts.check(hits=0, misses=1)
    again = expect(listing(d), 200)          # a cache hit: same bytes, same ETag
    assert again.content == first.content and again.headers["ETag"] == first.headers["ETag"]
    counts.check(hits=1, misses=0)
    expect(d.approve(b), 200)
    after = expect(listing(d), 200).json()
    assert [c["id"] for c in after["comments"]] == [a, b] and after["total"] == 2, after
    counts.check(hits=0, misses=1)           # the approval made the cached page stale


@suite.test
def take_down_and_edit_show_at_once(d):
    a = post(d, "Bình luận sẽ bị gỡ xuống.")
    b = post(d, "Bình luận sẽ được sửa lại.")
    expect(d.approve(a), 200)
    expect(d.approve(b), 200)
    assert expect(listing(d), 200).json()["total"] == 2
    counts = CacheCounts(d)
    expect(d.reject(a, reason="vi phạm"), 200)
    page = expect(listing(d), 200).json()
    assert [c["id"] for c in page["comments"]] == [b] and page["total"] == 1, page
    counts.check(hits=0, misses=1)
    r = d.request("PATCH", f"/api/v1/moderation/comments/{b}", mod=True,
                  json={"body": "Bình luận đã được biên tập."})
    expect(r, 200)
    page = expect(listing(d), 200).json()
    assert page["comments"][0]["body"] == "Bình luận đã được biên tập.", page
    assert page["comments"][0]["edited"] is True
    counts.check(hits=0, misses=1)


@suite.test
def etag_revalidation(d):
    a = post(d, "Bình luận cho thử ETag.")
    expect(d.approve(a), 200)
    first = expect(listing(d), 200)
    etag = first.headers.get("ETag")
    assert etag and first.headers.get("Cache-Control") == "no-cache", first.headers
    counts = CacheCounts(d)
    r = listing(d, headers={"If-None-Match": etag})
    assert r.status_code == 304 and r.content == b"", r.status_code
    assert r.headers.get("ETag") == etag
    counts.check(hits=1, misses=0)           # the 304 came from the cache
    b = post(d, "Một bình luận nữa.")
    expect(d.approve(b), 200)
    r = listing(d, headers={"If-None-Match": etag})
    assert r.status_code == 200 and r.headers["ETag"] != etag, r.status_code
    assert r.json()["total"] == 2


@suite.test
def pages_are_cached_separately(d):
    ids = [post(d, f"Bình luận số {i} trong danh sách.") for i in range(5)]
    for cid in ids:
        expect(d.approve(cid), 200)
    counts = CacheCounts(d)
    for rnd in range(2):                     # the second round is served from the cache
        oldest = expect(listing(d, "?limit=2"), 200).json()
        newest = expect(listing(d, "?limit=2&order=newest"), 200).json()
        assert [c["id"] for c in oldest["comments"]] == ids[:2]
        assert [c["id"] for c in newest["comments"]] == ids[::-1][:2]
        nxt = expect(listing(d, "?limit=2&cursor=" + oldest["next"]), 200).json()
        assert [c["id"] for c in nxt["comments"]] == ids[2:4]
        counts.check(hits=3 * rnd, misses=3 * (1 - rnd))
    other = expect(d.get("/api/v1/articles/other-article/comments"), 200).json()
    assert other["total"] == 0
    counts.check(hits=0, misses=1)


@suite.test
def decoded_query_cannot_poison_another_page(d):
    ids = [post(d, f"Bình luận số {i} của trang.") for i in range(3)]
    for cid in ids:
        expect(d.approve(cid), 200)
    # A parameter whose decoded name contains "=" and "&" must not be taken
    # for (or stored as) the page "?limit=1&order=newest".
    counts = CacheCounts(d)
    expect(listing(d, "?limit%3D1%26order=newest"), 200)
    page = expect(listing(d, "?limit=1&order=newest"), 200).json()
    assert [c["id"] for c in page["comments"]] == [ids[-1]] and page["next"], page
    counts.check(hits=0, misses=2)
    # Unknown parameters share the page of the known ones, not another.
    a = expect(listing(d, "?limit=2&utm_source=x"), 200).json()
    b = expect(listing(d, "?limit=2"), 200).json()
    assert a == b and len(b["comments"]) == 2
    counts.check(hits=1, misses=1)


@suite.test
def errors_are_not_cached(d):
    counts = CacheCounts(d)
    expect(listing(d, "?limit=0"), 400, "bad_request")
    expect(listing(d, "?limit=0"), 400, "bad_request")
    counts.check(hits=0, misses=2)
    a = post(d, "Bình luận hợp lệ.")
    expect(d.approve(a), 200)
    assert expect(listing(d), 200).json()["total"] == 1


@suite.test
def head_of_cached_page(d):
    a = post(d, "Bình luận cho HEAD.")
    expect(d.approve(a), 200)
    body = expect(listing(d), 200)
    counts = CacheCounts(d)
    h = d.request("HEAD", f"/api/v1/articles/{ART}/comments")
    assert h.status_code == 200 and h.content == b""
    assert int(h.headers["Content-Length"]) == len(body.content)
    counts.check(hits=1, misses=0)


def without_page_cache(d):
    """--page-cache-mb 0: the same pages, straight from the database."""
    d.stop()
    d.extra_args += ["--page-cache-mb", "0"]
    d.start()
    a = post(d, "Bình luận không qua bộ đệm.")
    expect(d.approve(a), 200)
    first = expect(listing(d), 200).json()
    assert [c["id"] for c in first["comments"]] == [a]
    b = post(d, "Bình luận thứ hai.")
    expect(d.approve(b), 200)
    assert [c["id"] for c in expect(listing(d), 200).json()["comments"]] == [a, b]
    assert expect(listing(d), 200).json()["total"] == 2
    assert CacheCounts(d).now() == (0, 0), "no page cache: no lookups at all"


suite.test(without_page_cache)


if __name__ == "__main__":
    sys.exit(suite.main())
