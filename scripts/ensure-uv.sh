#!/usr/bin/env bash
# Makes sure `uv` is available (installs it from PyPI with pip when it is not).
set -euo pipefail
if command -v uv >/dev/null 2>&1; then exit 0; fi
if [ -x "$HOME/.local/bin/uv" ]; then exit 0; fi
echo "Installing uv from PyPI"
python3 -m pip install --quiet --user uv 2>/dev/null || python3 -m pip install --quiet uv
