#!/usr/bin/env python3
"""The closing line of a test run over one or more build folders:

    python3 scripts/summary.py build build-asan
    tests: 1554 checks passed, 0 failed (46 test programs in 2 builds); not run: contract, corpus — ../shared absent

What it counts: in each build folder, the test programs meson registered
(meson-info/intro-tests.json) and what the last `meson test` recorded for
them (meson-logs/testlog.json).  A program's checks are the numbers of the
last 'N passed, M failed' line it printed; a program that printed none is
one check.  A program that exited non-zero counts at least one failed
check even if its line said 0 (a crash or a sanitizer report after the
line).  A program that exited 77 (meson's SKIP) ran nothing: it is named
after "not run", with the reason it printed ('not run: REASON').

Exit status 1, with a line naming the problem, when a check failed, a
build folder has no test log, or a registered program is missing from the
log (a partial `meson test` run, or a program that never reported).
"""
import json
import os
import re
import sys

LINE = re.compile(r"^(\d+) passed, (\d+) failed", re.M)
REASON = re.compile(r"^not run: (.+)$", re.M)


def load_json_lines(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def short_name(name):
    """'ykien:unit / router' -> 'router'."""
    return name.split(" / ", 1)[-1]


def main(dirs):
    if not dirs:
        sys.exit("usage: summary.py BUILD_DIR...")
    passed = failed = programs = 0
    problems = []
    not_run = {}            # reason -> names, in order
    for d in dirs:
        registered_path = os.path.join(d, "meson-info", "intro-tests.json")
        log_path = os.path.join(d, "meson-logs", "testlog.json")
        if not os.path.exists(log_path):
            problems.append(f"{d}: no test log ({log_path}): were its tests run?")
            continue
        results = {}
        for t in load_json_lines(log_path):
            results[short_name(t["name"])] = t
        if os.path.exists(registered_path):
            with open(registered_path, encoding="utf-8") as f:
                registered = [t["name"] for t in json.load(f)]
        else:
            problems.append(f"{d}: no list of registered tests ({registered_path})")
            registered = list(results)
        missing = [n for n in registered if n not in results]
        if missing:
            problems.append(f"{d}: registered but not in the test log: {', '.join(missing)}")
        for name, t in results.items():
            out = t.get("stdout") or ""
            result = t.get("result")
            if result == "SKIP":
                m = REASON.search(out)
                names = not_run.setdefault(m.group(1).strip() if m else "skipped", [])
                if name not in names:
                    names.append(name)
                continue
            programs += 1
            ok = result == "OK"
            counts = LINE.findall(out)
            if counts:
                p, fl = map(int, counts[-1])
                passed += p
                failed += fl if fl or ok else 1
            elif ok:
                passed += 1
            else:
                failed += 1
            if not ok:
                problems.append(f"{d}: {name}: {result}")
    for p in problems:
        print(p)
    line = (f"tests: {passed} checks passed, {failed} failed "
            f"({programs} test programs in {len(dirs)} build{'s' if len(dirs) != 1 else ''})")
    if not_run:
        line += "; not run: " + "; ".join(f"{', '.join(names)} — {reason}"
                                           for reason, names in not_run.items())
    print(line)
    return 1 if failed or problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
