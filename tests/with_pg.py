#!/usr/bin/python3
"""Runs a test program against PostgreSQL: the cluster that scripts/test
started (scripts/pg-cluster) is named by YKIEN_PG_ADMIN, a libpq
connection string of its maintenance database; the program gets it as
YKIEN_TEST_PG, which the suites' harness (tests/http/harness.py) and the
shared contract tests read to give each daemon a database of its own.
Without YKIEN_PG_ADMIN the test is not run (exit 77, 'not run: REASON').

    python3 tests/with_pg.py PROGRAM.py ARGS...     (Python)
    python3 tests/with_pg.py PROGRAM ARGS...        (any other program)
"""
import os
import sys

admin = os.environ.get("YKIEN_PG_ADMIN")
if not admin:
    print("not run: no PostgreSQL cluster (scripts/test starts one: YKIEN_PG_ADMIN)", flush=True)
    sys.exit(77)
env = dict(os.environ, YKIEN_TEST_PG=admin)
if sys.argv[1].endswith(".py"):
    os.execve(sys.executable, [sys.executable] + sys.argv[1:], env)
os.execve(sys.argv[1], sys.argv[1:], env)
