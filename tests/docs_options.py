#!/usr/bin/env python3
"""Keeps the documentation in step with the code.

    docs_options.py YKIEN SOURCE_ROOT

Runs `ykien --help` and every command's `--help`, and fails when
- a command or an option it prints is missing from docs/ykien.1.scd;
- a serve option is missing from dist/ykien.conf (as `name value` or
  `#name value`), from the README's Configuration table, or (but --config)
  its YKIEN_* variable from the manual page;
- a route of server/router.c is missing from the README's endpoint table;
- an error code of api/errors.def is missing from the README or from the
  Error schema of docs/openapi.json.
Prints one line per check and `N passed, M failed`.
"""
import json
import os
import re
import subprocess
import sys

ykien, root = sys.argv[1], sys.argv[2]


def read(rel):
    with open(os.path.join(root, rel), encoding="utf-8") as f:
        return f.read()


def help_of(*args):
    r = subprocess.run([ykien, *args, "--help"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, f"ykien {' '.join(args)} --help exited {r.returncode}"
    return r.stdout


def options_of(text):
    """The options a --help lists: every `  --name ARG  help` line."""
    found = []
    for line in text.splitlines():
        m = re.match(r"^ {2}(--[a-z][a-z0-9-]*)\b", line)
        if m and m.group(1) not in ("--help", "--version") and m.group(1) not in found:
            found.append(m.group(1))
    return found


passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   {what}")
    else:
        failed += 1
        print(f"FAIL {what}")


man = read("docs/ykien.1.scd")
conf = read("dist/ykien.conf")
readme = read("README.md")

top = help_of()
commands = [m.group(1) for m in re.finditer(r"^ {2}([a-z][a-z-]*) ", top, re.M)]
check(len(commands) >= 8, f"ykien --help lists the commands ({', '.join(commands)})")

serve_options = []
for cmd in commands:
    check(f"*ykien {cmd}*" in man, f"man page: synopsis of {cmd}")
    opts = options_of(help_of(cmd))
    check(bool(opts), f"ykien {cmd} --help lists options")
    for opt in opts:
        check(f"*{opt}*" in man, f"man page: {cmd} {opt}")
    if cmd == "serve":
        serve_options = opts

# serve: the commented configuration, the README's table, the variables.
conf_names = set(re.findall(r"^#?([a-z][a-z0-9-]*) \S", conf, re.M))


def section(heading):
    """The README's section under `## heading`, up to the next one."""
    return readme.split("\n## " + heading + "\n", 1)[-1].split("\n## ", 1)[0]


config_table = section("Configuration")
for opt in serve_options:
    name = opt[2:]
    if opt != "--config":
        check(name in conf_names, f"dist/ykien.conf: {name}")
        var = "YKIEN_" + name.upper().replace("-", "_")
        check(f"*{var}*" in man, f"man page: {var}")
    check(re.search(r"^\| `" + re.escape(opt) + r"[ `]", config_table, re.M) is not None,
          f"README Configuration table: {opt}")
check("*YKIEN_CONFIG*" in man, "man page: YKIEN_CONFIG")
for status in ("*0*", "*1*", "*2*"):
    check(status in man.split("# EXIT STATUS", 1)[-1], f"man page: exit status {status}")

# README: every route and every error code.
endpoints = section("Endpoints")
for method, path in re.findall(r'\{"[a-z_]+", "([A-Z]+)", "([^"]+)"', read("server/router.c")):
    check(re.search(r"^\| " + method + r" \| `" + re.escape(path) + r"[`?]", endpoints, re.M)
          is not None, f"README endpoints: {method} {path}")
codes = sorted(set(re.findall(r'^E\([A-Z_0-9]+, \d+, "([a-z_]+)"', read("api/errors.def"), re.M)))
openapi_codes = json.loads(read("docs/openapi.json"))["components"]["schemas"]["Error"][
    "properties"]["error"]["properties"]["code"]["enum"]
for code in codes:
    check(f"`{code}`" in readme, f"README: error {code}")
    check(code in openapi_codes, f"docs/openapi.json Error.code: {code}")

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
