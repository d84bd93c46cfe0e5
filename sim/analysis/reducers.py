"""Per-run analyses the engine runs inside each chunk, passed to it as a reducer
(`sim.engine.ensemble.Job.reducer`), so the engine never imports the analysis layer.

A reducer takes the chunk's recorded arrays (run-major, float32) and the steps at which to
report coalition structures, and returns per-run results the engine summarises.
"""

from __future__ import annotations

import numpy as np

from sim.analysis import balance
from sim.analysis.coalitions import METRICS, global_minima, propensity_of, sizes_of


def coalitions_and_balance(arrays: dict[str, np.ndarray], report_steps) -> dict[str, np.ndarray]:
    """Landscape-theory coalition structure of every run at `report_steps`, and the four balance
    metrics (METRICS order) at every step.

    Parameters
    ----------
    arrays : "alignment" (R, T+1, N, N) and "military" (R, T+1, N).
    report_steps : steps at which to find each run's coalition structure.

    Returns
    -------
    {"codes": (R, S) int64 structure codes, "balance": (R, T+1, 4) float64}
    """
    steps = np.asarray(report_steps, dtype=int)
    codes, _ = global_minima(sizes_of(arrays["military"][:, steps]), propensity_of(arrays["alignment"][:, steps]))
    with np.errstate(invalid="ignore"):
        m = balance.metrics(propensity_of(arrays["alignment"]), mutual=True)
    return {"codes": codes, "balance": np.stack([m[k] for k in METRICS], axis=-1)}
