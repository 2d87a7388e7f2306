#!/usr/bin/env bash
# Set up (venv + the project) and open the app on the built-in sample order file.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e .
exec .venv/bin/python -m streamlit run app.py "$@"
