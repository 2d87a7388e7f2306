"""Load a current tariff export to replace a built-in destination table (``eu/cct_2020``, ``uk/ukgt_2021``,
``ca/mfn_ca``).

``read_taric_export`` reads the European Commission's TARIC "duties import" export (XLSX or CSV: one row per
measure with the goods code, origin, measure type, duty expression and dates) and keeps the third-country duty
(measure type 103) for every origin (ERGA OMNES, origin code 1011) in force on a date, where the duty is a plain
percentage. ``read_cbsa_schedule`` reads the CBSA Customs Tariff schedule (the ``01-99`` file, XLSX or CSV: one
row per tariff item with its MFN Tariff) and keeps the 8-digit items whose MFN rate is ``Free`` or a plain
percentage. ``write_tariff_table`` writes it in the built-in table's shape, so a copy of ``assumptions/`` with it
in ``eu/`` is used through ``--assumptions``.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pandas as pd

from costimpact.errors import ArgumentError
from costimpact.orders.columns import header_key

THIRD_COUNTRY_DUTY = "103"
ERGA_OMNES = "1011"
NEEDED = {"goodscode": "code", "duty": "duty", "meastypecode": "measure", "origincode": "origin", "startdate": "start", "enddate": "end"}


def read_taric_export(data: bytes, name: str, on: dt.date) -> pd.DataFrame:
    """(code, duty_rate, source, evidence) for each 8-digit code with one ad valorem third-country duty on ``on``.

    Raises ArgumentError naming the missing columns when the file is not a TARIC duties export.
    """
    try:
        raw = pd.read_excel(io.BytesIO(data), dtype=str) if name.lower().endswith(".xlsx") else pd.read_csv(io.BytesIO(data), dtype=str, sep=None, engine="python")
    except Exception as err:  # noqa: BLE001 - any unreadable file is one message
        raise ArgumentError(f"{name}: not a readable TARIC export ({type(err).__name__}); download 'Duties import' as XLSX or CSV") from None
    cols = {NEEDED[header_key(c)]: c for c in raw.columns if header_key(c) in NEEDED}
    missing = [k for k, v in NEEDED.items() if v not in cols]
    if missing:
        raise ArgumentError(f"{name}: no column {', '.join(missing)}; expected a TARIC duties export with Goods code, Duty, Meas. type code, Origin code, Start date, End date")
    f = pd.DataFrame({k: raw[c].fillna("").astype(str).str.strip() for k, c in cols.items()})
    start = pd.to_datetime(f["start"], errors="coerce", dayfirst=True)
    end = pd.to_datetime(f["end"], errors="coerce", dayfirst=True)
    day = pd.Timestamp(on)
    live = (f["measure"] == THIRD_COUNTRY_DUTY) & (f["origin"] == ERGA_OMNES) & (start <= day) & (end.isna() | (end >= day))
    pct = f["duty"].str.fullmatch(r"\d+(\.\d+)?\s*%")
    f = f[live & pct.fillna(False)]
    rate = pd.to_numeric(f["duty"].str.rstrip("% "), errors="coerce") / 100
    table = pd.DataFrame({"code": f["code"].str.replace(r"\D", "", regex=True).str[:8], "duty_rate": rate.round(6)})
    agreed = table.groupby("code")["duty_rate"].agg(["min", "max"])
    agreed = agreed[agreed["min"] == agreed["max"]]  # 10-digit lines under one 8-digit code that differ are left out
    return pd.DataFrame({"code": agreed.index, "duty_rate": agreed["min"].to_numpy(), "source": f"TARIC export {name}, third-country duty in force {on}", "evidence": "confirmed"})


def write_tariff_table(table: pd.DataFrame, out_dir: str | Path, file_stem: str) -> Path:
    """Write ``<file_stem>.csv`` in the built-in table's columns into ``out_dir`` (the header TOML stays)."""
    out = Path(out_dir) / f"{file_stem}.csv"
    table[["code", "duty_rate", "source", "evidence"]].to_csv(out, index=False)
    return out


CBSA_ITEM = {"tariffitem", "tariffitemnumber", "tariff", "tariffno", "tariffnumber", "tariffitemno"}
CBSA_MFN = {"mfntariff", "mfn", "mfntariffrate", "mostfavourednationtariff", "mfnrate"}


def read_cbsa_schedule(data: bytes, name: str) -> pd.DataFrame:
    """(code, duty_rate, source, evidence) for each 8-digit tariff item of a CBSA Customs Tariff schedule file whose
    MFN Tariff is ``Free`` or an ad valorem percentage (``18 %``); specific and compound rates are left out, so
    those items still need the line's ``mfn_rate``.

    Raises ArgumentError naming the missing columns when the file has no Tariff Item and MFN Tariff columns.
    """
    try:
        raw = pd.read_excel(io.BytesIO(data), dtype=str) if name.lower().endswith(".xlsx") else pd.read_csv(io.BytesIO(data), dtype=str, sep=None, engine="python", encoding="utf-8-sig")
    except Exception as err:  # noqa: BLE001 - any unreadable file is one message
        raise ArgumentError(f"{name}: not a readable Customs Tariff file ({type(err).__name__}); download the schedule (01-99) as XLSX or CSV from the CBSA") from None
    item = next((c for c in raw.columns if header_key(c) in CBSA_ITEM), None)
    mfn = next((c for c in raw.columns if header_key(c) in CBSA_MFN), None)
    if item is None or mfn is None:
        raise ArgumentError(f"{name}: no {'Tariff Item' if item is None else 'MFN Tariff'} column; expected the CBSA Customs Tariff schedule with Tariff Item and MFN Tariff columns")
    code = raw[item].fillna("").astype(str).str.replace(r"\D", "", regex=True)
    text = raw[mfn].fillna("").astype(str).str.strip().str.lower()
    pct = text.str.extract(r"^(\d+(?:\.\d+)?)\s*%$")[0]
    rate = pd.to_numeric(pct, errors="coerce").div(100).where(text != "free", 0.0)
    keep = (code.str.len() == 8) & rate.notna()
    table = pd.DataFrame({"code": code[keep], "duty_rate": rate[keep].round(6)}).drop_duplicates("code")
    if table.empty:
        raise ArgumentError(f"{name}: no 8-digit tariff item with a Free or percentage MFN Tariff; is this the CBSA schedule?")
    return table.assign(source=f"CBSA Customs Tariff file {name}, MFN Tariff", evidence="confirmed").reset_index(drop=True)
