"""protect_frame: CSV-injection protection for CSV outputs (OWASP)."""

from __future__ import annotations

import pandas as pd

from costimpact.report.safe_csv import protect_frame


def test_formula_like_text_gets_a_quote_prefix():
    df = pd.DataFrame(
        {
            "sku": ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", "SAFE", None],
            "landed_cost_usd": [1.0, -2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
        }
    )
    out = protect_frame(df)
    assert out["sku"].tolist()[:7] == ["'=HYPERLINK(\"http://x\",\"y\")", "'+1", "'-2+3", "'@SUM(A1)", "'\tTAB", "'\rCR", "SAFE"]
    assert pd.isna(out["sku"].iloc[7])
    assert out["landed_cost_usd"].tolist() == df["landed_cost_usd"].tolist()  # negative numbers are numbers, untouched
    assert df["sku"].iloc[1] == "+1"  # the input is not changed


def test_str_dtype_object_and_category_columns_and_headers():
    df = pd.DataFrame({"a": pd.Series(["=1", "x"], dtype="str"), "b": pd.Series(["-x", "y"], dtype="category"), "=c": [1, 2], "d": pd.Series([3, "@x"], dtype=object)})
    out = protect_frame(df)
    assert out["a"].tolist() == ["'=1", "x"]
    assert out["b"].astype(str).tolist() == ["'-x", "y"]
    assert out["d"].tolist() == [3, "'@x"]
    assert list(out.columns) == ["a", "b", "'=c", "d"]


def test_round_trip_through_csv_keeps_text(tmp_path):
    df = protect_frame(pd.DataFrame({"description": ["=1+1", "plain"]}))
    path = tmp_path / "x.csv"
    df.to_csv(path, index=False)
    assert path.read_text().splitlines()[1] == "'=1+1"


def test_empty_frame():
    out = protect_frame(pd.DataFrame({"a": pd.Series([], dtype="str")}))
    assert out.empty and list(out.columns) == ["a"]
