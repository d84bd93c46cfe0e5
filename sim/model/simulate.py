"""Running the kernel: allocate the structures it takes, and call it for a chunk of runs or for
one month.

`simulate_runs` takes a compiled chunk through every month in one compiled call (the engine);
`step` advances any number of runs by one month (the Mesa view, the dashboard, tests). Both run
the same `sim.model.kernel.month`.
"""

from __future__ import annotations

import numpy as np

from sim.model import loops
from sim.model.state import Forcing, Scratch, State, Static, allocate, rows_of, shape_of, SCRATCH_LANES


def block_size(n: int) -> int:
    """Runs per block. Measured (benchmarks/README.md): for 5 to 40 actors the time per run-step
    falls as blocks grow to 256 runs (longer vector loops, fewer loop entries; the hardware
    prefetcher streams the run-last arrays well even when a block outgrows the L2 cache) and is
    flat beyond, so one size serves every actor count."""
    return 256


def sizes(k: Static) -> dict[str, int]:
    """The size names of the model's structures for the runs compiled into k."""
    return {"actors": k.volume.shape[0], "issues": k.salience.shape[1], "kinds": k.taste.shape[0],
            "corridors": k.capacity.shape[0], "routes": k.network.pair_i.shape[0],
            "chokepoints": k.network.choke_of.shape[1], "parameters": k.w.shape[0], "world": 1,
            "decisions": k.decision_propensity.shape[0],
            "lanes": SCRATCH_LANES}


def runs_of(k: Static) -> int:
    """The number of runs compiled into k."""
    return k.volume.shape[2]


def empty_state(k: Static) -> State:
    """An uninitialised State for the runs of k."""
    return allocate(State, runs_of(k), **sizes(k))


def zero_forcing(k: Static) -> Forcing:
    """A Forcing of zeros for the runs of k (no shock active)."""
    return allocate(Forcing, runs_of(k), fill=0.0, **sizes(k))


def scratch(k: Static) -> Scratch:
    """The kernel's working arrays for the runs of k (uninitialised)."""
    return allocate(Scratch, runs_of(k), **sizes(k))


def initial_state(k: Static, start: dict[str, np.ndarray]) -> State:
    """The step-0 State, from the start values of its inputs (run-last arrays by State field:
    alignment, military, positions, expectation, sanctions, secondary), and, in place, the
    reference values in k that the rules measure change against (loops.initial_months)."""
    s = empty_state(k)
    s.memory[...] = 0.0
    for name, value in start.items():
        getattr(s, name)[...] = value
    loops.initial_months(s, k, zero_forcing(k), block_size(k.volume.shape[0]), scratch(k))
    return s


def initial_drive(s: State, k: Static) -> np.ndarray:
    """The mechanism drive (A1-A2) at state s: (N, N, R)."""
    out = np.empty(s.alignment.shape)
    loops.drive_at(s, k, scratch(k), out)
    return out


def step(s: State, k: Static, f: Forcing, t: int, eps: np.ndarray) -> State:
    """One month (step t) for every run, in new memory. eps: (N, N, R) standard normal noise."""
    out = empty_state(k)
    loops.month_all_runs(s, k, f, np.ascontiguousarray(eps), t, block_size(s.alignment.shape[0]), scratch(k), out)
    return out


def simulate_runs(s0: State, k: Static, f_rows: np.ndarray, f_val: np.ndarray, noise_keys: np.ndarray,
                  steps: int, record: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Every month of every run in one compiled call.

    Parameters
    ----------
    s0, k : the step-0 State and the Static inputs (sim.model.compile.Compiled.initial, .static).
    f_rows, f_val : the forcing table (Compiled.forcing_table): rows of Forcing.memory that some
        shock touches, and their values (T+1, K, R).
    noise_keys : (N, N, R) uint64 keys of the alignment noise.
    steps : months to simulate.
    record : names of the State fields to record.

    Returns
    -------
    dict of float32 arrays (R, T+1, *field shape) for the recorded fields: step 0 is s0. The
    same numbers as calling `step` month by month (tested bit for bit).
    """
    dims = sizes(k)
    runs = runs_of(k)
    rows, where = rows_of(State, record, **dims)
    # each field recorded straight into its own contiguous block of one buffer (no copy after:
    # at 42 actors a chunk's records are ~70 MB per pair field)
    block = runs * (steps + 1)
    dest = np.empty((len(rows), 3), dtype=np.int64)
    dest[:, 0] = rows
    for name in record:
        sl = where[name]
        size = sl.stop - sl.start
        dest[sl, 1] = block * sl.start + np.arange(size)
        dest[sl, 2] = size
    rec = np.empty(block * len(rows), dtype=np.float32)
    loops.every_month(s0, k, zero_forcing(k), noise_keys, steps, f_rows, f_val, block_size(dims["actors"]),
                       empty_state(k), empty_state(k), scratch(k), np.empty(s0.alignment.shape), np.empty(runs),
                       np.empty(runs), dest, rec)
    return {name: rec[block * where[name].start:block * where[name].stop].reshape(
                runs, steps + 1, *shape_of(State, name, **dims))
            for name in record}
