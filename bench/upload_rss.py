#!/usr/bin/env python3
"""Resident memory of the daemon while it receives uploads: idle, then during
N concurrent uploads of SIZE bytes each (default 10 x 10 MiB), then with
1,000 idle keep-alive connections open.  Prints one line per phase.

    python3 bench/upload_rss.py build/ykien [--uploads 10] [--size 10485760]
"""
import argparse
import os
import socket
import sys
import threading
import time

import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "http"))
from harness import Daemon, png_bytes  # noqa: E402  (tests/http/harness.py)


def rss_kib(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            fields[k] = v.strip()
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--uploads", type=int, default=10)
    ap.add_argument("--size", type=int, default=10 * 1024 * 1024)
    a = ap.parse_args()
    with Daemon(a.binary, extra_args=["--rate-limit", "0", "--max-connections", "2000"]) as d:
        pid = d.proc.pid
        requests.get(d.url + "/healthz")
        idle, _ = rss_kib(pid)
        print(f"idle            rss {idle / 1024:6.1f} MiB")
        payload = png_bytes(a.size)
        peak = [0]
        done = threading.Event()

        def sample():
            while not done.is_set():
                peak[0] = max(peak[0], rss_kib(pid)[0])
                time.sleep(0.01)

        def upload(i):
            r = requests.post(f"{d.url}/api/v1/articles/rss/comments",
                              data={"author": "An", "body": f"Ảnh số {i} của bạn đọc."},
                              files=[("attachment", (f"{i}.png", payload[:-1] + bytes([i]), "image/png"))],
                              timeout=120)
            assert r.status_code == 201, r.text

        sampler = threading.Thread(target=sample)
        sampler.start()
        workers = [threading.Thread(target=upload, args=(i,)) for i in range(a.uploads)]
        t0 = time.time()
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        done.set()
        sampler.join()
        print(f"{a.uploads} x {a.size / 1048576:.0f} MiB uploads  peak rss {peak[0] / 1024:6.1f} MiB "
              f"(+{(peak[0] - idle) / 1024:.1f} MiB over idle) in {time.time() - t0:.1f} s")
        conns = []
        for _ in range(1000):
            s = socket.create_connection(("127.0.0.1", d.port))
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            conns.append(s)
        for s in conns:
            s.recv(4096)
        time.sleep(0.2)
        print(f"1000 keep-alive connections  rss {rss_kib(pid)[0] / 1024:6.1f} MiB")
        for s in conns:
            s.close()


if __name__ == "__main__":
    main()
