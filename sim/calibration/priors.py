"""What the calibration estimates and its priors.

Every parameter lives on a standard-normal scale for the sampler: value = F^-1(Phi(x)), F the
prior's distribution function, so the prior is N(0, 1) in x whatever its shape and bounds, and a
random-walk move in x can never leave the prior's support.

- A dynamics weight of sim.scenario.parameters.PARAMETERS: log-uniform from an eighth to eight
  times its default (within its allowed range), unless the scenario's [dynamics] gives it as a
  distribution, which is then its prior.
- Any other uncertain input of the scenario (a key path that `--set` accepts, e.g.
  shocks.NAME.intensity) given in the file as a distribution: that distribution is its prior.
- The measurement model's sigma (yearly deviation of a pair, logit scale) and rho (its year-to-
  year correlation), estimated with the weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from sim.core.errors import ScenarioError
from sim.scenario.distribution import Dist
from sim.scenario.parameters import PARAMETERS
from sim.scenario.schema import close_matches

# Weights of the alignment rules and of the mechanisms that move positions and trust: what yearly
# changes of alignment can speak to. Names missing from PARAMETERS (a renamed mechanism) are skipped.
DEFAULT_WEIGHTS = ("inertia", "noise", "w_interest", "w_shared_threat", "w_hostility", "w_balance", "w_economic",
                   "w_trust", "w_sanctions", "reciprocity", "diplomacy", "concession")
# A default weight's prior runs from default / SPREAD to default x SPREAD (within its allowed
# range). Eight, not four: pilot calibrations on 2005-2010 alone (96 particles) piled inertia,
# w_sanctions and diplomacy against the lower bound of a factor-four prior.
SPREAD = 8.0
SIGMA = ("measurement.sigma", 0.05, 1.0)   # log-uniform: a pair's yearly deviation, logit scale
RHO = ("measurement.rho", 0.0, 0.9)        # uniform: its correlation from one year to the next


@dataclass(frozen=True)
class Prior:
    """One estimated parameter: key path, prior kind and bounds, and its quantile function."""
    key: str
    kind: str
    low: float
    high: float
    dist: Dist | None = None

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Values at prior probabilities u."""
        u = np.asarray(u, float)
        if self.dist is not None:
            return np.asarray(self.dist.ppf(u), float)
        if self.kind == "log-uniform":
            return self.low * (self.high / self.low) ** u
        return self.low + u * (self.high - self.low)

    def value(self, x: np.ndarray) -> np.ndarray:
        """Values at standard-normal coordinates x."""
        return self.ppf(special.ndtr(np.asarray(x, float)))

    def describe(self) -> str:
        """The prior as text."""
        return self.dist.describe() if self.dist is not None else f"{self.kind}({self.low:g}, {self.high:g})"

    @property
    def is_weight(self) -> bool:
        """Whether this is a dynamics weight (what calibrated.toml carries)."""
        return self.key.startswith("dynamics.")


def _weight_prior(name: str, scen) -> Prior:
    spec = PARAMETERS[name]
    given = scen.dynamics.get(name)
    key = f"dynamics.{name}"
    if isinstance(given, Dist):
        lo, hi = given.support
        return Prior(key, given.kind, lo, hi, given)
    lo = max(spec.lo, spec.default / SPREAD) if spec.default > 0 else spec.lo
    hi = min(spec.hi, spec.default * SPREAD) if spec.default > 0 else spec.hi
    return Prior(key, "log-uniform" if lo > 0 else "uniform", lo, hi)


def _file_value(scen, key: str):
    """The value the file gives at a key path of an uncertain input (a shock's or an actor's field)."""
    parts = key.split(".")
    if parts[0] == "shocks" and len(parts) == 3:
        shock = next((s for s in scen.shocks if s.name == parts[1]), None)
        return getattr(shock, parts[2], None) if shock is not None else None
    if parts[0] == "actors" and len(parts) == 3:
        actor = next((a for a in scen.actors if a.id == parts[1]), None)
        return getattr(actor, parts[2], None) if actor is not None else None
    return None


def prior_for(key: str, scen) -> Prior:
    """The prior of one key: a dynamics weight by name or key path, or an uncertain input of the
    file given as a distribution.

    Raises
    ------
    ScenarioError : an unknown weight, or an input the file does not give as a distribution.
    """
    name = key.removeprefix("dynamics.")
    if "." not in name:
        if name not in PARAMETERS:
            raise ScenarioError("--parameters", None, key, "not a dynamics weight" + close_matches(name, PARAMETERS))
        return _weight_prior(name, scen)
    value = _file_value(scen, key)
    if not isinstance(value, Dist):
        raise ScenarioError("--parameters", None, key, "estimate a weight by name, or an input the scenario gives as "
                            "a distribution (its prior), e.g. shocks.NAME.intensity")
    lo, hi = value.support
    return Prior(key, value.kind, lo, hi, value)


def default_keys(scen) -> list[str]:
    """The default weights present in PARAMETERS, and the size of every change of positions the file
    leaves uncertain (a position_change shock whose intensity is a distribution)."""
    keys = [f"dynamics.{w}" for w in DEFAULT_WEIGHTS if w in PARAMETERS]
    keys += [f"shocks.{s.name}.intensity" for s in scen.shocks
             if s.type_name == "position_change" and isinstance(s.intensity, Dist)]
    return keys


def priors(scen, keys=None) -> list[Prior]:
    """The priors of the given keys (default `default_keys`), then sigma and rho."""
    keys = list(dict.fromkeys(keys or default_keys(scen)))
    out = [prior_for(k, scen) for k in keys]
    out.append(Prior(SIGMA[0], "log-uniform", SIGMA[1], SIGMA[2]))
    out.append(Prior(RHO[0], "uniform", RHO[1], RHO[2]))
    return out


def values(prior_list: list[Prior], x: np.ndarray) -> np.ndarray:
    """(M, d) parameter values of (M, d) standard-normal coordinates."""
    return np.stack([p.value(x[:, k]) for k, p in enumerate(prior_list)], axis=1)
