"""Mergeable per-chunk summaries: integer counts only, so any chunking merges to the same bits.

A summary holds, per step, histograms of every pair's mutual and directed alignment (for
quantiles when the runs are too many to keep), exact fixed-point sums (for means), the
horizon bands, shock onset counts, coalition structure counts and balance-metric histograms.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from numba import njit

FIXED = float(2 ** 32)          # fixed-point scale for exact, order-free sums of values in [-1, 1]
METRICS = ("balanced_triad_share", "weighted_balanced_triad_share", "frustration_index", "polarization")


def bins_for(n_actors: int) -> int:
    """Histogram resolution: 2000 bins on [-1, 1] (quantile error <= 0.0005) up to 10 actors,
    coarser beyond so the counts stay a few hundred MB at 40 actors."""
    return 2000 if n_actors <= 10 else 400


def metric_range(name: str, n: int) -> tuple[float, float]:
    """Histogram range of a balance metric: shares lie in [0, 1]; the frustration index is a
    total |weight| over at most n(n-1)/2 edges."""
    return (0.0, max(1.0, n * (n - 1) / 2)) if name == "frustration_index" else (0.0, 1.0)


def pair_index(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Upper-triangle pairs (i < j) in row order, as in quantiles.csv."""
    return np.triu_indices(n, k=1)


def directed_index(n: int) -> tuple[np.ndarray, np.ndarray]:
    off = ~np.eye(n, dtype=bool)
    return np.nonzero(off)


@njit(cache=True)
def _bin(v, lo, hi, bins):
    """Histogram bin of v on [lo, hi] (values at or beyond the ends go to the end bins; NaN to 0)."""
    if v != v:
        return 0
    k = int((v - lo) / (hi - lo) * bins) if v > lo else 0
    return min(k, bins - 1)


@njit(cache=True)
def _fixed(v):
    return 0 if v != v else np.int64(np.rint(v * FIXED))


@njit(cache=True)
def _count(values, lo, hi, hist, sums):
    """Add values (R, M) into hist (M, B) and fixed-point sums (M,)."""
    bins = hist.shape[1]
    for r in range(values.shape[0]):
        for m in range(values.shape[1]):
            v = float(values[r, m])
            hist[m, _bin(v, lo, hi, bins)] += 1
            sums[m] += _fixed(v)


@njit(cache=True)
def _count_alignment(a, pi, pj, di, dj, hm, hd, sm, sd):
    """Mutual (i < j) and directed alignment of every run and step into histograms and sums."""
    bins = hm.shape[2]
    for r in range(a.shape[0]):
        for t in range(a.shape[1]):
            for p in range(pi.shape[0]):
                v = 0.5 * (float(a[r, t, pi[p], pj[p]]) + float(a[r, t, pj[p], pi[p]]))
                hm[t, p, _bin(v, -1.0, 1.0, bins)] += 1
                sm[t, p] += _fixed(v)
            for p in range(di.shape[0]):
                v = float(a[r, t, di[p], dj[p]])
                hd[t, p, _bin(v, -1.0, 1.0, bins)] += 1
                sd[t, p] += _fixed(v)


def hist_quantiles(counts: np.ndarray, qs, lo: float = -1.0, hi: float = 1.0) -> np.ndarray:
    """Quantiles from histogram counts (..., B): the midpoint of the bin holding the q-th run.
    The error is at most half a bin width."""
    b = counts.shape[-1]
    cum = np.cumsum(counts, axis=-1)
    total = cum[..., -1:]
    out = []
    for q in qs:
        target = np.maximum(1, np.ceil(q * total))
        k = (cum < target).sum(axis=-1)
        out.append(lo + (np.minimum(k, b - 1) + 0.5) * (hi - lo) / b)
    return np.stack(out)


@dataclass
class Summary:
    runs: np.ndarray            # () number of runs
    hist_mutual: np.ndarray     # (T+1, Pm, B)
    hist_directed: np.ndarray   # (T+1, Pd, B)
    sum_mutual: np.ndarray      # (T+1, Pm) fixed point
    sum_directed: np.ndarray    # (T+1, Pd)
    bands: np.ndarray           # (Pm, 3): above 0.5, between, below -0.5 at the horizon
    onsets: np.ndarray          # (S, T+1) shock onsets
    structures: np.ndarray      # (K, C) coalition structure counts at the reported steps
    same: np.ndarray            # (K, Pk) key pairs in the same coalition
    hist_balance: np.ndarray    # (T+1, M, B) balance metrics (each in [-1, 1] or [0, 1])
    sum_balance: np.ndarray     # (T+1, M) fixed point
    nan_balance: np.ndarray     # (T+1, M) runs where a metric is undefined (no triads)

    def merge(self, other: "Summary") -> "Summary":
        return Summary(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    def compact(self) -> dict:
        """Histograms as (flat index, count) pairs: a chunk of a few thousand runs fills only a
        few bins per pair and step, so this is what crosses processes and goes to disk."""
        out = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name.startswith("hist_"):
                flat = v.ravel()
                nz = np.flatnonzero(flat)
                out[f.name + ".shape"] = np.array(v.shape, dtype=np.int64)
                out[f.name + ".index"] = nz.astype(np.int64)
                out[f.name + ".count"] = flat[nz].astype(np.int64)
            else:
                out[f.name] = v
        return out

    @classmethod
    def from_compact(cls, d) -> "Summary":
        kw = {}
        for f in fields(cls):
            if f.name.startswith("hist_"):
                dense = np.zeros(int(np.prod(d[f.name + ".shape"])), dtype=np.int64)
                np.add.at(dense, d[f.name + ".index"], d[f.name + ".count"])
                kw[f.name] = dense.reshape(tuple(d[f.name + ".shape"]))
            else:
                kw[f.name] = np.asarray(d[f.name])
        return cls(**kw)

    def add_compact(self, d) -> None:
        """Add a compact summary into this one in place (no dense copy of the other)."""
        for f in fields(self):
            mine = getattr(self, f.name)
            if f.name.startswith("hist_"):
                np.add.at(mine.reshape(-1), d[f.name + ".index"], d[f.name + ".count"])
            else:
                setattr(self, f.name, mine + d[f.name])

    def save(self, path) -> None:
        np.savez(path, **self.compact())

    @classmethod
    def load(cls, path) -> "Summary":
        with np.load(path) as z:
            return cls.from_compact(z)


def summarize(alignment: np.ndarray, onsets: np.ndarray, codes: np.ndarray | None, n_codes: int,
              key_pairs, balance: np.ndarray | None) -> Summary:
    """Summary of one chunk. alignment (R, T+1, N, N); onsets (S, R, T+1); codes (R, K) coalition
    configuration codes at the reported steps (or None); balance (R, T+1, M) metrics (or None)."""
    r, t1, n, _ = alignment.shape
    bins = bins_for(n)
    pi, pj = pair_index(n)
    di, dj = directed_index(n)
    hm, hd = np.zeros((t1, len(pi), bins), np.int64), np.zeros((t1, len(di), bins), np.int64)
    sm, sd = np.zeros((t1, len(pi)), np.int64), np.zeros((t1, len(di)), np.int64)
    _count_alignment(alignment, pi, pj, di, dj, hm, hd, sm, sd)
    a = alignment[:, -1].astype(np.float64)
    last = (0.5 * (a + np.swapaxes(a, -1, -2)))[:, pi, pj]
    bands = np.stack([(last > 0.5).sum(0), ((last >= -0.5) & (last <= 0.5)).sum(0), (last < -0.5).sum(0)], axis=1)
    if codes is not None:
        structures = np.stack([np.bincount(codes[:, k], minlength=n_codes) for k in range(codes.shape[1])])
        same = np.stack([[(_side(codes[:, k], a_) == _side(codes[:, k], b_)).sum() for a_, b_ in key_pairs]
                         for k in range(codes.shape[1])]).reshape(codes.shape[1], len(key_pairs))
    else:
        structures = np.zeros((0, 0), dtype=np.int64)
        same = np.zeros((0, len(key_pairs)), dtype=np.int64)
    hist_b = np.zeros((t1, len(METRICS), bins), dtype=np.int64)
    sum_b = np.zeros((t1, len(METRICS)), dtype=np.int64)
    nan_b = np.zeros((t1, len(METRICS)), dtype=np.int64)
    if balance is not None:
        nan_b += np.isnan(balance).sum(axis=0)
        for t in range(t1):
            for k, name in enumerate(METRICS):
                _count(balance[:, t, k:k + 1], *metric_range(name, n), hist_b[t, k:k + 1], sum_b[t, k:k + 1])
    return Summary(np.array(r, dtype=np.int64), hm, hd, sm, sd,
                   bands.astype(np.int64), onsets.sum(axis=1).astype(np.int64), structures.astype(np.int64),
                   same.astype(np.int64), hist_b, sum_b, nan_b.astype(np.int64))


def _side(codes: np.ndarray, actor: int) -> np.ndarray:
    """Side of `actor` in configuration codes (actor 0 is always on side 0)."""
    return np.zeros_like(codes) if actor == 0 else (codes >> (actor - 1)) & 1
