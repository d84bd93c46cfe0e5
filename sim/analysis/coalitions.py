"""Coalitions and structural balance of a Monte Carlo ensemble, run by run.

Landscape theory (Axelrod & Bennett 1993; see sim/analysis/landscape.py) applied to every
run's simulated state at chosen steps:

    propensity  p_ij = mutual alignment (A_ij + A_ji) / 2 of the run at that step, in [-1, 1]
    size        s_i  = i's share of the modelled actors' military capability at that step,
                       from e.arrays["military"] (SIPRI expenditure at step 0, then eroded by
                       attacks and restored by arms transfers). Shares sum to 1, so energies
                       are comparable across runs and steps. Military capability is used
                       because it is the only capability the model records per step, and
                       because landscape theory's size stands for how much an actor's
                       choice weighs on others' - in an alignment contest, capability.

The coalition structure of a run is its GLOBAL minimum-energy two-coalition configuration
(lowest configuration code on exact ties). With all propensities positive that is the grand
coalition (everyone on one side, energy 0).

Vectorized over runs: the 2**(n-1) configurations are enumerated once; the energies of all
runs are one matrix product (configurations x pairs) @ (pairs x runs) per block. Exact for
n <= EXACT_MAX_ACTORS.

Balance metrics (sim/analysis/balance.py) use the same mutual alignment: balanced-triad share
(unweighted and weighted), frustration index and polarization, per run and step.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from sim.core.pairs import code_to_sides, mutual, structure_label
from sim.core.stats import wilson_interval
from sim.analysis import balance

EXACT_MAX_ACTORS = 16  # 2**15 configurations per matrix
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
QCOLS = ("q05", "q25", "q50", "q75", "q95")
METRICS = ("balanced_triad_share", "weighted_balanced_triad_share", "frustration_index", "polarization")


# ------------------------------------------------------------------------ inputs


def _steps(e, steps) -> np.ndarray:
    if steps is None:
        return np.arange(e.steps + 1)
    s = np.atleast_1d(np.asarray(steps, dtype=int))
    s = np.where(s < 0, s + e.steps + 1, s)
    if np.any((s < 0) | (s > e.steps)):
        raise ValueError(f"steps must lie in 0..{e.steps}, got {steps}")
    return s


def step_of(e, when) -> int:
    """A step from an int (negative counts from the end) or a 'YYYY-MM' date."""
    if isinstance(when, str):
        dates = [e.scenario.date(t) for t in range(e.steps + 1)]
        if when not in dates:
            raise ValueError(f"{when!r} is not a step date ({dates[0]} .. {dates[-1]})")
        return dates.index(when)
    return int(_steps(e, when)[0])


def propensity_of(alignment: np.ndarray) -> np.ndarray:
    """Mutual alignment (..., n, n) float64 with zero diagonal, from directed alignment."""
    p = mutual(alignment.astype(np.float64))
    n = p.shape[-1]
    p[..., np.arange(n), np.arange(n)] = 0.0
    return p


def sizes_of(military: np.ndarray) -> np.ndarray:
    """Military capability shares (..., n), each row summing to 1, or all 0 where no actor has
    any capability. Scenarios may give an actor no military capability: its size is 0, so it
    weighs nothing in the energy (and sits with actor 0, as ties go to the lowest code)."""
    m = military.astype(np.float64)
    if np.any(m < 0) or not np.isfinite(m).all():
        raise ValueError("military capability must be finite and >= 0 to serve as landscape size")
    total = m.sum(axis=-1, keepdims=True)
    return np.divide(m, total, out=np.zeros_like(m), where=total > 0)


def propensity(e, steps=None) -> np.ndarray:
    """Mutual alignment (R, S, n, n) float64 with zero diagonal."""
    return propensity_of(e.alignment[:, _steps(e, steps)])


def sizes(e, steps=None) -> np.ndarray:
    """Military capability shares (R, S, n), each row summing to 1."""
    return sizes_of(e.arrays["military"][:, _steps(e, steps)])


# ------------------------------------------------------------- global minimum per run


def global_minima(sz, prop, *, max_actors: int = EXACT_MAX_ACTORS, block: int | None = None):
    """Lowest-energy configuration code and energy for every matrix.

    sz (..., n) sizes >= 0, prop (..., n, n) symmetric propensities. Returns
    (codes (...) int64, energies (...) float64) with landscape.py's coding (actor 0 on
    side 0; bit k is actor k+1's side) and its energy over unordered pairs. Ties go to the
    lowest code, as a brute-force argmin over landscape.enumerate_configurations would.
    """
    sz = np.asarray(sz, dtype=float)
    prop = np.asarray(prop, dtype=float)
    n = sz.shape[-1]
    if prop.shape[-2:] != (n, n) or prop.shape[:-2] != sz.shape[:-1]:
        raise ValueError(f"sizes (..., n) and propensity (..., n, n) disagree: {sz.shape}, {prop.shape}")
    if n > max_actors:
        raise ValueError(f"{n} actors > max_actors={max_actors}: exact search costs 2**{n - 1} configurations")
    lead = sz.shape[:-1]
    iu, ju = np.triu_indices(n, 1)
    flat_s = sz.reshape(-1, n)
    flat_p = prop.reshape(-1, n, n)
    w = flat_s[:, iu] * flat_s[:, ju] * (flat_p[:, iu, ju] + flat_p[:, ju, iu]) / 2  # (M, pairs)
    total = 1 << max(n - 1, 0)
    mats = w.shape[0]
    best = np.full(mats, np.inf)
    arg = np.zeros(mats, dtype=np.int64)
    m_blk = min(max(mats, 1), 4096)
    c_blk = block or int(min(total, max(256, (1 << 21) // m_blk)))
    for c0 in range(0, total, c_blk):
        codes = np.arange(c0, min(c0 + c_blk, total), dtype=np.int64)
        x = code_to_sides(codes, n)
        d = (x[:, iu] != x[:, ju]).astype(float)  # (B, pairs): 1 where the pair is split
        for r0 in range(0, mats, m_blk):
            en = d @ w[r0 : r0 + m_blk].T  # (B, r) energies
            k = np.argmin(en, axis=0)
            v = en[k, np.arange(en.shape[1])]
            better = v < best[r0 : r0 + m_blk]  # strict: the first (lowest) code wins ties
            best[r0 : r0 + m_blk][better] = v[better]
            arg[r0 : r0 + m_blk][better] = codes[k[better]]
    return arg.reshape(lead), best.reshape(lead)


@dataclass(frozen=True)
class Coalitions:
    """Global minimum-energy coalition structure of every run at each chosen step."""

    actors: tuple[str, ...]
    steps: np.ndarray  # (S,)
    dates: tuple[str, ...]
    codes: np.ndarray  # (R, S) configuration codes (landscape.py coding)
    energies: np.ndarray  # (R, S)

    @property
    def sides(self) -> np.ndarray:
        """(R, S, n) uint8 side of each actor; actor 0 on side 0."""
        return code_to_sides(self.codes, len(self.actors))

    def column(self, step: int) -> int:
        """The structures at one reported step."""
        hits = np.flatnonzero(self.steps == step)
        if hits.size == 0:
            raise ValueError(f"step {step} was not computed (have {self.steps.tolist()})")
        return int(hits[0])


def coalition_structure(e, steps=None) -> Coalitions:
    """Landscape-theory coalition structure per run and step (default: every step)."""
    s = _steps(e, steps)
    codes, energies = global_minima(sizes(e, s), propensity(e, s))
    return Coalitions(tuple(e.scenario.actor_ids), s, tuple(e.scenario.date(int(t)) for t in s),
                      codes, energies)


# ----------------------------------------------------------------- probabilities


@dataclass(frozen=True)
class Proportion:
    """A share k / n with its 95% Wilson interval."""
    p: float
    low: float
    high: float
    k: int
    n: int


def _proportion(k: int, n: int) -> Proportion:
    lo, hi = wilson_interval(k, n)
    return Proportion(k / n if n else float("nan"), lo, hi, int(k), int(n))


def frequent_structures(e, step, top: int | None = 5, coalitions: Coalitions | None = None, names=None):
    """[(label, code, Proportion)] of the most frequent structures at a step, most frequent first."""
    t = step_of(e, step)
    if coalitions is None:
        coalitions = coalition_structure(e, [t])
    codes = coalitions.codes[:, coalitions.column(t)]
    counts = Counter(codes.tolist())
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    if top is not None:
        ranked = ranked[:top]
    return [(structure_label(coalitions.actors, c, names), c, _proportion(k, codes.size)) for c, k in ranked]


# ------------------------------------------------------------------------ balance


def balance_metrics(e, steps=None) -> dict[str, np.ndarray]:
    """Per run and step (R, S): balanced-triad share (unweighted, weighted), frustration index
    (minimum violated |mutual alignment| over two-bloc splits) and polarization."""
    return balance.metrics(propensity(e, steps))


def metric_quantiles(metrics: dict[str, np.ndarray], q=QUANTILES) -> dict[str, dict[str, np.ndarray]]:
    """metric -> {'mean', 'q05', ..., 'q95'} arrays over steps (NaN-aware)."""
    out = {}
    for name, v in metrics.items():
        qs = np.nanquantile(v, q, axis=0)
        d = {"mean": np.nanmean(v, axis=0)}
        d.update({c: qs[k] for k, c in enumerate(QCOLS)})
        out[name] = d
    return out
