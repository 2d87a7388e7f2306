"""Search the loaded HTS table by code or by words (English or Chinese), for pickers and the CLI."""

from __future__ import annotations

import re

import pandas as pd

from costimpact.assumptions import AssumptionSet
from costimpact.assumptions.tariff import tariff_lines


def search_hts(aset: AssumptionSet, query: str, limit: int = 20) -> pd.DataFrame:
    """Lines whose code starts with the digits of ``query``, or whose description (English or Chinese)
    contains every word of it. Code matches come first."""
    table = tariff_lines(aset)
    q = (query or "").strip()
    if not q:
        return table.head(limit).reset_index(drop=True)
    digits = re.sub(r"[\s.]", "", q)
    if digits.isdigit():
        hit = table[table["hts"].str.startswith(digits)]
        return hit.sort_values("hts").head(limit).reset_index(drop=True)
    text = table["description"].str.lower()
    if "description_zh" in table:
        text = text + " " + table["description_zh"].astype(str).str.lower()
    mask = pd.Series(True, index=table.index)
    for word in q.lower().split():
        mask &= text.str.contains(word, regex=False)
    return table[mask].head(limit).reset_index(drop=True)
