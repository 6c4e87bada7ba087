"""Microsoft's own tests for its Python Web PubSub SDKs, run live against a fresh `pubsub serve`.

The tests ship in the SDKs' source packages on PyPI. This downloads the two packages at the versions
the conformance suite installs (Tests/Conformance/requirements.txt), unpacks them into a temporary
folder (nothing of theirs enters the repository), runs each package's `tests/` with pytest through
our stand-in for their test framework (devtools_testutils/) and our plugin (microsoft_suites_plugin:
the service, its endpoints, the skips), and prints each suite's counts and every skip's reason.

Usage: PUBSUB_BIN=.build/debug/pubsub .venv/bin/python Tests/MicrosoftSuites/run.py
With PUBSUB_TEST_REPORTS=DIR each suite's JUnit report is kept there as microsoft-<package>.xml
(scripts/test-summary.py prints them beside ours).
Exit status: 0 when no test failed, 1 otherwise.
"""

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import xml.etree.ElementTree as ElementTree
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
REQUIREMENTS = HERE.parent / "Conformance" / "requirements.txt"
PACKAGES = ("azure-messaging-webpubsubclient", "azure-messaging-webpubsubservice")
TEST_TIMEOUT_SECONDS = 120  # one test; pytest-timeout fails it past this
SUITE_TIMEOUT_SECONDS = 900


def pinned_versions() -> dict:
    versions = {}
    for line in REQUIREMENTS.read_text().splitlines():
        name, _, version = line.partition("==")
        if name.strip() in PACKAGES and version:
            versions[name.strip()] = version.strip()
    missing = set(PACKAGES) - set(versions)
    if missing:
        sys.exit(f"{REQUIREMENTS} pins no version of {', '.join(sorted(missing))} (expected NAME==VERSION)")
    return versions


def download(name: str, version: str, folder: Path) -> Path:
    """The package's source distribution from PyPI, unpacked; returns its tests/ folder."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--no-deps",
         "--no-binary", ":all:", f"{name}=={version}", "--dest", str(folder)],
        check=True,
    )
    archives = [p for p in folder.glob("*.tar.gz") if p.name.lower().replace("_", "-").startswith(name)]
    if len(archives) != 1:
        sys.exit(f"expected one source archive of {name} {version} in {folder}, found {len(archives)}")
    with tarfile.open(archives[0]) as archive:
        archive.extractall(folder, filter="data")
    tests = [p for p in folder.glob("*/tests") if p.parent.name.lower().replace("_", "-").startswith(name)]
    if len(tests) != 1:
        sys.exit(f"{archives[0].name} has no tests/ folder")
    return tests[0]


def run_suite(name: str, version: str, tests: Path, report: Path) -> int:
    print(f"== Microsoft's {name} {version} tests, live against pubsub serve", flush=True)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.pop("WebPubSubConnectionString", None)
    command = [
        sys.executable, "-m", "pytest", str(tests), "-c", str(HERE / "pytest.ini"), "--rootdir", str(tests),
        "-p", "microsoft_suites_plugin", "-p", "no:cacheprovider", "-q", "-rs",
        f"--timeout={TEST_TIMEOUT_SECONDS}", f"--junitxml={report}",
    ]
    return subprocess.run(command, cwd=tests, env=env, timeout=SUITE_TIMEOUT_SECONDS).returncode


def summarise(name: str, version: str, report: Path) -> Counter:
    counts = Counter()
    skips = Counter()
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        skipped = case.find("skipped")
        if case.find("failure") is not None or case.find("error") is not None:
            counts["failed"] += 1
        elif skipped is not None:
            counts["skipped"] += 1
            skips[skipped.get("message", "").removeprefix("Skipped: ")] += 1
        else:
            counts["passed"] += 1
    print(f"Microsoft's {name} {version}: {counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped")
    for reason, count in sorted(skips.items()):
        print(f"  skipped {count}: {reason}")
    return counts


def main() -> int:
    versions = pinned_versions()
    total = Counter()
    with tempfile.TemporaryDirectory(prefix="microsoft-suites-") as scratch:
        results = []
        for name in PACKAGES:
            folder = Path(scratch) / name
            folder.mkdir()
            tests = download(name, versions[name], folder)
            report = folder / "report.xml"
            status = run_suite(name, versions[name], tests, report)
            if not report.exists():
                print(f"pytest exited {status} without a report for {name}", file=sys.stderr)
                return 1
            results.append((name, versions[name], report, status))
            keep = os.environ.get("PUBSUB_TEST_REPORTS")
            if keep:
                shutil.copyfile(report, Path(keep) / f"microsoft-{name}.xml")
        print("== Microsoft's SDK suites against pubsub serve")
        for name, version, report, status in results:
            total += summarise(name, version, report)
            if status not in (0,) and not total["failed"]:
                total["failed"] += 1  # pytest failed without a failing test: collection or a fixture
        print(f"microsoft: {total['passed']} passed, {total['failed']} failed, {total['skipped']} skipped")
    return 1 if total["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
