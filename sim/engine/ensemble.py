"""Monte Carlo ensembles: many runs advanced together in chunks by the same rules.

A job is split into chunks of consecutive runs. Each chunk is a pure function of
(scenario, seed, its run range), so chunks can run anywhere, in any order, and be
retried; run r's numbers never depend on the chunking, the worker count or the backend.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from sim.engine import summary as summ
from sim.engine.events import chunk_events
from sim.model.compile import Compiled, compile
from sim.model.simulate import simulate_runs
from sim.scenario.spec import Scenario

# what is kept per run and step; all (R, T+1, N, N) float32 (storage only: compute is float64)
RECORDED = ("alignment", "threat", "expectation", "support", "military_support", "arms_support", "sanctions",
            "trade", "need", "positions", "outcome")
DECIDED = ("act", "decided")   # recorded to find the events actors decided, then dropped
COALITION_MAX_ACTORS = 12   # landscape enumeration per run and step stays cheap up to here


def default_chunk(runs: int, n_actors: int) -> int:
    """Runs per chunk when none is given: about an eighth of the runs, so the bar moves, from 250
    up to 2,000 (where the flagship's speed plateaus); fewer for large actor sets, because a
    chunk is one compiled call (one progress tick, and Ctrl-C waits for it): with 40 actors 64
    runs are already about half a second."""
    most = max(64, min(2000, 100_000 // (n_actors * n_actors)))
    return max(min(250, most), min(most, -(-runs // 8)))


FULL_CHUNK_BYTES = 48 * 2 ** 20   # at most this much of a chunk's records when every array is kept


def full_chunk_cap(scen: Scenario, steps: int) -> int:
    """The most runs a chunk may hold when every array is kept (`--keep full`): its float32
    records (RECORDED, military, and the decisions read for the events) within FULL_CHUNK_BYTES,
    and at least 8 runs. A chunk's records and events are what a run holds in memory at once: at
    42 actors a run records ~4 MB, so 64-run chunks held 270 MB of records, the 12 runs of a
    capped chunk 48 MB (runs give the same bits whatever the chunking). The flagship's runs
    record ~66 KB: 750 runs, so only jobs of more than 6,000 runs kept in full see the cap."""
    from sim.model.state import State, shape_of
    dims = {"actors": len(scen.actors), "issues": len(scen.issues), "kinds": 4,
            "decisions": sum(1 for d in scen.decisions if d.enabled)}
    values = sum(math.prod(shape_of(State, name, **dims)) for name in RECORDED + ("military",) + DECIDED)
    return max(8, FULL_CHUNK_BYTES // (4 * (steps + 1) * max(values, 1)))


def simulate(c: Compiled, record=RECORDED + ("military",)) -> dict[str, np.ndarray]:
    """Run the compiled runs through all steps in one compiled call (dynamics.simulate_runs);
    step 0 is the initial state. Returns run-major arrays (R, T+1, ...) float32 of the
    `record`ed state variables."""
    rows, values = c.forcing_table()
    return simulate_runs(c.initial, c.static, rows, values, c.noise_keys, c.steps, tuple(record))


def events(c: Compiled, arrays: dict | None = None) -> list:
    """Every event of the compiled runs (sim.engine.events.Event): scheduled shock onsets, and
    with the recorded `arrays` (including `act` and `decided`) the events actors decided."""
    return chunk_events(c, arrays or {})


@dataclass
class Ensemble:
    """Every run of a scenario in memory: arrays (R, T+1, ...) float32 by state variable (step 0
    is the initial state), the shock onsets (events) and timings. For moderate sizes; `alignsim run`
    streams chunks to a result folder instead.
    """
    scenario: Scenario
    seed: int
    runs: int
    steps: int
    arrays: dict[str, np.ndarray]
    events: list
    timings: dict = field(default_factory=dict)

    @property
    def alignment(self) -> np.ndarray:
        """Directed alignment (R, T+1, N, N)."""
        return self.arrays["alignment"]


@dataclass(frozen=True)
class Job:
    """Everything a worker needs to compute any chunk; small and picklable."""
    scenario: Scenario
    seed: int
    runs: int
    steps: int
    chunk_size: int
    keep: str = "full"                 # "full": arrays and events too; "summary": counts only
    run_values: dict | None = None
    # per-run analysis, e.g. sim.analysis.reducers.coalitions_and_balance: (arrays, report_steps) ->
    # {"codes": (R, S) coalition structure codes, "balance": (R, T+1, 4) metrics}; small actor sets only
    reducer: Callable | None = None

    @property
    def n_chunks(self) -> int:
        """How many chunks the runs are split into."""
        return math.ceil(self.runs / self.chunk_size)

    def bounds(self, index: int) -> tuple[int, int]:
        """The runs [lo, hi) of chunk `index`."""
        lo = index * self.chunk_size
        return lo, min(self.runs, lo + self.chunk_size)

    @property
    def report_steps(self) -> tuple[int, ...]:
        """Steps at which coalition structures are counted: start, every 12 months, horizon."""
        return tuple(sorted(set(range(0, self.steps + 1, 12)) | {self.steps}))

    @property
    def key_pair_index(self) -> tuple[tuple[int, int], ...]:
        """The scenario's key pairs as actor indices."""
        ids = list(self.scenario.actor_ids)
        return tuple((ids.index(a), ids.index(b)) for a, b in self.scenario.key_pairs)

    @property
    def with_analysis(self) -> bool:
        """Whether chunks run the per-run reducer (given, and at most COALITION_MAX_ACTORS actors)."""
        return self.reducer is not None and len(self.scenario.actors) <= COALITION_MAX_ACTORS


@dataclass
class ChunkResult:
    """What computing one chunk gives: its compact summary, and with keep='full' its arrays and events."""
    index: int
    lo: int
    hi: int
    summary: dict              # a compact Summary (see Summary.compact)
    arrays: dict | None
    events: list | None
    seconds: float
    peak_rss_mb: float = 0.0   # of the process that computed it (workers report theirs)
    saved: bool = False        # already written to the result folder by the worker


def run_chunk(job: Job, index: int) -> ChunkResult:
    """One chunk of runs, start to finish. Pure: the same inputs give the same bits."""
    t0 = time.perf_counter()
    lo, hi = job.bounds(index)
    c = compile(job.scenario, job.seed, np.arange(lo, hi), job.steps, run_values=job.run_values)
    full = job.keep == "full"
    arrays = simulate(c, record=RECORDED + ("military",) + DECIDED if full else ("alignment", "military"))
    evs = events(c, arrays) if full else None
    for name in DECIDED:   # read for the events only, not kept
        arrays.pop(name, None)
    codes = balance = None
    if job.with_analysis:
        per_run = job.reducer(arrays, job.report_steps)
        codes, balance = per_run["codes"], per_run["balance"]
        arrays["balance"] = balance.astype(np.float32)
    onsets = np.stack([s.onset for s in c.schedules]) if c.schedules else np.zeros((0, hi - lo, job.steps + 1), bool)
    n = len(job.scenario.actors)
    s = summ.summarize(arrays["alignment"], onsets, codes, 2 ** (n - 1) if codes is not None else 0,
                       job.key_pair_index, balance).compact()
    import resource
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return ChunkResult(index, lo, hi, s, arrays if full else None, evs, time.perf_counter() - t0, rss)


def warm_up(scen: Scenario, reducer: Callable | None = None) -> None:
    """Compile the model's kernels (numba) on a one-run job, so a first run's timing and progress
    bar measure the model, not the compiler. From the second run on this loads a cache (~0.1 s)."""
    run_chunk(Job(scen, 0, 1, 1, 1, "summary", None, reducer), 0)


class ChunkFn:
    """A picklable callable: chunk index -> ChunkResult, for any executor."""

    def __init__(self, job: Job):
        self.job = job

    def __call__(self, index: int) -> ChunkResult:
        return run_chunk(self.job, index)


def run_ensemble(scen: Scenario, runs: int, seed: int, steps: int | None = None,
                 chunk_size: int = 2000, progress=None, run_values: dict | None = None,
                 executor=None, reducer: Callable | None = None) -> Ensemble:
    """All runs in memory (for moderate sizes; the CLI streams to disk instead).

    progress, if given, is called with the number of run-steps each finished chunk adds."""
    steps = scen.steps if steps is None else steps
    job = Job(scen, seed, runs, steps, chunk_size, "full", run_values, reducer)
    t0 = time.perf_counter()
    from sim.engine.executor import InProcess
    ex = executor or InProcess()
    parts: dict[int, ChunkResult] = {}
    for index, res in ex.imap(ChunkFn(job), range(job.n_chunks)):
        parts[index] = res
        if progress is not None:
            progress((res.hi - res.lo) * steps)
    ordered = [parts[i] for i in range(job.n_chunks)]
    arrays = {k: np.concatenate([p.arrays[k] for p in ordered]) for k in ordered[0].arrays} if ordered else {}
    evs = [e for p in ordered for e in p.events]
    wall = time.perf_counter() - t0
    return Ensemble(scen, seed, runs, steps, arrays, evs,
                    {"wall_seconds": wall, "run_steps_per_second": runs * steps / wall if wall > 0 else None})
