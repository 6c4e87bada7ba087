#!/usr/bin/env bash
# pubsub serve side by side with mosquitto's and nats-server's WebSocket listeners and a floor (a
# minimal C server that makes one write per delivery): the same scenarios, one load generator
# (`pubsub bench`, the brokers through its raw WebSocket mode), each server pinned to core 0 and the
# load to core 1, in a private network namespace (loopback only), interleaved, three rounds. Prints
# a table of medians and ratios to mosquitto's; --docs appends it to docs/benchmarks.md.
#
#   scripts/bench-peers.sh [--rounds N] [--large N] [--unpinned] [--only steady,burst,…] [--docs]
#   scripts/bench-peers.sh --tiny        one tiny run of each scenario: checks the harness
#
# Needs mosquitto and nats-server (Debian: apt-get install mosquitto nats-server), a C compiler and
# OpenSSL's libcrypto headers (libssl-dev) for the floor; PUBSUB_BINARY picks the pubsub binary
# (default: a release build, built here). Bounded: every run stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -z "${BENCH_PEERS_NAMESPACE:-}" ]]; then
    # A private network namespace: the servers (mosquitto's WebSocket listener binds every
    # interface) are reachable on loopback only, and nothing else on the machine talks to them.
    if unshare -n true 2>/dev/null; then
        exec unshare -n env BENCH_PEERS_NAMESPACE=1 bash -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
    fi
    echo "bench-peers.sh: cannot create a network namespace (unshare -n needs root); not running servers outside one" >&2
    exit 77
fi

tiny=0
args=()
docs=0
for arg in "$@"; do
    case "$arg" in
        --tiny) tiny=1; args+=("$arg") ;;
        --docs) docs=1 ;;
        *) args+=("$arg") ;;
    esac
done

missing=()
for tool in mosquitto nats-server cc taskset python3; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
if ((${#missing[@]})); then
    echo "bench-peers.sh: missing ${missing[*]} (Debian: apt-get install mosquitto nats-server gcc libssl-dev util-linux)" >&2
    exit 69
fi

mkdir -p .build-peers
cc -O2 -Wall -Wextra -o .build-peers/ws-floor scripts/peers/ws-floor.c -lcrypto
if [[ -z "${PUBSUB_BINARY:-}" ]]; then
    swift build -c release --product pubsub >&2
    PUBSUB_BINARY=.build/release/pubsub
fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

command_line="scripts/bench-peers.sh${*:+ $*}"
extra=()
((docs)) && extra+=(--docs docs/benchmarks.md)
exec python3 scripts/peers/bench_peers.py --pubsub "$PUBSUB_BINARY" --floor .build-peers/ws-floor \
    --command "$command_line" "${extra[@]}" "${args[@]}"
