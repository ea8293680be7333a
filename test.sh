#!/usr/bin/env bash
# Install (first time) and run the whole test suite, browser tests included.
# Needs only python3; the browser tests use Debian's Chromium, the workspace tests a throwaway
# PostgreSQL cluster (Debian's postgresql) and the replica test Debian's nginx in front of two app
# replicas, all installed here when missing (as root with apt-get).
# Never `playwright install`: it downloads its own browser.
set -euo pipefail
cd "$(dirname "$0")"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q -r requirements-dev.txt
if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
if [ ! -x /usr/sbin/nginx ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
fi
exec .venv/bin/python -m pytest "$@"
