"""Mergeable per-chunk summaries: integer counts only, so any chunking merges to the same bits.

A summary holds, per step, histograms of every pair's mutual and directed alignment (for
quantiles when the runs are too many to keep), exact fixed-point sums (for means), the
horizon bands, shock onset counts, coalition structure counts and balance-metric histograms.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np
from numba import njit

from sim.core.pairs import directed_index, pair_index

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


@njit(cache=True)
def _fixed(v):
    return 0 if v != v else np.int64(np.rint(v * FIXED))


@njit(cache=True)
def _count_row(row, lo, hi, off, kbuf, cnt, index, count, n):
    """Histogram the values row (R,) on [lo, hi] with cnt.shape[0] bins straight into sparse
    form: the hit bins in ascending order as (off + bin, count), written to index/count from
    position n on (the slot after the last entry is used as scratch). cnt is all zero on entry
    and on return. Returns (new n, fixed-point sum of the row).

    A value's bin is int((v - lo) / (hi - lo) * bins) for v > lo, capped at bins - 1; values at
    or below lo and NaN go to bin 0. Bins and fixed-point values are computed in a loop of their
    own, which vectorizes; counting then reads back only the bins between the lowest and the
    highest hit."""
    bins = cnt.shape[0]
    width = hi - lo
    s = np.int64(0)
    kmin, kmax = bins, -1
    if width > 0 and math.frexp(width)[0] == 0.5:
        inv = 1.0 / width                    # a power of two: x * inv is x / width exactly
        for r in range(row.shape[0]):
            x = row[r]
            y = (x - lo) * inv * bins
            k = 0
            if x > lo:                       # NaN and values at or below lo: bin 0
                k = int(y) if y < bins else bins - 1
            kbuf[r] = k
            kmin = min(kmin, k)
            kmax = max(kmax, k)
            s += _fixed(x)
    else:
        for r in range(row.shape[0]):
            x = row[r]
            y = (x - lo) / width * bins
            k = 0
            if x > lo:
                k = int(y) if y < bins else bins - 1
            kbuf[r] = k
            kmin = min(kmin, k)
            kmax = max(kmax, k)
            s += _fixed(x)
    for r in range(row.shape[0]):
        cnt[kbuf[r]] += 1
    for k in range(kmin, kmax + 1):          # branch-free: an empty bin's entry is overwritten
        c = cnt[k]
        index[n] = off + k
        count[n] = c
        n += c != 0
        cnt[k] = 0
    return n, s


@njit(cache=True)
def _room(index, count, n, more):
    """index, count (or larger copies of them) with room for entries n .. n + more - 1."""
    if n + more <= index.shape[0]:
        return index, count
    size = max(2 * index.shape[0], n + more)
    index2, count2 = np.empty(size, index.dtype), np.empty(size, count.dtype)
    index2[:n] = index[:n]
    count2[:n] = count[:n]
    return index2, count2


@njit(cache=True)
def _count_alignment(a, pi, pj, di, dj, bins, sm, sd, bands, im, cm, idd, cd):
    """Mutual (i < j) and directed alignment of every run and step into sparse histograms (see
    _count_row), fixed-point sums sm, sd (T+1, P) and the horizon bands (Pm, 3). a is C-contiguous
    (R, T+1, N, N); (im, cm) and (idd, cd) are the buffers to start from (grown as needed). Step
    by step: the step's N * N values of all runs are gathered into rows, then each pair's row is
    counted. Returns the mutual and the directed (index, count, entries)."""
    nr, t1, n = a.shape[0], a.shape[1], a.shape[2]
    nn = n * n
    flat = a.reshape(nr, t1 * nn)
    pm, pd = pi.shape[0], di.shape[0]
    va = np.empty((nn, nr), a.dtype)         # one step: row i * n + j holds a[:, t, i, j]
    vm = np.empty(nr)
    kbuf = np.empty(nr, np.int64)
    cnt = np.zeros(bins, np.int64)
    more = min(nr, bins) + 1                 # entries a pair may add at one step, with the scratch slot
    im, cm = _room(im, cm, 0, t1 * pm * min(more, 256) + more)
    idd, cd = _room(idd, cd, 0, t1 * pd * min(more, 256) + more)
    nm = 0
    nd = 0
    for t in range(t1):
        b = t * nn
        for r in range(nr):
            src = flat[r, b:b + nn]
            for q in range(nn):
                va[q, r] = src[q]
        for p in range(pm):
            x, y = va[pi[p] * n + pj[p]], va[pj[p] * n + pi[p]]
            for r in range(nr):              # the pair sum in a's own precision (float32), as always
                vm[r] = 0.5 * (x[r] + y[r])
            im, cm = _room(im, cm, nm, more)
            nm, s = _count_row(vm, -1.0, 1.0, (t * pm + p) * bins, kbuf, cnt, im, cm, nm)
            sm[t, p] += s
        for p in range(pd):
            idd, cd = _room(idd, cd, nd, more)
            nd, s = _count_row(va[di[p] * n + dj[p]], -1.0, 1.0, (t * pd + p) * bins, kbuf, cnt, idd, cd, nd)
            sd[t, p] += s
    h = t1 - 1                               # horizon bands; here the pair sum is taken in float64
    for p in range(pm if t1 > 0 else 0):
        for r in range(nr):
            x = 0.5 * (np.float64(a[r, h, pi[p], pj[p]]) + np.float64(a[r, h, pj[p], pi[p]]))
            if x > 0.5:
                bands[p, 0] += 1
            elif x >= -0.5:
                bands[p, 1] += 1
            elif x < -0.5:                   # not NaN
                bands[p, 2] += 1
    return im, cm, nm, idd, cd, nd


@njit(cache=True)
def _count_balance(b, lo, hi, bins, sums, nans, index, count):
    """Balance metrics b (R, T+1, M), metric m on [lo[m], hi[m]], into a sparse histogram (see
    _count_row), fixed-point sums and NaN counts (T+1, M). index and count are the buffers to
    start from (grown as needed). Returns (index, count, entries)."""
    nr, t1, nmet = b.shape
    v = np.empty((nmet, nr))                 # one step: row m holds b[:, t, m]
    kbuf = np.empty(nr, np.int64)
    cnt = np.zeros(bins, np.int64)
    more = min(nr, bins) + 1
    index, count = _room(index, count, 0, t1 * nmet * min(more, 256) + more)
    n = 0
    for t in range(t1):
        for r in range(nr):
            for m in range(nmet):
                x = float(b[r, t, m])
                v[m, r] = x
                nans[t, m] += x != x
        for m in range(nmet):
            index, count = _room(index, count, n, more)
            n, s = _count_row(v[m], lo[m], hi[m], (t * nmet + m) * bins, kbuf, cnt, index, count, n)
            sums[t, m] += s
    return index, count, n


@njit(cache=True)
def _count_onsets(onsets, out):
    """out[s, t] += number of runs r with onsets[s, r, t]."""
    for s in range(onsets.shape[0]):
        for r in range(onsets.shape[1]):
            for t in range(onsets.shape[2]):
                out[s, t] += onsets[s, r, t]


def hist_quantiles(counts: np.ndarray, qs, lo: float = -1.0, hi: float = 1.0) -> np.ndarray:
    """Quantiles from histogram counts (..., B): the midpoint of the bin holding the q-th run.
    The error is at most half a bin width."""
    return bin_values(hist_quantile_bins(counts, qs), counts.shape[-1], lo, hi)


def hist_quantile_bins(counts: np.ndarray, qs) -> np.ndarray:
    """The bin (Q, ...) holding the q-th run of each histogram (..., B); B for an empty one."""
    out = np.empty((len(qs),) + counts.shape[:-1], dtype=np.int64)
    # one slice of the leading axis (a step) at a time: the cumulative counts of all steps at
    # once would be a second copy of the histograms (270 MB at 42 actors); cumsum counts in
    # int64 whatever the histograms' type
    for t in range(counts.shape[0] if counts.ndim > 1 else 1):
        cum = np.cumsum(counts[t] if counts.ndim > 1 else counts, axis=-1, dtype=np.int64)
        total = cum[..., -1:]
        for m, q in enumerate(qs):
            target = np.maximum(1, np.ceil(q * total))
            k = (cum < target).sum(axis=-1)
            if counts.ndim > 1:
                out[m, t] = k
            else:
                out[m] = k
    return out


def bin_values(k: np.ndarray, b: int, lo: float = -1.0, hi: float = 1.0) -> np.ndarray:
    """The midpoints of bins k of B on [lo, hi] (as `hist_quantiles` gives them)."""
    return lo + (np.minimum(k, b - 1) + 0.5) * (hi - lo) / b


@dataclass
class Summary:
    """Integer counts that summarise a chunk of runs: histograms and fixed-point sums of
    alignment per step and pair, horizon bands, shock onsets, coalition structures and balance
    metrics. Counts add in any order to the same result, so merged tables do not depend on
    chunking or backend.
    """
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
        """The counts of both summaries added."""
        return Summary(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    # summarize() holds the histograms sparse, as compact() gives them: a chunk fills only a
    # small share of the bins, and the dense arrays (tens of MB) cost more to zero and to
    # scan than counting itself. A histogram is made dense on first access of its field.

    @classmethod
    def _with_sparse(cls, sparse: dict, **dense) -> "Summary":
        """A Summary whose histograms `sparse` {name: (shape, index, count)} become dense
        arrays only when read."""
        s = cls.__new__(cls)
        s.__dict__.update(dense)
        s.__dict__["_sparse"] = dict(sparse)
        return s

    def __getattr__(self, name):             # only called for attributes not set
        sparse = self.__dict__.get("_sparse")
        if not sparse or name not in sparse:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        shape, index, count = sparse[name]
        dense = np.zeros(int(np.prod(shape)), dtype=np.int64)
        dense[index] = count                 # indices are distinct
        dense = dense.reshape(shape)
        self.__dict__[name] = dense
        return dense

    def compact(self) -> dict:
        """Histograms as (flat index, count) pairs: a chunk of a few thousand runs fills only a
        few bins per pair and step, so this is what crosses processes and goes to disk."""
        out = {}
        sparse = self.__dict__.get("_sparse") or {}
        for f in fields(self):
            if f.name in sparse and f.name not in self.__dict__:     # not made dense (and changed) since
                shape, index, count = sparse[f.name]
                out[f.name + ".shape"] = np.array(shape, dtype=np.int64)
                out[f.name + ".index"], out[f.name + ".count"] = _narrow(shape, index, count)
                continue
            v = getattr(self, f.name)
            if f.name.startswith("hist_"):
                flat = v.ravel()
                nz = np.flatnonzero(flat)
                out[f.name + ".shape"] = np.array(v.shape, dtype=np.int64)
                out[f.name + ".index"], out[f.name + ".count"] = _narrow(v.shape, nz, flat[nz])
            else:
                out[f.name] = v
        return out

    @classmethod
    def merged_compacts(cls, compacts, most: int) -> "Summary":
        """The counts of summaries in compact form added, `most` the number of runs they hold
        together: the histograms are dense in the smallest unsigned type that holds it (a bin
        counts at most every run), 1 byte a bin up to 255 runs: 50 MB at 42 actors against 400
        in int64."""
        kind = _count_type(most)
        kw = {}
        for d in compacts:
            for f in fields(cls):
                name = f.name
                if name.startswith("hist_"):
                    if name not in kw:
                        kw[name] = np.zeros(tuple(int(v) for v in d[name + ".shape"]), dtype=kind)
                    flat = kw[name].reshape(-1)
                    index = d[name + ".index"]           # distinct within a compact summary
                    flat[index] = flat[index] + np.asarray(d[name + ".count"]).astype(kind)
                else:
                    v = np.asarray(d[name])
                    kw[name] = v if name not in kw else kw[name] + v
        return cls(**kw)

    @classmethod
    def from_compact(cls, d) -> "Summary":
        """A Summary from its compact form (as saved in summary.npz)."""
        return cls.merged_compacts([d], int(d["runs"]))

    def add_compact(self, d) -> None:
        """Add a compact summary into this one in place (no dense copy of the other); histograms
        widen to a type that holds the runs of both."""
        kind = _count_type(int(self.runs) + int(d["runs"]))
        for f in fields(self):
            mine = getattr(self, f.name)
            if f.name.startswith("hist_"):
                if np.iinfo(mine.dtype).max < np.iinfo(kind).max:
                    mine = mine.astype(kind)
                    setattr(self, f.name, mine)
                flat, index = mine.reshape(-1), d[f.name + ".index"]       # distinct indices
                flat[index] = flat[index] + np.asarray(d[f.name + ".count"]).astype(mine.dtype)
            else:
                setattr(self, f.name, mine + d[f.name])

    def save(self, path) -> None:
        """Write the compact form to an .npz file."""
        np.savez(path, **self.compact())

    @classmethod
    def load(cls, path) -> "Summary":
        """Read a summary saved with `save`."""
        with np.load(path) as z:
            return cls.from_compact(z)


def _count_type(most: int):
    """The smallest unsigned integer type that holds counts up to `most` (a bin counts at most
    every run)."""
    return next(t for t in (np.uint8, np.uint16, np.uint32, np.uint64) if most <= np.iinfo(t).max)


def _narrow(shape, index: np.ndarray, count: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Copies in int32 where the values fit (always, short of 2^31 bins or runs): half the bytes
    a chunk's summary takes to pickle and write, 4 -> 2 MB for 2,000 flagship runs."""
    it = np.int32 if int(np.prod(shape)) < 2 ** 31 else np.int64
    ct = np.int32 if count.size == 0 or int(count.max()) < 2 ** 31 else np.int64
    return index.astype(it), count.astype(ct)


def summarize(alignment: np.ndarray, onsets: np.ndarray, codes: np.ndarray | None, n_codes: int,
              key_pairs, balance: np.ndarray | None) -> Summary:
    """Summary of one chunk. alignment (R, T+1, N, N); onsets (S, R, T+1); codes (R, K) coalition
    configuration codes at the reported steps (or None); balance (R, T+1, M) metrics (or None)."""
    r, t1, n, _ = alignment.shape
    bins = bins_for(n)
    pi, pj = pair_index(n)
    di, dj = directed_index(n)
    sm, sd = np.zeros((t1, len(pi)), np.int64), np.zeros((t1, len(di)), np.int64)
    bands = np.zeros((len(pi), 3), np.int64)
    # 32-bit entries where they fit: half the fresh memory to fault in (compact() gives int64)
    itype = np.int32 if t1 * max(len(di), len(METRICS)) * bins < 2 ** 31 else np.int64
    ctype = np.int32 if r < 2 ** 31 else np.int64
    im, cm, nm, idd, cd, nd = _count_alignment(np.ascontiguousarray(alignment), pi, pj, di, dj, bins, sm, sd, bands,
                                               np.empty(0, itype), np.empty(0, ctype),
                                               np.empty(0, itype), np.empty(0, ctype))
    if onsets.dtype == np.bool_:
        onset_counts = np.zeros((onsets.shape[0], onsets.shape[2]), np.int64)
        _count_onsets(onsets, onset_counts)
    else:
        onset_counts = onsets.sum(axis=1).astype(np.int64)
    if codes is not None:
        structures = np.stack([np.bincount(codes[:, k], minlength=n_codes) for k in range(codes.shape[1])])
        same = np.stack([[(_side(codes[:, k], a_) == _side(codes[:, k], b_)).sum() for a_, b_ in key_pairs]
                         for k in range(codes.shape[1])]).reshape(codes.shape[1], len(key_pairs))
    else:
        structures = np.zeros((0, 0), dtype=np.int64)
        same = np.zeros((0, len(key_pairs)), dtype=np.int64)
    m = len(METRICS)
    sum_b = np.zeros((t1, m), dtype=np.int64)
    nan_b = np.zeros((t1, m), dtype=np.int64)
    if balance is not None:
        lo, hi = np.array([metric_range(name, n) for name in METRICS], dtype=np.float64).T.copy()
        ib, cb, nb = _count_balance(balance, lo, hi, bins, sum_b, nan_b, np.empty(0, itype), np.empty(0, ctype))
    else:
        ib, cb = np.zeros(0, itype), np.zeros(0, ctype)
        nb = 0
    sparse = {"hist_mutual": ((t1, len(pi), bins), im[:nm], cm[:nm]),
              "hist_directed": ((t1, len(di), bins), idd[:nd], cd[:nd]),
              "hist_balance": ((t1, m, bins), ib[:nb], cb[:nb])}
    return Summary._with_sparse(sparse, runs=np.array(r, dtype=np.int64), sum_mutual=sm, sum_directed=sd,
                                bands=bands, onsets=onset_counts, structures=structures.astype(np.int64),
                                same=same.astype(np.int64), sum_balance=sum_b, nan_balance=nan_b)


def _side(codes: np.ndarray, actor: int) -> np.ndarray:
    """Side of `actor` in configuration codes (actor 0 is always on side 0)."""
    return np.zeros_like(codes) if actor == 0 else (codes >> (actor - 1)) & 1
