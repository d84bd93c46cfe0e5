"""`alignsim hindcast`: the calibrated scenario's predicted UN General Assembly agreement for every
pair and year, with 90% bands, scored against what was observed.

Run r takes one draw of the posterior (the joint sample, so the weights' correlations are kept),
and the measurement model turns its yearly mutual alignments into agreement: the pair's start
level, plus the run's change of level, plus the Assembly's year effect (fitted for the years the
calibration saw; for later years drawn from the fitted effects' mean and spread, the same for every
pair of a year), plus the pair's AR(1) deviation with the draw's sigma and rho.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.analysis import measurement, skill
from sim.calibration import data as vdata
from sim.calibration.simulate import Target, level_changes, step_years
from sim.core import rng
from sim.core.errors import ScenarioError

CHUNK = 250   # runs compiled together: bounds memory whatever --runs


@dataclass(frozen=True)
class Prediction:
    """Predictive samples of the agreement index: (R, P, Y) for pairs `pairs` and years `years`."""
    pairs: tuple[tuple[str, str], ...]
    years: np.ndarray
    samples: np.ndarray
    until: int

    def quantiles(self, q) -> np.ndarray:
        """(len(q), P, Y) quantiles over runs."""
        return np.quantile(self.samples, q, axis=0)


def _measurement_of(manifest: dict, scen) -> tuple[list, np.ndarray, np.ndarray]:
    """The calibration's pairs (as actor indices), start levels and fitted year effects by year of
    the scenario (NaN where not fitted)."""
    meas = manifest["measurement"]
    ids = list(scen.actor_ids)
    pairs = [tuple(p) for p in meas["pairs"]]
    unknown = [f"{a}-{b}" for a, b in pairs if a not in ids or b not in ids]
    if unknown:
        raise ScenarioError(scen.path, "actors", ", ".join(unknown), "the calibration has pairs of actors this "
                            "scenario does not have; calibrate this scenario first")
    first, last = scen.start[0], int(scen.date(scen.steps)[:4])
    delta = np.array([meas["delta"].get(str(y), np.nan) for y in range(first, last + 1)])
    return pairs, np.array(meas["level0"]), delta


def posterior_draws(n_particles: int, seed: int, runs: int) -> np.ndarray:
    """The particle each run takes: uniform over the sample, keyed by (seed, run)."""
    u = rng.uniform(rng.run_keys(seed, np.arange(runs), "posterior draw"))
    return np.minimum((u * n_particles).astype(np.int64), n_particles - 1)


def predict(scen, manifest: dict, keys: list[str], posterior: np.ndarray, runs: int, seed: int) -> Prediction:
    """Predictive samples of every calibrated pair's agreement in every year of `scen`."""
    pairs, level0, delta = _measurement_of(manifest, scen)
    ids = list(scen.actor_ids)
    years = np.arange(scen.start[0], int(scen.date(scen.steps)[:4]) + 1)
    pick = posterior[posterior_draws(len(posterior), seed, runs)]
    run_keys = [k for k in keys if not k.startswith("measurement.")]
    run_values = {k: pick[:, keys.index(k)] for k in run_keys}
    tgt = Target(years, np.array([[ids.index(a), ids.index(b)] for a, b in pairs]), np.zeros(0), scen.steps,
                 step_years(scen, scen.steps))
    change = np.concatenate([level_changes(scen, seed, np.arange(r0, min(r0 + CHUNK, runs)), run_values, tgt)
                             for r0 in range(0, runs, CHUNK)])
    gen = np.random.Generator(np.random.PCG64([seed, 13]))
    meas = manifest["measurement"]
    year_effect = np.where(np.isfinite(delta)[None, :], delta[None, :],
                           meas["delta_mean"] + meas["delta_sd"] * gen.standard_normal((runs, len(years))))
    sigma = pick[:, keys.index("measurement.sigma")]
    rho = pick[:, keys.index("measurement.rho")]
    dev = _ar1(gen.standard_normal((runs, len(pairs), len(years))), sigma, rho)
    z = level0[None, :, None] + change + year_effect[:, None, :] + dev
    return Prediction(tuple(pairs), years, measurement.logistic(z), int(manifest["data"]["until"]))


def _ar1(eps: np.ndarray, sigma: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """Stationary AR(1) series along the last axis from standard normals, per run sigma and rho."""
    out = np.empty_like(eps)
    s, r = sigma[:, None], rho[:, None]
    out[..., 0] = s * eps[..., 0]
    for t in range(1, eps.shape[-1]):
        out[..., t] = r * out[..., t - 1] + s * np.sqrt(1.0 - r * r) * eps[..., t]
    return out


def observed_for(pred: Prediction, votes: vdata.Votes) -> tuple[np.ndarray, np.ndarray]:
    """The observed agreement of the prediction's pairs: (P, Y) in its years, and (P,) in the year
    before them (what persistence carries in-sample); NaN where there is no data."""
    out = np.full((len(pred.pairs), len(pred.years) + 1), np.nan)
    for p, (a, b) in enumerate(pred.pairs):
        rows = np.flatnonzero(((votes.a == a) & (votes.b == b)) | ((votes.a == b) & (votes.b == a)))
        for r in rows:
            y = votes.year[r] - pred.years[0] + 1
            if 0 <= y <= len(pred.years):
                out[p, y] = votes.index[r]
    return out[:, 1:], out[:, 0]


def write_forecast(path: Path, pred: Prediction) -> None:
    """forecast.csv: year, a, b, median, q05, q95 for every pair and year."""
    q05, med, q95 = pred.quantiles([0.05, 0.5, 0.95])
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["year", "a", "b", "median", "q05", "q95"])
        for t, y in enumerate(pred.years):
            for p, (a, b) in enumerate(pred.pairs):
                w.writerow([int(y), a, b, f"{med[p, t]:.4f}", f"{q05[p, t]:.4f}", f"{q95[p, t]:.4f}"])


def write_observed(path: Path, pred: Prediction, observed: np.ndarray) -> None:
    """observed.csv: year, a, b, agreement_index for every pair-year with data."""
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["year", "a", "b", "agreement_index"])
        for t, y in enumerate(pred.years):
            for p, (a, b) in enumerate(pred.pairs):
                if np.isfinite(observed[p, t]):
                    w.writerow([int(y), a, b, f"{observed[p, t]:.4f}"])


def skill_rows(pred: Prediction, observed: np.ndarray, before: np.ndarray) -> list[dict]:
    """The skill table: in-sample (the calibration's years) and, if there is data after them,
    out-of-sample, each against persistence and the pair's mean (sim.analysis.skill).

    In-sample, persistence carries the year before the start (what was known at the start) and the
    pair's mean is over the scored years themselves (the best constant, fitted in-sample); out of
    sample, both use only the calibration's years."""
    q05, med, q95 = pred.quantiles([0.05, 0.5, 0.95])
    years, rows = pred.years, []
    data_years = years[np.isfinite(observed).any(axis=0)]
    periods = [("in-sample", years <= pred.until)]
    if data_years.size and data_years.max() > pred.until:
        periods.append(("out-of-sample", (years > pred.until) & (years <= data_years.max())))
    for name, scored in periods:
        seen = years <= pred.until
        if name == "in-sample":
            baselines = {"persistence": np.repeat(before[:, None], len(years), axis=1),
                         "pair_mean": skill.pair_mean(observed, scored)}
        else:
            baselines = {"persistence": skill.persistence(observed, seen), "pair_mean": skill.pair_mean(observed, seen)}
        row = skill.score(med, q05, q95, observed, scored, baselines)
        rows.append({"period": name, "years": f"{years[scored][0]}-{years[scored][-1]}", **row})
    return rows


def write_skill(path: Path, rows: list[dict]) -> None:
    """skill.csv."""
    cols = ["period", "years", "cells", "mae_model", "mae_persistence", "skill_persistence", "mae_pair_mean",
            "skill_pair_mean", "coverage90"]
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=cols)
        w.writeheader()
        for r in rows:
            w.writerow({k: (f"{r[k]:.4f}" if isinstance(r[k], float) else r[k]) for k in cols})


def hindcast(scen, calibration, out: Path, runs: int = 1000, seed: int | None = None, data=None,
             overwrite: bool = False) -> dict:
    """Run the calibrated scenario and write, into `out`: forecast.csv, observed.csv, skill.csv
    and manifest.json; returns the manifest.

    Parameters
    ----------
    scen : a validated scenario (sim.scenario.load).
    calibration : a finished calibration folder (`alignsim calibrate`).
    out : the result folder.
    runs, seed : predictive runs; root seed (default: the calibration's).
    data : the agreement CSV to score against (default: the calibration's).
    overwrite : replace a result folder.

    Raises
    ------
    ScenarioError : not a calibration folder, a scenario without the calibration's pairs, bad
        data, or a result folder that holds results (without overwrite).
    """
    from sim.calibration import folder as cf
    manifest, keys, posterior = cf.read_calibration(calibration)
    out = Path(out)
    if (out / "forecast.csv").exists() and not overwrite:
        raise ScenarioError(out, None, str(out), "holds a hindcast; give --overwrite to replace it")
    out.mkdir(parents=True, exist_ok=True)
    seed = int(manifest["options"]["seed"] if seed is None else seed)
    data = Path(data or manifest["data"]["file"])
    votes = vdata.read_votes(data)
    vdata.panel(votes, scen)            # the same checks of the data as calibrate's
    pred = predict(scen, manifest, keys, posterior, runs, seed)
    observed, before = observed_for(pred, votes)
    write_forecast(out / "forecast.csv", pred)
    write_observed(out / "observed.csv", pred, observed)
    rows = skill_rows(pred, observed, before)
    write_skill(out / "skill.csv", rows)
    data_years = pred.years[np.isfinite(observed).any(axis=0)]
    result = {"command": "hindcast", "scenario": {"file": str(scen.path), "name": scen.name, "names": scen.display},
              "calibration": str(calibration), "data": str(data), "runs": runs, "seed": seed,
              "until": pred.until, "data_end": int(data_years.max()) if data_years.size else None,
              "skill": rows}
    cf.write_json(out / "manifest.json", result)
    return result
