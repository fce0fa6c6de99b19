#!/usr/bin/env python3
"""Time from exec to the first 200 on /healthz, over several starts.

    python3 bench/startup.py build-rel/ykien DATA_DIR [--runs 5]
"""
import argparse
import socket
import statistics
import subprocess
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("data")
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    times = []
    for _ in range(a.runs):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        t0 = time.perf_counter()
        p = subprocess.Popen([a.binary, "serve", "--listen", f"127.0.0.1:{port}", "--data", a.data],
                             stderr=subprocess.DEVNULL)
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as c:
                    c.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    if c.recv(64).startswith(b"HTTP/1.1 200"):
                        break
            except OSError:
                pass
            if time.perf_counter() - t0 > 30:
                raise SystemExit("no healthy answer within 30 s")
            time.sleep(0.001)
        times.append((time.perf_counter() - t0) * 1000)
        p.terminate()
        p.wait()
    print(f"start-up to healthy: median {statistics.median(times):.1f} ms, "
          f"max {max(times):.1f} ms over {a.runs} starts")


if __name__ == "__main__":
    main()
