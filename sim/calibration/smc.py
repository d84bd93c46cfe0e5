"""An adaptive sequential Monte Carlo sampler: particles from the prior are carried to the posterior
through a sequence of tempered targets prior x likelihood^phi, phi rising from 0 to 1 (Del Moral,
Doucet and Jasra 2006). Each stage picks the next phi so the particles' effective sample size
falls to a set share (Jasra et al. 2011), resamples, and moves every particle by random-walk
Metropolis steps whose covariance is the particles' own (scaled 2.38 / sqrt(d), adapted to the
acceptance rate). With a simulated Gaussian likelihood this is ABC-SMC with a stochastic acceptor
(Wilkinson 2013): exact for the measurement model's error, not an epsilon approximation.

Parameters live on a standard-normal scale (sim.calibration.priors), so the prior is N(0, I).
The sampler is a pure function of its State and a scoring function: `advance` does one unit of
work (a new stage, or one move of every particle) and returns, so the caller can save the State
between units and resume from it with the same result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


FRESH = 0.9      # share of particles the last stage moves at least once
MAX_FINAL = 4    # the last stage's moves, at most, in units of a stage's moves


@dataclass
class State:
    """Where the sampler is.

    Attributes
    ----------
    x : (N, d) particles, standard-normal coordinates.
    loglik : (N,) their log-likelihoods.
    phi : the temperature of the current stage.
    stage : stages begun.
    moved : moves done in the current stage.
    scale : the proposal's scale, relative to 2.38 / sqrt(d).
    rng : the random generator's state (numpy PCG64).
    history : one dict per stage: phi, ess, acceptance of each move, scale.
    evaluations : likelihood evaluations so far.
    fresh : (N,) whether each particle has moved since the last resampling.
    """
    x: np.ndarray
    loglik: np.ndarray
    phi: float = 0.0
    stage: int = 0
    moved: int = 0
    scale: float = 1.0
    rng: dict = field(default_factory=dict)
    history: list = field(default_factory=list)
    evaluations: int = 0
    fresh: np.ndarray | None = None

    def done(self, moves: int) -> bool:
        """Whether the last stage (phi = 1) has made its moves and spread its particles: resampling
        leaves copies, so it moves on until nine in ten particles have moved since (at most four
        times the moves), and the posterior sample holds few duplicates."""
        spread = self.fresh is None or self.fresh.mean() >= FRESH or self.moved >= MAX_FINAL * moves
        return self.phi >= 1.0 and self.moved >= moves and spread


def start(n: int, d: int, seed: int, score: Callable[[np.ndarray], np.ndarray], moves: int) -> State:
    """N particles drawn from the prior and scored. The prior's draws need no move, so the state
    starts as if stage 0's moves were done."""
    gen = np.random.Generator(np.random.PCG64(seed))
    x = gen.standard_normal((n, d))
    ll = np.asarray(score(x), float)
    if not np.isfinite(ll).any():
        raise RuntimeError("no particle drawn from the prior has a finite likelihood")
    return State(x, ll, moved=moves, rng=gen.bit_generator.state, evaluations=n)


def ess(logw: np.ndarray) -> float:
    """Effective sample size of log-weights (-inf weighs nothing)."""
    ok = np.isfinite(logw)
    if not ok.any():
        return 0.0
    w = np.exp(logw[ok] - logw[ok].max())
    return float(w.sum() ** 2 / (w * w).sum())


def next_phi(loglik: np.ndarray, phi: float, target: float) -> float:
    """The temperature after phi at which the incremental weights exp((phi' - phi) loglik) keep an
    effective sample size of `target` (bisection; 1 if even phi' = 1 keeps more)."""
    if ess((1.0 - phi) * loglik) >= target:
        return 1.0
    lo, hi = 0.0, 1.0 - phi
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if ess(mid * loglik) >= target:
            lo = mid
        else:
            hi = mid
    return phi + max(lo, 1e-12)


def _systematic(weights: np.ndarray, gen: np.random.Generator) -> np.ndarray:
    n = len(weights)
    positions = (gen.random() + np.arange(n)) / n
    return np.minimum(np.searchsorted(np.cumsum(weights), positions), n - 1)


def _begin_stage(s: State, gen: np.random.Generator, ess_share: float) -> None:
    n = len(s.loglik)
    phi = next_phi(s.loglik, s.phi, ess_share * n)
    logw = np.where(np.isfinite(s.loglik), (phi - s.phi) * s.loglik, -np.inf)
    w = np.exp(logw - logw[np.isfinite(logw)].max())
    w = np.where(np.isfinite(logw), w, 0.0)
    w /= w.sum()
    pick = _systematic(w, gen)
    s.history.append({"stage": s.stage + 1, "phi": phi, "ess": ess(logw), "acceptance": [], "scale": []})
    s.x, s.loglik, s.phi, s.stage, s.moved = s.x[pick], s.loglik[pick], phi, s.stage + 1, 0
    s.fresh = np.zeros(n, bool)


def _move(s: State, gen: np.random.Generator, score: Callable) -> None:
    n, d = s.x.shape
    cov = np.atleast_2d(np.cov(s.x, rowvar=False)) + 1e-9 * np.eye(d)
    chol = np.linalg.cholesky(cov)
    step = s.scale * 2.38 / np.sqrt(d)
    proposal = s.x + step * gen.standard_normal((n, d)) @ chol.T
    u = gen.random(n)
    ll_new = np.asarray(score(proposal), float)
    with np.errstate(invalid="ignore"):
        log_ratio = (s.phi * (ll_new - s.loglik) - 0.5 * (proposal ** 2).sum(axis=1)
                     + 0.5 * (s.x ** 2).sum(axis=1))
    accept = np.isfinite(ll_new) & (np.log(u) < np.where(np.isfinite(log_ratio), log_ratio, -np.inf))
    s.x = np.where(accept[:, None], proposal, s.x)
    s.loglik = np.where(accept, ll_new, s.loglik)
    s.fresh = accept if s.fresh is None else s.fresh | accept
    rate = float(accept.mean())
    s.history[-1]["acceptance"].append(rate)
    s.history[-1]["scale"].append(s.scale)
    # aim near the 0.234 of random-walk theory (Roberts, Gelman and Gilks 1997)
    s.scale = float(np.clip(s.scale * (0.7 if rate < 0.15 else 1.3 if rate > 0.35 else 1.0), 0.05, 3.0))
    s.moved += 1
    s.evaluations += n


def advance(s: State, score: Callable[[np.ndarray], np.ndarray], moves: int, ess_share: float = 0.5) -> State:
    """One unit of work: begin the next stage (new temperature, resampled particles) if the current
    one has made its moves and is not the last, else one move of every particle. Returns s, updated."""
    gen = np.random.Generator(np.random.PCG64())
    gen.bit_generator.state = s.rng
    if s.moved >= moves and s.phi < 1.0:
        _begin_stage(s, gen, ess_share)
    else:
        _move(s, gen, score)
    s.rng = gen.bit_generator.state
    return s
