#!/usr/bin/env bash
# Wall time of `pubsub token` (release build with the static Swift runtime, as the README installs
# it) next to the official Python SDK minting the same token, and of the same build with the
# dynamic Swift runtime and of `pubsub --version` (start-up alone) with each runtime, measured in
# one hyperfine run: 3 warm-up runs, then 20 timed runs each; prints medians.
# Needs hyperfine (apt-get install hyperfine) and the conformance venv (scripts/python-env.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "hyperfine is missing: apt-get install hyperfine" >&2; exit 69; }
scripts/python-env.sh
# Both runtimes link into the same folder: the dynamic binary is copied aside first.
dynamic=$(mktemp)
swift build -c release --product pubsub >/dev/null
cp "$(swift build -c release --show-bin-path)/pubsub" "$dynamic"
chmod +x "$dynamic"
swift build -c release --static-swift-stdlib --product pubsub >/dev/null
bin="$(swift build -c release --static-swift-stdlib --show-bin-path)/pubsub"
export WebPubSubConnectionString="Endpoint=https://contoso.webpubsub.azure.com;AccessKey=Q29udG9zb0xvY2FsS2V5Rm9yRG9jc09ubHkwMTIzNDU=;Version=1.0;"
result=$(mktemp)
trap 'rm -f "$result" "$dynamic"' EXIT
hyperfine --warmup 3 --runs 20 --shell=none --export-json "$result" \
  -n "pubsub token" "$bin token --hub chat --user alice --role webpubsub.sendToGroup" \
  -n "pubsub token (dynamic runtime)" "$dynamic token --hub chat --user alice --role webpubsub.sendToGroup" \
  -n "pubsub --version" "$bin --version" \
  -n "pubsub --version (dynamic runtime)" "$dynamic --version" \
  -n "python SDK" ".venv/bin/python -c \"import os; from azure.messaging.webpubsubservice import WebPubSubServiceClient as C; print(C.from_connection_string(os.environ['WebPubSubConnectionString'], hub='chat').get_client_access_token(user_id='alice', roles=['webpubsub.sendToGroup'])['url'])\"" \
  >&2
python3 - "$result" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(f"{r['command']}: median {r['median'] * 1000:.1f} ms (min {r['min'] * 1000:.1f}, max {r['max'] * 1000:.1f}, {len(r['times'])} runs)")
PY
