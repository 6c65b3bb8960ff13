#!/usr/bin/env python3
"""Counts test results in a runner's output, for scripts/test's closing summary.

usage: test-summary.py (swift|pytest) LOGFILE   ->  prints "PASSED FAILED SKIPPED"

swift: XCTest's per-test lines ("Test Case 'X.y' passed/failed/skipped (...)") and Swift
Testing's ("✔ Test y() passed after ...", "✘ Test y() failed after ..."); when no per-test
line exists, XCTest's closing "Executed N tests, with M failures". Counting tests rather
than "failures" matters: XCTest's M counts failed assertions, not failed tests.
pytest: the closing summary line ("3 passed, 1 failed, 2 skipped, 1 error in 0.52s");
errors count as failed.
"""
import re
import sys


def swift_counts(text):
    passed = failed = skipped = 0
    xctest = re.findall(r"^Test Case '[^']+' (passed|failed|skipped) \(", text, re.M)
    passed += xctest.count("passed")
    failed += xctest.count("failed")
    skipped += xctest.count("skipped")
    # Swift Testing: one line per test; "Test run with ..." and "Suite ..." lines are totals.
    for outcome in re.findall(r"^\S+ Test (?!run with)\S.*? (passed|failed|skipped)(?: after|\b)", text, re.M):
        if outcome == "passed":
            passed += 1
        elif outcome == "failed":
            failed += 1
        else:
            skipped += 1
    if not xctest:
        executed = re.findall(r"Executed (\d+) tests?, with (\d+) failures?", text)
        if executed:
            total, failures = map(int, executed[-1])
            failed += min(failures, total)
            passed += total - min(failures, total)
    return passed, failed, skipped


def pytest_counts(text):
    summary = None
    for line in text.splitlines():
        if re.search(r"\bin [0-9.]+s\b", line) and re.search(r"\d+ (passed|failed|error|errors|skipped|deselected)|no tests ran", line):
            summary = line
    if summary is None:
        return 0, 0, 0
    def n(word):
        m = re.search(r"(\d+) " + word + r"\b", summary)
        return int(m.group(1)) if m else 0
    return n("passed"), n("failed") + n("errors?"), n("skipped")


def main():
    kind, path = sys.argv[1], sys.argv[2]
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    counts = swift_counts(text) if kind == "swift" else pytest_counts(text)
    print(*counts)


if __name__ == "__main__":
    main()
