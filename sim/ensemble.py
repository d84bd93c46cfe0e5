"""Monte Carlo ensembles: many runs advanced together in chunks by the same rules."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .dynamics import State, step
from .params import Compiled, compile
from .scenario import Scenario

# what is kept per run and step; all (R, T+1, N, N) float32 (storage only: compute is float64)
RECORDED = ("alignment", "threat", "expectation", "support", "military_support", "sanctions", "trade")


def simulate(c: Compiled, on_step=None) -> dict[str, np.ndarray]:
    """Run the compiled runs through all steps; step 0 is the initial state."""
    n_runs, n = len(c.runs), len(c.scenario.actors)
    out = {k: np.empty((n_runs, c.steps + 1, n, n), dtype=np.float32) for k in RECORDED}
    out["military"] = np.empty((n_runs, c.steps + 1, n), dtype=np.float32)
    s = c.initial
    _record(out, 0, s)
    for t in range(1, c.steps + 1):
        s = step(s, c.static, c.forcing(t), t, c.noise(t))
        _record(out, t, s)
        if on_step is not None:
            on_step(n_runs)
    return out


def _record(out: dict, t: int, s: State) -> None:
    for k, arr in out.items():
        arr[:, t] = getattr(s, k)


def events(c: Compiled) -> list[tuple[int, int, str, str, float]]:
    """(run, step, shock, type, intensity) for every shock onset."""
    rows = []
    for sch in c.schedules:
        r_idx, t_idx = np.nonzero(sch.onset)
        for r, t in zip(r_idx, t_idx):
            rows.append((int(c.runs[r]), int(t), sch.shock.name, sch.shock.type_name,
                         float(sch.active[r, t])))
    rows.sort(key=lambda e: (e[0], e[1], e[2]))
    return rows


@dataclass
class Ensemble:
    scenario: Scenario
    seed: int
    runs: int
    steps: int
    arrays: dict[str, np.ndarray]
    events: list
    timings: dict = field(default_factory=dict)

    @property
    def alignment(self) -> np.ndarray:
        return self.arrays["alignment"]


def run_ensemble(scen: Scenario, runs: int, seed: int, steps: int | None = None,
                 chunk_size: int = 2000, progress=None, run_values: dict | None = None) -> Ensemble:
    """Runs 0..runs-1 in chunks; run r's numbers do not depend on the chunking."""
    steps = scen.steps if steps is None else steps
    t0 = time.perf_counter()
    parts, evs = [], []
    for lo in range(0, runs, chunk_size):
        c = compile(scen, seed, np.arange(lo, min(runs, lo + chunk_size)), steps, run_values=run_values)
        parts.append(simulate(c, on_step=progress))
        evs.extend(events(c))
    arrays = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]} if parts else {}
    wall = time.perf_counter() - t0
    return Ensemble(scen, seed, runs, steps, arrays, evs,
                    {"wall_seconds": wall, "run_steps_per_second": runs * steps / wall if wall > 0 else None})
