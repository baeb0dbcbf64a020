#!/usr/bin/env python3
"""Counts one test step's results: `tally.py LOG [JUNIT...]` prints "passed failed skipped".

Every runner writes JUnit XML (cargo-nextest, vitest, node:test); a step whose tool has no JUnit (the fuzz smoke, the
installer check) ends its log with a line "<name>: N passed, N failed", which is read instead. A step that reported
nothing counts nothing here; scripts/lib/steps.sh turns a failed step with no failures into one failure.
"""
import re
import sys
import xml.etree.ElementTree as ET


def count_junit(path):
    passed = failed = skipped = 0
    root = ET.parse(path).getroot()
    for case in root.iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        elif case.find("skipped") is not None:
            skipped += 1
        else:
            passed += 1
    return passed, failed, skipped


def count_lines(log):
    passed = failed = 0
    pattern = re.compile(r"^[a-z-]+: (\d+) passed, (\d+) failed\b")
    with open(log, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = pattern.match(line)
            if m:
                passed, failed = int(m.group(1)), int(m.group(2))  # the last summary line wins
    return passed, failed, 0


def main():
    log, junits = sys.argv[1], sys.argv[2:]
    totals = [0, 0, 0]
    counted = False
    for path in junits:
        try:
            counts = count_junit(path)
        except (OSError, ET.ParseError):
            continue  # the runner never got as far as writing it
        counted = True
        totals = [a + b for a, b in zip(totals, counts)]
    if not counted:
        totals = list(count_lines(log))
    print(*totals)


if __name__ == "__main__":
    main()
