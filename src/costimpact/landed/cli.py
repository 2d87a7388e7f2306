"""Subcommands of this area (filled in by its issue)."""

from __future__ import annotations


def register(sub) -> None:  # noqa: ANN001 - argparse's private subparsers type
    return None
