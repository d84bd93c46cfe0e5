"""Uncertain parameters: a number in a scenario may be a distribution drawn once per run.

Draws use inverse-CDF sampling of a uniform keyed by the parameter's key path, so the
same key path gets the same quantile in run r of any scenario (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.errors import ScenarioError

# scipy.stats (about a second to import) and sim.core.rng (numba) are imported where a draw
# needs them, so reading and showing a scenario stays quick.

# name -> (required keys, optional keys)
KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "uniform": (("low", "high"), ()),
    "normal": (("mean", "sd"), ("low", "high")),
    "triangular": (("low", "mode", "high"), ()),
    "beta": (("a", "b"), ("low", "high")),
}
ALLOWED = 'a number, or a table {dist = "uniform"|"normal"|"triangular"|"beta", ...}'
# the largest magnitude any number may have, whatever its key: beyond it, sums and products in
# the model can overflow to inf (military = 1e308 would); the inputs it models are below 1e5
MAX_MAGNITUDE = 1e12


@dataclass(frozen=True)
class Dist:
    """An uncertainty distribution of one parameter: its kind and arguments, drawn once per run
    by inverse CDF (`ppf`) of a uniform keyed by the parameter's key path.
    """
    kind: str
    args: tuple[tuple[str, float], ...]

    def get(self, name: str, default: float | None = None) -> float | None:
        """The argument `name`, or default."""
        return dict(self.args).get(name, default)

    @property
    def support(self) -> tuple[float, float]:
        """The (low, high) range of values the distribution can take."""
        a = dict(self.args)
        if self.kind == "normal":
            return a.get("low", -np.inf), a.get("high", np.inf)
        if self.kind == "beta":
            return a.get("low", 0.0), a.get("high", 1.0)
        return a["low"], a["high"]

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Quantile function: the values at probabilities u (array in (0, 1))."""
        a = dict(self.args)
        if self.kind == "uniform":
            return a["low"] + u * (a["high"] - a["low"])
        from scipy import stats
        if self.kind == "triangular":
            lo, hi = a["low"], a["high"]
            if hi == lo:   # scipy gives NaN for a zero-width triangle
                return np.full(np.shape(u), lo)
            return stats.triang.ppf(u, (a["mode"] - lo) / (hi - lo), loc=lo, scale=hi - lo)
        if self.kind == "normal":
            # Truncated, not clipped, so bounded parameters keep a smooth density.
            lo, hi = a.get("low", -np.inf), a.get("high", np.inf)
            za, zb = (lo - a["mean"]) / a["sd"], (hi - a["mean"]) / a["sd"]
            return stats.truncnorm.ppf(u, za, zb, loc=a["mean"], scale=a["sd"])
        lo, hi = a.get("low", 0.0), a.get("high", 1.0)
        return lo + (hi - lo) * stats.beta.ppf(u, a["a"], a["b"])

    def median(self) -> float:
        """The value at probability 0.5 (what `nominal` uses)."""
        return float(self.ppf(np.array([0.5]))[0])

    def describe(self) -> str:
        """The distribution as text, e.g. 'uniform(low=0.3, high=0.6)'."""
        return f"{self.kind}(" + ", ".join(f"{k}={v:g}" for k, v in self.args) + ")"


Value = float | Dist


def parse_value(raw, file, path: str, lo: float = -np.inf, hi: float = np.inf) -> Value:
    """A number or a distribution whose support lies within [lo, hi]."""
    rng_text = _range_text(lo, hi)
    if isinstance(raw, bool) or not isinstance(raw, (int, float, dict)):
        raise ScenarioError(file, path, raw, f"expected {ALLOWED}{rng_text}")
    if not isinstance(raw, dict):
        if not abs(raw) <= MAX_MAGNITUDE or not lo <= raw <= hi:   # also NaN, inf and huge integers
            size = "" if np.isfinite(lo) and np.isfinite(hi) else f", at most {MAX_MAGNITUDE:g} in size"
            raise ScenarioError(file, path, raw, f"must be a finite number{rng_text}{size}")
        return float(raw)
    kind = raw.get("dist")
    if kind not in KINDS:
        raise ScenarioError(file, f"{path}.dist", kind, "one of " + ", ".join(KINDS))
    required, optional = KINDS[kind]
    for key in raw:
        if key != "dist" and key not in required + optional:
            raise ScenarioError(file, f"{path}.{key}", raw[key],
                                f"{kind} takes " + ", ".join(required + optional))
    args = []
    for key in required + optional:
        if key not in raw:
            if key in required:
                raise ScenarioError(file, path, raw, f"{kind} needs " + ", ".join(required))
            continue
        val = raw[key]
        if isinstance(val, bool) or not isinstance(val, (int, float)) or not abs(val) <= MAX_MAGNITUDE:
            raise ScenarioError(file, f"{path}.{key}", val, f"must be a finite number, at most {MAX_MAGNITUDE:g} in size")
        args.append((key, float(val)))
    d = Dist(kind, tuple(args))
    _check(d, file, path, raw, lo, hi, rng_text)
    return d


def _check(d: Dist, file, path, raw, lo, hi, rng_text):
    a = dict(d.args)
    if d.kind in ("uniform", "triangular") and a["low"] > a["high"]:
        raise ScenarioError(file, path, raw, "low must not exceed high")
    if d.kind == "triangular" and not a["low"] <= a["mode"] <= a["high"]:
        raise ScenarioError(file, f"{path}.mode", a["mode"], "must lie within [low, high]")
    if d.kind == "normal" and a["sd"] <= 0:
        raise ScenarioError(file, f"{path}.sd", a["sd"], "must be > 0")
    if d.kind == "beta" and (a["a"] <= 0 or a["b"] <= 0):
        raise ScenarioError(file, path, raw, "beta needs a > 0 and b > 0")
    s_lo, s_hi = d.support
    if d.kind == "normal" and s_lo >= s_hi:
        raise ScenarioError(file, path, raw, "a truncated normal needs low < high")
    if s_lo > s_hi:
        raise ScenarioError(file, path, raw, "low must not exceed high")
    if s_lo < lo or s_hi > hi:
        hint = " (give low/high to truncate)" if d.kind == "normal" else ""
        raise ScenarioError(file, path, raw, f"the distribution's range must lie within{rng_text}{hint}")


def _range_text(lo, hi) -> str:
    if np.isinf(lo) and np.isinf(hi):
        return ""
    if np.isinf(hi):
        return f" >= {lo:g}"
    if np.isinf(lo):
        return f" <= {hi:g}"
    return f" in [{lo:g}, {hi:g}]"


def draw(value: Value, keypath: str, seed: int, runs: np.ndarray) -> np.ndarray:
    """One value per run; uncertain values keyed by key path for common random numbers."""
    runs = np.asarray(runs)
    if not isinstance(value, Dist):
        return np.full(runs.shape, float(value))
    from sim.core import rng
    u = rng.uniform(rng.run_keys(seed, runs, "param:" + keypath))
    return np.asarray(value.ppf(u), dtype=np.float64)


def nominal(value: Value) -> float:
    """A number as is, or a distribution's median."""
    return value.median() if isinstance(value, Dist) else float(value)


def describe(value: Value) -> str:
    """A number or a distribution as text (for `alignsim show`)."""
    return value.describe() if isinstance(value, Dist) else f"{value:g}"
