"""Where chunks run: in this process, in a local process pool, or on a Dask cluster.

One small interface: `imap(fn, items)` yields (item, result) pairs as they finish, in any
order. Results carry their chunk index and are placed by it, so completion order never
changes the numbers. At most `2 x workers` chunks are in flight, which bounds memory.
`same_disk` says whether the workers see this machine's files (then they save their own
chunks, and the parent only hears that they did).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator

from sim.engine.signals import watch_parent

BACKENDS = ("auto", "inprocess", "processes", "dask")


class InProcess:
    """Chunks computed one after another in this process."""
    name = "inprocess"
    workers = 1
    max_in_flight = 1
    same_disk = True

    def imap(self, fn: Callable, items: Iterable) -> Iterator:
        """(item, fn(item)) for each item, in order."""
        for item in items:
            yield item, fn(item)

    def close(self) -> None:
        """Nothing to release."""
        pass


def _single_threaded_blas() -> None:
    # our matrices are tiny: BLAS threads would only fight the other workers for cores
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"


def _worker_init(parent: int) -> None:
    # a worker's parent is the forkserver, not the run: watch the run itself, so that a
    # run killed with SIGKILL leaves no worker computing for nobody
    _single_threaded_blas()
    watch_parent(parent)


class Processes:
    """A local pool of worker processes (forkserver), at most two chunks in flight per worker."""
    name = "processes"
    same_disk = True

    def __init__(self, workers: int):
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor
        self.workers = workers
        self.max_in_flight = 0
        # forkserver: no fork of a process that may hold threads (tqdm's monitor, BLAS);
        # the server imports the engine once, so each worker starts without re-importing numpy.
        # As with any spawn-style pool, a script using this needs an `if __name__ == "__main__":` guard.
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["sim.engine.ensemble", "sim.analysis.reducers"])
        self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_init,
                                        initargs=(os.getpid(),))
        # start the workers now (the server's imports take ~0.9 s), so they come up while the
        # caller does other work, such as compiling the model in this process
        for _ in range(workers):
            self.pool.submit(os.getpid)

    def imap(self, fn, items):
        """(item, fn(item)) as results arrive, in any order."""
        from concurrent.futures import FIRST_COMPLETED, wait
        items = iter(items)
        running = {}
        for item in items:
            running[self.pool.submit(fn, item)] = item
            if len(running) >= 2 * self.workers:
                break
        while running:
            self.max_in_flight = max(self.max_in_flight, len(running))
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for fut in done:
                item = running.pop(fut)
                nxt = next(items, None)
                if nxt is not None:
                    running[self.pool.submit(fn, nxt)] = nxt
                yield item, fut.result()

    def close(self) -> None:
        """Shut the pool down."""
        self.pool.shutdown(wait=True, cancel_futures=True)


class Dask:
    """A Dask cluster: a LocalCluster on 127.0.0.1, or an existing scheduler address.

    Tasks are pure functions of their chunk, submitted with retries, so a chunk lost with a
    dying worker is recomputed elsewhere and gives the same numbers."""
    name = "dask"

    def __init__(self, workers: int, scheduler: str | None = None):
        require_dask()
        from dask.distributed import Client, LocalCluster
        self.cluster = None
        self.same_disk = not scheduler   # a remote cluster's workers may not share our disk
        if scheduler:
            self.client = Client(scheduler)
        else:
            self.cluster = LocalCluster(n_workers=workers, threads_per_worker=1, host="127.0.0.1",
                                        dashboard_address=None, processes=True, silence_logs=40)
            self.client = Client(self.cluster)
        self.client.run(_single_threaded_blas)
        self.workers = max(1, len(self.client.scheduler_info()["workers"]))
        self.max_in_flight = 0

    def imap(self, fn, items):
        """(item, fn(item)) as results arrive, in any order; at most two tasks in flight per worker."""
        from dask.distributed import as_completed
        items = iter(items)
        keyed = {}
        pending = as_completed()

        def submit(item):
            fut = self.client.submit(fn, item, pure=False, retries=3)
            keyed[fut.key] = item
            pending.add(fut)

        for _ in range(2 * self.workers):
            item = next(items, None)
            if item is None:
                break
            submit(item)
        for fut in pending:
            self.max_in_flight = max(self.max_in_flight, len(keyed))
            item = keyed.pop(fut.key)
            result = fut.result()
            fut.release()
            nxt = next(items, None)
            if nxt is not None:
                submit(nxt)
            yield item, result

    def close(self) -> None:
        """Close the client, and the local cluster if this executor started it."""
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def require_dask() -> None:
    """Raise ScenarioError (one line) when the optional Dask extra is not installed."""
    try:
        import dask.distributed  # noqa: F401
    except ImportError:
        from sim.core.errors import ScenarioError
        raise ScenarioError("command line", "--backend", "dask", "needs the optional extra: pip install 'alignsim[dask]'") from None


# a pool costs about 0.9 s to start (its server imports numpy, numba, scipy); at ~1.7M run-steps/s
# in process and ~3.1M on 2 workers (benchmarks/README.md) it breaks even near 5M run-steps
# (10^5 flagship runs) and pays off beyond
AUTO_POOL_WORK = 8_000_000


def plan(backend: str, workers: int | None, scheduler: str | None, work: int) -> tuple[str, int, str | None]:
    """Which backend and how many workers `make` picks, and why a given --workers is not used
    (None when it is, or none was given).

    `auto` runs small jobs in process and larger ones on all cores; an explicit worker count
    above 1 asks for a pool, whatever the size."""
    cores = os.cpu_count() or 1
    if scheduler and backend in ("auto", "dask"):
        note = "--workers is ignored with --scheduler: the cluster has its own workers" if workers else None
        return "dask", workers or cores, note
    if backend == "auto":
        if workers is not None:
            backend = "inprocess" if workers == 1 else "processes"
        else:
            backend = "inprocess" if cores == 1 or work < AUTO_POOL_WORK else "processes"
    if backend == "inprocess":
        note = (f"--workers {workers} is ignored: --backend inprocess computes in this process"
                if workers and workers > 1 else None)
        return "inprocess", 1, note
    return backend, workers or cores, None


def make(backend: str, workers: int | None, scheduler: str | None, work: int, warn=None) -> object:
    """The executor `plan` picks; `warn` is called with the reason a given --workers is not used."""
    name, n, note = plan(backend, workers, scheduler, work)
    if note and warn is not None:
        warn(note)
    if name == "dask":
        return Dask(n, scheduler)
    if name == "inprocess":
        return InProcess()
    return Processes(n)
