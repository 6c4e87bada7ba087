#!/usr/bin/env bash
# Client-verb numbers against a local `pubsub serve` (release build, static Swift runtime):
#  - wall time of one `pubsub publish "Hello World"` next to the Python service SDK doing the same
#    (hyperfine: 3 warm-ups, 20 runs each, medians);
#  - 2000 lines through `publish --lines` (REST, one request each, in order) and through
#    `send-to-group --lines` (WebSocket, each acked before the next), three runs each.
# Needs hyperfine (apt-get install hyperfine) and the conformance venv (scripts/python-env.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "hyperfine is missing: apt-get install hyperfine" >&2; exit 69; }
scripts/python-env.sh
swift build -c release --static-swift-stdlib --product pubsub >/dev/null
bin="$(swift build -c release --static-swift-stdlib --show-bin-path)/pubsub"
work=$(mktemp -d)
"$bin" serve --port 0 --log-level error >"$work/serve.out" 2>/dev/null &
serve=$!
trap 'kill $serve 2>/dev/null; rm -rf "$work"' EXIT
until grep -q "^Connection string: " "$work/serve.out" 2>/dev/null; do sleep 0.1; done
export WebPubSubConnectionString="$(sed -n 's/^Connection string: //p' "$work/serve.out")"
hyperfine -N --warmup 3 --runs 20 --export-json "$work/publish.json" \
  -n "pubsub publish" "$bin publish 'Hello World' --hub chat" \
  -n "python SDK send_to_all" ".venv/bin/python -c \"import os; from azure.messaging.webpubsubservice import WebPubSubServiceClient as C; C.from_connection_string(os.environ['WebPubSubConnectionString'], hub='chat').send_to_all('Hello World', content_type='text/plain')\"" >&2
python3 - "$work/publish.json" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(f"{r['command']}: median {r['median'] * 1000:.1f} ms ({len(r['times'])} runs)")
PY
seq 1 2000 >"$work/lines"
for verb in "publish --lines --hub chat" "send-to-group g --lines --hub chat"; do
  for run in 1 2 3; do
    start=$(date +%s.%N)
    $bin $verb <"$work/lines"
    end=$(date +%s.%N)
    python3 -c "import sys; s=float(sys.argv[2])-float(sys.argv[1]); print(f'{sys.argv[3]}: 2000 messages in {s:.2f} s = {2000/s:.0f} msgs/s')" "$start" "$end" "${verb%% *}"
  done
done
