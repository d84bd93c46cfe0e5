"""Figures of a calibration folder (posteriors against priors, fit per pair) and of a hindcast
folder (observed against predicted agreement per pair), drawn from the files they hold.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter

from sim.figures.style import DASH, STYLE, pair_colour, plt, save

PRIOR_COLOUR, POSTERIOR_COLOUR, OBSERVED_COLOUR = "#999999", "#332288", "#222222"


def _rows(path: Path) -> list[dict]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def draw_calibration(folder) -> list[Path]:
    """figures/posteriors and figures/fit of a calibration folder."""
    folder = Path(folder)
    man = json.loads((folder / "manifest.json").read_text())
    until = man["data"]["until"]
    out = posteriors(folder)
    out += agreement_panels(folder, "fit.csv", "fit", f"Fit per pair: the calibrated runs against UN General "
                            f"Assembly agreement, {man['data']['start_years'][1]}-{until}", until, until,
                            man["scenario"].get("names", {}))
    return out


def draw_hindcast(folder) -> list[Path]:
    """figures/hindcast of a hindcast folder."""
    folder = Path(folder)
    man = json.loads((folder / "manifest.json").read_text())
    title = (f"Hindcast of {man['scenario']['name']}: predicted and observed UN General Assembly agreement "
             f"({man['runs']:,} runs)")
    return agreement_panels(folder, "forecast.csv", "hindcast", title, man["until"], man["data_end"],
                            man["scenario"].get("names", {}))


def posteriors(folder: Path) -> list[Path]:
    """One panel per parameter: the posterior sample's histogram over the prior's density."""
    table = _rows(folder / "parameters.csv")
    with (folder / "posterior.csv").open(newline="") as fh:
        rows = list(csv.reader(fh))
    keys, sample = rows[0][1:-1], np.array([[float(v) for v in r[1:-1]] for r in rows[1:]])
    with plt.rc_context(STYLE):
        cols = 4
        nrows = int(np.ceil(len(table) / cols))
        fig, axes = plt.subplots(nrows, cols, figsize=(3.3 * cols, 2.2 * nrows + 0.8), squeeze=False)
        for ax, row in zip(axes.flat, table):
            x = sample[:, keys.index(row["key"])]
            lo, hi = float(row["prior_low"]), float(row["prior_high"])
            log = row["prior"].startswith("log-uniform")
            bins = np.geomspace(lo, hi, 31) if log else np.linspace(lo, hi, 31)
            prior = _prior_sample(row, lo, hi, log)
            # shares per bin, not densities: bins of equal width on the axis drawn (log or linear),
            # so a log-uniform prior is flat, as it is on its own scale
            ax.hist(prior, bins=bins, weights=np.full(len(prior), 1 / len(prior)), color=PRIOR_COLOUR, alpha=0.35,
                    label="prior")
            ax.hist(x, bins=bins, weights=np.full(len(x), 1 / len(x)), color=POSTERIOR_COLOUR, alpha=0.7,
                    label="posterior")
            if log:
                ax.set_xscale("log")
                ax.xaxis.set_major_locator(LogLocator(numticks=4))
                ax.xaxis.set_major_formatter(FormatStrFormatter("%g"))
                ax.xaxis.set_minor_formatter(NullFormatter())
            ax.set_yticks([])
            ax.set_title(f"{row['key'].split('.', 1)[1]}  (width {float(row['width_ratio']):.2f})", fontsize=9)
        for ax in axes.flat[len(table):]:
            ax.set_visible(False)
        axes.flat[0].legend(loc="upper right", fontsize=8)
        fig.suptitle("Posterior against prior per parameter; width: the prior probability inside the posterior's 90% "
                     "interval, over 0.9 (1: the data say nothing)", x=0.01, ha="left")
        fig.tight_layout()
        return save(fig, folder / "figures", "posteriors")


def _prior_sample(row: dict, lo: float, hi: float, log: bool) -> np.ndarray:
    """Evenly spaced prior quantiles, which histogram to the prior's density (the prior's
    5/50/95% quantiles for the shapes the table describes only by name)."""
    u = (np.arange(4000) + 0.5) / 4000
    if log:
        return lo * (hi / lo) ** u
    if row["prior"].startswith("uniform"):
        return lo + u * (hi - lo)
    q = [float(row["prior_q05"]), float(row["prior_q50"]), float(row["prior_q95"])]
    return np.interp(u, [0.0, 0.05, 0.5, 0.95, 1.0], [lo, *q, hi])


def agreement_panels(folder: Path, name: str, stem: str, title: str, until: int, data_end: int | None,
                     names: dict) -> list[Path]:
    """One panel per pair: the predicted median and 90% band of agreement, the observed values,
    a dashed line after the calibration's last year and a solid one where the data end."""
    pred = _rows(folder / name)
    obs = _rows(folder / "observed.csv")
    pairs = list(dict.fromkeys((r["a"], r["b"]) for r in pred))
    actors = list(dict.fromkeys([a for p in pairs for a in p]))
    with plt.rc_context(STYLE):
        cols = min(len(pairs), 5)
        nrows = int(np.ceil(len(pairs) / cols))
        fig, axes = plt.subplots(nrows, cols, figsize=(2.9 * cols, 2.5 * nrows + 0.9), sharex=True, sharey=True,
                                 squeeze=False)
        for ax, (a, b) in zip(axes.flat, pairs):
            mine = [r for r in pred if (r["a"], r["b"]) == (a, b)]
            years = np.array([int(r["year"]) for r in mine])
            c = pair_colour(actors, a, b)
            ax.fill_between(years, [float(r["q05"]) for r in mine], [float(r["q95"]) for r in mine], color=c,
                            alpha=0.22, lw=0, label="90% band")
            ax.plot(years, [float(r["median"]) for r in mine], color=c, lw=1.8, label="predicted median")
            seen = [(int(r["year"]), float(r["agreement_index"])) for r in obs if (r["a"], r["b"]) == (a, b)]
            if seen:
                ax.plot(*zip(*seen), "o", ms=3.2, color=OBSERVED_COLOUR, label="observed")
            if data_end is not None and until < data_end:
                ax.axvline(until + 0.5, color="#555555", lw=0.8, ls="--", label="calibration ends")
            if data_end is not None:
                ax.axvline(data_end + 0.5, color="#222222", lw=1.0, label="data end")
            ax.set_title(f"{names.get(a, a)} {DASH} {names.get(b, b)}")
            ax.set_ylim(0, 1)
        for ax in axes.flat[len(pairs):]:
            ax.set_visible(False)
        for ax in axes[:, 0]:
            ax.set_ylabel("agreement index")
        handles, labels = axes.flat[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="upper right", ncol=len(labels), fontsize=8)
        fig.suptitle(title, x=0.01, ha="left")
        fig.tight_layout(rect=(0, 0, 1, 0.95))
        return save(fig, folder / "figures", stem)
