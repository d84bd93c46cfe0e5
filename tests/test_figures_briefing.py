"""Figures fit for a briefing (issue 17, point 6): every panel labelled, no empty panel, the
+-0.5 thresholds drawn, events numbered alike everywhere, shares never rounded to 100% unless
they are, one triangle of a symmetric matrix with its uncertainty, ties only beyond a stated
threshold, and sweep cells with their intervals."""

from __future__ import annotations

import csv

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.text import Annotation

from sim.apps.cli import main
from sim.core.numbers import percent, percent_interval
from sim.engine.tables import settled_structure
from sim.figures.fan import Fan, fan_chart
from sim.figures.matrix import pair_matrix
from sim.figures.polarization import balance_chart
from sim.figures.run import draw_figures
from sim.figures.sweep import tick

DATES = [f"{2024 + m // 12}-{m % 12 + 1:02d}" for m in range(49)]
EVENTS = [(9, "strikes"), (13, "pressure"), (15, "sanctions"), (17, "war"), (18, "summit"), (18, "missiles")]


def _q(level: float) -> dict:
    base = np.full(49, level)
    return {"q05": base - 0.2, "q25": base - 0.1, "q50": base, "q75": base + 0.1, "q95": base + 0.2}


@pytest.fixture
def fan():
    ids = ["iran", "china", "russia", "us", "israel"]
    pairs = [("iran", "china"), ("iran", "russia"), ("china", "russia"), ("us", "israel"), ("iran", "us")]
    fig = fan_chart(DATES, {p: _q(0.3) for p in pairs}, pairs, ids, {a: a.title() for a in ids}, "T", "S",
                    Fan(events=EVENTS))
    yield fig
    plt.close(fig)


def _panels(fig):
    return [ax for ax in fig.axes if ax.axison]


def test_fan_chart_every_column_has_years_and_the_free_panel_holds_the_key(fan):
    panels = _panels(fan)
    assert len(panels) == 5
    bottom = {}
    for ax in panels:
        x = round(ax.get_position().x0, 3)
        if x not in bottom or ax.get_position().y0 < bottom[x].get_position().y0:
            bottom[x] = ax
    assert len(bottom) == 3
    for ax in bottom.values():
        assert [t.get_text() for t in ax.get_xticklabels()] == ["2024", "2025", "2026", "2027", "2028"]
    key = [ax for ax in fan.axes if not ax.axison]
    assert len(key) == 1 and key[0].get_legend() is not None
    labels = [t.get_text() for t in key[0].get_legend().get_texts()]
    assert any("opposed / aligned" in t for t in labels)


def test_fan_chart_draws_the_aligned_and_opposed_thresholds(fan):
    for ax in _panels(fan):
        flat = {round(line.get_ydata()[0], 3) for line in ax.get_lines() if len(set(line.get_ydata())) == 1}
        assert {0.5, -0.5, 0.0} <= flat


def _marks(fig):
    return {a.get_text() for ax in fig.axes for a in ax.texts if isinstance(a, Annotation)}


def test_events_are_numbered_alike_in_the_fan_and_the_balance_chart(fan):
    q = {m: {**_q(0.5), "mean": np.full(49, 0.5)}
         for m in ("polarization", "weighted_balanced_triad_share", "balanced_triad_share")}
    bal = balance_chart(DATES, q, 5, EVENTS, "T", "100", 1)
    try:
        assert _marks(fan) == _marks(bal) == {"1", "2", "3", "4", "5,6"}
        texts = " ".join(t.get_text() for t in bal.texts)
        assert "a_ij" not in texts and "friend's friend" in texts
        dashed = [ln for ln in bal.axes[1].get_lines() if ln.get_linestyle() == "--"]
        np.testing.assert_array_equal(dashed[0].get_ydata(), q["balanced_triad_share"]["mean"])
    finally:
        plt.close(bal)


def test_shares_are_never_rounded_to_certainty():
    assert percent(0.9962) == "99.6%" and percent(0.99996) == "> 99.9%" and percent(1.0) == "100%"
    assert percent(0.004) == "0.4%" and percent(0.00004) == "< 0.1%" and percent(0.0) == "0%"
    assert percent_interval(1.0, 0.9962, 1.0) == "100% (99.6–100%)"
    for p in np.linspace(0.0001, 0.9999, 997):
        assert percent(p) not in ("0%", "100%")


def test_pair_matrix_shows_each_pair_once_with_its_uncertainty():
    n = 5
    med = np.array([[0, .53, .37, -.87, -.93], [.53, 0, .62, -.66, .05], [.37, .62, 0, -.49, -.001],
                    [-.87, -.66, -.49, 0, .88], [-.93, .05, -.001, .88, 0]])
    above = (med > 0.4).astype(float) * 0.8
    below = (med < -0.4).astype(float) * 0.9962
    fig = pair_matrix(list("ABCDE"), med, "T", "S", band=(med - 0.1, med + 0.1), shares=(above, below))
    try:
        ax = fig.axes[0]
        big = [t.get_text() for t in ax.texts if t.get_fontsize() == 10]
        assert len(big) == n * (n - 1) // 2                       # the lower triangle only
        assert "\u22120.00" not in big and "-0.00" not in big and "0.00" in big
        small = " ".join(t.get_text() for t in ax.texts if t.get_fontsize() < 10)
        assert "aligned 80%" in small and "opposed 99.6%" in small and "90%: +0.43 to +0.63" in small
        assert [t.get_text() for t in ax.get_yticklabels()] == list("BCDE")
    finally:
        plt.close(fig)


def test_sweep_ticks_are_rounded():
    assert [tick(v) for v in (0.1, 0.2333333, 0.3666667, 0.5, 0.9)] == ["0.1", "0.23", "0.37", "0.5", "0.9"]


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("brief") / "r"
    assert main(["run", "june_war_pivot", "--runs", "12", "--out", str(out), "--quiet", "--no-figures"]) == 0
    return out


def test_a_settled_coalition_structure_is_one_line_not_a_figure(run_folder):
    with (run_folder / "coalitions.csv").open() as fh:
        modal = [r for r in csv.DictReader(fh) if r["kind"] == "structure" and r["rank"] == "1"]
    settled = len({r["code"] for r in modal}) == 1 and all(r["count"] == r["runs"] for r in modal)
    line = settled_structure(run_folder)
    paths = [p.name for p in draw_figures(run_folder)]
    if settled:
        assert line.startswith("Every one of the 12 runs has the same coalitions, {Iran, China, Russia}")
        assert "coalition_network.png" not in paths
        assert "coalition_network.png" in [p.name for p in draw_figures(run_folder, every=True)]
    else:
        assert line is None and "coalition_network.png" in paths


def test_run_figures_are_laid_out_once(run_folder, monkeypatch):
    """No run figure asks matplotlib to lay it out by drawing it again (tight_layout, or
    bbox_inches="tight" when saving): the layout is fixed in inches."""
    from matplotlib.figure import Figure

    def refuse(*a, **k):
        raise AssertionError("tight_layout called")
    saved = Figure.savefig

    def savefig(self, *a, **k):
        assert "bbox_inches" not in k
        return saved(self, *a, **k)
    monkeypatch.setattr(Figure, "tight_layout", refuse)
    monkeypatch.setattr(Figure, "savefig", savefig)
    paths = draw_figures(run_folder, formats=("png", "svg"), every=True)
    assert len(paths) == 8 and all(p.stat().st_size > 5000 for p in paths)
