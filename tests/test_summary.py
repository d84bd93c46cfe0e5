"""sim.summary: the sparse counting kernels against a plain dense reference, and the Summary
that holds its histograms sparse until a field is read."""

import copy
import pickle

import numpy as np
import pytest

from sim.core.pairs import directed_index, pair_index
from sim.engine import summary as summ


def _bins(v, lo, hi, bins):
    """Reference bin of each value: int((v - lo) / (hi - lo) * bins) above lo, capped; else 0."""
    v = np.asarray(v, np.float64)
    k = np.zeros(v.shape, np.int64)
    above = v > lo
    k[above] = np.minimum(np.trunc((v[above] - lo) / (hi - lo) * bins), bins - 1)
    return k


def _fixed(v):
    v = np.asarray(v, np.float64)
    return np.where(np.isnan(v), 0, np.rint(np.nan_to_num(v) * summ.FIXED)).astype(np.int64)


def _hist(values, lo, hi, bins):
    """values (R, T+1, M) -> dense counts (T+1, M, bins)."""
    r, t1, m = values.shape
    h = np.zeros((t1, m, bins), np.int64)
    k = _bins(values, lo, hi, bins)
    np.add.at(h, (np.arange(t1)[None, :, None], np.arange(m)[None, None, :], k), 1)
    return h


def _reference(alignment, onsets, codes, n_codes, key_pairs, balance) -> summ.Summary:
    """The summary the dense way, from its definition."""
    r, t1, n, _ = alignment.shape
    bins = summ.bins_for(n)
    pi, pj = pair_index(n)
    di, dj = directed_index(n)
    # the mutual value sums the pair in the array's own precision, then halves it in float64
    mutual = 0.5 * (alignment[:, :, pi, pj] + alignment[:, :, pj, pi]).astype(np.float64)
    directed = alignment[:, :, di, dj]
    last = 0.5 * (alignment[:, -1, pi, pj].astype(np.float64) + alignment[:, -1, pj, pi])
    bands = np.stack([(last > 0.5).sum(0), ((last >= -0.5) & (last <= 0.5)).sum(0), (last < -0.5).sum(0)], 1)
    m = len(summ.METRICS)
    hist_b = np.zeros((t1, m, bins), np.int64)
    sum_b = np.zeros((t1, m), np.int64)
    nan_b = np.zeros((t1, m), np.int64)
    if balance is not None:
        for k, name in enumerate(summ.METRICS):
            hist_b[:, k:k + 1] = _hist(balance[:, :, k:k + 1], *summ.metric_range(name, n), bins)
        sum_b = _fixed(balance).sum(0)
        nan_b = np.isnan(balance).sum(0)
    s = summ.summarize(alignment, onsets, codes, n_codes, key_pairs, balance)   # structures, same: unchanged code
    return summ.Summary(np.array(r, np.int64), _hist(mutual, -1.0, 1.0, bins), _hist(directed, -1.0, 1.0, bins),
                        _fixed(mutual).sum(0), _fixed(directed).sum(0), bands.astype(np.int64),
                        onsets.sum(axis=1).astype(np.int64), s.structures, s.same, hist_b, sum_b,
                        nan_b.astype(np.int64))


_FIELDS = [f for f in summ.Summary.__dataclass_fields__]


def _same(d1: dict, d2: dict) -> None:
    assert list(d1) == list(d2)
    for k in d1:
        assert d1[k].dtype == d2[k].dtype, k
        assert d1[k].shape == d2[k].shape, k
        assert np.array_equal(d1[k], d2[k]), k


def _inputs(n, r, steps, seed, analysis):
    rng = np.random.default_rng(seed)
    a = rng.uniform(-1.1, 1.1, (r, steps + 1, n, n)).astype(np.float32)
    edge = np.array([np.nan, -1, 1, 0, -0.0, 0.5, -0.5, 1.5, -1.5, 2 ** -33, -1.1641532e-10, 0.999, -0.0005], np.float32)
    pick = rng.random(a.shape) < 0.2
    a[pick] = rng.choice(edge, pick.sum())
    bins = summ.bins_for(n)
    pick = rng.random(a.shape) < 0.2                        # bin edges
    a[pick] = (rng.integers(0, bins + 1, pick.sum()) * (2.0 / bins) - 1.0).astype(np.float32)
    a[:, 0] = a[0, 0]                                       # one start for all runs, as in a real ensemble
    onsets = rng.random((3, r, steps + 1)) < 0.1
    key_pairs = [(0, 1), (1, n - 1)]
    if not analysis:
        return a, onsets, None, 0, key_pairs, None
    codes = rng.integers(0, 2 ** (n - 1), (r, 2))
    balance = rng.uniform(-0.1, 1.1, (r, steps + 1, len(summ.METRICS)))
    balance[..., 2] *= n * (n - 1) / 2
    balance[rng.random(balance.shape) < 0.1] = np.nan
    return a, onsets, codes, 2 ** (n - 1), key_pairs, balance


@pytest.mark.parametrize("n, r, steps, analysis", [(5, 300, 6, False), (5, 257, 4, True), (11, 120, 3, True),
                                                  (2, 40, 2, True), (5, 1, 2, False)])
def test_summarize_matches_the_dense_reference(n, r, steps, analysis):
    args = _inputs(n, r, steps, n * 1000 + r, analysis)
    s = summ.summarize(*args)
    ref = _reference(*args)
    _same(s.compact(), ref.compact())
    for name in _FIELDS:                                    # the fields read dense
        assert np.array_equal(getattr(s, name), getattr(ref, name)), name
        assert getattr(s, name).dtype == getattr(ref, name).dtype, name
    _same(s.compact(), ref.compact())                       # and compact again once dense


def test_sparse_summary_merges_copies_and_pickles_like_a_dense_one():
    a, onsets, codes, n_codes, kp, balance = _inputs(5, 200, 5, 7, True)
    whole = summ.summarize(a, onsets, codes, n_codes, kp, balance)
    halves = [summ.summarize(a[sl], onsets[:, sl], codes[sl], n_codes, kp, balance[sl])
              for sl in (slice(0, 77), slice(77, None))]
    _same(halves[0].merge(halves[1]).compact(), whole.compact())
    merged = summ.Summary.from_compact(halves[0].compact())
    merged.add_compact(halves[1].compact())
    _same(merged.compact(), whole.compact())
    lazy = summ.summarize(a, onsets, codes, n_codes, kp, balance)
    lazy.add_compact(halves[0].compact())                   # in place into a sparse-held summary
    _same(lazy.compact(), whole.merge(halves[0]).compact())
    for other in (pickle.loads(pickle.dumps(whole)), copy.copy(whole), copy.deepcopy(whole)):
        _same(other.compact(), whole.compact())
    fresh = summ.summarize(a, onsets, codes, n_codes, kp, balance)
    c = copy.copy(fresh)
    c.hist_mutual[0, 0, 0] += 1                             # a changed dense field is what compacts
    assert c.compact()["hist_mutual.count"].sum() == fresh.compact()["hist_mutual.count"].sum() + 1
    _same(fresh.compact(), whole.compact())                 # and the copy's change stays in the copy
    with pytest.raises(AttributeError):
        whole.no_such_field


def test_merged_compacts_count_in_the_smallest_type_and_give_the_same_tables():
    """Chunks merged from their compact forms (as a result folder does) hold the counts of the
    whole, in histograms of the smallest unsigned type that holds the runs (uint8 up to 255
    runs: a bin counts at most every run), with the same compact form and the same quantiles."""
    a, onsets, codes, n_codes, kp, balance = _inputs(6, 300, 9, 11, True)
    whole = summ.summarize(a, onsets, codes, n_codes, kp, balance)
    cuts = (slice(0, 41), slice(41, 42), slice(42, 190), slice(190, None))
    parts = [summ.summarize(a[sl], onsets[:, sl], codes[sl], n_codes, kp, balance[sl]).compact() for sl in cuts]
    qs = (0.05, 0.25, 0.5, 0.75, 0.95)
    for most, kind in ((300, np.uint16), (2 ** 16, np.uint32)):
        merged = summ.Summary.merged_compacts(parts, most)
        assert merged.hist_mutual.dtype == merged.hist_balance.dtype == kind
        _same(merged.compact(), whole.compact())
        for name in ("hist_mutual", "hist_directed", "hist_balance"):
            assert np.array_equal(getattr(merged, name), getattr(whole, name)), name
            assert np.array_equal(summ.hist_quantiles(getattr(merged, name), qs),
                                  summ.hist_quantiles(getattr(whole, name).astype(np.int64), qs)), name
    small = [summ.summarize(a[:200][sl], onsets[:, :200][:, sl], codes[:200][sl], n_codes, kp,
                            balance[:200][sl]).compact() for sl in (slice(0, 100), slice(100, None))]
    merged = summ.Summary.merged_compacts(small, 200)
    assert merged.hist_directed.dtype == np.uint8 and int(merged.hist_directed.sum(axis=-1).max()) == 200
    counts = np.zeros((3, 4, 10), np.uint8)
    counts[1, 2, [0, 3, 9]] = [2, 5, 1]
    k = summ.hist_quantile_bins(counts, qs)
    assert k[2, 1, 2] == 3 and k[0, 0, 0] == 10        # the median of runs in bins 0, 3, 9; no runs at all
