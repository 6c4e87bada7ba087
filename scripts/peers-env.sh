#!/usr/bin/env bash
# The peers scripts/bench-peers.sh measures pubsub serve against (mosquitto, nats-server) and what
# its floor server builds with (a C compiler, OpenSSL's libcrypto headers): Debian's packages,
# installed with apt when missing (as root, or through sudo).
set -euo pipefail
missing=()
command -v mosquitto >/dev/null || missing+=(mosquitto)
command -v nats-server >/dev/null || missing+=(nats-server)
command -v cc >/dev/null || missing+=(gcc)
[ -f /usr/include/openssl/sha.h ] || missing+=(libssl-dev)
command -v taskset >/dev/null || missing+=(util-linux)
command -v ip >/dev/null || missing+=(iproute2)
((${#missing[@]})) || exit 0
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
  echo "missing ${missing[*]} and this user cannot install them: apt-get install ${missing[*]}" >&2
  exit 69
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q >/dev/null
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts the packaged mosquitto as a system service; the benchmark runs its own.
if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
  $sudo systemctl disable --now mosquitto >/dev/null 2>&1 || true
fi
command -v mosquitto >/dev/null && command -v nats-server >/dev/null
