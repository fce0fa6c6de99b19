#!/usr/bin/python3
"""Runs ykien's HTTP test files one after the other and sums them up.

    /usr/bin/python3 tests/http/run.py build/ykien [--all] [--only NAME]

By default the suites of this folder that drive the API, attachments,
hostile clients and the command line; --all adds every other test_*.py here
(the cache and durability suites).  Each file's output is passed through;
the last line is 'N passed, M failed' over all of them, and the exit status
is non-zero when any test or file failed.
"""
import argparse
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
MINE = ["test_api.py", "test_attachments.py", "test_hostile.py", "test_cli.py"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--all", action="store_true", help="every test_*.py in this folder")
    ap.add_argument("--only", help="passed on to each file: run tests whose name contains it")
    a = ap.parse_args()
    files = list(MINE)
    if a.all:
        files += sorted(f for f in os.listdir(HERE)
                        if f.startswith("test_") and f.endswith(".py") and f not in MINE)
    passed = failed = 0
    broken = []
    started = time.time()
    for name in files:
        cmd = [sys.executable, os.path.join(HERE, name), a.binary]
        if a.only:
            cmd += ["--only", a.only]
        print(f"== {name}", flush=True)
        t0 = time.time()
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        sys.stdout.write(proc.stdout)
        m = re.search(r"^(\d+) passed, (\d+) failed$", proc.stdout, re.M)
        if m:
            passed += int(m.group(1))
            failed += int(m.group(2))
        if not m or proc.returncode not in (0, 1) or (proc.returncode == 1 and not int(m.group(2))):
            broken.append(name)
        print(f"== {name}: {time.time() - t0:.1f}s, exit {proc.returncode}", flush=True)
    print(f"# all files: {time.time() - started:.1f}s" +
          (f"; broken: {', '.join(broken)}" if broken else ""), flush=True)
    print(f"{passed} passed, {failed} failed", flush=True)
    return 1 if failed or broken else 0


if __name__ == "__main__":
    sys.exit(main())
