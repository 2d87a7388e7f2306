"""One message catalogue for the app, the report and the CLI, in 简体中文 and English.

Messages live in ``src/costimpact/locales/*.toml``: one table per key, ``zh`` and ``en`` inside,
keys prefixed by area (``orders.``, ``report.``, ``ui.`` ...). No user-facing string is scattered in code.
"""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
_DIR = Path(__file__).with_name("locales")


@functools.cache
def catalogue() -> dict[str, dict[str, str]]:
    """All messages, ``{key: {"zh": ..., "en": ...}}``; a key defined twice is an error."""
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(_DIR.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for key, value in _flatten(data):
            if key in merged:
                raise ValueError(f"locales/{path.name}: message {key!r} is also defined in another file")
            merged[key] = value
    return merged


def _flatten(data: dict, prefix: str = ""):
    for k, v in data.items():
        if isinstance(v, dict) and set(v) & set(LANGS) and all(isinstance(x, str) for x in v.values()):
            yield prefix + k, v
        elif isinstance(v, dict):
            yield from _flatten(v, prefix + k + ".")


def t(key: str, lang: str = DEFAULT_LANG, **fmt: object) -> str:
    """The message ``key`` in ``lang``, formatted with ``fmt``; an unknown key shows as the key itself."""
    entry = catalogue().get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry.get("en") or key
    return text.format(**fmt) if fmt else text
