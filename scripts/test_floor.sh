#!/usr/bin/env bash
# The lowest versions pyproject.toml allows for the data stack (pandas, numpy, pyarrow), in a venv of their own
# (.venv-floor), running the import and engine tests. pandas 2 and 3 differ in how text is stored (pandas 2:
# object dtype, where astype("str") writes a missing cell as the text "nan"): this is where such a difference
# would silently change a number. Keep the pins in step with the floors in pyproject.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv-floor
.venv-floor/bin/python -m pip install -q --upgrade pip
.venv-floor/bin/python -m pip install -q "pandas==2.2.3" "numpy==1.26.4" "pyarrow==15.0.2" \
  "pydantic>=2.6" "openpyxl>=3.1" "xlsxwriter>=3.1" "python-calamine>=0.2" "pycountry>=23.12" \
  "charset-normalizer>=3.3" "tomli-w>=1.0" "rapidfuzz>=3" "pytest>=8" "hypothesis>=6.100"
.venv-floor/bin/python -m pip install -q --no-deps -e .
.venv-floor/bin/python -c "import pandas, numpy, pyarrow; print('floor:', 'pandas', pandas.__version__, 'numpy', numpy.__version__, 'pyarrow', pyarrow.__version__)"
.venv-floor/bin/python -m pytest -q -p no:cacheprovider tests/test_import_trust.py tests/test_orders_import.py \
  tests/test_s301_exclusion.py tests/test_landed_cases.py "$@"
