#!/usr/bin/env bash
# Fan-out of two pubsub binaries side by side: the same load (one load generator, the second
# binary's `pubsub bench`), the service pinned to core 0 and the load to core 1, the two services
# alternated round by round so that the machine's drift falls on both alike.
#
#   scripts/bench-ab.sh BEFORE_BINARY AFTER_BINARY [ROUNDS]
#   BENCH_AB_BURST_ONLY=1 scripts/bench-ab.sh …    the burst only
#   BENCH_AB_CONNECT=1 scripts/bench-ab.sh …       1,000 clients connecting at once instead
#   (BENCH_AB_CONNECTIONS=10000 for more)
#
# Each round runs, against each service in turn: a burst of 300 messages to 1,000 subscribers, and
# a steady 20,000 deliveries/s for 10 s (or, with BENCH_AB_CONNECT=1, 1,000 clients connecting at
# once). It prints one line per run (deliveries or connections per second, seconds, p99, service
# CPU per delivery or connection, lost) and the medians. Bounded: every run stops by itself; each service is stopped
# after its run.
set -euo pipefail
cd "$(dirname "$0")/.."

before="${1:?usage: scripts/bench-ab.sh BEFORE_BINARY AFTER_BINARY [ROUNDS]}"
after="${2:?usage: scripts/bench-ab.sh BEFORE_BINARY AFTER_BINARY [ROUNDS]}"
rounds="${3:-3}"
for binary in "$before" "$after"; do
    [[ -x "$binary" ]] || { echo "bench-ab.sh: $binary is not an executable" >&2; exit 64; }
done
if ! [[ "$rounds" =~ ^[0-9]+$ ]] || (( rounds < 1 || rounds > 20 )); then
    echo "bench-ab.sh: ROUNDS must be from 1 to 20 (got '$rounds')" >&2
    exit 64
fi
ulimit -n 65536 2>/dev/null || true

results=$(mktemp)
trap 'rm -f "$results" "$results.run"; [[ -n "${server:-}" ]] && kill "$server" 2>/dev/null || true' EXIT

# Starts `$1 serve` on core 0 on a free port; sets $server and $connection.
start() {
    local log
    log=$(mktemp)
    taskset -c 0 "$1" serve --port 0 --quiet >"$log" 2>&1 &
    server=$!
    for _ in $(seq 100); do
        connection=$(sed -n 's/^Connection string: //p' "$log")
        [[ -n "$connection" ]] && break
        sleep 0.1
    done
    rm -f "$log"
    [[ -n "$connection" ]] || { echo "bench-ab.sh: $1 serve did not start" >&2; exit 1; }
}

# User plus system CPU of a process, in clock ticks (100 per second).
cpu_ticks() {
    awk '{ print $14 + $15 }' "/proc/$1/stat"
}

stop() {
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    server=
}

run() { # name binary bench-subcommand scenario-args…
    local name=$1 binary=$2 subcommand=$3
    shift 3
    start "$binary"
    local ticks_before
    ticks_before=$(cpu_ticks "$server")
    WebPubSubConnectionString="$connection" taskset -c 1 "$after" bench "$subcommand" --hub ab --format json --quiet "$@" >"$results.run"
    SERVICE_CPU_SECONDS=$(( $(cpu_ticks "$server") - ticks_before ))e-2 python3 -c '
import json, sys
name, scenario = sys.argv[1], sys.argv[2]
r = json.load(sys.stdin)
latency = r.get("latencyMicroseconds") or {}
delivered = r.get("delivered") or r.get("connections") or 0
import os
cpu = float(os.environ["SERVICE_CPU_SECONDS"])  # ticks of 10 ms
print(json.dumps({"name": name, "scenario": scenario, "perSecond": r.get("deliveriesPerSecond") or r.get("connectionsPerSecond"),
    "seconds": r.get("seconds"),
    "p99": latency.get("p99", 0) / 1000 if latency else None,
    "cpuMicros": round(cpu * 1e6 / delivered, 2) if cpu and delivered else None, "lost": r.get("lost")}))
' "$name" "$*" <"$results.run" | tee -a "$results"
    stop
}

for round in $(seq "$rounds"); do
    echo "== round $round of $rounds"
    for side in before after; do
        binary=$before
        [[ $side == after ]] && binary=$after
        if [[ "${BENCH_AB_CONNECT:-}" == 1 ]]; then
            run "$side" "$binary" connect --connections "${BENCH_AB_CONNECTIONS:-1000}" --concurrency "${BENCH_AB_CONNECTIONS:-1000}"
            continue
        fi
        run "$side" "$binary" fanout --subscribers 1000 --count 300
        [[ "${BENCH_AB_BURST_ONLY:-}" == 1 ]] || run "$side" "$binary" fanout --subscribers 1000 --rate 20 --duration 10s
    done
done

echo "== medians"
python3 - "$results" <<'EOF'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
for scenario in dict.fromkeys(r["scenario"] for r in rows):
    for name in ("before", "after"):
        runs = [r for r in rows if r["scenario"] == scenario and r["name"] == name]
        def median(key):
            values = [r[key] for r in runs if r[key] is not None]
            return statistics.median(values) if values else None
        print(f"{name:6} {scenario:45} per second {median('perSecond')}  seconds {median('seconds')}  p99 ms {median('p99')}  "
              f"service µs each {median('cpuMicros')}  lost {sum(r['lost'] or 0 for r in runs)}")
EOF
