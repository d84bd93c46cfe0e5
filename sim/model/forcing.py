"""Forcing: what the shocks push into the model each step, and when each shock is active in each run.

`schedule` draws a shock's onsets per run (keyed by the shock's name, so scenarios that share a
shock share its timing: common random numbers). The shock types write their pushes into one
step's `sim.model.state.Forcing` (`Shock.force`), which the kernel reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numba import njit

from sim.core import rng
from sim.scenario.distribution import Dist, draw
from sim.scenario.shocks import Shock


@dataclass
class Schedule:
    """Per-run timing of one shock: which steps it starts at and its strength when active."""
    shock: Shock
    onset: np.ndarray       # (R, T+1) bool
    active: np.ndarray      # (R, T+1) effective intensity (0 when inactive)
    draws: dict             # per-run arrays of the shock's own uncertain fields

    @cached_property
    def any_active(self) -> np.ndarray:
        """(T+1,) whether any run has the shock active at each step."""
        return self.active.any(axis=0)


def schedule(shock: Shock, seed: int, runs: np.ndarray, steps: int, draw=draw) -> Schedule:
    """Draw the onsets of one shock for runs, keyed by the shock's name (CRN across scenarios).

    `probability` gates the whole shock per run (scheduled or random); `hazard` then gives
    the chance of an onset at each step of the window."""
    key = f"shocks.{shock.name}"
    n_runs = len(runs)
    t = np.arange(steps + 1)
    intensity = draw(shock.intensity, key + ".intensity", seed, runs)
    duration = np.maximum(1, np.rint(draw(shock.duration, key + ".duration", seed, runs))).astype(np.int64)
    p = draw(shock.probability, key + ".probability", seed, runs)
    happens = rng.uniform(rng.run_keys(seed, runs, "shock:" + shock.name)) < p
    if not shock.enabled:
        onset = np.zeros((n_runs, steps + 1), dtype=bool)
    elif shock.at is not None:
        onset = (t[None, :] == shock.at) & happens[:, None]
    else:
        h = draw(shock.hazard, key + ".hazard", seed, runs)
        keys = rng.combine(rng.run_keys(seed, runs, "hazard:" + shock.name)[:, None], t[None, :].astype(np.uint64))
        in_window = (t >= max(1, shock.window[0])) & (t <= shock.window[1])
        onset = (rng.uniform(keys) < h[:, None]) & in_window[None, :] & happens[:, None]
        if not shock.repeat:
            onset &= np.cumsum(onset, axis=1) == 1
    active = np.empty((steps + 1, n_runs))   # step-major: one step's column (what forcing reads) is contiguous
    _active(onset, duration, np.asarray(intensity, dtype=np.float64), active)
    return Schedule(shock, onset, active.T, _draw_spec(shock, key, seed, runs, draw))


@njit(cache=True)
def _active(onset, duration, intensity, out):
    """out[t, r] = intensity[r] if some onset of run r lies in (t - duration[r], t], else 0."""
    for r in range(onset.shape[0]):
        last = -(1 << 40)
        for t in range(onset.shape[1]):
            if onset[r, t]:
                last = t
            out[t, r] = intensity[r] if t - last < duration[r] else 0.0


def _draw_spec(shock: Shock, key: str, seed, runs, draw) -> dict:
    """Per-run values of every numeric field of the type's own spec (numbers or tables of
    numbers), so a new shock type's uncertain fields need no code here."""
    out = {}
    for k, v in shock.spec.items():
        if isinstance(v, (float, Dist)) and not isinstance(v, bool):
            out[k] = draw(v, f"{key}.{k}", seed, runs)
        elif isinstance(v, dict) and all(isinstance(x, (float, Dist)) for x in v.values()):
            out[k] = {a: draw(x, f"{key}.{k}.{a}", seed, runs) for a, x in v.items()}
    return out
