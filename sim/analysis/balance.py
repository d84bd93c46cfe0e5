"""Structural balance of signed, weighted alignment matrices.

Inputs are arrays shaped (..., n, n): any leading axes (runs, time steps), each
matrix symmetric with mutual alignment a_ij in [-1, 1]. The diagonal is
ignored (treated as 0) everywhere except `polarization`. Splits are boolean
side vectors (..., n); True marks the side opposite the reference actor.
"""

from __future__ import annotations

import numpy as np
from numba import njit

EXACT_MAX_ACTORS = 16  # 2**15 splits per matrix
_EIG_TOL = 1e-9  # eigenvector components below this * max|v| count as zero


def _offdiag(a) -> np.ndarray:
    a = np.array(a, dtype=float)
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"expected (..., n, n), got {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError("matrix entries must be finite")
    if not np.allclose(a, np.swapaxes(a, -1, -2), rtol=1e-10, atol=1e-12):
        raise ValueError("matrices must be symmetric")
    a = (a + np.swapaxes(a, -1, -2)) / 2  # remove rounding asymmetry, so eigh and traces agree
    n = a.shape[-1]
    a[..., np.arange(n), np.arange(n)] = 0.0
    return a


@njit(cache=True)
def _triad_sums(a):
    """Per matrix of a (M, n, n): sums over triads i < j < k of the sign product and of 1 (triads
    with three nonzero edges), and of the product a_ij a_jk a_ki and of its magnitude."""
    m, n = a.shape[0], a.shape[1]
    out = np.zeros((4, m))
    for r in range(m):
        for i in range(n):
            for j in range(i + 1, n):
                for k in range(j + 1, n):
                    x, y, z = a[r, i, j], a[r, j, k], a[r, k, i]
                    p = x * y * z
                    if x != 0.0 and y != 0.0 and z != 0.0:
                        out[0, r] += np.sign(x) * np.sign(y) * np.sign(z)
                        out[1, r] += 1.0
                    out[2, r] += p
                    out[3, r] += abs(p)
    return out


def _triad_shares(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unweighted and weighted balanced-triad shares of validated matrices (see balanced_triad_share)."""
    lead, n = a.shape[:-2], a.shape[-1]
    sums = _triad_sums(np.ascontiguousarray(a.reshape(-1, n, n)))
    out = []
    for signed, total in (sums[:2], sums[2:]):
        with np.errstate(invalid="ignore", divide="ignore"):
            share = (1 + signed / total) / 2
        out.append(np.where(total > 0, np.clip(share, 0.0, 1.0), np.nan).reshape(lead))
    return out[0], out[1]


def balanced_triad_share(a, weighted: bool = False) -> np.ndarray:
    """Share of balanced triads (sign product a_ij a_jk a_ki > 0), shape (...).

    Only triads with three nonzero edges count. Weighted: each triad counts with
    weight |a_ij a_jk a_ki|. share = (1 + sum of signs / number) / 2, or with the
    products and their magnitudes when weighted (equal to (1 + tr(M^3) / tr(|M|^3)) / 2
    with M = sign(A) or A and a zero diagonal). NaN where no triad has three nonzero edges.
    """
    return _triad_shares(_offdiag(a))[1 if weighted else 0]


def metrics(a, mutual: bool = False) -> dict[str, np.ndarray]:
    """All four measures of a stack of matrices (...), validating it once: what the per-run
    analysis computes for every run and step.

    With `mutual`, `a` is trusted to be what sim.analysis.coalitions.propensity_of returns:
    float64, exactly symmetric, zero diagonal. The checks and the symmetrizing copy are then
    skipped (they would give back the same numbers) -- a third of the per-run analysis's time.
    """
    if not mutual:
        a = _offdiag(a)
    unweighted, weighted = _triad_shares(a)
    return {"balanced_triad_share": unweighted, "weighted_balanced_triad_share": weighted,
            "frustration_index": _frustration(a), "polarization": _polarization(a)}


def split_cost(a, sides) -> np.ndarray:
    """Total |weight| of edges a split violates: positive across, or negative within."""
    a = _offdiag(a)
    x = np.asarray(sides, dtype=float)
    across = x[..., :, None] + x[..., None, :] - 2 * x[..., :, None] * x[..., None, :]
    viol = np.where(across > 0, np.maximum(a, 0), np.maximum(-a, 0))
    return viol.sum(axis=(-1, -2)) / 2


def frustration_index(a, *, max_exact: int = EXACT_MAX_ACTORS, return_split: bool = False):
    """Minimum violated |weight| over all two-coalition splits, exact; shape (...).

    cost(x) = (sum of negative |weights|) + cut(x), cut(x) = sum over pairs across
    the split of a_ij, so the search is one matrix product of split indicators
    (B, n(n-1)/2) by edge weights (n(n-1)/2, R), in blocks. Cost is 2**(n-1) per
    matrix: above `max_exact` actors this raises ValueError rather than run for
    hours; `split_cost(a, marvel_split(a))` is then a cheap upper bound.
    With return_split, also returns an optimal split (the lowest code on ties).
    """
    return _frustration(_offdiag(a), max_exact=max_exact, return_split=return_split)


def _frustration(a: np.ndarray, *, max_exact: int = EXACT_MAX_ACTORS, return_split: bool = False):
    n = a.shape[-1]
    if n > max_exact:
        raise ValueError(
            f"{n} actors > max_exact={max_exact}: exact search costs 2**{n - 1} splits"
        )
    lead = a.shape[:-2]
    iu, ju = np.triu_indices(n, 1)
    w = a.reshape(-1, n, n)[:, iu, ju]  # (R, m)
    neg = np.maximum(-w, 0).sum(axis=1)
    total = 1 << max(n - 1, 0)
    runs = w.shape[0]
    best = np.full(runs, np.inf)
    arg = np.zeros(runs, dtype=np.int64)
    r_blk = min(max(runs, 1), 2048)
    s_blk = int(min(total, max(256, (1 << 21) // r_blk)))
    shifts = np.arange(max(n - 1, 0), dtype=np.int64)
    for s0 in range(0, total, s_blk):
        codes = np.arange(s0, min(s0 + s_blk, total), dtype=np.int64)
        x = np.zeros((codes.size, n), dtype=bool)
        x[:, 1:] = (codes[:, None] >> shifts) & 1
        d = (x[:, iu] != x[:, ju]).astype(float)  # (B, m) pair is across
        for r0 in range(0, runs, r_blk):
            cut = d @ w[r0 : r0 + r_blk].T  # (B, r)
            k = np.argmin(cut, axis=0)
            v = cut[k, np.arange(cut.shape[1])]
            better = v < best[r0 : r0 + r_blk]  # strict: first code wins ties
            best[r0 : r0 + r_blk][better] = v[better]
            arg[r0 : r0 + r_blk][better] = codes[k[better]]
    value = np.maximum(neg + best, 0.0).reshape(lead)  # clip rounding below 0
    if not return_split:
        return value
    split = np.zeros((runs, n), dtype=bool)
    split[:, 1:] = (arg[:, None] >> shifts) & 1
    return value, split.reshape(lead + (n,))


def leading_eigenpair(a):
    """Largest (algebraic) eigenvalue (...) and its unit eigenvector (..., n).

    Sign convention: the first component with |v_i| > 1e-9 max|v| is positive,
    so the first actor's component is >= 0 whenever it is not ~0.
    """
    vals, vecs = np.linalg.eigh(_offdiag(a))
    v = vecs[..., :, -1]
    big = np.abs(v) > _EIG_TOL * np.abs(v).max(axis=-1, keepdims=True)
    first = np.argmax(big, axis=-1)[..., None]
    sign = np.where(np.take_along_axis(v, first, axis=-1) < 0, -1.0, 1.0)
    return vals[..., -1], v * sign


def marvel_split(a) -> np.ndarray:
    """Two factions from the signs of the leading eigenvector (..., n) bool.

    Marvel, Kleinberg, Kleinberg & Strogatz (PNAS 108(5), 2011): dX/dt = X^2 from
    X(0) = A blows up at t = 1/lambda_max as X ~ u u^T / (1 - t lambda_max), so
    the factions are the sign classes of u. Meaningful when lambda_max > 0 and
    is simple (a repeated top eigenvalue makes u arbitrary within its space).
    Actors with ~0 components (see leading_eigenpair) go on side False.
    """
    _, v = leading_eigenpair(a)
    return v < -_EIG_TOL * np.abs(v).max(axis=-1, keepdims=True)


def polarization(a) -> np.ndarray:
    """Leading-eigenvalue share lambda_max / sum|lambda| of A with unit diagonal; (...).

    Each actor is fully aligned with itself (a_ii = 1). The share is 1 exactly
    when the matrix is rank one, a_ij = +-1 in a two-bloc (or one-bloc) sign
    pattern -- perfect alignment within blocs and opposition across; it is 1/n
    for an all-zero (indifferent) matrix and small for unstructured signs.
    Weak but balanced ties score in between, e.g. (n+1)/(2n) for |a_ij| = 1/2.
    Invariant to relabelling actors; not to scaling (intensity counts).
    """
    return _polarization(_offdiag(a))


def _polarization(a: np.ndarray) -> np.ndarray:
    lead, n = a.shape[:-2], a.shape[-1]
    w = np.ascontiguousarray(np.moveaxis(a.reshape(-1, n, n), 0, -1))   # (n, n, M): matrices last
    w[np.arange(n), np.arange(n)] = 1.0
    vals = symmetric_eigenvalues(w, jacobi_sweeps(n))
    return (vals.max(axis=0) / np.abs(vals).sum(axis=0)).reshape(lead)


def jacobi_sweeps(n: int) -> int:
    """Sweeps for cyclic Jacobi to reach rounding, one more than measured on random symmetric
    matrices with entries in [-1, 1] (errors against eigvalsh below 3e-14 for 5, 6, 7 sweeps at
    n = 5, 12, 16; it converges quadratically)."""
    return 6 if n <= 5 else 7 if n <= 12 else 9




@njit(cache=True, error_model="numpy")
def symmetric_eigenvalues(w, sweeps):
    """Eigenvalues (n, M), unsorted, of the symmetric matrices w (n, n, M), which it overwrites.

    Cyclic Jacobi rotations with a fixed number of sweeps (jacobi_sweeps), every matrix in step,
    so the loops over matrices vectorize; for the 5x5 matrices of the per-run analysis about
    twice as fast as LAPACK's one-matrix-at-a-time eigvalsh (tests/test_balance.py checks it
    against eigvalsh)."""
    n, m = w.shape[0], w.shape[2]
    c, s = np.empty(m), np.empty(m)
    for b0 in range(0, m, 256):    # a block of matrices through every sweep, while in cache
        lo, hi = np.uint64(b0), np.uint64(min(b0 + 256, m))   # uint64: the loops vectorize
        for _ in range(sweeps):
            for p in range(n):
                for q in range(p + 1, n):
                    for r in range(lo, hi):
                        apq = w[p, q, r]
                        tau = (w[q, q, r] - w[p, p, r]) / (2.0 * apq)
                        t = (1.0 if tau >= 0.0 else -1.0) / (abs(tau) + np.sqrt(1.0 + tau * tau))
                        t = t if apq != 0.0 else 0.0     # nothing to rotate (and tau may be 0/0)
                        c[r] = 1.0 / np.sqrt(1.0 + t * t)
                        s[r] = t * c[r]
                    for k in range(n):      # A J
                        for r in range(lo, hi):
                            x, y = w[k, p, r], w[k, q, r]
                            w[k, p, r] = c[r] * x - s[r] * y
                            w[k, q, r] = s[r] * x + c[r] * y
                    for k in range(n):      # J^T (A J)
                        for r in range(lo, hi):
                            x, y = w[p, k, r], w[q, k, r]
                            w[p, k, r] = c[r] * x - s[r] * y
                            w[q, k, r] = s[r] * x + c[r] * y
    out = np.empty((n, m))
    for i in range(n):
        for r in range(m):
            out[i, r] = w[i, i, r]
    return out
