"""Rebuild the monthly exchange rates of assumptions/fx/per_usd.toml from the Federal Reserve G.5 monthly averages.

    python scripts/build_fx_rates.py [SOURCE.csv] [--from 2024-01] [--dated-values tests/cases/dated_values.csv]

SOURCE is one of (default: assumptions/fx/source/g5_monthly.csv, the extract shipped with the project):
- a FRED download (``fredgraph.csv?id=EXCHUS,EXUSEU,...``): ``observation_date`` then one column per series; the
  ``EXUS..`` series (euro, pound, Australian dollar) are USD per unit and are inverted. Graded confirmed: the
  Board's own G.5 series as the St. Louis Fed republishes it;
- the datasets/exchange-rates monthly file (``Date,Country,Exchange rate``, a mirror of the same FRED series that
  already inverts the dollar-quoted ones, rounded to 4 decimals). Graded secondary;
- the shipped extract (``month,currency,per_usd,series,evidence,via``), which either of the above rewrites.

For CNY, EUR, GBP, JPY, HKD, CAD, MXN, BRL, AUD and KRW it writes one period per month (``from`` the 1st ``until`` the
next 1st) and, after the last published month, that month's rate carried forward, graded unverified and labelled
so. Other currencies in the file (RON ...) and the USD identity are kept as they are; so is the HKD peg before the
first month. With ``--dated-values`` it also rewrites the fx rows of the dated-values test table.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tomllib
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
TOML = ROOT / "assumptions" / "fx" / "per_usd.toml"
EXTRACT = ROOT / "assumptions" / "fx" / "source" / "g5_monthly.csv"

# currency -> (FRED monthly series, quoted in USD per unit, name in the datasets/exchange-rates mirror)
SERIES = {
    "AUD": ("EXUSAL", True, "Australia"), "BRL": ("EXBZUS", False, "Brazil"), "CAD": ("EXCAUS", False, "Canada"),
    "CNY": ("EXCHUS", False, "China"), "EUR": ("EXUSEU", True, "Euro"), "GBP": ("EXUSUK", True, "United Kingdom"),
    "HKD": ("EXHKUS", False, "Hong Kong"), "JPY": ("EXJPUS", False, "Japan"), "KRW": ("EXKOUS", False, "South Korea"),
    "MXN": ("EXMXUS", False, "Mexico"),
}
VIA = {"fred": "FRED (St. Louis Fed)", "mirror": "the datasets/exchange-rates mirror of FRED (github.com/datasets/exchange-rates)"}
FRED_URL = "https://fred.stlouisfed.org/series/{series}"
KEEP_BEFORE = {"HKD"}  # the peg value stays in force before the first monthly figure

HEADER = '''kind = "parameter"
label = "Currency units per US dollar (Fed G.5 monthly average of the month; the last published month carried forward after it; load CBP's certified rates for exact figures)"
label_zh = "每美元兑换的外币数量（美联储 G.5 当月月均值；最后一个公布月份之后沿用该月数值；精确结果请载入 CBP 认证汇率）"
unit = "per_usd"
evidence = "unverified"
key = "currency"
description = "Converts unit_value, freight and prices to USD on the line's date. CBP converts at the rate certified by the Federal Reserve Bank of New York for the date of export (19 CFR 159.32); the Federal Reserve G.5 monthly averages of those certified rates stand in for it here. CNY, EUR, GBP, JPY, HKD, CAD, MXN, BRL, AUD and KRW have one value per month from {first} to {last} (rebuilt by scripts/build_fx_rates.py from assumptions/fx/source/g5_monthly.csv); after {last} the {last} average is carried forward, graded unverified. Other currencies carry yearly approximations. For exact figures, turn the certified daily rates into a scenario with `costimpact assumptions import-fx FILE --out rates.toml` and price with `--scenario rates.toml`."
description_zh = "按订单行日期把单价、运费、售价折算为美元。海关按纽约联储认证的出口日汇率折算（19 CFR 159.32），这里用美联储 G.5 公布的认证汇率月均值近似。人民币、欧元、英镑、日元、港币、加元、墨西哥比索、巴西雷亚尔、澳元、韩元从 {first} 到 {last} 每月一个数值（由 scripts/build_fx_rates.py 根据 assumptions/fx/source/g5_monthly.csv 生成）；{last} 之后沿用 {last} 的月均值，等级为未核实。其他币种为年度近似值。需要精确结果时，用 `costimpact assumptions import-fx 文件 --out rates.toml` 把认证日汇率转成情景，再用 `--scenario rates.toml` 计价。"

[[references]]
title = "Federal Reserve G.5 Foreign Exchange Rates (monthly averages of the noon buying rates certified for customs by the FRBNY)"
url = "https://www.federalreserve.gov/releases/g5/"

[[references]]
title = "FRED monthly series EXCHUS, EXUSEU, EXUSUK, EXJPUS, EXHKUS, EXCAUS, EXMXUS, EXBZUS, EXUSAL, EXKOUS (source: G.5)"
url = "https://fred.stlouisfed.org/categories/95"

[[references]]
title = "19 U.S.C. 5151; 19 CFR 159.32 (conversion at the rate of the date of exportation)"
'''


def read_source(path: Path) -> pd.DataFrame:
    """``month`` (Timestamp, 1st of the month), ``currency``, ``per_usd``, ``series``, ``evidence``, ``via``."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    cols = list(raw.columns)
    if cols[:3] == ["month", "currency", "per_usd"]:
        out = raw.assign(per_usd=pd.to_numeric(raw["per_usd"]))
    elif cols[0].lower() in ("observation_date", "date") and any(c in cols for c, _, _ in SERIES.values()):
        parts = []
        for cur, (series, inverted, _) in SERIES.items():
            if series in raw.columns:
                v = pd.to_numeric(raw[series].replace(".", ""), errors="coerce")
                parts.append(pd.DataFrame({"month": raw[cols[0]], "currency": cur, "per_usd": 1.0 / v if inverted else v,
                                           "series": series, "evidence": "confirmed", "via": "fred"}))
        out = pd.concat(parts, ignore_index=True)
    elif cols == ["Date", "Country", "Exchange rate"]:
        by_name = {name: (cur, series) for cur, (series, _, name) in SERIES.items()}
        raw = raw[raw["Country"].isin(by_name)]
        out = pd.DataFrame({"month": raw["Date"], "currency": raw["Country"].map(lambda n: by_name[n][0]),
                            "per_usd": pd.to_numeric(raw["Exchange rate"], errors="coerce"),
                            "series": raw["Country"].map(lambda n: by_name[n][1]), "evidence": "secondary", "via": "mirror"})
    else:
        sys.exit(f"{path}: not a FRED download, the datasets/exchange-rates monthly file or the shipped extract ({', '.join(cols)})")
    out = out.assign(month=pd.to_datetime(out["month"]).dt.to_period("M").dt.to_timestamp())
    return out[out["per_usd"] > 0].sort_values(["currency", "month"]).reset_index(drop=True)


def _source(row: pd.Series) -> tuple[str, str]:
    month = row["month"].strftime("%Y-%m")
    _, inverted, _ = SERIES[row["currency"]]
    by = " and rounded to 4 decimals by the mirror" if row["via"] == "mirror" else ""
    quoted = f"; quoted in USD per {row['currency']}, inverted{by}" if inverted else ""
    zh = ("；原以每单位美元报价，已取倒数" + ("（镜像四舍五入到 4 位小数）" if by else "")) if inverted else ""
    via = "FRED" if row["via"] == "fred" else "datasets/exchange-rates 镜像"
    return (f"Federal Reserve G.5 monthly average of the certified rates, {month} (series {row['series']} via {VIA[row['via']]}{quoted})",
            f"美联储 G.5 认证汇率月均值，{month}（序列 {row['series']}，经 {via}{zh}）")


def _fmt(v: float) -> str:
    return repr(float(round(v, 6)))


def monthly_periods(src: pd.DataFrame) -> list[dict]:
    """One period per currency and month, a carried-forward period after the last month; gaps are carried too."""
    periods = []
    for cur, g in src.groupby("currency", sort=True):
        months = pd.date_range(g["month"].min(), g["month"].max(), freq="MS")
        g = g.set_index("month").reindex(months)
        last = None
        for month, row in g.iterrows():
            until = (month + pd.offsets.MonthBegin(1)).date()
            if pd.isna(row["per_usd"]):  # a month the source does not give: the previous one carried, unverified
                periods.append(_carried(cur, last, month.date(), until))
                continue
            row = row.copy()
            row["month"], row["currency"] = month, cur
            en, zh = _source(row)
            periods.append({"key": cur, "from": month.date(), "until": until, "value": float(row["per_usd"]), "source": en,
                            "source_zh": zh, "url": FRED_URL.format(series=row["series"]), "evidence": row["evidence"]})
            last = row
        periods.append(_carried(cur, last, (g.index.max() + pd.offsets.MonthBegin(1)).date(), None))
    return periods


def _carried(cur: str, last: pd.Series, start, until) -> dict:  # noqa: ANN001
    month = last["month"].strftime("%Y-%m")
    return {"key": cur, "from": start, "until": until, "value": float(last["per_usd"]),
            "source": f"CARRIED FORWARD: no G.5 monthly average in this file for this month; the {month} average ({last['series']}) is used. Load the certified rates with import-fx for exact figures",
            "source_zh": f"沿用：本文件没有该月的 G.5 月均值，沿用 {month} 的月均值（{last['series']}）。精确结果请用 import-fx 载入认证汇率",
            "evidence": "unverified"}


def kept_periods(first: pd.Timestamp, current: str) -> list[dict]:
    """The values of the current file (TOML text) that the monthly figures do not replace."""
    data = tomllib.loads(current)
    kept = []
    for v in data["values"]:
        if v["key"] not in SERIES:
            kept.append(v)
        elif v["key"] in KEEP_BEFORE and v["from"] < first.date():
            kept.append({**v, "until": first.date()})
    return kept


def _toml_value(v) -> str:  # noqa: ANN001
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, float):
        return _fmt(v)
    return v.isoformat() if hasattr(v, "isoformat") else str(v)


def render_toml(periods: list[dict], first: str, last: str) -> str:
    order = ["key", "from", "until", "value", "source", "source_zh", "url", "evidence", "note"]
    lines = [HEADER.format(first=first, last=last)]
    for p in sorted(periods, key=lambda p: (p["key"] != "USD", p["key"], p["from"])):
        lines.append("[[values]]")
        lines += [f"{k} = {_toml_value(p[k])}" for k in order if p.get(k) is not None]
        lines.append("")
    return "\n".join(lines)


def build(src: pd.DataFrame, current: str) -> tuple[str, list[dict]]:
    """The new per_usd.toml text from the monthly figures and the current file, and all its periods."""
    first, last = src["month"].min(), src["month"].max()
    periods = kept_periods(first, current) + monthly_periods(src)
    return render_toml(periods, first.strftime("%Y-%m"), last.strftime("%Y-%m")), periods


def write_extract(src: pd.DataFrame) -> None:
    EXTRACT.parent.mkdir(parents=True, exist_ok=True)
    out = src.assign(month=src["month"].dt.strftime("%Y-%m"), per_usd=src["per_usd"].map(_fmt))
    out[["month", "currency", "per_usd", "series", "evidence", "via"]].to_csv(EXTRACT, index=False, lineterminator="\n")


def write_dated_values(path: Path, periods: list[dict]) -> None:
    """The fx rows of the dated-values table for the rebuilt currencies: each start, the value before and on it."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    fields = list(rows[0])
    rows = [r for r in rows if not (r["param"] == "fx/per_usd" and r["key"] in SERIES)]
    by_key: dict[str, list[dict]] = {}
    for p in sorted(periods, key=lambda p: (p["key"], p["from"])):
        if p["key"] in SERIES:
            by_key.setdefault(p["key"], []).append(p)
    for cur, ps in by_key.items():
        before = ""
        for p in ps:
            grade = {"confirmed": "C", "secondary": "C2", "unverified": "U"}[p.get("evidence", "unverified")]
            rows.append({**dict.fromkeys(fields, ""), "param": "fx/per_usd", "key": cur, "date": p["from"].isoformat(),
                         "before": before, "after": _fmt(p["value"]), "source": f"{p['source']} ({grade})"})
            before = _fmt(p["value"])
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("source", nargs="?", type=Path, default=EXTRACT)
    ap.add_argument("--from", dest="start", default="2024-01", help="first month to keep (default 2024-01)")
    ap.add_argument("--dated-values", type=Path, help="also rewrite the fx rows of this dated-values test table")
    args = ap.parse_args()
    src = read_source(args.source)
    src = src[src["month"] >= pd.Timestamp(args.start)]
    missing = sorted(set(SERIES) - set(src["currency"]))
    if missing:
        sys.exit(f"{args.source}: no figures for {', '.join(missing)}")
    if args.source != EXTRACT:
        write_extract(src)
    text, periods = build(src, TOML.read_text(encoding="utf-8"))
    TOML.write_text(text, encoding="utf-8")
    if args.dated_values:
        write_dated_values(args.dated_values, periods)
    ends = src.groupby("currency")["month"].max().dt.strftime("%Y-%m")
    print(f"{TOML.relative_to(ROOT)}: {len(periods)} periods; monthly from {src['month'].min():%Y-%m} to " + ", ".join(f"{c} {m}" for c, m in ends.items()))


if __name__ == "__main__":
    main()
