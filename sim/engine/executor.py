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
        self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_single_threaded_blas)
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
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            from sim.core.errors import ScenarioError
            raise ScenarioError("--backend", "dask", "dask", "needs the optional extra: pip install 'alignsim[dask]'") from None
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


def make(backend: str, workers: int | None, scheduler: str | None, work: int) -> object:
    """Pick a backend; `auto` runs small jobs in process and larger ones on all cores."""
    cores = os.cpu_count() or 1
    if scheduler and backend in ("auto", "dask"):
        return Dask(workers or cores, scheduler)
    if backend == "auto":
        # a pool costs about 0.9 s to start (its server imports numpy, numba, scipy); at ~1.7M
        # run-steps/s in process and ~3.1M on 2 workers (benchmarks/README.md) it breaks even
        # near 5M run-steps (10^5 flagship runs) and pays off beyond
        backend = "inprocess" if (workers or cores) == 1 or work < 8_000_000 else "processes"
    if backend == "inprocess":
        return InProcess()
    if backend == "processes":
        return Processes(workers or cores)
    return Dask(workers or cores, None)
