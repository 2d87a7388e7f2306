"""Results kept per object: worked out once for each object and question, the object held with its result so that
its id cannot be taken by another object while the result is kept."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def remember(cache: dict, obj: object, what: tuple, compute: Callable[[], Any], limit: int) -> Any:  # noqa: ANN401
    """``compute()`` for ``obj`` and the question ``what``, from ``cache`` when asked before (the cache is emptied
    once it holds more than ``limit`` results)."""
    key = (id(obj), *what)
    hit = cache.get(key)
    if hit is not None and hit[0] is obj:
        return hit[1]
    if len(cache) > limit:
        cache.clear()
    value = compute()
    cache[key] = (obj, value)
    return value
