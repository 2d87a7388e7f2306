"""The TARIC export loader: keeps the third-country ad valorem duty in force, for every origin."""

from __future__ import annotations

import datetime as dt

import pytest

from costimpact.errors import ArgumentError
from costimpact.landed.tariffs import read_taric_export

EXPORT = """Goods code;Add code;Order No.;Start date;End date;RED_IND;Origin;Measure type;Legal base;Duty;Origin code;Meas. type code
6109100010 80;;;01-01-2022;;0;ERGA OMNES;Third country duty;R2658/87;12.000 %;1011;103
6109100090 80;;;01-01-2022;;0;ERGA OMNES;Third country duty;R2658/87;12.000 %;1011;103
6109100010 80;;;01-01-2022;;0;Bangladesh;Tariff preference;R0978/12;0.000 %;BD;142
4202921100 80;;;01-01-2020;31-12-2025;0;ERGA OMNES;Third country duty;R2658/87;9.700 %;1011;103
4202921100 80;;;01-01-2026;;0;ERGA OMNES;Third country duty;R2026/1;8.000 %;1011;103
0406109000 80;;;01-01-2022;;0;ERGA OMNES;Third country duty;R2658/87;221.20 EUR DTN;1011;103
"""


def test_third_country_rate_in_force_on_the_date():
    on = dt.date(2026, 7, 1)
    table = read_taric_export(EXPORT.encode(), "duties.csv", on).set_index("code")
    assert table.loc["61091000", "duty_rate"] == pytest.approx(0.12)  # preference rows ignored
    assert table.loc["42029211", "duty_rate"] == pytest.approx(0.08)  # the 2026 measure, not the ended one
    assert "04061090" not in table.index  # a specific duty is left out
    old = read_taric_export(EXPORT.encode(), "duties.csv", dt.date(2025, 6, 1)).set_index("code")
    assert old.loc["42029211", "duty_rate"] == pytest.approx(0.097)


def test_not_a_taric_export_names_the_missing_columns():
    with pytest.raises(ArgumentError, match="Meas. type code|meastypecode"):
        read_taric_export(b"code,rate\n61091000,0.12\n", "x.csv", dt.date(2026, 1, 1))


def test_import_taric_command_replaces_the_eu_table(tmp_path):
    import shutil

    from costimpact.assumptions import default_dir, load_assumptions
    from costimpact.cli import main

    copy = tmp_path / "assumptions"
    shutil.copytree(default_dir(), copy)
    export = tmp_path / "duties.csv"
    export.write_text(EXPORT)
    assert main(["import-taric", str(export), "--on", "2026-07-01", "--out", str(copy / "eu")]) == 0
    table = load_assumptions(copy).table("eu/cct_2020").set_index("code")
    assert len(table) == 2 and table.loc["42029211", "duty_rate"] == pytest.approx(0.08)
