"""The ``costimpact`` command line.

Each area registers its own subcommands (``register(subparsers)`` in ``<area>/cli.py``); this module only
dispatches and turns errors into one line on stderr with exit code 2. No traceback reaches a user.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from costimpact.errors import CostImpactError

AREAS = (
    "costimpact.assumptions.cli",
    "costimpact.landed.cli",
    "costimpact.report.cli",
    "costimpact.orders.cli",
    "costimpact.decide.cli",
    "costimpact.compute.cli",
    "costimpact.hts_search.cli",
    "costimpact.scenarios.cli",
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's usage errors: one line, exit 2
        self.exit(2, f"costimpact: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="costimpact", description="US tariff, de minimis and fee impact on your order lines; AI compute-access routes.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for area in AREAS:
        importlib.import_module(area).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CostImpactError as err:
        print(f"costimpact: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 130
    except Exception as err:  # a bug of ours: still one line, and how to report it
        print(f"costimpact: internal error ({type(err).__name__}: {err}); please report it with the command you ran", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
