#!/usr/bin/env bash
# What one live-trace client costs the service: `pubsub bench fanout` (1,000 subscribers in one
# group, a REST burst) against a release `pubsub serve`, alternating runs with no trace client and
# with one `pubsub trace --group bench` reading the trace. Prints each run's deliveries/s and the
# medians. Usage: scripts/bench-trace.sh [runs-per-side] [messages-per-run]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
count=${2:-300}
swift build -c release --product pubsub >/dev/null
bin="$(swift build -c release --show-bin-path)/pubsub"
work=$(mktemp -d)
"$bin" serve --port 0 --log-level error >"$work/serve.out" 2>/dev/null &
serve=$!
trace=
trap 'kill $serve $trace 2>/dev/null; rm -rf "$work"' EXIT
until grep -q "^Connection string: " "$work/serve.out" 2>/dev/null; do sleep 0.1; done
export WebPubSubConnectionString="$(sed -n 's/^Connection string: //p' "$work/serve.out")"
rate() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["lossless"], r; print(round(r["deliveriesPerSecond"]))' "$1"; }
for run in $(seq 1 "$runs"); do
  "$bin" bench fanout --subscribers 1000 --count "$count" --format json -q >"$work/plain-$run.json"
  echo "run $run, no trace client: $(rate "$work/plain-$run.json") deliveries/s"
  "$bin" trace --group bench --format json >"$work/trace-$run.ndjson" 2>"$work/trace-$run.err" &
  trace=$!
  until grep -q "pubsub: tracing" "$work/trace-$run.err" 2>/dev/null; do sleep 0.1; done
  "$bin" bench fanout --subscribers 1000 --count "$count" --format json -q >"$work/traced-$run.json"
  echo "run $run, one trace client (--group bench): $(rate "$work/traced-$run.json") deliveries/s ($(wc -l <"$work/trace-$run.ndjson") trace records)"
  kill $trace
  wait $trace 2>/dev/null || true
  trace=
done
python3 - "$work" "$runs" <<'PY'
import json, statistics, sys
work, runs = sys.argv[1], int(sys.argv[2])
plain = [json.load(open(f"{work}/plain-{i}.json"))["deliveriesPerSecond"] for i in range(1, runs + 1)]
traced = [json.load(open(f"{work}/traced-{i}.json"))["deliveriesPerSecond"] for i in range(1, runs + 1)]
p, t = statistics.median(plain), statistics.median(traced)
print(f"median without trace: {p:.0f} deliveries/s (range {min(plain):.0f}-{max(plain):.0f})")
print(f"median with one trace client: {t:.0f} deliveries/s (range {min(traced):.0f}-{max(traced):.0f})")
print(f"cost: {(p - t) / p * 100:.1f}%")
PY
