#!/usr/bin/env bash
# System packages the tests and benchmarks drive: Debian's Chromium
# (Playwright cannot download its own browser here), docker-compose (v1, to
# validate the compose file offline), wrk (bench/), PgBouncer (tests run
# the allocator, the API and the commands behind it) and poppler-utils
# (pdftoppm renders the PDF labels that tests/labels scan), curl (the README's
# examples run as written). Installed when missing and we are root.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v docker-compose >/dev/null || missing+=(docker-compose)
command -v wrk >/dev/null || missing+=(wrk)
[ -x /usr/sbin/pgbouncer ] || missing+=(pgbouncer)
command -v pdftoppm >/dev/null || missing+=(poppler-utils)
command -v curl >/dev/null || missing+=(curl)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "Missing system packages: ${missing[*]}. Install them with:" >&2
  echo "  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing ${missing[*]} from Debian's packages..."
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
