"""What a calibration says about each parameter (prior against posterior), and the weights as
distributions any scenario can `extends` (calibrated.toml).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
from scipy import special

from sim.scenario.toml_out import toml_key, toml_literal

COLUMNS = ("key", "prior", "prior_low", "prior_high", "prior_q05", "prior_q50", "prior_q95", "mean", "sd",
           "q05", "q50", "q95", "width_ratio")


def parameter_table(prior_list, values: np.ndarray, x: np.ndarray) -> list[dict]:
    """One row per parameter: the prior, the posterior's mean, sd and 5/50/95% quantiles, and
    width_ratio, the prior probability inside the posterior's 90% interval over the 0.9 inside the
    prior's own (1: the data say nothing of it; near 0: they pin it down).

    The ratio is measured on the prior's probability scale (x, the sampler's standard-normal
    coordinates, through the normal distribution function), so it is the same whether a weight
    is read on a linear or a log scale, and a posterior piled against a bound of a log-uniform
    prior is not made to look narrow by the linear scale's compression there."""
    rows = []
    for k, p in enumerate(prior_list):
        pq = p.ppf(np.array([0.05, 0.5, 0.95]))
        q = np.quantile(values[:, k], [0.05, 0.5, 0.95])
        u05, u95 = special.ndtr(np.quantile(x[:, k], [0.05, 0.95]))
        rows.append({"key": p.key, "prior": p.describe(), "prior_low": p.low, "prior_high": p.high,
                     "prior_q05": pq[0], "prior_q50": pq[1], "prior_q95": pq[2], "mean": values[:, k].mean(),
                     "sd": values[:, k].std(ddof=1), "q05": q[0], "q50": q[1], "q95": q[2],
                     "width_ratio": float(u95 - u05) / 0.9})
    return rows


def write_parameters(out: Path, rows: list[dict]) -> None:
    """parameters.csv."""
    with (out / "parameters.csv").open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS)
        w.writeheader()
        for r in rows:
            w.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in r.items()})


def beta_on(low: float, high: float, mean: float, sd: float) -> dict:
    """A beta distribution on [low, high] with the given mean and sd (moments), as a scenario
    file writes it; uniform on [low, high] if those moments fit no beta."""
    m = (mean - low) / (high - low)
    v = (sd / (high - low)) ** 2
    common = m * (1.0 - m) / v - 1.0 if v > 0 else -1.0
    if not 0.0 < m < 1.0 or common <= 0:
        return {"dist": "uniform", "low": _round(low), "high": _round(high)}
    return {"dist": "beta", "a": _round(m * common), "b": _round((1.0 - m) * common), "low": _round(low),
            "high": _round(high)}


def _round(v: float) -> float:
    return float(f"{v:.4g}")


def write_calibrated_toml(path: Path, scen, pan, rows: list[dict], opts) -> None:
    """The calibrated dynamics weights as distributions (a beta on each prior's range with the
    posterior's mean and sd), for a scenario's `extends`. Only [dynamics]: inputs of the
    calibrated file and the measurement model stay with the calibration."""
    lines = [f"# Dynamics weights estimated by `alignsim calibrate {scen.path.name}` from UN General Assembly",
             (f"# agreement {pan.years[0]}-{pan.until} ({Path(opts.data).name}); {opts.particles} particles, "
              f"{opts.replicates} runs each, seed {opts.seed}."),
             "# Each weight is a beta distribution on its prior's range with the posterior's mean and sd; the",
             "# marginals drop the posterior's correlations (posterior.csv keeps them). Weights not listed keep",
             "# their defaults. docs/VALIDATION.md (Calibration) says what the data identify and what they",
             "# leave loose.",
             "", "[dynamics]"]
    for r in rows:
        if not r["key"].startswith("dynamics."):
            continue
        name = r["key"].removeprefix("dynamics.")
        dist = beta_on(r["prior_low"], r["prior_high"], r["mean"], r["sd"])
        lines.append(f"{toml_key(name)} = {toml_literal(dist)}   # posterior mean {r['mean']:.4g}, "
                     f"90% [{r['q05']:.3g}, {r['q95']:.3g}]; prior {r['prior']}")
    path.write_text("\n".join(lines) + "\n")
