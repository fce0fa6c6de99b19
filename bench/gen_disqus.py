#!/usr/bin/env python3
"""Writes a Disqus export of about SIZE megabytes, for the import benchmark.

    python3 bench/gen_disqus.py OUT.xml [SIZE_MB]     (default 1024)

Threads first, as Disqus writes them, then posts in time order spread over
the threads; a quarter are replies (to an earlier post of the same thread,
now and then to a later one, as Disqus's order allows), a few are deleted
or spam; HTML bodies of Vietnamese text with links, entities and CDATA.
Deterministic (seeded).  Prints the number of threads and posts.
"""
import random
import sys

WORDS = ("bài viết rất hay cảm ơn tác giả thông tin hữu ích tôi đồng ý với ý kiến "
         "của bạn thành phố Thủ Dầu Một phát triển giao thông người dân mong chờ "
         "dự án này sớm hoàn thành chất lượng cuộc sống được nâng cao").split()


def body(rng):
    words = rng.choices(WORDS, k=rng.randint(20, 90))
    text = " ".join(words)
    parts = [f"<p>{text[:len(text) // 2]}</p>", f"<p>{text[len(text) // 2:]} &amp; thêm</p>"]
    if rng.random() < 0.2:
        parts.append('<p>Xem <a href="https://example.vn/tin/%d" rel="nofollow">tại đây</a></p>'
                     % rng.randint(1, 10 ** 6))
    return "".join(parts)


def main():
    out = sys.argv[1]
    target = int(sys.argv[2] if len(sys.argv) > 2 else 1024) * 1024 * 1024
    rng = random.Random(7)
    threads = max(100, target // 60000)
    written = 0
    with open(out, "w", encoding="utf-8", buffering=1 << 20) as f:
        def w(s):
            nonlocal written
            f.write(s)
            written += len(s.encode("utf-8")) if not s.isascii() else len(s)
        w('<?xml version="1.0" encoding="utf-8"?>\n<disqus xmlns="http://disqus.com" '
          'xmlns:dsq="http://disqus.com/disqus-internals">\n')
        for t in range(threads):
            w(f'<thread dsq:id="{1000000 + t}">\n<id>bai-{t}</id>\n<forum>bench</forum>\n'
              f'<link>https://baothudaumot.example.vn/tin-tuc/{2015 + t % 10}/bai-so-{t}/</link>\n'
              f'<title>Bài số {t}</title>\n<createdAt>2015-01-01T00:00:00Z</createdAt>\n'
              f'<isClosed>false</isClosed>\n<isDeleted>false</isDeleted>\n</thread>\n')
        posts = 0
        last = {}
        while written < target:
            posts += 1
            pid = 5000000 + posts
            t = rng.randrange(threads)
            parent = ""
            if rng.random() < 0.25 and t in last:
                ref = last[t] if rng.random() < 0.9 else pid + rng.randint(1, 50)
                parent = f'<parent dsq:id="{ref}"/>\n'
            last[t] = pid
            secs = 1420070400 + posts * 37
            when = "%04d-%02d-%02dT%02d:%02d:%02dZ" % (
                2015 + secs // 31536000 % 10, 1 + secs // 2592000 % 12, 1 + secs // 86400 % 28,
                secs // 3600 % 24, secs // 60 % 60, secs % 60)
            deleted = "true" if rng.random() < 0.02 else "false"
            spam = "true" if rng.random() < 0.03 else "false"
            w(f'<post dsq:id="{pid}">\n<id/>\n<message><![CDATA[{body(rng)}]]></message>\n'
              f'<createdAt>{when}</createdAt>\n<isDeleted>{deleted}</isDeleted>\n'
              f'<isSpam>{spam}</isSpam>\n<author>\n<email>reader{posts % 50000}@example.vn</email>\n'
              f'<name>Bạn đọc {posts % 50000}</name>\n<isAnonymous>false</isAnonymous>\n'
              f'<username>reader{posts % 50000}</username>\n</author>\n'
              f'<ipAddress>203.0.113.{posts % 250}</ipAddress>\n'
              f'<thread dsq:id="{1000000 + t}"/>\n{parent}</post>\n')
        w("</disqus>\n")
    print(f"{threads} threads, {posts} posts, {written / 1e6:.0f} MB in {out}")


if __name__ == "__main__":
    main()
