"""The Excel scenario report (``write_report``) and CSV-injection protection for CSV outputs (``protect_frame``)."""

from __future__ import annotations

from costimpact.report.cli import register
from costimpact.report.safe_csv import protect_frame
from costimpact.report.workbook import write_report

__all__ = ["protect_frame", "register", "write_report"]
