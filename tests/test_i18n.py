"""The message catalogue: every message in both languages, every key used in code defined."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from costimpact.i18n import LANGS, catalogue, t

SRC = Path(__file__).resolve().parents[1] / "src" / "costimpact"


def test_every_message_has_chinese_and_english():
    cat = catalogue()
    assert len(cat) > 500
    for key, entry in cat.items():
        for lang in LANGS:
            assert entry.get(lang, "").strip(), f"{key} has no {lang}"
        assert set(re.findall(r"{(\w+)", entry["zh"])) == set(re.findall(r"{(\w+)", entry["en"])), f"{key}: placeholders differ"


def test_chinese_messages_are_chinese():
    cat = catalogue()
    chinese = [k for k, v in cat.items() if re.search(r"[\u4e00-\u9fff]", v["zh"])]
    assert len(chinese) / len(cat) > 0.9


def test_literal_keys_used_in_code_exist():
    cat = catalogue()
    used = set()
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"""\bt\(\s*["']((?:common|engine|orders|report|decide|compute|ui)\.[\w.]+)["']""", text))
    missing = sorted(k for k in used if k not in cat)
    assert not missing, missing


@pytest.mark.parametrize("lang", LANGS)
def test_unknown_key_shows_itself(lang):
    assert t("no.such.key", lang) == "no.such.key"
