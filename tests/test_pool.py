"""Engine calls in worker processes (costimpact.landed.pool): results in order, the caller's script never run
again in a worker, and a process that used the pool can still exit."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import textwrap

from costimpact.assumptions import AssumptionSet
from costimpact.landed import pool


def test_calls_run_in_workers_and_come_back_in_order(aset, monkeypatch):
    monkeypatch.setenv(pool.WORKERS_ENV, "2")
    calls = [(f"{i}-" * (i % 3),) for i in range(7)]
    got = list(pool.run(getattr, [("nope", c[0]) for c in calls], aset))
    assert got == [c[0] for c in calls]  # getattr(aset, "nope", default) -> the default, in the order asked
    assert len(pool.worker_pids()) == 2
    assert all(pid != os.getpid() for pid in pool.worker_pids())


def test_one_worker_runs_the_calls_here(aset, monkeypatch):
    monkeypatch.setenv(pool.WORKERS_ENV, "1")
    assert pool.workers() == 1
    assert list(pool.run(isinstance, [(AssumptionSet,), (int,)], aset)) == [True, False]


def test_a_script_without_a_main_guard_is_not_run_again_by_the_workers(tmp_path):
    script = tmp_path / "seller_script.py"
    script.write_text(textwrap.dedent("""
        from costimpact.assumptions import AssumptionSet, load_assumptions
        from costimpact.landed import pool
        print("script ran", flush=True)
        print(list(pool.run(isinstance, [(AssumptionSet,), (int,), (object,)], load_assumptions())), flush=True)
    """), encoding="utf-8")
    env = {**os.environ, pool.WORKERS_ENV: "2"}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["script ran", "[True, False, True]"]


def _child_using_the_pool(out) -> None:  # noqa: ANN001
    from costimpact.assumptions import load_assumptions

    out.send(list(pool.run(isinstance, [(AssumptionSet,), (int,)], load_assumptions())) + [len(pool.worker_pids())])


def test_a_multiprocessing_child_that_used_the_pool_exits(monkeypatch):
    """multiprocessing joins a child's children before atexit runs: the workers must be stopped before that."""
    monkeypatch.setenv(pool.WORKERS_ENV, "2")
    ctx = multiprocessing.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    p = ctx.Process(target=_child_using_the_pool, args=(send,))
    p.start()
    send.close()
    assert recv.recv() == [True, False, 2]
    p.join(60)
    alive = p.is_alive()
    if alive:
        p.kill()
    assert not alive and p.exitcode == 0


def _length(_aset, value) -> int:  # noqa: ANN001
    return len(value)


def _held_count(_aset) -> int:  # noqa: ANN001
    return len(pool._held_shared)


def test_a_shared_argument_reaches_every_call_and_its_file_goes_with_it(aset, monkeypatch):
    """A :class:`pool.Shared` argument is written to a file once and read by the workers (each call names it only);
    the file is removed when the object is dropped; run here, the calls get the value itself."""
    import gc

    monkeypatch.setenv(pool.WORKERS_ENV, "2")
    basket = pool.Shared(list(range(50_000)))
    assert list(pool.run(_length, [(basket,)] * 4, aset)) == [50_000] * 4
    assert pool.worker_pids()
    path = basket.path
    assert path is not None and os.path.exists(path)
    assert list(pool.run(_length, [(basket,)] * 2, aset)) == [50_000] * 2 and basket.path == path  # written once
    del basket
    gc.collect()
    assert not os.path.exists(path)
    done = pool.Shared("abc")
    assert list(pool.run(_length, [(done,)] * 2, aset)) == [3, 3]
    done.release()  # the run is over: the file goes at once, and the workers forget the value at their next call
    assert not os.path.exists(done.path)
    assert list(pool.run(_held_count, [()] * 4, aset)) == [0] * 4
    monkeypatch.setenv(pool.WORKERS_ENV, "1")
    assert list(pool.run(_length, [(pool.Shared("abc"),)], aset)) == [3]


def test_later_runs_in_a_worker_while_the_caller_goes_on(aset, monkeypatch):
    monkeypatch.setenv(pool.WORKERS_ENV, "2")
    result = pool.later(_length, ("four",), aset)
    assert result() == 4
    monkeypatch.setenv(pool.WORKERS_ENV, "1")
    assert pool.later(_length, (pool.Shared([1, 2]),), aset)() == 2


def _periods_built(_aset) -> int:  # noqa: ANN001
    from costimpact.assumptions import lookup

    return len(lookup._FRAMES)


def test_warm_with_a_set_builds_its_lookups_in_every_worker(aset, monkeypatch):
    """The app starts its workers with the built-in set: each has read it and built its periods before the first
    analysis asks (a set the basket cannot be priced under is still no error)."""
    monkeypatch.setenv(pool.WORKERS_ENV, "2")
    pool.warm(wait=True, aset=aset)
    assert all(n > 0 for n in pool.run(_periods_built, [()] * 4, aset))
