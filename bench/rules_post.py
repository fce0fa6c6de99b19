#!/usr/bin/env python3
"""POST throughput with word rules in force: the same durable POST load
(bench/run.py's, 64 connections) against a daemon with no rules and with
5,000 rules (Vietnamese-looking words and phrases, a quarter mark-free, a
tenth prefixes, none matching the posted text), interleaved, on loopback.

    python3 bench/rules_post.py --binary build-rel/ykien [--rules 5000] [--runs 3] [--duration 10s]

Prints one line per run and the medians: POSTs per second, latencies, and
the daemon's CPU time per POST (user + system), which a busy shared machine
disturbs far less than the rate.  A benchmark, not a test.
"""
import argparse
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import tempfile
import time
import unicodedata
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
POST_LUA = os.path.join(ROOT, "..", "shared", "peers", "wrk", "post-comment.lua")
POST_BODY = ('{"author":"Bạn đọc {id}","body":"Bình luận {id}: bài viết rất hay, '
             'cảm ơn tác giả."}')
POSTED_WORDS = {"bạn", "đọc", "bình", "luận", "bài", "viết", "rất", "hay", "cảm", "ơn", "tác",
                "giả"}

ONSETS = ["", "b", "c", "ch", "d", "đ", "g", "gi", "h", "kh", "l", "m", "n", "ng", "nh", "ph",
          "qu", "s", "t", "th", "tr", "v", "x"]
NUCLEI = ["a", "á", "à", "ả", "ã", "ạ", "ă", "ắ", "â", "ấ", "e", "é", "ê", "ế", "i", "í", "o",
          "ó", "ô", "ố", "ơ", "ớ", "u", "ú", "ư", "ứ", "y", "ai", "ao", "ươ", "uô", "iê"]
CODAS = ["", "", "c", "ch", "m", "n", "ng", "nh", "p", "t"]


def bare(word):
    return "".join(c for c in unicodedata.normalize("NFD", word)
                   if unicodedata.category(c) != "Mn").replace("đ", "d")


def rules(n, seed=7):
    rnd = random.Random(seed)
    posted_bare = {bare(w) for w in POSTED_WORDS}
    out = []
    while len(out) < n:
        i = len(out)
        words = [rnd.choice(ONSETS) + rnd.choice(NUCLEI) + rnd.choice(CODAS)
                 for _ in range(2 if i % 3 == 0 else 1)]
        marks_free = i % 4 == 0
        prefix = i % 10 == 1
        if any(w in POSTED_WORDS or (marks_free and bare(w) in posted_bare) or
               (prefix and any(p.startswith(w) for p in POSTED_WORDS)) for w in words):
            continue
        out.append((" ".join(words) + ("*" if prefix else ""), "reject", int(marks_free)))
    return out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(binary, data):
    port = free_port()
    proc = subprocess.Popen([binary, "serve", "--listen", f"127.0.0.1:{port}", "--data", data,
                             "--rate-limit", "0"],
                            stderr=open(os.path.join(data, "daemon.log"), "ab"))
    url = f"http://127.0.0.1:{port}"
    for _ in range(400):
        try:
            if urllib.request.urlopen(url + "/healthz", timeout=1).status == 200:
                return proc, url
        except OSError:
            time.sleep(0.02)
    raise RuntimeError("ykien did not start")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk(url, duration, ok=""):
    env = dict(os.environ, POST_PATH="/api/v1/articles/bench-post/comments", POST_OK=ok,
               POST_XFF="0", POST_BODY=POST_BODY)
    out = subprocess.run(["wrk", "-t2", "-c64", f"-d{duration}", "--timeout", "30s", "--latency",
                          "-s", POST_LUA, url], capture_output=True, text=True, env=env,
                         timeout=120).stdout
    for line in out.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"wrk printed no RESULT line:\n{out}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, "build-rel", "ykien"))
    ap.add_argument("--rules", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--duration", default="10s")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="ykien-rules-post-")
    results = {"none": [], "rules": []}
    try:
        for label in results:
            data = os.path.join(work, label)
            os.makedirs(data)
            subprocess.run([a.binary, "token", "add", "bench", "--data", data], check=True,
                           capture_output=True)
            if label == "rules":
                con = sqlite3.connect(os.path.join(data, "ykien.db"))
                with con:
                    con.executemany("INSERT INTO rule (pattern, action, ignore_marks, created_at)"
                                    " VALUES (?, ?, ?, 0)", rules(a.rules))
                con.close()
        for run in range(a.runs):
            # Alternate which goes first: the machine's load drifts.
            for label in (["none", "rules"] if run % 2 == 0 else ["rules", "none"]):
                data = os.path.join(work, label)
                proc, url = start(a.binary, data)
                try:
                    probe = urllib.request.Request(
                        url + "/api/v1/articles/bench-probe/comments", method="POST",
                        data=POST_BODY.replace("{id}", f"probe-{run}").encode(),
                        headers={"Content-Type": "application/json"})
                    assert urllib.request.urlopen(probe, timeout=5).status == 201
                    cpu0 = cpu_seconds(proc.pid)
                    r = wrk(url, a.duration)
                    r["cpu_us"] = (cpu_seconds(proc.pid) - cpu0) * 1e6 / max(r["requests"], 1)
                finally:
                    proc.send_signal(signal.SIGTERM)
                    proc.wait(timeout=60)
                results[label].append(r)
                print(f"run {run + 1} {label:5s}: {r['rps']:9,.0f} POST/s  p50 {r['p50_ms']:.2f} ms"
                      f"  p99 {r['p99_ms']:.2f} ms  CPU {r['cpu_us']:.1f} us/POST"
                      f"  non-201 {r['app_fail']}", flush=True)
        med = {k: statistics.median(x["rps"] for x in v) for k, v in results.items()}
        cpu = {k: statistics.median(x["cpu_us"] for x in v) for k, v in results.items()}
        print(f"median: no rules {med['none']:,.0f}/s ({cpu['none']:.1f} us CPU per POST), "
              f"{a.rules} rules {med['rules']:,.0f}/s ({cpu['rules']:.1f} us CPU per POST); "
              f"ratio {med['rules'] / med['none']:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
