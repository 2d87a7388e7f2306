"""Certified exchange rates in: CBP / FRBNY daily rates -> a scenario that prices lines at them.

CBP converts a foreign-currency value at the rate certified by the Federal Reserve Bank of New York for the date
of export (19 U.S.C. 5151, 19 CFR 159.32); the Federal Reserve publishes the same noon buying rates in its H.10
release. Two layouts are read:

- the Federal Reserve Data Download Program CSV of H.10 (``FRB_H10.csv``): a few description rows, then one
  row per day, one column per series; series ``RXI_N.B.XX`` are units per USD, ``RXI$US_N.B.XX`` are USD per
  unit (euro, pound, Australian dollar ...) and are inverted; ``ND`` means no rate that day;
- a plain table with ``date``, ``currency`` and ``per_usd`` (or ``rate``) columns, e.g. rates copied from CBP's
  certified-rate lookup, one row per currency and day.

The result is a scenario TOML with one ``fx/per_usd`` override per currency and day (from that day to the next
rate), on top of the law in force on each line's date. ``--monthly`` averages the days of each month instead.
"""

from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd

from costimpact.errors import ArgumentError

# H.10 series suffix -> ISO currency
H10_SUFFIX = {"AL": "AUD", "BZ": "BRL", "CA": "CAD", "CH": "CNY", "EU": "EUR", "HK": "HKD", "JA": "JPY", "KO": "KRW",
              "MX": "MXN", "UK": "GBP", "IN": "INR", "SI": "SGD", "TA": "TWD", "TH": "THB", "MA": "MYR", "SZ": "CHF",
              "SD": "SEK", "DN": "DKK", "NO": "NOK", "NZ": "NZD", "SF": "ZAR", "SL": "LKR", "VE": "VES"}
_SERIES = re.compile(r"^RXI(\$US)?_N\.B\.([A-Z]{2})$")


def read_rates(data: bytes, file_name: str) -> pd.DataFrame:
    """``date, currency, per_usd`` (units of the currency per USD), one row per currency and day with a rate."""
    text = data.decode("utf-8-sig", errors="replace")
    raw = pd.read_csv(io.StringIO(text), dtype=str, header=None, keep_default_na=False)
    ids = raw.apply(lambda col: col.str.strip().str.match(_SERIES.pattern)).any(axis=0)
    if ids.any():
        return _h10(raw, file_name)
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    cols = {c.strip().lower().replace(" ", "_"): c for c in frame.columns}
    rate = cols.get("per_usd") or cols.get("rate") or cols.get("units_per_usd")
    if not ("date" in cols and "currency" in cols and rate):
        raise ArgumentError(f"{file_name}: expected the Federal Reserve H.10 download (FRB_H10.csv) or columns date, currency, per_usd; found {', '.join(frame.columns)}")
    out = pd.DataFrame({"date": frame[cols["date"]], "currency": frame[cols["currency"]].str.strip().str.upper(),
                        "per_usd": frame[rate]})
    return _clean(out, file_name)


def _h10(raw: pd.DataFrame, file_name: str) -> pd.DataFrame:
    id_row = next(i for i in range(min(len(raw), 12)) if raw.iloc[i].str.strip().str.match(_SERIES.pattern).any())
    data = raw.iloc[id_row + 1:]
    parts = []
    for j in range(1, raw.shape[1]):
        m = _SERIES.match(raw.iat[id_row, j].strip())
        if not m or m.group(2) not in H10_SUFFIX:
            continue
        v = pd.to_numeric(data[j].str.strip(), errors="coerce")  # "ND": no rate that day
        per_usd = 1.0 / v if m.group(1) else v
        parts.append(pd.DataFrame({"date": data[0].to_numpy(), "currency": H10_SUFFIX[m.group(2)], "per_usd": per_usd.to_numpy()}))
    if not parts:
        raise ArgumentError(f"{file_name}: no exchange-rate series (RXI_N.B.xx) found")
    return _clean(pd.concat(parts, ignore_index=True), file_name)


def _clean(frame: pd.DataFrame, file_name: str) -> pd.DataFrame:
    frame = frame.assign(date=pd.to_datetime(frame["date"], errors="coerce"),
                         per_usd=pd.to_numeric(frame["per_usd"], errors="coerce"))
    frame = frame[frame["date"].notna() & (frame["per_usd"] > 0) & frame["currency"].str.fullmatch(r"[A-Z]{3}")]
    if frame.empty:
        raise ArgumentError(f"{file_name}: no usable rate (a date, a currency code and a number above 0)")
    return frame.sort_values(["currency", "date"]).drop_duplicates(["currency", "date"], keep="last").reset_index(drop=True)


def monthly(rates: pd.DataFrame) -> pd.DataFrame:
    """The average of each month's daily rates, dated the first of the month."""
    month = rates["date"].dt.to_period("M").dt.to_timestamp()
    return rates.assign(date=month).groupby(["currency", "date"], as_index=False)["per_usd"].mean()


def scenario_toml(rates: pd.DataFrame, name: str, source: str, *, is_monthly: bool) -> str:
    """A scenario pricing every line at these rates: each rate holds from its date until the currency's next one."""
    what = "monthly averages of the certified rates" if is_monthly else "the rates certified for customs"
    lines = [
        'kind = "scenario"', f'name = "{name}"',
        f'label = "Actual law, {what} ({source})"', f'label_zh = "实际规则，按{"认证汇率月均值" if is_monthly else "海关认证汇率"}折算（{source}）"',
        f'description = "The law in force on each line\'s date; foreign-currency values converted at {what} from {source}."',
        f'description_zh = "按每行日期的实际规则；外币金额按 {source} 的{"认证汇率月均值" if is_monthly else "海关认证汇率"}折算。"',
        'date_mode = "line"',
    ]
    for cur, g in rates.groupby("currency", sort=True):
        dates = list(g["date"])
        for i, (day, rate) in enumerate(zip(dates, g["per_usd"], strict=True)):
            until = dates[i + 1] if i + 1 < len(dates) else None
            lines += ["", "[[overrides]]", 'param = "fx/per_usd"', f'keys = ["{cur}"]', f"from = {day.date().isoformat()}"]
            if until is not None:
                lines.append(f"until = {until.date().isoformat()}")
            lines += [f"value = {float(np.round(rate, 6))}", f'note = "{source} {day.date().isoformat()}"']
    return "\n".join(lines) + "\n"
