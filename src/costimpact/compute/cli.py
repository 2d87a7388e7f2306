"""``costimpact compute SCENARIO.toml [--out routes.csv]`` and ``costimpact compute --example``.

Prices each route of the scenario and writes one CSV row per route (to stdout without ``--out``). A bad file
exits 2 with one line naming the file and the key (the top-level CLI turns :class:`CostImpactError` into that).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from costimpact.errors import ArgumentError


def register(sub) -> None:  # noqa: ANN001 - argparse's private subparsers type
    p = sub.add_parser(
        "compute",
        help="price AI compute-access routes under US export controls",
        description="Price AI compute-access routes (licensed purchase, domestic, hyperscaler abroad, operator abroad, "
        "US API): cost, time, and cost once the risk of losing the route is priced. "
        "Start with `costimpact compute --example > scenario.toml`.",
    )
    p.add_argument("scenario", nargs="?", help="scenario TOML file (see --example)")
    p.add_argument("--out", help="write the routes CSV here instead of stdout")
    p.add_argument("--inputs-out", help="also write every resolved input with its source and evidence grade (CSV)")
    p.add_argument("--assumptions", help="assumptions folder (default: the bundled one, or $COSTIMPACT_ASSUMPTIONS)")
    p.add_argument("--example", action="store_true", help="print a commented example scenario with all five routes")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from costimpact.compute.scenario import example_text

    if args.example:
        sys.stdout.write(example_text())
        return 0
    if not args.scenario:
        raise ArgumentError("compute: give a scenario file, e.g. `costimpact compute scenario.toml`, or --example to get one")
    from costimpact.assumptions import load_assumptions
    from costimpact.compute.engine import CONTRACT_COLUMNS, OUTPUT_COLUMNS, price_routes_detail
    from costimpact.compute.scenario import ComputeScenarioError, load_compute_scenario

    scenario = load_compute_scenario(Path(args.scenario))
    aset = load_assumptions(args.assumptions) if args.assumptions else load_assumptions()
    try:
        result = price_routes_detail(scenario, aset)
    except ComputeScenarioError as err:
        raise ComputeScenarioError(f"{Path(args.scenario).name}: {err}") from None
    frame = result.routes[CONTRACT_COLUMNS + [c for c in OUTPUT_COLUMNS if c not in CONTRACT_COLUMNS]]
    if args.out:
        try:
            frame.to_csv(args.out, index=False)
        except OSError as exc:
            raise ArgumentError(f"{args.out}: cannot write ({exc.strerror}); choose another --out path") from None
        print(f"{len(frame)} routes written to {args.out} (assumptions {result.assumptions_version}, as of {result.as_of})",
              file=sys.stderr)
    else:
        frame.to_csv(sys.stdout, index=False)
    if args.inputs_out:
        try:
            result.inputs.to_csv(args.inputs_out, index=False)
        except OSError as exc:
            raise ArgumentError(f"{args.inputs_out}: cannot write ({exc.strerror})") from None
    return 0
