#!/usr/bin/env python3
"""ykien's benchmark suite: every scenario of the performance issue against
ykien and its anchors, interleaved, on loopback, bounded in time.

    bench/run.sh                 (builds a release binary, then runs this)
    python3 bench/run.py --binary build-rel/ykien --seed build-rel/bench/ykien-seed [--runs 3]

Anchors (from ../shared/peers): nginx serving ykien's very own list bytes as
a static file (the ceiling), and Waline (a Node.js comment server) for
posting.  An anchor that cannot be started is skipped, and the table says so.
Prints one table: scenario, ykien, anchor, ratio, p50/p99, RSS.

Every reply is checked (bench/wrk/check.lua, mix.lua): a scenario in which
ykien gave any non-2xx or short reply (a list page shorter than the page, a
201 without its comment), or a timeout, is marked FAILED in its row and the
run exits 1.  Rows measured on pages served from the page cache say so, and
the page cache's hit counter in /metrics must confirm it.
"""
import argparse
import base64
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PEERS = os.path.join(ROOT, "..", "shared", "peers")
SHARED_WRK = os.path.join(PEERS, "wrk")
CHECK = os.path.join(HERE, "wrk", "check.lua")


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def wrk(url, script, conns=64, threads=2, duration="10s", env=None, headers=(), expect=None):
    """Runs wrk; expect is the body length every reply must have."""
    if expect is not None:
        env = dict(env or {}, EXPECT_BYTES=str(expect))
    cmd = ["wrk", f"-t{threads}", f"-c{conns}", f"-d{duration}", "--timeout", "30s",
           "--latency", "-s", script]
    for h in headers:
        cmd += ["-H", h]
    cmd.append(url)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, **(env or {}))).stdout
    for line in out.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"wrk printed no RESULT line:\n{out}")


class Ykien:
    def __init__(self, binary, data, extra=()):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [binary, "serve", "--listen", f"127.0.0.1:{self.port}", "--data", data,
             "--rate-limit", "0", *extra],
            stderr=open(os.path.join(data, "daemon.log"), "ab"))
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                if urllib.request.urlopen(self.url + "/healthz", timeout=1).status == 200:
                    return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("ykien did not start")

    def get(self, path, token=None):
        req = urllib.request.Request(self.url + path)
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        return urllib.request.urlopen(req, timeout=10).read()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=60)


def start_peer(script, port):
    try:
        out = subprocess.run([os.path.join(PEERS, script), str(port)], capture_output=True,
                             text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, str(e)
    if out.returncode != 0:
        return None, (out.stderr.strip().splitlines() or ["failed"])[-1]
    return out.stdout.strip().split()[-1], None


def stop_peer(pid):
    if pid:
        subprocess.run([os.path.join(PEERS, "stop.sh"), pid], capture_output=True, timeout=60)


def cpu_ticks(pid):
    """utime + stime of pid and its direct children, in clock ticks."""
    total = 0
    pids = [pid]
    try:
        pids += subprocess.run(["pgrep", "-P", str(pid)], capture_output=True,
                               text=True).stdout.split()
    except OSError:
        pass
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total


def wait_idle(pid, limit=60):
    """Waits until a server stops burning CPU: Node keeps serving requests a
    closed wrk connection had already sent, and that backlog must not spill
    into the next measurement."""
    deadline = time.time() + limit
    while time.time() < deadline:
        a = cpu_ticks(pid)
        time.sleep(0.5)
        if cpu_ticks(pid) - a <= 2:
            return


def bad_replies(result):
    """Replies that were not as they should be: non-2xx, short, or none."""
    return (result.get("app_fail", 0) + result.get("err_status", 0)
            + result.get("err_timeout", 0))


def cache_hits(y):
    """The page cache's hit counter in ykien's /metrics."""
    for line in y.get("/metrics").decode().splitlines():
        if line.startswith("ykien_page_cache_hits_total "):
            return int(float(line.split()[1]))
    return 0


def cursor(newest, last_id):
    raw = f"v1:{'d' if newest else 'a'}:{last_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def median_run(results):
    """The run whose rps is the median, so its latencies go with it."""
    ordered = sorted(results, key=lambda r: r["rps"])
    return ordered[len(ordered) // 2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, "build-rel", "ykien"))
    ap.add_argument("--seed", default=os.path.join(ROOT, "build-rel", "bench", "ykien-seed"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--duration", default="10s")
    ap.add_argument("--big-articles", type=int, default=10000)
    ap.add_argument("--big-per-article", type=int, default=100)
    ap.add_argument("--no-waline", action="store_true")
    ap.add_argument("--work", default=None, help="scratch folder (default: a new temp dir)")
    a = ap.parse_args()
    work = a.work or tempfile.mkdtemp(prefix="ykien-bench-")
    os.makedirs(work, exist_ok=True)
    rows, notes = [], []
    started = []
    failed = {}             # scenario -> replies that were not as they should be

    def checked(scenario, results):
        """Records the scenario as failed when any run had a bad reply."""
        n = sum(bad_replies(r) for r in results)
        if n:
            failed[scenario] = failed.get(scenario, 0) + n
        return results

    def failed_mark(scenario):
        return f"FAILED ({failed[scenario]:,} bad replies) " if scenario in failed else ""

    small = os.path.join(work, "small")
    big = os.path.join(work, "big")
    shutil.rmtree(small, ignore_errors=True)
    subprocess.run([a.seed, small, "100", "60", "100"], check=True, stdout=subprocess.DEVNULL)
    if not os.path.exists(os.path.join(big, "ykien.db")):
        log(f"seeding {a.big_articles * a.big_per_article:,} comments (kept in {big} for reruns)")
        subprocess.run([a.seed, big, str(a.big_articles), str(a.big_per_article), "80"],
                       check=True, stdout=subprocess.DEVNULL)

    # ---- anchors -------------------------------------------------------
    nginx_port, waline_port = free_port(), free_port()
    static_dir = os.path.join(work, "nginx-static")
    os.environ["NGINX_STATIC_DIR"] = static_dir
    os.environ["NGINX_RUN_DIR"] = os.path.join(work, "nginx-run")
    nginx_pid, why = start_peer("nginx-start.sh", nginx_port)
    if not nginx_pid:
        notes.append(f"nginx anchor skipped: {why}")
    waline_pid = None
    if not a.no_waline:
        setup = subprocess.run([os.path.join(PEERS, "waline-setup.sh")], capture_output=True,
                               text=True, timeout=900)
        if setup.returncode == 0:
            waline_pid, why = start_peer("waline-start.sh", waline_port)
        else:
            why = (setup.stderr.strip().splitlines() or ["setup failed"])[-1]
        if not waline_pid:
            notes.append(f"Waline anchor skipped: {why}")
    else:
        notes.append("Waline anchor skipped: --no-waline")

    try:
        y = Ykien(a.binary, small)
        started.append(y)
        list_path = "/api/v1/articles/a0/comments?limit=50"
        page = y.get(list_path)
        if nginx_pid:
            with open(os.path.join(static_dir, "ykien-list-50.json"), "wb") as f:
                f.write(page)
        log(f"list page: {len(page)} bytes")
        idle_rss = rss_mib(y.proc.pid)

        # ---- 1-3: interleaved runs --------------------------------------
        res = {k: [] for k in ("list", "nginx", "post", "waline_post", "mix")}
        rss = {k: 0.0 for k in res}
        # POST_OK: a 201 must carry the new comment, not only the status.
        post_env = {"POST_PATH": "/api/v1/articles/bench-post/comments",
                    "POST_OK": '"status":"pending"', "POST_XFF": "0",
                    "POST_BODY": '{"author":"Bạn đọc {id}","body":"Bình luận {id}: bài viết '
                                 'rất hay, cảm ơn tác giả."}'}
        hits = {"list": 0, "mix": 0}
        for run in range(a.runs):
            log(f"run {run + 1}/{a.runs}")
            before = cache_hits(y)
            res["list"].append(wrk(y.url + list_path, CHECK, duration=a.duration,
                                   expect=len(page)))
            hits["list"] += cache_hits(y) - before
            rss["list"] = max(rss["list"], rss_mib(y.proc.pid))
            if nginx_pid:
                res["nginx"].append(wrk(f"http://127.0.0.1:{nginx_port}/ykien-list-50.json",
                                        CHECK, duration=a.duration, expect=len(page)))
            res["post"].append(wrk(y.url, os.path.join(SHARED_WRK, "post-comment.lua"),
                                   duration=a.duration, env=post_env))
            rss["post"] = max(rss["post"], rss_mib(y.proc.pid))
            if waline_pid:
                res["waline_post"].append(wrk(f"http://127.0.0.1:{waline_port}",
                                              os.path.join(SHARED_WRK, "post-comment.lua"),
                                              duration=a.duration))
                wait_idle(waline_pid)
            before = cache_hits(y)
            res["mix"].append(wrk(y.url, os.path.join(HERE, "wrk", "mix.lua"),
                                  duration=a.duration,
                                  env={"LIST_PATH": list_path, "EXPECT_BYTES": str(len(page))}))
            hits["mix"] += cache_hits(y) - before
            rss["mix"] = max(rss["mix"], rss_mib(y.proc.pid))

        def row(name, ours, anchor, anchor_name, target, rss_value):
            o = median_run(ours)
            ratio = ""
            if anchor:
                ratios = [x["rps"] / y_["rps"] for x, y_ in zip(ours, anchor)]
                ratio = f"{statistics.median(ratios):.2f}"
                m = median_run(anchor)
                anchor_txt = (f"{m['rps']:,.0f} ({anchor_name}; p50/p99 "
                              f"{m['p50_ms']:.2f}/{m['p99_ms']:.2f} ms)")
            else:
                anchor_txt = f"skipped ({anchor_name})"
            checked(name, ours)
            ours_txt = failed_mark(name) + f"{o['rps']:,.0f}"
            rows.append([name, ours_txt, anchor_txt, ratio, target,
                         f"{o['p50_ms']:.2f} / {o['p99_ms']:.2f}", f"{rss_value:.1f}"])

        list_name = "GET 50-comment list, served from the page cache (c64)"
        mix_name = "95% list (served from the page cache) / 5% post (c64)"
        # The mix's lists are 19 requests in 20.
        for k, (name, share) in {"list": (list_name, 1.0), "mix": (mix_name, 0.95)}.items():
            want = share * sum(r["requests"] for r in res[k])
            if hits[k] < 0.99 * want:
                notes.append(f"{name}: only {hits[k]:,} of ~{want:,.0f} pages came from the "
                             f"page cache")
        row(list_name, res["list"], res["nginx"], "nginx, same bytes",
            ">= 0.70, p99 < 5 ms", rss["list"])
        row("POST comment, durable (c64)", res["post"], res["waline_post"], "Waline",
            ">= 10,000/s, p99 < 20 ms", rss["post"])
        row(mix_name, res["mix"], res["nginx"], "nginx, same bytes", ">= 0.50", rss["mix"])
        y.stop()
        started.remove(y)

        # ---- 4: data growth ---------------------------------------------
        growth_cached = "list p50, 1M comments vs 6k (served from the page cache, c64)"
        growth_db = "list p50, 1M comments vs 6k (database path: page cache off, c64)"
        queue_name = "queue page 90% deep vs first (c1)"
        counts_name = "counts for 100 articles (c1)"
        stats = {}
        for label, data in (("small", small), ("big", big)):
            # The database path: the same page from a daemon without the
            # page cache.
            yy = Ykien(a.binary, data, extra=("--page-cache-mb", "0"))
            started.append(yy)
            size = len(yy.get(list_path))
            # a discarded warm-up: both databases start from warm OS caches
            wrk(yy.url + list_path, CHECK, duration="2s", expect=size)
            uncached = checked(growth_db, [wrk(yy.url + list_path, CHECK, duration="5s",
                                               expect=size) for _ in range(a.runs)])
            yy.stop()
            started.remove(yy)
            yy = Ykien(a.binary, data)
            started.append(yy)
            if label == "big":
                idle_big = rss_mib(yy.proc.pid)
            token = subprocess.run([a.binary, "token", "add", f"bench{time.time_ns()}",
                                    "--data", data], capture_output=True, text=True,
                                   check=True).stdout.strip()
            yy.get(list_path)
            before = cache_hits(yy)
            cached = checked(growth_cached, [wrk(yy.url + list_path, CHECK, duration="5s",
                                                 expect=size) for _ in range(a.runs)])
            served = sum(r["requests"] for r in cached)
            if cache_hits(yy) - before < 0.99 * served:
                notes.append(f"{growth_cached} ({label}): only {cache_hits(yy) - before:,} of "
                             f"{served:,} pages came from the page cache")
            stats[label] = (median_run(cached), median_run(uncached))
            if label == "big":
                auth = [f"Authorization: Bearer {token}"]
                first_path = "/api/v1/moderation/queue?limit=50"
                total = a.big_articles * a.big_per_article
                deep_path = f"/api/v1/moderation/queue?limit=50&cursor={cursor(False, int(total * 0.9))}"
                counts_path = "/api/v1/counts?" + "&".join(f"article=a{i}" for i in range(100))
                first = checked(queue_name, [
                    wrk(yy.url + first_path, CHECK, conns=1, threads=1, duration="5s",
                        headers=auth, expect=len(yy.get(first_path, token)))
                    for _ in range(a.runs)])
                deep = checked(queue_name, [
                    wrk(yy.url + deep_path, CHECK, conns=1, threads=1, duration="5s",
                        headers=auth, expect=len(yy.get(deep_path, token)))
                    for _ in range(a.runs)])
                counts = checked(counts_name, [
                    wrk(yy.url + counts_path, CHECK, conns=1, threads=1, duration="5s",
                        expect=len(yy.get(counts_path)))
                    for _ in range(a.runs)])
                f, dpg, c = median_run(first), median_run(deep), median_run(counts)
                rows.append([queue_name, failed_mark(queue_name) + f"{dpg['p50_ms']:.3f} ms",
                             f"{f['p50_ms']:.3f} ms (first page)",
                             f"{dpg['p50_ms'] / f['p50_ms']:.2f}", "~1.0", "p50", ""])
                rows.append([counts_name, failed_mark(counts_name) + f"{c['p50_ms']:.3f} ms", "",
                             "", "< 1 ms", f"{c['p50_ms']:.3f} / {c['p99_ms']:.3f}", ""])
            yy.stop()
            started.remove(yy)
        (sc, su), (bc, bu) = stats["small"], stats["big"]
        rows.append([growth_cached, failed_mark(growth_cached) + f"{bc['p50_ms']:.3f} ms",
                     f"{sc['p50_ms']:.3f} ms (6k)", f"{bc['p50_ms'] / sc['p50_ms']:.2f}",
                     "<= 1.2", f"{bc['p50_ms']:.2f} / {bc['p99_ms']:.2f}", ""])
        rows.append([growth_db, failed_mark(growth_db) + f"{bu['p50_ms']:.3f} ms",
                     f"{su['p50_ms']:.3f} ms (6k)", f"{bu['p50_ms'] / su['p50_ms']:.2f}",
                     "<= 1.2", f"{bu['p50_ms']:.2f} / {bu['p99_ms']:.2f}", ""])

        # ---- 5-6: memory and start-up ------------------------------------
        rows.append(["RSS idle (MiB)", f"{idle_rss:.1f}", "", "", "< 16", "",
                     f"{idle_rss:.1f}"])
        rows.append(["RSS idle, 1M comments (MiB)", f"{idle_big:.1f}", "", "", "< 16", "",
                     f"{idle_big:.1f}"])
        mem = subprocess.run([sys.executable, os.path.join(HERE, "upload_rss.py"), a.binary],
                             capture_output=True, text=True, timeout=600).stdout
        for line in mem.splitlines():
            rows.append(["memory: " + " ".join(line.split()[:6]), line.split("rss")[-1].strip(),
                         "", "", "< 64 MiB / flat", "", ""])
        start = subprocess.run([sys.executable, os.path.join(HERE, "startup.py"), a.binary, big],
                               capture_output=True, text=True, timeout=600).stdout.strip()
        rows.append(["start-up to /healthz, 1M comments", start.split(": ")[-1], "", "",
                     "< 100 ms", "", ""])
    finally:
        for s in started:
            s.stop()
        stop_peer(waline_pid)
        stop_peer(nginx_pid)

    head = ["scenario", "ykien", "anchor", "ratio", "target", "p50 / p99 ms", "RSS MiB"]
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(head, widths)) + " |"
    print(line)
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |")
    for n in notes:
        print(f"\nnote: {n}")
    for name, n in failed.items():
        print(f"\nFAILED: {name}: {n:,} replies non-2xx, short, or timed out")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
