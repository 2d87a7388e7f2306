"""Engine calls that do not depend on each other, run side by side in worker processes, one per core.

The app's analyses (the policy timeline, the outlook) price the same basket many times over: as of each date the law
changed, under each combination of pending events. Those calls are independent, so on a machine with several cores
they run at once. :func:`run` takes a module-level function and one argument tuple per call and yields the results in
order; each worker holds the assumption set once (it is written to a temporary file the first time a set is sent and
read back by each worker once), so a call sends only its lines; an argument every call of a run shares (the
basket the timeline prices day after day) can be sent the same way, as a :class:`Shared`, so that a call sends only
which of its lines to price.

Workers are started once per process, from a fresh server process where the system has one (``forkserver``), and
live until it exits. ``COSTIMPACT_WORKERS`` sets how many (default: the cores, at most 4); ``1`` runs every call in
the calling process. A pool that cannot start or breaks is not an error: the calls run here instead.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import itertools
import multiprocessing
import multiprocessing.util
import os
import pickle
import shutil
import tempfile
import sys
import threading
import types
import weakref
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from costimpact.assumptions import AssumptionSet

WORKERS_ENV = "COSTIMPACT_WORKERS"
_IN_WORKER = "_COSTIMPACT_IN_WORKER"

_lock = threading.Lock()
_main_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_pool_size = 0
_dir: str | None = None
_sent: dict[int, tuple[AssumptionSet, str]] = {}  # in the parent: each assumption set's file
_held: dict[str, AssumptionSet] = {}  # in a worker: the sets it has read
_held_shared: dict[str, Any] = {}  # in a worker: the shared argument of the run it works for (one at a time)
_serial = itertools.count()  # file names
_forked = False  # this process was forked from one that may own a fork server: it cannot use that server


def _forget_in_child() -> None:
    """A forked process does not own its parent's workers (their queues are the parent's): it starts its own."""
    global _pool, _pool_size, _lock, _main_lock, _forked
    _pool, _pool_size, _lock, _main_lock, _forked = None, 0, threading.Lock(), threading.Lock(), True


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_in_child)


def workers() -> int:
    """How many worker processes calls may use: ``COSTIMPACT_WORKERS``, else the cores (at most 4); 1 inside a
    worker (workers never start workers)."""
    if os.environ.get(_IN_WORKER):
        return 1
    want = os.environ.get(WORKERS_ENV, "").strip()
    if want.isdigit() and int(want) > 0:
        return int(want)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)  # the cores this process may use
    return max(1, min(4, cores))


def _start() -> ProcessPoolExecutor | None:
    global _pool, _pool_size
    n = workers()
    if n < 2:
        return None
    with _lock:
        if _pool is not None and _pool_size == n:
            return _pool
        if _pool is not None:
            _pool.shutdown(wait=False, cancel_futures=True)
        method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() and not _forked else "spawn"
        ctx = multiprocessing.get_context(method)
        if method == "forkserver":
            ctx.set_forkserver_preload(["costimpact.landed.engine", "costimpact.landed.markets"])
        _pool, _pool_size = ProcessPoolExecutor(max_workers=n, mp_context=ctx, initializer=_worker_init), n
        # in a process started by multiprocessing, its exit joins every child before atexit runs: stop the workers
        # first, or that exit would wait for them forever
        multiprocessing.util.Finalize(_pool, _pool.shutdown, exitpriority=20)  # before its queues close (priority 10)
        return _pool


def _worker_init() -> None:
    os.environ[_IN_WORKER] = "1"


def _aset_file(aset: AssumptionSet) -> str:
    """The file holding ``aset`` pickled, written the first time the set is sent."""
    hit = _sent.get(id(aset))
    if hit is not None and hit[0] is aset:
        return hit[1]
    if len(_sent) > 16:  # an app session edits assumptions now and then: keep the recent sets only
        for key, (_a, path) in list(_sent.items())[:8]:
            _sent.pop(key)
            try:
                os.remove(path)
            except OSError:
                pass
    path = _new_file("aset")
    with open(path, "wb") as f:
        pickle.dump(aset, f, protocol=pickle.HIGHEST_PROTOCOL)
    _sent[id(aset)] = (aset, path)
    return path


def _held_aset(path: str) -> AssumptionSet:
    aset = _held.get(path)
    if aset is None:
        if len(_held) > 4:
            _held.clear()
        with open(path, "rb") as f:
            aset = _held[path] = pickle.load(f)
    return aset


class Shared:
    """An argument of :func:`run` that many calls share (a basket): for workers, written to a file the first time
    a run needs it and read by each worker once, not sent with every call; the file goes when this object does.
    Calls run here get the value as it is."""

    __slots__ = ("value", "path", "_done", "__weakref__")

    def __init__(self, value: Any) -> None:  # noqa: ANN401
        self.value = value
        self.path: str | None = None

    def file(self) -> str:
        if self.path is None:
            self.path = _write_shared(self.value)
            self._done = weakref.finalize(self, _remove, self.path)
        return self.path

    def release(self) -> None:
        """The run is over: remove the file now (the workers forget the value at their next call)."""
        if self.path is not None:
            self._done()


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.remove(path)


class _SharedFile:
    """What a worker receives for a :class:`Shared` argument: the file to read it from."""

    __slots__ = ("path",)

    def __init__(self, path: str) -> None:
        self.path = path


def _new_file(kind: str) -> str:
    """A new file's name, never given before in this process: workers keep what they read by file name."""
    global _dir
    if _dir is None:
        _dir = tempfile.mkdtemp(prefix="costimpact-pool-")
        atexit.register(shutil.rmtree, _dir, True)
    return os.path.join(_dir, f"{kind}-{os.getpid()}-{next(_serial)}.pickle")


def _write_shared(value: Any) -> str:  # noqa: ANN401
    path = _new_file("shared")
    with open(path, "wb") as f:
        pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def _read_shared(arg: Any) -> Any:  # noqa: ANN401
    if not isinstance(arg, _SharedFile):
        return arg
    value = _held_shared.get(arg.path)
    if value is None:
        _held_shared.clear()  # one basket held at a time: a worker keeps no frame of a run that is over
        with open(arg.path, "rb") as f:
            value = pickle.load(f)
        _held_shared[arg.path] = value
    return value


def _drop_finished() -> None:
    """Forget the shared values whose runs are over (their files are gone)."""
    for path in [p for p in _held_shared if not os.path.exists(p)]:
        _held_shared.pop(path)


def _call(fn: Callable[..., Any], path: str, args: tuple) -> Any:  # noqa: ANN401
    _drop_finished()
    return fn(_held_aset(path), *(_read_shared(a) for a in args))


def _here(args: tuple) -> tuple:
    """A call's arguments for running it here: each :class:`Shared` as its value."""
    return tuple(a.value if isinstance(a, Shared) else a for a in args)


def _for_workers(args: tuple) -> tuple:
    """A call's arguments for a worker: each :class:`Shared` as its file (written the first time)."""
    return tuple(_SharedFile(a.file()) if isinstance(a, Shared) else a for a in args)


def run(fn: Callable[..., Any], calls: Iterable[tuple], aset: AssumptionSet, *, parallel: bool = True) -> Iterator[Any]:  # noqa: ANN401
    """``fn(aset, *args)`` for each ``args`` of ``calls``, yielded in order. With ``parallel`` and more than one
    worker the calls (even a single one) run in worker processes (``fn`` must be a module-level function, its arguments and results
    picklable); otherwise, or if the pool cannot run them, here. A :class:`Shared` argument reaches ``fn`` as its
    value."""
    calls = list(calls)
    pool = _start() if parallel and calls else None
    if pool is not None:
        try:
            path = _aset_file(aset)
            sent = [_for_workers(args) for args in calls]
            with _bare_main():
                futures = [pool.submit(_call, fn, path, args) for args in sent]
        except (BrokenProcessPool, OSError, RuntimeError, pickle.PicklingError):
            futures = None
        if futures is not None:
            done = 0
            try:
                for fut in futures:
                    result = fut.result()
                    done += 1
                    yield result
                return
            except (BrokenProcessPool, OSError):  # a worker died (killed, out of memory): the rest run here
                _reset()
                calls = calls[done:]
    for args in calls:
        yield fn(aset, *_here(args))


def later(fn: Callable[..., Any], args: tuple, aset: AssumptionSet) -> Callable[[], Any]:  # noqa: ANN401
    """``fn(aset, *args)`` started now in a worker process where there are several cores, so that it runs while
    the caller does other work; returns a function that gives its result (computed here, when asked, where there
    is no pool or the pool broke)."""
    pool = _start()
    future = None
    if pool is not None:
        try:
            sent = _for_workers(args)
            with _bare_main():
                future = pool.submit(_call, fn, _aset_file(aset), sent)
        except (BrokenProcessPool, OSError, RuntimeError, pickle.PicklingError):
            future = None

    def result() -> Any:  # noqa: ANN401
        if future is not None:
            try:
                return future.result()
            except (BrokenProcessPool, OSError):
                _reset()
        return fn(aset, *_here(args))

    return result


@contextlib.contextmanager
def _bare_main():  # noqa: ANN202
    """While workers may be started: a ``__main__`` without a file, so that new processes do not import the
    caller's script (multiprocessing re-imports it in each worker, and a script without an ``if __name__ ==
    "__main__"`` guard would run again there)."""
    with _main_lock:  # sessions of the app start calls from several threads: one swap at a time
        real = sys.modules.get("__main__")
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            yield
        finally:
            if real is not None:
                sys.modules["__main__"] = real


def warm(wait: bool = False, aset: AssumptionSet | None = None) -> None:
    """Start the workers now (the app calls this when it starts, so that the first analysis does not wait for
    processes to start); with ``aset``, each worker also reads the set and prices a small basket under it, so that
    the lookups an engine call builds once per set are ready (:func:`_prime`); with ``wait``, return once done."""
    pool = _start()
    if pool is not None:
        try:
            path = _aset_file(aset) if aset is not None else None
            with _bare_main():
                futures = [pool.submit(_call, _prime, path, ()) if path else pool.submit(_nothing) for _ in range(_pool_size)]
            if wait:
                for fut in futures:
                    fut.result()
        except (BrokenProcessPool, OSError, RuntimeError):
            _reset()


def _prime(aset: AssumptionSet) -> None:
    """Price 500 synthetic lines on three dates under ``aset`` (in a worker, once): what an engine call works out
    once per parameter (its periods, sorted and indexed) and per tariff table is then kept for the real calls."""
    import numpy as np

    from costimpact.landed.engine import price_lines, resolve_scenario
    from costimpact.orders import normalize_frame
    from costimpact.orders.synthetic import synthetic_orders

    lines = normalize_frame(synthetic_orders(500)).lines
    days = np.array(["2024-06-01", "2025-06-01", "2026-12-01"], dtype="datetime64[ns]")
    try:
        price_lines(lines, aset, resolve_scenario(aset, "actual"), dt.date(2026, 12, 1), price_dates=days[np.arange(len(lines)) % 3], columns=["landed_cost_usd"])
    except Exception:  # noqa: BLE001 - a head start only: a set this basket cannot be priced under is priced cold later
        return


def _nothing() -> None:
    _drop_finished()


def _reset() -> None:
    global _pool
    with _lock:
        if _pool is not None:
            _pool.shutdown(wait=False, cancel_futures=True)
        _pool = None


def worker_pids() -> list[int]:
    """The pool's worker processes (for measuring their memory)."""
    pool = _pool
    return [] if pool is None else [p.pid for p in getattr(pool, "_processes", {}).values() if p.pid]
