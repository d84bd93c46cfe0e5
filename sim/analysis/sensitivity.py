"""Global sensitivity: Sobol' first- and total-order indices with bootstrap confidence intervals.

Why scipy.stats.sobol_indices and not SALib: scipy is already a dependency of alignsim, so no
new package (and no new licence, release cycle or install step) is needed, and it implements
the standard Saltelli (2010) design and estimators (first order: Saltelli 2010, total order:
Jansen 1999) with a BCa bootstrap. SALib offers more methods (Morris, FAST, delta); a Morris
screening is not needed at the handful of parameters the shipped experiments vary.

The design is scipy's own: a scrambled Sobol' sequence of 2d columns split into matrices A and B
(n x d each), and d matrices AB_i = A with column i taken from B. We build it here (rather than
letting sobol_indices call a function) so that all n (d + 2) points can run as ONE vectorized
ensemble; the model outputs are then handed to scipy.stats.sobol_indices as the dict
{f_A, f_B, f_AB}. The bootstrap resamples the n rows with a seeded generator through
scipy.stats.bootstrap (SobolResult.bootstrap takes no seed), so an experiment's intervals are
reproducible.

Outputs are centred on the mean of f_A and f_B before estimation, as scipy.stats.sobol_indices
itself does (Sobol' & Levitan 1999): the indices do not change, but the uncentred first-order
estimator carries the output's mean as noise. The bootstrap resamples therefore use the same
centred outputs (without it, intervals on alignment outputs near 0.5 were several times wider).

For a stochastic model each point's output is the mean over `runs` replicates, and what is left
of the replicate noise in that mean adds to every total-order index and to the unexplained
variance. `noise_share` estimates it (replicate variance / runs / output variance) so a reader
can tell a parameter effect from dice.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats
from scipy.stats import qmc


@dataclass(frozen=True)
class Design:
    """Saltelli design over box ranges. points (n (d + 2), d) ordered [A; B; AB_0; ...; AB_{d-1}]."""
    lows: np.ndarray
    highs: np.ndarray
    n: int
    A: np.ndarray       # (n, d)
    B: np.ndarray       # (n, d)
    AB: np.ndarray      # (d, n, d)

    @property
    def d(self) -> int:
        """The number of inputs."""
        return len(self.lows)

    @property
    def points(self) -> np.ndarray:
        """Every sample point (A, B, then each A_B^i), stacked."""
        return np.concatenate([self.A, self.B, *self.AB])


def saltelli_design(n: int, lows, highs, seed) -> Design:
    """n must be a power of two (scrambled Sobol' balance)."""
    if n < 2 or n & (n - 1):
        raise ValueError(f"n must be a power of two, got {n}")
    lows, highs = np.asarray(lows, float), np.asarray(highs, float)
    d = lows.size
    # as scipy.stats._sensitivity_analysis.sample_A_B: one Sobol' sequence of 2d columns
    u = qmc.Sobol(d=2 * d, seed=np.random.default_rng(seed), bits=64).random(n)   # (n, 2d)
    scale = lambda v: lows + v * (highs - lows)  # noqa: E731
    A, B = scale(u[:, :d]), scale(u[:, d:])
    AB = np.repeat(A[None], d, axis=0)
    for i in range(d):
        AB[i, :, i] = B[:, i]
    return Design(lows, highs, n, A, B, AB)


def split(design: Design, y: np.ndarray):
    """Outputs at design.points -> (f_A (n,), f_B (n,), f_AB (d, n))."""
    n, d = design.n, design.d
    y = np.asarray(y, float)
    if y.shape != (n * (d + 2),):
        raise ValueError(f"expected {n * (d + 2)} outputs, got {y.shape}")
    return y[:n], y[n:2 * n], y[2 * n:].reshape(d, n)


def _indices(fa, fb, fab) -> tuple[np.ndarray, np.ndarray]:
    """Point estimates from scipy.stats.sobol_indices (n a power of two)."""
    res = stats.sobol_indices(func={"f_A": fa[None], "f_B": fb[None], "f_AB": fab[:, None]}, n=fa.size)
    return np.atleast_1d(res.first_order), np.atleast_1d(res.total_order)


def estimators(fa, fb, fab, axis=-1) -> tuple[np.ndarray, np.ndarray]:
    """The estimators scipy.stats.sobol_indices uses (method 'saltelli_2010'), for any number of
    rows and a batch axis: first order Saltelli (2010) Table 2(b), total order Jansen (1999),
    both over the variance of A and B. Used for bootstrap resamples, where scipy's API insists
    on a power-of-two n that the BCa jackknife (n - 1 rows) cannot give; tests check that the
    two agree exactly on the full sample."""
    var = np.var(np.stack([fa, fb]), axis=(0, axis if axis < 0 else axis + 1))
    s1 = np.mean(fb * (fab - fa), axis=axis) / var
    st = 0.5 * np.mean((fa - fab) ** 2, axis=axis) / var
    return s1, st


@dataclass(frozen=True)
class Sobol:
    """First-order and total Sobol indices with bootstrap confidence intervals."""
    S1: np.ndarray
    ST: np.ndarray
    S1_low: np.ndarray
    S1_high: np.ndarray
    ST_low: np.ndarray
    ST_high: np.ndarray
    variance: float        # of the output over A and B
    noise_share: float     # replicate noise left in the output / its variance (0: deterministic)


def sobol(design: Design, y, bootstrap: int = 1000, confidence: float = 0.95, seed=0,
          replicate_variance: float = 0.0) -> Sobol:
    """Sobol' indices of outputs y (one per design point) via scipy.stats.sobol_indices, with
    BCa bootstrap intervals over the n rows (seeded). replicate_variance: the noise variance of
    each output (per-run variance / runs), for noise_share."""
    fa, fb, fab = split(design, y)
    # Centre the outputs as scipy does internally, so the bootstrap below estimates exactly what
    # scipy's point estimate does (the uncentred f_B (f_AB - f_A) carries the mean as noise).
    centre = float(np.mean(np.concatenate([fa, fb])))
    fa, fb, fab = fa - centre, fb - centre, fab - centre
    var = float(np.var(np.concatenate([fa, fb])))
    if not np.isfinite(var) or var <= 1e-15:
        z = np.zeros(design.d)
        return Sobol(z, z, z, z, z, z, var, float("nan"))
    s1, st = _indices(fa, fb, fab)
    lo1 = hi1 = lot = hit = np.full(design.d, np.nan)
    if bootstrap > 0:
        d = design.d

        def statistic(idx, axis=-1):
            idx = np.asarray(idx, dtype=np.int64)        # (..., m) resampled rows
            a, b = fa[idx], fb[idx]
            with np.errstate(invalid="ignore", divide="ignore"):
                x1, xt = estimators(a, b, fab[:, idx], axis=-1)   # (d, ...)
            return np.concatenate([x1, xt], axis=0)

        res = stats.bootstrap((np.arange(design.n),), statistic, n_resamples=bootstrap,
                              confidence_level=confidence, method="BCa", vectorized=True,
                              rng=np.random.default_rng(seed))
        low, high = res.confidence_interval
        if np.any(~np.isfinite(low)) or np.any(~np.isfinite(high)):   # degenerate BCa: percentile
            dist = res.bootstrap_distribution
            a = (1 - confidence) / 2
            low = np.nanquantile(dist, a, axis=-1)
            high = np.nanquantile(dist, 1 - a, axis=-1)
        lo1, lot = low[:d], low[d:]
        hi1, hit = high[:d], high[d:]
    return Sobol(s1, st, lo1, hi1, lot, hit, var, float(replicate_variance / var))
