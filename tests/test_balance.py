"""Structural balance: triads, frustration index, Marvel et al. split, polarization."""

from __future__ import annotations

import itertools
from math import comb

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.integrate import solve_ivp

from sim.analysis import balance as bal


def sym(rng, n, lead=()):
    a = rng.uniform(-1, 1, lead + (n, n))
    a = (a + np.swapaxes(a, -1, -2)) / 2
    idx = np.arange(n)
    a[..., idx, idx] = 0
    return a


def balanced(rng, n, sides, weights=True):
    """Positive within factions, negative across, random magnitudes."""
    sign = np.where(sides[:, None] == sides[None, :], 1.0, -1.0)
    mag = rng.uniform(0.2, 1, (n, n)) if weights else np.ones((n, n))
    a = sign * (mag + mag.T) / 2
    np.fill_diagonal(a, 0)
    return a


# ----------------------------------------------------------- plain references


def ref_frustration(a):
    n = len(a)
    best = np.inf
    for x in itertools.product([0, 1], repeat=n):
        cost = 0.0
        for i, j in itertools.combinations(range(n), 2):
            if (a[i][j] > 0 and x[i] != x[j]) or (a[i][j] < 0 and x[i] == x[j]):
                cost += abs(a[i][j])
        best = min(best, cost)
    return best


def ref_triads(a, weighted):
    good = total = 0.0
    for i, j, k in itertools.combinations(range(len(a)), 3):
        prod = a[i][j] * a[j][k] * a[k][i]
        if prod != 0:
            w = abs(prod) if weighted else 1.0
            total += w
            good += w if prod > 0 else 0.0
    return good / total if total else np.nan


# ------------------------------------------------------------------- exact cases


@pytest.mark.parametrize("n", [3, 5, 8])
def test_balanced_two_factions(n):
    rng = np.random.default_rng(n)
    sides = rng.integers(0, 2, n).astype(bool)
    sides[0], sides[-1] = False, True
    a = balanced(rng, n, sides)
    assert bal.frustration_index(a) == pytest.approx(0, abs=1e-12)
    assert bal.balanced_triad_share(a) == 1 and bal.balanced_triad_share(a, weighted=True) == 1
    np.testing.assert_array_equal(bal.marvel_split(a), sides ^ sides[0])
    value, split = bal.frustration_index(a, return_split=True)
    np.testing.assert_array_equal(split, sides ^ sides[0])
    assert bal.polarization(np.sign(a)) == pytest.approx(1)


def test_one_flipped_edge():
    n = 6
    sides = np.array([0, 0, 0, 1, 1, 1], bool)
    a = balanced(np.random.default_rng(0), n, sides, weights=False)
    a[1, 4] = a[4, 1] = 0.3  # a weak friendly tie across the factions
    assert bal.frustration_index(a) == pytest.approx(0.3)
    assert bal.balanced_triad_share(a) == pytest.approx(1 - (n - 2) / comb(n, 3))
    # the n-2 broken triads through edge (1, 4) weigh 0.3 each, the others 1
    good, broken = comb(n, 3) - (n - 2), (n - 2) * 0.3
    assert bal.balanced_triad_share(a, weighted=True) == pytest.approx(good / (good + broken))
    assert bal.split_cost(a, sides) == pytest.approx(0.3)


def test_polarization_reference_values():
    n = 5
    assert bal.polarization(np.zeros((n, n))) == pytest.approx(1 / n)
    a = balanced(np.random.default_rng(1), n, np.array([0, 1, 0, 1, 1], bool), weights=False)
    assert bal.polarization(a / 2) == pytest.approx((n + 1) / (2 * n))
    rng = np.random.default_rng(2)
    assert bal.polarization(np.sign(sym(rng, 40))) < 0.2


@pytest.mark.parametrize("n", range(2, 8))
def test_frustration_and_triads_match_brute_force(n):
    rng = np.random.default_rng(40 + n)
    a = sym(rng, n, (2, 3))
    a[0, 0, 0, 1] = a[0, 0, 1, 0] = 0.0  # zero edges count in neither triad class
    value, split = bal.frustration_index(a, return_split=True)
    assert value.shape == (2, 3) and split.shape == (2, 3, n)
    np.testing.assert_allclose(bal.split_cost(a, split), value, atol=1e-12)
    for r in np.ndindex(2, 3):
        assert value[r] == pytest.approx(ref_frustration(a[r].tolist()), abs=1e-12)
        for w in (False, True):
            ref = ref_triads(a[r].tolist(), w)
            got = bal.balanced_triad_share(a, weighted=w)[r]
            assert (np.isnan(ref) and np.isnan(got)) or got == pytest.approx(ref)


def test_frustration_blocks_over_many_runs():
    rng = np.random.default_rng(9)
    a = sym(rng, 9, (3000,))  # more runs than one block of runs
    whole = bal.frustration_index(a)
    pick = [0, 2047, 2048, 2999]
    np.testing.assert_allclose(whole[pick], bal.frustration_index(a[pick]))


def test_limits_and_bad_input():
    with pytest.raises(ValueError, match="max_exact"):
        bal.frustration_index(np.zeros((17, 17)))
    assert bal.frustration_index(np.zeros((17, 17)), max_exact=17) == 0
    with pytest.raises(ValueError, match="symmetric"):
        bal.balanced_triad_share(np.triu(np.ones((3, 3)), 1))
    with pytest.raises(ValueError):
        bal.marvel_split(np.ones((2, 3)))
    assert np.isnan(bal.balanced_triad_share(np.zeros((4, 4))))


# ------------------------------------------------------------- Marvel dynamics


def marvel_matrix(n):
    """First seeded matrix whose leading eigenvalue is positive and well separated."""
    for seed in range(1000):
        a = sym(np.random.default_rng(seed), n)
        vals, vecs = np.linalg.eigh(a)
        separated = vals[-1] > 0 and vals[-1] - vals[-2] > 0.3 * vals[-1]
        if separated and np.abs(vecs[:, -1]).min() > 0.15:
            return a, vals[-1]
    raise AssertionError("no suitable matrix")


@pytest.mark.parametrize("n", [4, 6, 8])
def test_marvel_split_matches_ode_blowup(n):
    a, lam = marvel_matrix(n)

    def rhs(t, y):
        x = y.reshape(n, n)
        return (x @ x).ravel()

    def big(t, y):
        return np.abs(y).max() - 1e4

    big.terminal = True
    sol = solve_ivp(rhs, (0, 2 / lam), a.ravel(), events=big, rtol=1e-10, atol=1e-12)
    assert sol.status == 1  # stopped by the blow-up event
    assert sol.t[-1] == pytest.approx(1 / lam, rel=1e-2)  # blow-up time 1 / lambda_max
    x = sol.y[:, -1].reshape(n, n)
    row = x[np.argmax(np.abs(x).sum(axis=1))]  # dominant row ~ u_r u
    factions = np.sign(row) != np.sign(row[0])
    np.testing.assert_array_equal(factions, bal.marvel_split(a))
    # the whole sign pattern is the rank-one u u^T pattern: friends within, enemies across
    same = factions[:, None] == factions[None, :]
    np.testing.assert_array_equal(np.sign(x) > 0, same)


def test_marvel_sign_convention_and_batch():
    rng = np.random.default_rng(4)
    a = sym(rng, 7, (5,))
    lam, v = bal.leading_eigenpair(a)
    assert np.all(v[:, 0] >= 0)
    np.testing.assert_allclose(np.einsum("rij,rj->ri", a, v), lam[:, None] * v, atol=1e-10)
    for r in range(5):
        np.testing.assert_array_equal(bal.marvel_split(a)[r], bal.marvel_split(a[r]))
        assert not bal.marvel_split(a[r])[0]


# ------------------------------------------------------------ property tests

sizes = st.integers(2, 7)


@st.composite
def matrices(draw):
    n = draw(sizes)
    k = draw(st.integers(1, 3))
    raw = draw(arrays(np.float64, (k, n, n), elements=st.floats(-1, 1, allow_subnormal=False)))
    # a dash of exact zeros and ties, as real alignment matrices have
    raw = np.where(np.abs(raw) < 0.05, 0.0, raw)
    a = (raw + np.swapaxes(raw, -1, -2)) / 2
    a[:, np.arange(n), np.arange(n)] = 0
    return a


@settings(max_examples=60, deadline=None)
@given(matrices())
def test_property_shares_in_unit_interval(a):
    for w in (False, True):
        share = bal.balanced_triad_share(a, weighted=w)
        ok = np.isnan(share) | ((share >= 0) & (share <= 1))
        assert ok.all()
    pol = bal.polarization(a)
    assert np.all((pol > 0) & (pol <= 1 + 1e-12))


@settings(max_examples=60, deadline=None)
@given(matrices())
def test_property_frustration_bounds(a):
    f = bal.frustration_index(a)
    total = np.abs(a).sum(axis=(-1, -2)) / 2
    assert np.all(f >= 0)
    assert np.all(f <= total + 1e-12)
    assert np.all(f <= total / 2 + 1e-12)  # a random split already violates half on average
    assert np.all(f <= bal.split_cost(a, bal.marvel_split(a)) + 1e-12)


@settings(max_examples=60, deadline=None)
@given(matrices(), st.floats(1e-3, 1e3))
def test_property_split_invariant_to_positive_scaling(a, c):
    vals = np.linalg.eigvalsh(a)
    gap = vals[:, -1] - vals[:, -2]
    assume(np.all(gap > 1e-6 * (np.abs(vals).max(axis=1) + 1e-300)))  # simple top eigenvalue
    _, v = bal.leading_eigenpair(a)
    assume(np.all((np.abs(v) < 1e-12) | (np.abs(v) > 1e-6)))  # nothing near the zero threshold
    np.testing.assert_array_equal(bal.marvel_split(c * a), bal.marvel_split(a))
    scaled = bal.frustration_index(c * a)
    np.testing.assert_allclose(scaled, c * bal.frustration_index(a), rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(bal.balanced_triad_share(c * a), bal.balanced_triad_share(a))


@pytest.mark.parametrize("n", [2, 3, 5, 8, 12, 16])
def test_jacobi_eigenvalues_match_lapack(n):
    """Polarization's eigenvalues come from a vectorized cyclic Jacobi with a fixed number of
    sweeps (bal.jacobi_sweeps); against LAPACK's eigvalsh on random symmetric matrices and on
    the structured ones the analysis meets (zero, identity, two blocs with a repeated eigenvalue,
    a single nonzero pair)."""
    rng = np.random.default_rng(n)
    a = rng.uniform(-1, 1, (500, n, n))
    a = (a + np.swapaxes(a, 1, 2)) / 2
    side = np.where(np.arange(n) < n // 2, 1.0, -1.0)
    pair = np.zeros((n, n))
    pair[0, 1] = pair[1, 0] = 0.7
    stack = np.concatenate([a, np.zeros((1, n, n)), np.eye(n)[None], np.outer(side, side)[None], pair[None]])
    got = bal.symmetric_eigenvalues(np.ascontiguousarray(np.moveaxis(stack, 0, -1)), bal.jacobi_sweeps(n))
    np.testing.assert_allclose(np.sort(got.T, axis=1), np.linalg.eigvalsh(stack), rtol=0, atol=1e-13 * n)


def test_polarization_is_the_eigenvalue_share():
    rng = np.random.default_rng(3)
    a = rng.uniform(-1, 1, (40, 7, 6, 6))
    a = (a + np.swapaxes(a, -1, -2)) / 2
    a[..., np.arange(6), np.arange(6)] = 0.0
    unit = a.copy()
    unit[..., np.arange(6), np.arange(6)] = 1.0
    vals = np.linalg.eigvalsh(unit)
    np.testing.assert_allclose(bal.polarization(a), vals[..., -1] / np.abs(vals).sum(axis=-1), rtol=1e-12)


def test_metrics_of_mutual_alignment_skip_checks_without_changing_a_bit():
    """The per-run analysis passes propensity_of's exactly symmetric, zero-diagonal matrices and
    skips validation; the numbers are those of the validated path, bit for bit."""
    from sim.analysis.coalitions import propensity_of
    rng = np.random.default_rng(5)
    directed = rng.uniform(-1, 1, size=(40, 7, 5, 5)).astype(np.float32)
    p = propensity_of(directed)
    checked, trusted = bal.metrics(p), bal.metrics(p, mutual=True)
    assert checked.keys() == trusted.keys()
    for k in checked:
        np.testing.assert_array_equal(checked[k], trusted[k], err_msg=k)
