#!/usr/bin/env bash
# Headless Chromium (Debian's package) for the browser test of the SSE demo page: installed with apt
# when missing (as root, or through sudo).
set -euo pipefail
if command -v chromium >/dev/null; then exit 0; fi
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
  echo "chromium is missing and this user cannot install it: apt-get install chromium" >&2
  exit 69
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q >/dev/null
$sudo apt-get install -y -q --no-install-recommends chromium >/dev/null
command -v chromium >/dev/null
