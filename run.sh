#!/usr/bin/env bash
# Install (first time) and start Terrain on the default territory (Paris).
# Needs only python3. Extra arguments go to `streamlit run` (e.g. --server.port 8502).
set -euo pipefail
cd "$(dirname "$0")"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q -r requirements.txt
exec .venv/bin/python -m streamlit run serve.py "$@"
