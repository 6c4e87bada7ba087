#!/usr/bin/env bash
# Regenerates completions/ and man/ from the argument parser, the one source of the help text.
#   scripts/generate-docs.sh          rewrite completions/ and man/
#   scripts/generate-docs.sh --check  regenerate into a temporary folder and fail if the committed
#                                     files differ (the test command runs this)
set -euo pipefail
cd "$(dirname "$0")/.."

# Pinned so that regenerating without a help-text change changes nothing.
MAN_DATE=2026-11-22

mode=${1:-write}
case "$mode" in
  write|--check) ;;
  *) echo "usage: scripts/generate-docs.sh [--check]" >&2; exit 64 ;;
esac

swift build --product pubsub >/dev/null
bin=$(swift build --show-bin-path)/pubsub

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
mkdir -p "$out/completions" "$out/man"
"$bin" --generate-completion-script bash >"$out/completions/pubsub.bash"
"$bin" --generate-completion-script zsh >"$out/completions/_pubsub"
"$bin" --generate-completion-script fish >"$out/completions/pubsub.fish"

swift package plugin generate-manual --configuration debug --multi-page --date "$MAN_DATE" \
  --authors "pubsub developers" >/dev/null
cp .build/plugins/GenerateManual/outputs/pubsub/*.1 "$out/man/"

if [ "$mode" = "--check" ]; then
  if ! diff -ru completions "$out/completions" || ! diff -ru man "$out/man"; then
    echo "completions/ or man/ are stale: run scripts/generate-docs.sh and commit the result" >&2
    exit 1
  fi
  echo "completions/ and man/ are up to date"
else
  rm -rf completions man
  cp -r "$out/completions" "$out/man" .
  echo "wrote completions/ and man/"
fi
