"""Typed errors that reach users as one clear line.

Row problems never raise (they become rejects). Whole-file and whole-argument problems raise one of these;
the CLI prints ``str(error)`` and exits 2, the app shows it as a friendly message.
"""

from __future__ import annotations


class CostImpactError(Exception):
    """Base of every error a user may see. The message says where, what, what was expected and the fix."""


class AssumptionError(CostImpactError):
    """An assumptions file is malformed: the message names the file and the key."""


class FileRefused(CostImpactError):
    """An input file cannot be read at all (not a spreadsheet, encrypted, too large, no header, ...)."""


class ArgumentError(CostImpactError):
    """A command-line or API argument is unusable (unknown scenario, bad date, ...)."""
