"""How fast the app answers on a 10k-line order file: first (uncached) run vs reruns after one input change.

    .venv/bin/python bench/bench_app.py [--lines 10000]

Drives the real app with streamlit's AppTest (the same script, widgets and caches as `streamlit run`, without
the browser): uploads the file, then changes one input at a time and times each rerun. The target is < 0.3 s for
a rerun whose pricing is cached; a change that needs a new pricing (a scenario never priced before) is shown too.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from costimpact.orders.synthetic import synthetic_orders

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 0.3


def _timed(label: str, fn, results: list) -> float:  # noqa: ANN001
    t0 = time.perf_counter()
    fn()
    dt = time.perf_counter() - t0
    results.append((label, dt))
    return dt


def _key(elements, key: str):  # noqa: ANN001, ANN202
    """The widget keyed ``key`` (or ``key@<language>``, for choices whose labels are translated)."""
    return next(e for e in elements if e.key == key or (e.key or "").rpartition("@")[0] == key)


def main() -> None:
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    data = synthetic_orders(args.lines).to_csv(index=False).encode("utf-8")
    print(f"order file: {args.lines:,} lines, {len(data) / 1e6:.1f} MB")

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.query_params["lang"] = "en"
    results: list[tuple[str, float]] = []
    _timed("open the app (sample orders)", at.run, results)
    cold = _timed(f"upload {args.lines:,} lines: import + price 2 scenarios (uncached)", lambda: at.file_uploader[0].set_value(("orders.csv", data, "text/csv")).run(), results)
    assert not at.exception, at.exception
    _timed("baseline -> no-ieepa (prices 1 new scenario)", lambda: _key(at.selectbox, "orders_base").set_value("no-ieepa").run(), results)

    warm: list[tuple[str, list[float]]] = []
    steps = [
        ("baseline -> pre-2025 (cached)", lambda: _key(at.selectbox, "orders_base").set_value("pre-2025").run()),
        ("baseline -> no-ieepa (cached)", lambda: _key(at.selectbox, "orders_base").set_value("no-ieepa").run()),
        ("language en -> zh", lambda: at.sidebar.radio[0].set_value("zh").run()),
        ("language zh -> en", lambda: at.sidebar.radio[0].set_value("en").run()),
        ("plain rerun", lambda: at.run()),
    ]

    def run_steps(steps) -> None:  # noqa: ANN001
        for label, fn in steps:
            times = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                fn()
                times.append(time.perf_counter() - t0)
            assert not at.exception, at.exception
            warm.append((label, times))

    run_steps(steps)
    # the decisions page on the same file: three models, each cached on its own inputs
    _timed("open Decisions (3 models on the upload, uncached)",
           lambda: at.switch_page("src/costimpact/ui/app_pages/decisions.py").run(), results)
    assert not at.exception, at.exception
    hurdles = iter([0.05, 0.06] * args.repeat)
    at.session_state["decide_tab"] = at.tabs[2].label  # only the tab shown is computed: show the pricing tab
    _timed("Decisions: open the pricing tab (uncached)", at.run, results)
    run_steps([
        ("Decisions: plain rerun", lambda: at.run()),
        ("Decisions: hurdle margin 5% <-> 6% (cached after the first)",
         lambda: _key(at.number_input, "decide_hurdle").set_value(next(hurdles)).run()),
    ])

    print(f"\n{'step':62} {'seconds':>8}")
    for label, dt in results:
        print(f"{label:62} {dt:8.3f}")
    print(f"\n{'one input change, pricing cached (median of ' + str(args.repeat) + ')':62} {'seconds':>8} {'vs cold':>8} {'target':>7}")
    worst = 0.0
    for label, times in warm:
        med = statistics.median(times)
        worst = max(worst, med)
        print(f"{label:62} {med:8.3f} {med / cold:8.1%} {'ok' if med < TARGET_S else 'SLOW':>7}")
    print(f"\nworst cached rerun {worst:.3f} s ({'under' if worst < TARGET_S else 'OVER'} the {TARGET_S} s target); cold {cold:.2f} s; speed-up x{cold / worst:.0f}")


if __name__ == "__main__":
    main()
