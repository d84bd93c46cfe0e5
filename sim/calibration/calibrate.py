"""`alignsim calibrate`: estimate dynamics weights (and uncertain inputs the file gives as
distributions) from yearly UN General Assembly agreement, by sequential Monte Carlo over a
synthetic likelihood (sim.calibration.smc, sim.calibration.simulate).

The folder gets the posterior sample (posterior.csv), a table of every parameter's prior and
posterior (parameters.csv), `calibrated.toml` (the weights as distributions, for any scenario to
`extends`), and the fit per pair (fit.csv, written by sim.calibration.forecast).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from sim.calibration import data as vdata, folder as cf, priors as pr, smc
from sim.calibration.simulate import Batch, score_batch, target
from sim.calibration.summary import parameter_table, write_calibrated_toml, write_parameters
from sim.engine import executor as ex
from sim.engine.manifest import versions

DEFAULT_SEED = 20250613


@dataclass(frozen=True)
class Options:
    """How to calibrate.

    Attributes
    ----------
    data : the yearly pair-agreement CSV.
    until : last year of data used (default: the last inside the scenario).
    keys : parameters to estimate (default sim.calibration.priors.default_keys).
    particles, replicates, moves : SMC particles; runs per parameter set (common random numbers);
        Metropolis moves per stage.
    seed : root seed of the runs and of the sampler.
    workers : processes (default: all cores).
    ess_share : effective sample size kept from one stage to the next, as a share of particles.
    """
    data: Path = vdata.DEFAULT_DATA
    until: int | None = None
    keys: tuple[str, ...] | None = None
    particles: int = 400
    replicates: int = 24
    moves: int = 3
    seed: int = DEFAULT_SEED
    workers: int | None = None
    ess_share: float = 0.5


def signature(scen, opts: Options, keys) -> dict:
    """What must match for a checkpoint to be resumed: every option that changes the numbers."""
    sig = {k: v for k, v in asdict(opts).items() if k != "workers"}
    sig.update(keys=list(keys), data=str(opts.data), scenario=scen.resolved)
    return sig


class Scorer:
    """Scores standard-normal parameter coordinates: values from the priors, runs in worker
    processes, log-likelihoods placed back by position (so worker order never matters)."""

    def __init__(self, scen, opts: Options, prior_list, tgt, executor, tick: Callable[[int], None] | None):
        self.scen, self.opts, self.priors, self.target = scen, opts, prior_list, tgt
        self.executor, self.tick = executor, tick
        self.keys = tuple(p.key for p in prior_list[:-2])

    def __call__(self, x: np.ndarray) -> np.ndarray:
        values = pr.values(self.priors, x)
        size = max(1, int(np.ceil(len(values) / (4 * self.executor.workers))))
        batches = [Batch(self.scen, self.opts.seed, self.opts.replicates, self.keys, values[k:k + size], self.target, k)
                   for k in range(0, len(values), size)]
        out = np.empty(len(values))
        for _, (k, ll) in self.executor.imap(score_batch, batches):
            out[k:k + len(ll)] = ll
            if self.tick:
                self.tick(len(ll))
        return out


def calibrate(scen, out: Path, opts: Options, resume: bool = False, overwrite: bool = False,
              progress: Callable | None = None) -> dict:
    """Calibrate `scen` into the folder `out`; returns the manifest.

    Parameters
    ----------
    scen : a validated scenario (sim.scenario.load).
    out : the calibration folder.
    opts : Options.
    resume : finish an interrupted calibration from its checkpoint (same options).
    overwrite : replace a calibration in `out`.
    progress : called with the sampler's State after every unit of work; if it has a method
        `tick(n)`, that is called with the number of parameter sets each scored batch adds.

    Raises
    ------
    ScenarioError : bad data or options (sim.calibration.data), a folder that may not be written,
        or a checkpoint made with other options.
    """
    t0 = time.perf_counter()
    pan = vdata.panel(vdata.read_votes(opts.data), scen, opts.until)
    tgt = target(pan, scen)
    prior_list = pr.priors(scen, opts.keys)
    keys = [p.key for p in prior_list]
    sig = signature(scen, opts, keys)
    out = Path(out)
    cf.prepare(out, resume, overwrite)
    workers = opts.workers or os.cpu_count() or 1
    executor = ex.make("processes" if workers > 1 else "inprocess", workers, None, 0)
    tick = getattr(progress, "tick", None)
    try:
        score = Scorer(scen, opts, prior_list, tgt, executor, tick)
        # compile the kernels here once, so the workers load them from the cache instead of each
        # compiling its own copy at the same time
        score_batch(Batch(scen, opts.seed, 2, score.keys, pr.values(prior_list, np.zeros((1, len(prior_list)))),
                          tgt, 0))
        state = cf.load_state(out, sig) if resume else None
        if state is None:
            state = smc.start(opts.particles, len(prior_list), opts.seed, score, opts.moves)
            cf.save_state(out, state, sig)
        while not state.done(opts.moves):
            state = smc.advance(state, score, opts.moves, opts.ess_share)
            cf.save_state(out, state, sig)
            if progress:
                progress(state)
    finally:
        executor.close()
    values = pr.values(prior_list, state.x)
    cf.write_posterior(out, keys, values, state.loglik)
    table = parameter_table(prior_list, values, state.x)
    write_parameters(out, table)
    write_calibrated_toml(out / "calibrated.toml", scen, pan, table, opts)
    manifest = _manifest(scen, pan, opts, prior_list, state, time.perf_counter() - t0, workers)
    _write_fit(scen, out, manifest, keys, values, opts)
    cf.write_json(out / cf.MANIFEST, manifest)
    (out / cf.CHECKPOINT).unlink(missing_ok=True)
    return manifest


FIT_RUNS = 200   # runs of the fit per pair: enough for the 90% bands of a diagnostic figure


def _write_fit(scen, out: Path, manifest: dict, keys, values, opts) -> None:
    """fit.csv and observed.csv: the posterior's predicted agreement per pair against the data."""
    from sim.calibration.forecast import observed_for, predict, write_forecast, write_observed
    pred = predict(scen, manifest, keys, values, FIT_RUNS, opts.seed)
    observed, _ = observed_for(pred, vdata.read_votes(opts.data))
    write_forecast(out / "fit.csv", pred)
    write_observed(out / "observed.csv", pred, observed)


def _manifest(scen, pan, opts, prior_list, state, seconds, workers) -> dict:
    """Everything a later command needs to read the calibration, and what made it."""
    return {
        "command": "calibrate", "complete": True,
        "scenario": {"file": str(scen.path), "name": scen.name, "actors": list(scen.actor_ids),
                     "names": scen.display, "resolved": scen.resolved},
        "data": {"file": str(opts.data), "until": pan.until, "start_years": list(pan.start_years)},
        "options": {k: v for k, v in asdict(opts).items() if k not in ("data", "keys")},
        "parameters": [{"key": p.key, "prior": p.describe(), "low": p.low, "high": p.high} for p in prior_list],
        "measurement": {
            "pairs": [list(p) for p in pan.pairs], "level0": pan.level0.tolist(),
            "start_alignment": pan.start_alignment.tolist(),
            "delta": {str(y): float(d) for y, d in zip(pan.years, pan.delta) if np.isfinite(d)},
            "delta_mean": pan.delta_mean, "delta_sd": pan.delta_sd},
        "sampler": {"method": "adaptive tempered SMC, synthetic Gaussian likelihood (AR(1) over years)",
                    "stages": state.stage, "evaluations": state.evaluations, "history": state.history},
        "timings": {"total_seconds": seconds, "workers": workers},
        "versions": versions(),
    }
