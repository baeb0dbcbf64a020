#!/usr/bin/env python3
"""Prints every Rust test of the workspace that no scripts/test step selects (a test no step selects never runs).

`unselected.py SELECTIONS`, where SELECTIONS holds one step's nextest arguments per line, separated by \x1f (the
ASCII unit separator). Names the tests left over; exits 1 when there is any.
"""
import json
import subprocess
import sys

LIST = ["cargo", "nextest", "list", "--config-file", "tests/nextest.toml", "--message-format", "json"]


def names(args):
    out = subprocess.run(LIST + args, check=True, capture_output=True, text=True).stdout
    suites = json.loads(out)["rust-suites"].values()
    return {f"{s['binary-id']} {name}" for s in suites for name, case in s["testcases"].items()
            if case["filter-match"]["status"] == "matches"}


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        selections = [line.rstrip("\n").split("\x1f") for line in f if line.strip()]
    selected = set().union(*(names(args) for args in selections))
    left = sorted(names(["--workspace"]) - selected)
    for name in left:
        print(f"no step runs: {name}")
    print(f"every-test-selected: {0 if left else 1} passed, {1 if left else 0} failed ({len(left)} tests in no step)")
    sys.exit(1 if left else 0)


if __name__ == "__main__":
    main()
