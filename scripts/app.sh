#!/usr/bin/env bash
# Set up (venv + the project) and open the app on the built-in sample order file.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e .
echo "costimpact: open http://localhost:8501 in your browser (the app starts on the built-in sample orders)"
# headless: no first-run e-mail prompt that would wait for input
exec .venv/bin/python -m streamlit run app.py --server.headless true "$@"
