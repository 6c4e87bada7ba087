#!/usr/bin/env bash
# Creates .venv (git-ignored) with the conformance-test dependencies from PyPI. Idempotent: it
# reinstalls only when Tests/Conformance/requirements.txt changed.
set -euo pipefail
cd "$(dirname "$0")/.."
requirements=Tests/Conformance/requirements.txt
stamp=.venv/.requirements.sha256
want=$(sha256sum "$requirements" | cut -d' ' -f1)
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$requirements"
  echo "$want" >"$stamp"
fi
