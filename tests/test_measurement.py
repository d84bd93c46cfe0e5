"""The measurement model (sim.analysis.measurement) and forecast scoring (sim.analysis.skill), on
numbers worked by hand and on synthetic panels with known effects."""

import numpy as np
import pytest

from sim.analysis import measurement as m, skill


def test_link_reads_agreement_as_alignment():
    # index = (1 + m) / 2 without a year effect: 0.9 agreement is alignment 0.8, 0.5 is neutral
    assert m.logistic(m.level_of_alignment(np.array([0.8, 0.0, -0.6]))) == pytest.approx([0.9, 0.5, 0.2])
    assert m.alignment_of_level(m.level_of_alignment(np.array([-0.3, 0.7]))) == pytest.approx([-0.3, 0.7])
    assert np.isfinite(m.level_of_alignment(np.array([1.0, -1.0]))).all()   # held inside +-EDGE


def test_smoothed_logit_adds_half_a_vote():
    # all 99 votes identical: (99 + 0.5) / 100 = 0.995, logit = log(199)
    assert m.smoothed_logit(1.0, 99) == pytest.approx(np.log(199.0))
    assert m.smoothed_logit(0.5, 80) == pytest.approx(0.0)


def test_year_effects_recover_a_known_agenda():
    rng = np.random.default_rng(3)
    years = np.arange(2004, 2012)
    truth = rng.normal(0, 0.2, len(years))
    truth -= truth[:2].mean()                  # normalised on the base years, as fitted
    level = rng.normal(0.5, 1.0, 40)
    pair, year = np.meshgrid(np.arange(40), years, indexing="ij")
    keep = rng.random(pair.shape) > 0.1        # an unbalanced panel: some pair-years missing
    z = level[pair] + truth[year - 2004] + rng.normal(0, 0.01, pair.shape)
    got_years, delta = m.year_effects(z[keep], pair[keep], year[keep], (2004, 2005))
    assert list(got_years) == list(years)
    assert delta == pytest.approx(truth, abs=0.01)
    assert delta[:2].mean() == pytest.approx(0.0, abs=1e-12)


def test_yearly_mutual_averages_both_directions_over_the_months():
    a = np.zeros((1, 24, 2, 2), np.float32)
    a[0, :12, 0, 1], a[0, :12, 1, 0] = 0.2, 0.4          # year 1: mutual 0.3
    a[0, 12:, 0, 1], a[0, 12:, 1, 0] = -0.5, -0.1        # year 2: mutual -0.3
    out = m.yearly_mutual(a, np.repeat([2005, 2006], 12), np.array([2005, 2006]), [(0, 1)])
    assert out[0, 0] == pytest.approx([0.3, -0.3])


def test_ar1_loglik_matches_the_bivariate_normal():
    from scipy import stats
    r, s, rho = np.array([[0.3, -0.2]]), np.array([[0.5, 0.4]]), 0.6
    cov = np.array([[0.25, rho * 0.2], [rho * 0.2, 0.16]])
    assert m.ar1_loglik(r, s, rho) == pytest.approx(stats.multivariate_normal(np.zeros(2), cov).logpdf(r[0]))
    # a missing year ends the series: the two halves are independent
    r3, s3 = np.array([[0.3, np.nan, -0.2]]), np.array([[0.5, 1.0, 0.4]])
    assert m.ar1_loglik(r3, s3, rho) == pytest.approx(stats.norm(0, 0.5).logpdf(0.3) + stats.norm(0, 0.4).logpdf(-0.2))


def test_skill_against_persistence_and_the_pair_mean():
    obs = np.array([[0.5, 0.6, 0.7, 0.6], [0.2, 0.2, np.nan, 0.3]])
    seen = np.array([True, True, False, False])
    per, avg = skill.persistence(obs, seen), skill.pair_mean(obs, seen)
    assert per[:, 3] == pytest.approx([0.6, 0.2]) and avg[:, 2] == pytest.approx([0.55, 0.2])
    pred = np.array([[0.5, 0.6, 0.65, 0.65], [0.2, 0.2, 0.2, 0.25]])
    row = skill.score(pred, pred - 0.06, pred + 0.06, obs, ~seen, {"persistence": per, "pair_mean": avg})
    # scored cells: 0.7, 0.6 (pair 1) and 0.3 (pair 2): model errors 0.05, 0.05, 0.05
    assert row["cells"] == 3 and row["mae_model"] == pytest.approx(0.05)
    assert row["mae_persistence"] == pytest.approx((0.1 + 0.0 + 0.1) / 3)
    assert row["skill_persistence"] == pytest.approx(1 - 0.05 / (0.2 / 3))
    assert row["coverage90"] == pytest.approx(1.0)
