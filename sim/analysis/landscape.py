"""Landscape theory of aggregation (Axelrod & Bennett, BJPS 23(2), 1993).

n actors with sizes s_i > 0 and a symmetric propensity p_ij (zero diagonal; the
diagonal is ignored) split into two coalitions. A configuration is a 0/1 side
vector x; d_ij(x) = 1 when i and j are on different sides.

    energy       E(x)   = sum over UNORDERED pairs i<j of s_i s_j p_ij d_ij(x)
                        = x^T W (1 - x),  with W = (s s^T) * p, zero diagonal
    frustration  F_i(x) = sum_j s_j p_ij d_ij(x)

Tools that sum over ordered pairs (i, j), i != j -- e.g. Furnas & Axelrod's
Landscape_Theory code -- report exactly 2 * E. Their Syria 2016 global minimum,
-83200, is -41600 here.

Configurations are coded as integers: actor 0 is always on side 0 (a split and
its mirror image are the same configuration), bit k of the code is the side of
actor k+1. There are 2**(n-1) codes.

Single switches. Moving actor i to the other side flips d_ij for every j, so
    dE_i = sum_j W_ij (1 - 2 d_ij) = s_i (m_i - 2 F_i) = s_i (F_i' - F_i),
where m_i = sum_j s_j p_ij and F_i' = m_i - F_i is i's frustration after the
move. Since s_i > 0, a switch lowers i's own frustration exactly when it lowers
the energy; a local minimum (no switch lowers any actor's frustration) is a
configuration with dE_i >= 0 for all i. Sizes must be positive for this reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.pairs import code_to_sides

EXACT_MAX_ACTORS = 24  # 2**23 configurations: ~100 MB of result arrays
DEFAULT_BLOCK = 1 << 16  # configurations per block: bounds temporary memory
DEFAULT_STARTS = 4096  # random starts for the heuristic
DEFAULT_TOP = 10


# --------------------------------------------------------------------------- model


def weight_matrix(sizes, prop) -> np.ndarray:
    """W = (s s^T) * p with zero diagonal, after checking the inputs."""
    s = np.asarray(sizes, dtype=float)
    p = np.asarray(prop, dtype=float)
    if s.ndim != 1 or p.shape != (s.size, s.size):
        raise ValueError(f"sizes must be (n,) and propensity (n, n); got {s.shape}, {p.shape}")
    if not (np.all(np.isfinite(s)) and np.all(np.isfinite(p))):
        raise ValueError("sizes and propensity must be finite")
    if np.any(s <= 0):
        raise ValueError("sizes must be positive")
    if not np.allclose(p, p.T, rtol=1e-12, atol=1e-12):
        raise ValueError("propensity must be symmetric")
    w = np.outer(s, s) * (p + p.T) / 2
    np.fill_diagonal(w, 0.0)
    return w


def energy_tolerance(w: np.ndarray) -> float:
    """Energies within this of each other count as ties (scaled to the weights' magnitude).

    Switches must lower E by more than rounding noise, so plateaus (dE == 0 exactly, common
    with integer data) never look like descents."""
    return 1e-12 * float(np.abs(w).sum())


def sides_to_code(sides) -> np.ndarray:
    """Codes for side vectors (..., n), mirroring so actor 0 is on side 0."""
    x = np.asarray(sides).astype(bool)
    x = x ^ x[..., :1]
    n = x.shape[-1]
    return (x[..., 1:].astype(np.int64) << np.arange(n - 1, dtype=np.int64)).sum(axis=-1)


def _cross_weight(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    """D_i = sum_j W_ij d_ij for side vectors x (B, n) as float."""
    y = x @ w
    return y + x * (w.sum(axis=1) - 2 * y)


def energy(sizes, prop, sides) -> np.ndarray:
    """E (unordered pairs) for side vectors shaped (..., n)."""
    w = weight_matrix(sizes, prop)
    x = np.asarray(sides, dtype=float)
    return _cross_weight(w, x).sum(axis=-1) / 2


def frustration(sizes, prop, sides) -> np.ndarray:
    """F_i for side vectors shaped (..., n); returns (..., n)."""
    w = weight_matrix(sizes, prop)
    x = np.asarray(sides, dtype=float)
    return _cross_weight(w, x) / np.asarray(sizes, dtype=float)


# ----------------------------------------------------------------- exact enumeration


@dataclass(frozen=True)
class Landscape:
    """Every configuration's energy, indexed by code (see module docstring)."""

    names: tuple[str, ...]
    sizes: np.ndarray
    propensity: np.ndarray
    energies: np.ndarray  # (2**(n-1),) float64
    local_minimum: np.ndarray  # (2**(n-1),) bool
    successor: np.ndarray  # (2**(n-1),) steepest-descent next code; itself at a minimum

    @property
    def n(self) -> int:
        """The number of actors."""
        return len(self.names)


def enumerate_configurations(
    sizes,
    prop,
    names=None,
    *,
    block: int = DEFAULT_BLOCK,
    max_actors: int = EXACT_MAX_ACTORS,
) -> Landscape:
    """Exact energies, local minima and steepest-descent successors of all 2**(n-1) configurations.

    Works in blocks of `block` codes, so temporary memory is O(block * n); the
    result holds ~13 bytes per configuration. Beyond `max_actors` use
    `sample_local_minima` (raise `max_actors` only knowing the cost doubles per actor).
    """
    w = weight_matrix(sizes, prop)
    n = w.shape[0]
    if n > max_actors:
        raise ValueError(f"{n} actors > max_actors={max_actors}; use sample_local_minima")
    names = tuple(names) if names is not None else tuple(f"A{i}" for i in range(n))
    total = 1 << (n - 1)
    idx = np.int32 if n <= 32 else np.int64
    energies = np.empty(total, dtype=float)
    local = np.empty(total, dtype=bool)
    succ = np.empty(total, dtype=idx)
    tol = energy_tolerance(w)
    row = w.sum(axis=1)
    # Code XOR flip[i] is the configuration after actor i switches; actor 0
    # switching is the mirror image of everyone else switching.
    flip = np.empty(n, dtype=np.int64)
    flip[0] = total - 1
    flip[1:] = 1 << np.arange(n - 1, dtype=np.int64)
    for start in range(0, total, block):
        codes = np.arange(start, min(start + block, total), dtype=np.int64)
        x = code_to_sides(codes, n).astype(float)
        d = _cross_weight(w, x)
        energies[start : start + codes.size] = d.sum(axis=1) / 2
        delta = row - 2 * d
        best = np.argmin(delta, axis=1)  # first index on ties
        moves = delta[np.arange(codes.size), best] < -tol
        local[start : start + codes.size] = ~moves
        succ[start : start + codes.size] = np.where(moves, codes ^ flip[best], codes)
    s = np.asarray(sizes, dtype=float).copy()
    p = np.asarray(prop, dtype=float).copy()
    np.fill_diagonal(p, 0.0)
    return Landscape(names, s, p, energies, local, succ)


def local_minima(landscape: Landscape) -> np.ndarray:
    """Codes of the local minima, by energy ascending then code."""
    codes = np.flatnonzero(landscape.local_minimum)
    return codes[np.argsort(landscape.energies[codes], kind="stable")]


@dataclass(frozen=True)
class Basins:
    """Basins of attraction under steepest single-switch descent.

    From each configuration the actor whose switch lowers E most moves (ties:
    lowest actor index) until no switch lowers E. E falls strictly at every
    step, so each configuration reaches exactly one local minimum: the basins
    partition all configurations.
    """

    minima: np.ndarray  # codes, as local_minima() orders them
    counts: np.ndarray  # configurations reaching each minimum (itself included)
    shares: np.ndarray  # counts / 2**(n-1): share of configuration space
    attractor: np.ndarray  # (2**(n-1),) code of the minimum each configuration reaches


def basins(landscape: Landscape) -> Basins:
    """Basins by pointer jumping: att <- att[att] halves every remaining path."""
    att = landscape.successor.copy()
    for _ in range(landscape.n + 2):  # path length < 2**(n-1): n-1 doublings suffice
        nxt = att[att]
        if np.array_equal(nxt, att):
            break
        att = nxt
    else:  # pragma: no cover - would mean a cycle, impossible with strict descent
        raise RuntimeError("steepest descent did not converge")
    minima = local_minima(landscape)
    counts = np.bincount(att, minlength=att.size)[minima]
    return Basins(minima, counts, counts / att.size, att)


# ------------------------------------------------------------------------ heuristic


def descend(sizes, prop, sides) -> np.ndarray:
    """Steepest single-switch descent from each side vector in (B, n); returns the end points.

    Same rule as `basins`; loops over descent steps, never over configurations.
    """
    w = weight_matrix(sizes, prop)
    x = np.array(sides, dtype=float, ndmin=2)
    tol = energy_tolerance(w)
    row = w.sum(axis=1)
    active = np.arange(x.shape[0])
    while active.size:
        delta = row - 2 * _cross_weight(w, x[active])
        best = np.argmin(delta, axis=1)
        moves = delta[np.arange(active.size), best] < -tol
        active, best = active[moves], best[moves]
        x[active, best] = 1 - x[active, best]
    return x.astype(np.uint8)


@dataclass(frozen=True)
class SampledMinima:
    """Distinct local minima reached from random starts, by energy ascending."""

    names: tuple[str, ...]
    sizes: np.ndarray
    propensity: np.ndarray
    sides: np.ndarray  # (k, n) uint8, actor 0 on side 0
    energies: np.ndarray  # (k,)
    hits: np.ndarray  # (k,) starts that descended to each minimum
    starts: int

    @property
    def frequency(self) -> np.ndarray:
        """Estimated basin share (unbiased, binomial sampling error)."""
        return self.hits / self.starts


def sample_local_minima(
    sizes, prop, names=None, *, starts: int = DEFAULT_STARTS, seed=0
) -> SampledMinima:
    """Multi-start steepest descent from uniformly random configurations.

    For n beyond exact enumeration. Limits: it finds only minima whose basins
    some start lands in, so it may miss minima -- including the global one --
    when their basins are small; `frequency` estimates basin shares (standard
    error ~ sqrt(f(1-f)/starts)) and is not exact. `seed` is an int or a
    numpy Generator.
    """
    w = weight_matrix(sizes, prop)
    n = w.shape[0]
    names = tuple(names) if names is not None else tuple(f"A{i}" for i in range(n))
    rng = np.random.default_rng(seed)
    x0 = rng.integers(0, 2, size=(starts, n), dtype=np.uint8)
    ends = descend(sizes, prop, x0)
    ends ^= ends[:, :1]  # mirror so actor 0 is on side 0: one row per configuration
    uniq, hits = np.unique(ends, axis=0, return_counts=True)
    e = _cross_weight(w, uniq.astype(float)).sum(axis=1) / 2
    order = np.lexsort((-hits, e))
    p = np.asarray(prop, dtype=float).copy()
    np.fill_diagonal(p, 0.0)
    return SampledMinima(
        names, np.asarray(sizes, dtype=float).copy(), p, uniq[order], e[order], hits[order], starts
    )


# ------------------------------------------------------------------------ TOML input
