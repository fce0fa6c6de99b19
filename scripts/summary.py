#!/usr/bin/env python3
"""One closing line for a test run: adds up the 'N passed, M failed' lines
that each test program printed (meson's testlog.json of every build folder
given), counting a test that printed none as one check, and prints
'tests: N passed, M failed'.

    python3 scripts/summary.py build build-asan
"""
import json
import os
import re
import sys

LINE = re.compile(r"^(\d+) passed, (\d+) failed", re.M)


def main(dirs):
    passed = failed = 0
    for d in dirs:
        path = os.path.join(d, "meson-logs", "testlog.json")
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as f:
            for line in f:
                t = json.loads(line)
                if t.get("result") == "SKIP":
                    continue        # e.g. the format check without clang-format
                counts = LINE.findall(t.get("stdout") or "")
                ok = t.get("result") == "OK"
                if counts:
                    p, fl = map(int, counts[-1])
                    passed += p
                    failed += fl if fl or ok else 1
                elif ok:
                    passed += 1
                else:
                    failed += 1
    print(f"tests: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
