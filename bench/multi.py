#!/usr/bin/env python3
"""Throughput of one and two ykien processes on PostgreSQL against one on
SQLite: POST a comment (durable), GET a 50-comment page (page cache on,
and off so that every GET reads the database).  With two processes, wrk
drives both at once (half the connections each, as a load balancer would
spread them) and the rates are added.  Loopback only, every load bounded.

    python3 bench/multi.py --binary build/ykien [--seconds 8] [--pg CONNINFO]

Without --pg it starts a throwaway cluster of its own (scripts/pg-cluster).
Prints one table (Markdown).
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.request
import json

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from run import CHECK, SHARED_WRK, Ykien, log, wrk  # noqa: E402

ROOT = os.path.dirname(HERE)
POST_ENV = {"POST_PATH": "/api/v1/articles/bench-post/comments",
            "POST_OK": '"status":"pending"', "POST_XFF": "0",
            "POST_BODY": '{"author":"Bạn đọc {id}","body":"Bình luận {id}: bài viết '
                         'rất hay, cảm ơn tác giả."}'}
LIST = "/api/v1/articles/a0/comments?limit=50"


def psql(admin, sql):
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", admin, "-c", sql],
                   check=True, capture_output=True, timeout=60)


def seed(binary, url, db_args):
    token = subprocess.run([binary, "token", "add", "bench"] + db_args, capture_output=True,
                           text=True, check=True).stdout.strip()
    for i in range(50):
        req = urllib.request.Request(
            url + "/api/v1/articles/a0/comments", method="POST",
            data=json.dumps({"author": "Bạn đọc", "body": f"Bình luận số {i}: bài viết rất "
                             "hay, cảm ơn tác giả."}).encode(),
            headers={"Content-Type": "application/json"})
        cid = json.loads(urllib.request.urlopen(req, timeout=10).read())["id"]
        req = urllib.request.Request(
            url + f"/api/v1/moderation/comments/{cid}/approve", method="POST",
            headers={"Authorization": f"Bearer {token}"})
        urllib.request.urlopen(req, timeout=10).read()


def together(daemons, fn):
    """Runs fn(daemon, share) for every daemon at once; sums the rates."""
    results = [None] * len(daemons)

    def one(i):
        results[i] = fn(daemons[i], len(daemons))
    ts = [threading.Thread(target=one, args=(i,)) for i in range(len(daemons))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    bad = sum(r["app_fail"] + r["err_status"] + r["err_timeout"] for r in results)
    p99 = max(r["p99_ms"] for r in results)
    return sum(r["rps"] for r in results), p99, bad


def measure(binary, n, db_args_of, seconds, extra=()):
    tmp = tempfile.mkdtemp(prefix="ykien-bench-multi-")
    daemons = []
    try:
        for i in range(n):
            data = os.path.join(tmp, f"d{i}")
            os.makedirs(data)
            daemons.append(Ykien(binary, data, list(extra) + db_args_of(data)[2:]))
        seed(binary, daemons[0].url, db_args_of(os.path.join(tmp, "d0")))
        dur = f"{seconds}s"
        for d in daemons:       # warm the caches
            d.get(LIST)
        out = {}
        out["list"] = together(daemons, lambda d, k: wrk(
            d.url + LIST, CHECK, conns=64 // k, threads=max(1, 2 // k), duration=dur))
        out["post"] = together(daemons, lambda d, k: wrk(
            d.url, os.path.join(SHARED_WRK, "post-comment.lua"), conns=64 // k,
            threads=max(1, 2 // k), duration=dur, env=POST_ENV))
        return out
    finally:
        for d in daemons:
            d.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, "build", "ykien"))
    ap.add_argument("--seconds", type=int, default=8)
    ap.add_argument("--pg", help="maintenance database of a cluster (YKIEN_TEST_PG style)")
    a = ap.parse_args()
    binary = os.path.abspath(a.binary)
    cluster = None
    admin = a.pg
    if not admin:
        cluster = tempfile.mkdtemp(prefix="ykien-bench-pg-")
        os.rmdir(cluster)
        admin = subprocess.run([os.path.join(ROOT, "scripts", "pg-cluster"), "start", cluster],
                               capture_output=True, text=True, check=True).stdout.strip()
    rows = []
    try:
        configs = [("SQLite, 1 process", 1, None), ("PostgreSQL, 1 process", 1, "pg"),
                   ("PostgreSQL, 2 processes", 2, "pg")]
        for cache in ("16", "0"):
            for name, n, kind in configs:
                dbname = None
                if kind:
                    dbname = f"bench_{n}_{cache}_{os.getpid()}"
                    psql(admin, f'CREATE DATABASE "{dbname}"')

                def db_args_of(data, dbname=dbname):
                    args = ["--data", data]
                    return args + (["--db", f"{admin} dbname={dbname}"] if dbname else [])
                log(f"{name}, page cache {cache} MiB")
                r = measure(binary, n, db_args_of, a.seconds, ["--page-cache-mb", cache])
                rows.append((name, cache, r))
                if dbname:
                    psql(admin, f'DROP DATABASE "{dbname}" WITH (FORCE)')
    finally:
        if cluster:
            subprocess.run([os.path.join(ROOT, "scripts", "pg-cluster"), "stop", cluster],
                           capture_output=True)
    print("| storage | page cache | GET 50-comment page, req/s (p99 ms) "
          "| POST a comment, comments/s (p99 ms) | bad replies |")
    print("|---|---|---|---|---|")
    for name, cache, r in rows:
        lr, lp, lb = r["list"]
        pr, pp, pb = r["post"]
        print(f"| {name} | {'16 MiB' if cache != '0' else 'off'} | {lr:,.0f} ({lp:.1f}) "
              f"| {pr:,.0f} ({pp:.1f}) | {lb + pb} |")


if __name__ == "__main__":
    main()
