"""Order-import messages from the locale catalogue (``locales/orders.toml``), and the typed refusal."""

from __future__ import annotations

import numpy as np
import pandas as pd

from costimpact.errors import FileRefused
from costimpact.i18n import catalogue


def text(key: str, lang: str = "en", **fmt: object) -> str:
    """The message ``orders.<key>`` in ``lang``, with the named fields filled (``{value}`` too if given)."""
    entry = catalogue().get(f"orders.{key}")
    if entry is None:
        raise KeyError(f"locales/orders.toml has no message orders.{key}")
    out = entry.get(lang) or entry["en"]
    for name, val in fmt.items():
        out = out.replace("{" + name + "}", str(val))
    return out


def per_row(key: str, values: pd.Series, lang: str = "en", **fmt: object) -> pd.Series:
    """The message ``orders.<key>`` once per value, ``{value}`` replaced by each value (vectorised)."""
    template = text(key, lang, **fmt)
    if "{value}" not in template:
        return pd.Series(np.full(len(values), template, dtype=object), index=values.index, dtype="str")
    head, _, tail = template.partition("{value}")
    return head + values.astype("str") + tail


class OrderFileRefused(FileRefused):
    """A whole order file refused; ``str()`` is the English line, ``message("zh")`` the Chinese one."""

    def __init__(self, key: str, **fmt: object) -> None:
        self.key = key
        self.fields = fmt
        super().__init__(text(f"refused.{key}", "en", **fmt))

    def message(self, lang: str = "en") -> str:
        return text(f"refused.{self.key}", lang, **self.fields)
