"""Derive the built-in EU (CET 2020) and UK (UKGT 2021) duty tables from the DIT global-uk-tariff CSV.

    python scripts/derive_dit_tariffs.py ../shared/data/uk-global-tariff/global-uk-tariff.csv

Source: uktrade/global-uk-tariff, commit ab1e6029 (2021-01-27), Crown copyright (Department for International
Trade), MIT licence. Only ad valorem rates ("12.0%") are kept; specific and compound rates are left out, so those
codes need the line's own ``mfn_rate`` or a current TARIC / UK tariff export.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1] / "assumptions"
OUT = {
    "cet_duty_rate": (ROOT / "eu" / "cct_2020.csv", "DIT global-uk-tariff cet_duty_rate (EU CET 2020)"),
    "ukgt_duty_rate": (ROOT / "uk" / "ukgt_2021.csv", "DIT global-uk-tariff ukgt_duty_rate (UKGT 2021)"),
}


def main(path: str) -> None:
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    for column, (out, source) in OUT.items():
        rate = pd.to_numeric(raw[column].str.fullmatch(r"\s*\d+(\.\d+)?%\s*").where(lambda m: m).map(lambda _: 1), errors="coerce")
        pct = pd.to_numeric(raw[column].str.rstrip("% ").where(rate.notna()), errors="coerce")
        table = pd.DataFrame({"code": raw["commodity"].str.strip(), "duty_rate": (pct / 100).round(6), "source": source, "evidence": "secondary"})
        table = table[pct.notna()].drop_duplicates("code")
        table.to_csv(out, index=False)
        print(f"{out}: {len(table)} of {len(raw)} codes (ad valorem only)")


if __name__ == "__main__":
    main(sys.argv[1])
