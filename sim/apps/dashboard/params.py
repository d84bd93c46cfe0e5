"""What the page lets the analyst change, how a typed value is checked, and how the changes
become `--set` overrides. Plain Python (no Solara), so it is unit-tested.

A page holds a dict of *edits*: key path -> new value, only for the parameters the analyst
changed. `override_lines` turns them into `--set`-style strings (`actors.china.resolve=0.5`)
for `scenario.load(path, overrides)`, the load path of `alignsim run SCENARIO --set ...`.

Every input is validated here before it can reach the model: `parse_int`, `parse_amount` and
`check_edit` return a message for the page to show next to the field instead of raising.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass

from sim.core.errors import ScenarioError
from sim.scenario.actors import BEHAVIOUR
from sim.scenario.distribution import parse_value
from sim.scenario.toml_out import toml_literal

BEHAVIOUR_LABELS = {
    "sanctions_risk_tolerance": "Sanctions risk tolerance",
    "reliability": "Reliability",
    "resolve": "Resolve",
    "financial_reach": "Financial reach",
}


# --------------------------------------------------------------------------- values


def normalise(v):
    """Ints as floats, dist tables with float arguments: the form edits are compared in."""
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return float(v)
    if isinstance(v, dict):
        return {k: (x if k == "dist" or isinstance(x, bool) else float(x)) for k, x in v.items()}
    return v


def same(a, b) -> bool:
    """Whether two parameter values are equal once normalised (floats to a relative 1e-12)."""
    a, b = normalise(a), normalise(b)
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= 1e-12 * max(1.0, abs(a), abs(b))
    return a == b


def nominal(v) -> float:
    """The number a single slider shows for a value: itself, or a distribution's median."""
    if isinstance(v, dict):
        return float(parse_value(v, "<page>", "value").median())
    return float(v)


def describe(v) -> str:
    """A value in a few characters, for messages and comments: `on`, `0.35`, `uniform(low=0.2, high=0.5)`."""
    if isinstance(v, bool):
        return "on" if v else "off"
    if isinstance(v, dict):
        args = ", ".join(f"{k}={x:g}" for k, x in v.items() if k != "dist")
        return f"{v['dist']}({args})"
    return f"{float(v):g}"


# --------------------------------------------------------------------------- controls


@dataclass(frozen=True)
class Control:
    """One parameter the page lets the analyst change."""
    key: str            # the --set key path
    label: str
    group: str          # actor id, or "shocks"
    kind: str           # "share": slider in [lo, hi]; "amount": typed number >= lo; "switch": on/off
    lo: float
    hi: float           # slider maximum ("amount": no upper bound)
    base: object        # the value in the base scenario: float, {"dist": ...} table, or bool
    note: str = ""

    @property
    def slug(self) -> str:
        """CSS-safe id used by the page (and by the browser test) to find this control."""
        return "key-" + re.sub(r"[^A-Za-z0-9_-]", "-", self.key)

    @property
    def uniform(self) -> bool:
        """Whether the base value is a uniform distribution (shown as a two-handled slider)."""
        return isinstance(self.base, dict) and self.base.get("dist") == "uniform"


def _salience_defaults(actor: dict, issues) -> dict[str, float]:
    """What sim.scenario.actors.parse_actor reads when a salience entry is missing."""
    sal = actor.get("salience") or {}
    return {i: normalise(sal.get(i, 1.0 if not sal else 0.0)) for i in issues}


def controls(data: dict) -> list[Control]:
    """The page's controls for a resolved scenario file (scenario.resolve_file)."""
    out: list[Control] = []
    issues = list(data.get("issues", {}))
    for aid, a in data.get("actors", {}).items():
        if not isinstance(a, dict):
            continue
        name = a.get("name", aid)
        out.append(Control(f"actors.{aid}.military", "Military capability", aid, "amount", 0.0, math.inf,
                           normalise(a.get("military")), "military spending, US$ bn (SIPRI)"))
        out.append(Control(f"actors.{aid}.economic", "Economic capability", aid, "amount", 0.0, math.inf,
                           normalise(a.get("economic")), "GDP, US$ tn (IMF)"))
        if "trade_total" in a:
            out.append(Control(f"actors.{aid}.trade_total", "Total trade", aid, "amount", 0.0, math.inf,
                               normalise(a.get("trade_total")), "all external goods trade, US$ bn per year"))
        for b in BEHAVIOUR_LABELS:
            assert b in BEHAVIOUR
            out.append(Control(f"actors.{aid}.{b}", BEHAVIOUR_LABELS[b], aid, "share", 0.0, 1.0,
                               normalise(a.get(b, 0.0)), BEHAVIOUR[b]))
        positions = a.get("positions") or {}
        for i in issues:
            out.append(Control(f"actors.{aid}.positions.{i}", f"Position: {i.replace('_', ' ')}", aid, "share",
                               -1.0, 1.0, normalise(positions.get(i, 0.0)),
                               f"{name}'s position on {i} at the start (-1 to +1; it moves under pressure and support)"))
        sal = _salience_defaults(a, issues)
        for i in issues:
            base = sal[i]
            hi = max(1.0, _upper(base))
            out.append(Control(f"actors.{aid}.salience.{i}", f"Salience: {i.replace('_', ' ')}", aid,
                               "share", 0.0, hi, base, f"weight of {i} in {name}'s interests (normalised per actor)"))
    for sid, s in data.get("shocks", {}).items():
        if not isinstance(s, dict):
            continue
        label = s.get("label", sid.replace("_", " "))
        when = (f"{s['at']}" if "at" in s else f"random, {describe(s.get('hazard', 0))} per month")
        out.append(Control(f"shocks.{sid}.enabled", label, "shocks", "switch", 0, 1,
                           bool(s.get("enabled", True)), when))
        out.append(Control(f"shocks.{sid}.intensity", "Intensity", "shocks", "share", 0.0, 1.0,
                           normalise(s.get("intensity", 1.0)), when))
    return out


def _upper(v) -> float:
    if isinstance(v, dict):
        return float(v.get("high", v.get("mean", 0.0)))
    return float(v)


# --------------------------------------------------------------------------- input checks


def parse_int(text, lo: int, hi: int, what: str) -> tuple[int | None, str | None]:
    """(value, None) or (None, message) for a typed whole number.

    Parameters
    ----------
    text : what was typed; `_` and `,` group digits, and `1e3` is read as 1000.
    lo, hi : the allowed range, both included.
    what : the field's name in the message ("number of runs", "seed").
    """
    t = "" if text is None else str(text).strip().replace("_", "").replace(",", "")
    if not t:
        return None, f"enter the {what} (a whole number from {lo:,} to {hi:,})"
    try:
        v = int(t)
    except ValueError:
        try:
            f = float(t)
        except ValueError:
            return None, f"{text!r} is not a number; the {what} is a whole number from {lo:,} to {hi:,}"
        if not (math.isfinite(f) and f.is_integer()):
            return None, f"the {what} must be a whole number, got {text}"
        v = int(f)
    if not lo <= v <= hi:
        return None, f"the {what} must be from {lo:,} to {hi:,}, got {v:,}"
    return v, None


def check_edit(c: Control, value) -> str | None:
    """None if `value` is acceptable for control c, else what is allowed (one line)."""
    if c.kind == "switch":
        return None if isinstance(value, bool) else "on or off"
    hi = 1.0 if c.kind == "share" and c.hi <= 1.0 else math.inf
    if c.key.split(".")[-2:-1] == ["salience"]:
        hi = math.inf
    try:
        parse_value(value, "<page>", c.key, c.lo, hi)
    except ScenarioError as exc:
        return exc.allowed
    return None


def parse_amount(c: Control, text) -> tuple[object, str | None]:
    """A typed value: a number, or anything `--set` takes for this key (e.g. an inline
    table {dist = "uniform", low = 250, high = 400}). Returns (value, None) or (None, message)."""
    t = "" if text is None else str(text).strip()
    if not t:
        return None, "enter a number" + (f" >= {c.lo:g}" if c.lo > -math.inf else "")
    try:
        v = tomllib.loads(f"v = {t}")["v"]
    except (tomllib.TOMLDecodeError, RecursionError):
        return None, f"{t!r} is not a number" + (f" (>= {c.lo:g})" if c.lo > -math.inf else "")
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        v = float(v)
    msg = check_edit(c, v)
    return (None, msg) if msg else (normalise(v), None)


def amount_text(v) -> str:
    """How a typed field shows a value (what parse_amount reads back)."""
    if isinstance(v, dict):
        return toml_literal(v)
    f = float(v)
    return f"{f:g}" if abs(f) < 1e15 else repr(f)


def set_edit(edits: dict, c: Control, value) -> dict:
    """New edits with c set to value; a value equal to the base removes the edit."""
    out = dict(edits)
    if same(value, c.base):
        out.pop(c.key, None)
    else:
        out[c.key] = normalise(value)
    return out


def override_lines(ctrls, edits: dict) -> list[str]:
    """The edits as --set strings, in the page's control order."""
    return [f"{c.key}={toml_literal(edits[c.key])}" for c in ctrls if c.key in edits]
