"""Order files in: CSV/XLSX bytes -> ImportResult(lines, rejects). Never drops a row silently.

Public API: :func:`read_orders`, :func:`read_orders_path`, :func:`normalize_frame`, :func:`suggest_mapping`,
:class:`ImportResult`, and the column contract in :mod:`costimpact.orders.columns`.
"""

from __future__ import annotations

from costimpact.orders.api import normalize_frame, read_orders, read_orders_path
from costimpact.orders.columns import CANONICAL, COLUMNS, REQUIRED, suggest_mapping
from costimpact.orders.messages import OrderFileRefused
from costimpact.orders.normalize import REJECT_COLUMNS
from costimpact.orders.result import ImportResult

__all__ = [
    "CANONICAL", "COLUMNS", "REQUIRED", "REJECT_COLUMNS", "ImportResult", "OrderFileRefused",
    "normalize_frame", "read_orders", "read_orders_path", "suggest_mapping",
]
