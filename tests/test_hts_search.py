"""Finding the US tariff line from the words sellers type (``costimpact hts search``)."""

from __future__ import annotations

import csv
import importlib.util
import io
import zlib
from pathlib import Path

import pandas as pd
import pytest

from costimpact.assumptions import load_assumptions
from costimpact.cli import main
from costimpact.hts_search import format_hts, search_hts, suggest_for_code
from costimpact.hts_search import index as hts_index

ROOT = Path(__file__).resolve().parents[1]
QUERIES = Path(__file__).with_name("data") / "hts_search_queries.csv"
# ../shared/data beside the repository (a worktree sits one level deeper)
SHARED = next((p / "shared" / "data" for p in (ROOT.parent, ROOT.parents[1]) if (p / "shared" / "data").is_dir()), ROOT.parent / "shared" / "data")
USITC_CSV = SHARED / "usitc-hts-2026" / "hts_2026_basic_edition.csv"


@pytest.fixture(scope="module")
def aset():
    return load_assumptions()


def _headings(hits: pd.DataFrame) -> list[str]:
    return [h[:4] for h in hits["hts"]]


# The six products the issue names; the headings are US practice (earbuds: 8518.30 though China uses 8517.62).
@pytest.mark.parametrize(
    ("query", "heading", "line"),
    [
        ("蓝牙耳机", "8518", "85183020"),
        ("无线耳机", "8518", "85183020"),  # China's own sub-lines put 无线耳机 under 8517.62: US rulings do not
        ("宠物牵引绳", "4201", "42010030"),
        ("美甲贴", "3304", "33043000"),
        ("硅胶手机支架", "3926", "39269099"),
        ("LED strip lights", "9405", None),
        ("resistance bands", "9506", "95069100"),
    ],
)
def test_finds_the_products_sellers_name(aset, query, heading, line):
    hits = search_hts(aset, query, limit=5)
    assert _headings(hits)[0] == heading, hits[["hts", "description"]]
    if line:
        assert line in list(hits["hts"][:3])


def _split(query: str) -> str:
    """About 30 % of the names are held back from the writing of the synonym and seller-name tables."""
    return "holdout" if zlib.crc32(query.encode()) % 10 < 3 else "dev"


def test_heading_accuracy_on_seller_product_names(aset, capsys):
    rows = list(csv.DictReader(QUERIES.open(encoding="utf-8")))
    assert len(rows) >= 100
    seen = {"dev": [0, 0, 0], "holdout": [0, 0, 0]}
    for r in rows:
        ok = set(r["heading"].split("|"))
        heads = _headings(search_hts(aset, r["query"], limit=5))
        tally = seen[_split(r["query"])]
        tally[0] += 1
        tally[1] += bool(heads) and heads[0] in ok
        tally[2] += any(h in ok for h in heads)
    n = sum(t[0] for t in seen.values())
    top1 = sum(t[1] for t in seen.values()) / n
    top5 = sum(t[2] for t in seen.values()) / n
    with capsys.disabled():
        for name, (k, a, b) in seen.items():
            print(f"\nhts search {name}: {k} names, top-1 {a / k:.1%}, top-5 {b / k:.1%}", end="")
        print(f"\nhts search all: {n} names, top-1 {top1:.1%}, top-5 {top5:.1%}")
    assert seen["holdout"][0] >= 25
    assert top5 >= 0.85
    assert seen["holdout"][2] / seen["holdout"][0] >= 0.80


def _accuracy(aset, path: Path) -> tuple[int, float, float]:
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    top1 = top5 = 0
    for r in rows:
        ok = set(r["heading"].split("|"))
        heads = _headings(search_hts(aset, r["query"], limit=5))
        top1 += bool(heads) and heads[0] in ok
        top5 += any(h in ok for h in heads)
    return len(rows), top1 / len(rows), top5 / len(rows)


@pytest.mark.parametrize(
    ("name", "floor"),
    [
        # written after the first tables; its failures then showed which categories the seller names lacked
        ("hts_search_queries_late.csv", 0.85),
        # written after that; measured once untouched (top-5 74 %), then fixed from its misses
        ("hts_search_queries_unseen.csv", 0.85),
        # then two more sets, each measured untouched first (top-5 73 % and 58 %), then fixed from its misses
        ("hts_search_queries_final.csv", 0.80),
        ("hts_search_queries_fresh.csv", 0.80),
        # written last and measured once, never looked at one by one: the estimate for new names (top-5 90 %)
        ("hts_search_queries_blind.csv", 0.80),
    ],
)
def test_heading_accuracy_on_names_written_later(aset, capsys, name, floor):
    n, top1, top5 = _accuracy(aset, QUERIES.with_name(name))
    with capsys.disabled():
        print(f"\nhts search {name}: {n} names, top-1 {top1:.1%}, top-5 {top5:.1%}")
    assert n >= 30
    assert top5 >= floor


def test_a_code_lists_the_lines_under_it(aset):
    hits = search_hts(aset, "8518.30", limit=10)
    assert list(hits["hts"]) == ["85183010", "85183020"]
    assert format_hts("85183020") == "8518.30.20"
    assert format_hts("8518302000") == "8518.30.20.00"


def test_a_typo_still_finds_the_line(aset):
    assert _headings(search_hts(aset, "wireless headphnes", limit=3))[0] == "8518"


def test_full_width_query_is_normalised(aset):
    # "ＬＥＤ" typed with a Chinese input method is the same word as LED
    assert _headings(search_hts(aset, "ＬＥＤ灯带", limit=3))[0] == "9405"


def test_nothing_found_is_an_empty_result(aset):
    hits = search_hts(aset, "zzqxv", limit=5)
    assert hits.empty
    assert {"hts", "description", "description_zh", "mfn_text"} <= set(hits.columns)


def test_curated_line_brings_its_rate_and_grade(aset):
    # 6109.10.00 is in the built-in table: 16.5 % ad valorem (HTS 2026, cotton T-shirts, knitted)
    hit = search_hts(aset, "6109.10.00", limit=1).iloc[0]
    assert hit["mfn_text"] == "16.5%"
    assert bool(hit["in_schedule"]) and hit["evidence"] in ("confirmed", "secondary", "unverified")


def test_search_tables_cover_the_schedule(aset):
    lines = aset.table(hts_index.LINES)
    # data README: 11,414 eight-digit lines of chapters 01-97 carry a general rate in the 2026 Basic Edition
    assert len(lines) == 11414
    assert lines["hts"].str.fullmatch(r"\d{8}").all()
    # a child row without a number continues its parent's description (8518.90 > "Other:" > "Other")
    row = lines.set_index("hts").loc["85189081"]
    assert row["description"] == "Parts > Other > Other"
    subs = aset.table(hts_index.CN_SUBHEADINGS).set_index("hs6")["name_zh"]
    assert subs["610910"] == "棉制针织或钩编的T恤衫、汗衫、背心"  # printed with a full-width Ｔ
    assert not subs.str.contains("[\uff01-\uff5e]").any()


def test_seller_tables_point_at_real_lines_and_words(aset):
    index = hts_index.get_index(aset)
    codes = pd.Series(index.hts)
    names = aset.table(hts_index.SELLER_NAMES)
    for prefix in names["hts"]:
        assert codes.str.startswith(prefix).any(), f"seller_names: {prefix} matches no US line"
    assert set(names["evidence"]) == {"unverified"}
    syn = aset.table(hts_index.SYNONYMS)
    assert set(syn["evidence"]) == {"unverified"}
    for term, tokens in index.synonyms.items():
        missing = [t for t in tokens if t not in index.terms]
        assert not missing, f"synonyms: {term} maps to {missing}, words no tariff text or seller name uses"


def test_disk_cache_gives_the_same_answers(aset, tmp_path, monkeypatch):
    monkeypatch.setenv("COSTIMPACT_CACHE", str(tmp_path))
    monkeypatch.setattr(hts_index, "_INDEXES", {})
    first = search_hts(aset, "蓝牙耳机", limit=5)
    assert list(tmp_path.glob("*/hts-search-*.pickle"))  # under the Python/pandas/numpy folder
    monkeypatch.setattr(hts_index, "_INDEXES", {})
    monkeypatch.setattr(hts_index, "build_index", lambda a: pytest.fail("rebuilt although cached"))
    again = search_hts(aset, "蓝牙耳机", limit=5)
    pd.testing.assert_frame_equal(first, again)


def test_suggestions_for_a_rejected_code(aset):
    near = suggest_for_code(aset, "6109100099")
    assert len(near) and all(h.startswith("610910") for h in near["hts"])
    # a seller who typed China's code for earbuds (8517.62) and the product's name gets the US line too
    worded = suggest_for_code(aset, "8517629400", "蓝牙耳机", limit=3)
    assert "85183020" in list(worded["hts"])


@pytest.mark.skipif(not USITC_CSV.is_file(), reason="needs ../shared/data")
def test_build_script_reproduces_the_shipped_tables(aset):
    spec = importlib.util.spec_from_file_location("build_hts_search", ROOT / "scripts" / "build_hts_search.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    rows, heads = build.read_us_lines(USITC_CSV)
    shipped = aset.table(hts_index.LINES)
    for col in ("hts", "description", "detail"):
        assert [r[col] for r in rows] == list(shipped[col]), col
    shipped_heads = aset.table(hts_index.HEADINGS).set_index("hs4")["description"]
    assert all(heads[h] == text for h, text in shipped_heads.items())
    _, cn_subs = build.read_cn_names(SHARED / "china-tariff-names")
    shipped_cn = aset.table(hts_index.CN_SUBHEADINGS).set_index("hs6")["name_zh"]
    assert all(cn_subs[h] == name for h, name in shipped_cn.items())


def test_cli_csv_and_table(capsys):
    assert main(["hts", "search", "LED", "strip", "lights", "--top", "3", "--format", "csv"]) == 0
    out = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype=str, keep_default_na=False)
    assert list(out.columns[:4]) == ["hts", "description", "description_zh", "mfn_text"]
    assert len(out) == 3 and out["hts"].iloc[0].startswith("9405.")
    assert main(["hts", "search", "蓝牙耳机", "--top", "2"]) == 0
    table = capsys.readouterr().out
    assert "8518.30.20" in table and "蓝牙耳机" in table


@pytest.mark.parametrize("argv", [["hts", "search", "x", "--top", "0"], ["hts", "search", " "]])
def test_cli_bad_arguments_exit_2(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("costimpact: ") and "Traceback" not in err
