#!/usr/bin/env bash
# The one test command (README, CI): Swift unit and end-to-end tests, the generated-docs check, the
# conformance suite that judges us with Microsoft's official Python SDKs, every fuzz target for a
# short bounded time, Microsoft's own test suites for its Python SDKs run live against pubsub serve
# (fetched from PyPI at test time), the side-by-side benchmark's harness (a tiny run), and the
# adversarial suite (attacks on the real binary). It ends with every suite's counts.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== build"
swift build --build-tests

echo "== generated completions and man pages"
scripts/generate-docs.sh --check

echo "== python environment for the conformance suite"
scripts/python-env.sh

echo "== headless chromium for the browser test"
scripts/browser-env.sh

echo "== mosquitto, nats-server and the floor's compiler for the side-by-side benchmark's check"
scripts/peers-env.sh

reports="$(swift build --show-bin-path)/test-reports"
rm -rf "$reports" && mkdir -p "$reports"

echo "== swift tests"
# Every test bounds its own waits; this bounds the run, so a hang fails CI in minutes, not at its limit.
timeout 600 swift test --skip-build --disable-xctest | tee "$reports/swift-tests.txt"

# The fuzz targets build (their own sanitizer build in .build-fuzz) and run alongside the
# conformance suite, which mostly waits on sockets: the two together take the time of the longer.
echo "== fuzz (every target, ${PUBSUB_FUZZ_SECONDS:-10} s each; longer runs: scripts/fuzz.sh TARGET 600), in the background"
fuzz_log=$(mktemp)
scripts/fuzz.sh all "${PUBSUB_FUZZ_SECONDS:-10}" >"$fuzz_log" 2>&1 &
fuzz_pid=$!
trap 'kill "$fuzz_pid" 2>/dev/null || true; rm -f "$fuzz_log"' EXIT

echo "== conformance (official SDKs)"
PUBSUB_BIN="$(swift build --show-bin-path)/pubsub" .venv/bin/python -m pytest Tests/Conformance -q --junitxml="$reports/conformance.xml"

echo "== Microsoft's own SDK test suites, live against pubsub serve (their tests from PyPI, our devtools_testutils)"
PUBSUB_BIN="$(swift build --show-bin-path)/pubsub" PUBSUB_TEST_REPORTS="$reports" .venv/bin/python Tests/MicrosoftSuites/run.py

echo "== side-by-side benchmark harness (one tiny run per scenario and server; not timed)"
PUBSUB_BIN="$(swift build --show-bin-path)/pubsub" .venv/bin/python -m pytest Tests/Peers -q -p no:cacheprovider -p no:asyncio --junitxml="$reports/peers.xml"

echo "== fuzz results"
if ! wait "$fuzz_pid"; then
    cat "$fuzz_log"
    echo "fuzzing failed" >&2
    exit 1
fi
cat "$fuzz_log"

echo "== adversarial (attacks on the real binary)"
report="$(swift build --show-bin-path)/attack-report.jsonl"
rm -f "$report"
PUBSUB_BIN="$(swift build --show-bin-path)/pubsub" PUBSUB_ATTACK_REPORT="$report" \
    timeout 900 .venv/bin/python -m pytest Tests/Adversarial -q -p no:cacheprovider -p no:asyncio --junitxml="$reports/adversarial.xml"
echo "peak memory and probe latency per attack:"
cat "$report"

echo "== counts: ours beside Microsoft's"
.venv/bin/python scripts/test-summary.py "$reports"
