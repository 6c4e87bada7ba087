#!/usr/bin/env bash
# Builds the fuzz targets with libFuzzer and AddressSanitizer and runs them from the committed seed
# corpus (Fuzz/corpus/<target>/); the test command runs every target briefly.
#
#   scripts/fuzz.sh                  every target, 30 seconds each
#   scripts/fuzz.sh filter 600       one target for ten minutes
#   scripts/fuzz.sh all 20           every target, 20 seconds each
#
# A crash stops the run and exits 1, naming the input libFuzzer saved. Keep it as a regression:
#   cp .build-fuzz/artifacts/<target>/crash-… Fuzz/regressions/<target>/
# then fix the parser; the Swift tests replay Fuzz/regressions/ through the same target for good.
#
# The build goes to .build-fuzz (its own flags; the normal build is not touched). Inputs the
# fuzzer finds interesting accumulate in .build-fuzz/corpus/<target>/ (not committed; copy the
# good ones into Fuzz/corpus/ when they add coverage worth keeping).
set -euo pipefail
cd "$(dirname "$0")/.."

target="${1:-all}"
seconds="${2:-30}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || (( seconds < 1 )); then
    echo "fuzz.sh: SECONDS must be a whole number of seconds, at least 1 (got '$seconds')" >&2
    exit 64
fi

scratch=.build-fuzz
mkdir -p "$scratch"
swift build --product pubsub-fuzz --scratch-path "$scratch" \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING >"$scratch/build.log" 2>&1 || {
    tail -n 40 "$scratch/build.log" >&2
    echo "fuzz.sh: the fuzzing build failed (full log: $scratch/build.log)" >&2
    exit 1
}
binary="$scratch/debug/pubsub-fuzz"

targets=()
if [[ "$target" == all ]]; then
    for directory in Fuzz/corpus/*/; do targets+=("$(basename "$directory")"); done
elif [[ -d "Fuzz/corpus/$target" ]]; then
    targets=("$target")
else
    echo "fuzz.sh: no target '$target'; targets: $(ls Fuzz/corpus | tr '\n' ' ')" >&2
    exit 64
fi

printf '%-20s %12s %14s %s\n' target "execs/s" executions result
status=0
for name in "${targets[@]}"; do
    work="$scratch/corpus/$name"
    artifacts="$scratch/artifacts/$name"
    mkdir -p "$work" "$artifacts"
    log="$scratch/fuzz-$name.log"
    # -timeout: one input may take at most 10 s (a hang is a finding too); -rss_limit_mb: the
    # parsers' bounds must hold memory well under this; -max_len: larger than any seed.
    set +e
    PUBSUB_FUZZ_TARGET="$name" "$binary" "$work" "Fuzz/corpus/$name" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix="$artifacts/" >"$log" 2>&1
    code=$?
    set -e
    executions=$(awk '/stat::number_of_executed_units/ {print $2}' "$log")
    rate=$(awk '/stat::average_exec_per_sec/ {print $2}' "$log")
    if (( code == 0 )); then
        result=ok
    else
        status=1
        found=$(grep -o "$artifacts/[^ ]*" "$log" | head -n 1)
        result="FAILED (exit $code): ${found:-see $log}"
        grep -E 'ERROR|SUMMARY|Fatal error|#[0-9]+ 0x' "$log" | head -n 20 >&2 || true
    fi
    printf '%-20s %12s %14s %s\n' "$name" "${rate:-?}" "${executions:-?}" "$result"
done
if (( status != 0 )); then
    echo "fuzz.sh: a target failed; keep its input in Fuzz/regressions/<target>/ and fix the parser" >&2
fi
exit "$status"
