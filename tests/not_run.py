#!/usr/bin/python3
"""Stands in for a test that cannot run here: prints 'not run: REASON' and
exits 77, which meson reports as SKIP and scripts/summary.py names in its
closing line.

    python3 tests/not_run.py REASON
"""
import sys

print("not run: " + " ".join(sys.argv[1:]), flush=True)
sys.exit(77)
