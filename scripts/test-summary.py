"""Prints the test command's counts, suite by suite: ours beside Microsoft's own SDK suites.

Usage: test-summary.py REPORT_DIR. Each pytest suite of scripts/test.sh writes a JUnit XML report
named after it into REPORT_DIR (Microsoft's suites write microsoft-<package>.xml); the Swift tests'
counts come from swift-tests.txt, the closing line `swift test` printed.
"""

import re
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

LABELS = {
    "swift-tests": "ours: Swift unit and end-to-end tests",
    "conformance": "ours: conformance (Microsoft's SDKs as clients)",
    "peers": "ours: side-by-side benchmark harness",
    "adversarial": "ours: adversarial attacks",
    "microsoft-azure-messaging-webpubsubclient": "Microsoft's azure-messaging-webpubsubclient tests",
    "microsoft-azure-messaging-webpubsubservice": "Microsoft's azure-messaging-webpubsubservice tests",
}


def junit_counts(path: Path):
    passed = failed = skipped = 0
    for case in ElementTree.parse(path).getroot().iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        elif case.find("skipped") is not None:
            skipped += 1
        else:
            passed += 1
    return passed, failed, skipped


def swift_counts(path: Path):
    text = path.read_text()
    match = re.search(r"Test run with (\d+) tests? in \d+ suites? (passed|failed)", text)
    if not match:
        return None
    total = int(match.group(1))
    failed = re.search(r"with (\d+) issues?", text) if match.group(2) == "failed" else None
    return total - (int(failed.group(1)) if failed else 0), int(failed.group(1)) if failed else 0, 0


def main(folder: Path) -> int:
    rows = []
    for name, label in LABELS.items():
        junit, swift = folder / f"{name}.xml", folder / f"{name}.txt"
        counts = junit_counts(junit) if junit.exists() else swift_counts(swift) if swift.exists() else None
        if counts:
            rows.append((label, *counts))
    width = max(len(row[0]) for row in rows) if rows else 0
    print(f"{'suite':<{width}}  passed  failed  skipped")
    for label, passed, failed, skipped in rows:
        print(f"{label:<{width}}  {passed:>6}  {failed:>6}  {skipped:>7}")
    totals = [sum(row[column] for row in rows) for column in (1, 2, 3)]
    print(f"total: {totals[0]} passed, {totals[1]} failed, {totals[2]} skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
