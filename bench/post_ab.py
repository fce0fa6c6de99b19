#!/usr/bin/env python3
"""Two daemons, one durable POST load: bench/run.py's POST scenario (64
connections, a new comment per request, 201 checked) against daemon A and
daemon B in turn, alternating which goes first, each on its own fresh data
folder, on loopback.

    python3 bench/post_ab.py --a OLD/ykien --b build/ykien [--runs 4] [--duration 10s]

Prints one line per run and the medians of POSTs per second and of the
daemon's CPU time per POST (user + system, from /proc), which a busy
shared machine disturbs far less than the rate.  A benchmark, not a test.
"""
import argparse
import os
import shutil
import signal
import statistics
import subprocess
import tempfile
import urllib.request

from rules_post import POST_BODY, cpu_seconds, start, wrk

POST_OK = '"status":"pending"'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--a", required=True, help="the daemon to compare against")
    ap.add_argument("--b", required=True, help="the daemon under test")
    ap.add_argument("--runs", type=int, default=4)
    ap.add_argument("--duration", default="10s")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="ykien-post-ab-")
    binaries = {"A": a.a, "B": a.b}
    results = {"A": [], "B": []}
    try:
        for label in results:
            os.makedirs(os.path.join(work, label))
        for run in range(a.runs):
            for label in (["A", "B"] if run % 2 == 0 else ["B", "A"]):
                data = os.path.join(work, label)
                proc, url = start(binaries[label], data)
                try:
                    probe = urllib.request.Request(
                        url + "/api/v1/articles/bench-probe/comments", method="POST",
                        data=POST_BODY.replace("{id}", f"probe-{run}").encode(),
                        headers={"Content-Type": "application/json"})
                    assert urllib.request.urlopen(probe, timeout=5).status == 201
                    cpu0 = cpu_seconds(proc.pid)
                    r = wrk(url, a.duration, ok=POST_OK)
                    r["cpu_us"] = (cpu_seconds(proc.pid) - cpu0) * 1e6 / max(r["requests"], 1)
                finally:
                    proc.send_signal(signal.SIGTERM)
                    proc.wait(timeout=60)
                results[label].append(r)
                print(f"run {run + 1} {label}: {r['rps']:9,.0f} POST/s  p50 {r['p50_ms']:.2f} ms"
                      f"  p99 {r['p99_ms']:.2f} ms  CPU {r['cpu_us']:.1f} us/POST"
                      f"  non-201 {r['app_fail']}", flush=True)
        for label in results:
            rps = statistics.median(x["rps"] for x in results[label])
            cpu = statistics.median(x["cpu_us"] for x in results[label])
            print(f"median {label} ({binaries[label]}): {rps:,.0f} POST/s, "
                  f"{cpu:.1f} us CPU per POST")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
