"""The parameters that sweeps, sensitivity and discovery analyses vary, and their labels.

An analysis names each parameter by its key path, as ``--set`` does, with the range its values
are drawn from::

    parameters = { "actors.russia.reliability" = [0.1, 0.9], "relations.iran.china" = [-0.2, 0.6] }

A key path must be one that the scenario's compile draws (`sim.scenario.spec.parameter_keys`),
and both ends of its range must pass the scenario file's own validation, so no sampled point
holds a value the scenario would refuse. Every parameter also gets a display label in plain
words for tables and figures.

This module is separate from the analyses because the experiment's own ``[labels]`` table is
checked against the same key paths.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

from sim import scenario as scenario_mod
from sim.core.errors import ScenarioError
from sim.scenario.schema import Table, close_matches


@dataclass(frozen=True)
class Parameter:
    """A parameter an analysis varies, and the range it is drawn from.

    Parameters
    ----------
    key : str
        Key path, as for ``--set`` and `sim.scenario.spec.parameter_keys`,
        e.g. ``"actors.russia.reliability"``.
    low, high : float
        The range, ``low < high``. Grids include both ends; Latin hypercubes and Sobol'
        designs draw uniformly within it.
    label : str
        Display text for tables and figures: the experiment's ``[labels]`` entry for `key`,
        else `param_label`.
    """

    key: str
    low: float
    high: float
    label: str


def parse_parameters(t: Table, scen, labels: dict) -> tuple[Parameter, ...]:
    """Read the ``parameters`` table of an analysis.

    Parameters
    ----------
    t : sim.scenario.schema.Table
        The ``[[analyses]]`` table; its ``parameters`` entry maps key paths to ``[low, high]``,
        written flat (``"actors.china.resolve" = [0.2, 0.8]``) or nested.
    scen : sim.scenario.Scenario
        The scenario the analysis runs on: it decides which key paths exist and which values
        are allowed.
    labels : dict
        Display labels from the experiment's ``[labels]`` table, by key path.

    Returns
    -------
    tuple of Parameter
        In the order the file lists them.

    Raises
    ------
    ScenarioError
        If the table is missing or empty, a key path is not a numeric parameter of `scen`
        (naming the nearest ones), a range is not two finite numbers with ``low < high``, or
        either end is a value the scenario file does not allow.
    """
    raw = t.raw("parameters")
    if not isinstance(raw, dict) or not raw:
        raise ScenarioError(t.file, t.at("parameters"), raw,
                            'a table of key path = [low, high], e.g. { "actors.china.resolve" = [0.2, 0.8] }')
    known = scenario_mod.parameter_keys(scen)
    out = []
    for key, rng in flatten(raw):
        at = f'{t.at("parameters")}."{key}"'
        if key not in known:
            raise ScenarioError(t.file, at, rng, f"not a numeric parameter of {scen.path.name}"
                                + close_matches(key, known) + " (`alignsim show SCENARIO --keys` lists keys)")
        if (not isinstance(rng, list) or len(rng) != 2
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in rng)
                or not all(math.isfinite(v) for v in rng)):
            raise ScenarioError(t.file, at, rng, "a range [low, high] of two numbers")
        lo, hi = float(rng[0]), float(rng[1])
        if not lo < hi:
            raise ScenarioError(t.file, at, rng, "low must be below high")
        for v in (lo, hi):
            _check_allowed(scen, key, v, t.file, at, rng)
        out.append(Parameter(key, lo, hi, labels.get(key) or param_label(scen, key)))
    return tuple(out)


def flatten(d: dict, prefix: str = "") -> list[tuple[str, object]]:
    """The leaves of a nested table as (key path, value) pairs.

    TOML lets a file write ``"actors.china.resolve" = v`` or ``actors.china.resolve = v``; the
    second arrives as nested tables. Both give the same key path here.

    Parameters
    ----------
    d : dict
        A parsed TOML table.
    prefix : str
        Prepended to every key path (the path of `d` itself, with a trailing dot).

    Returns
    -------
    list of (str, object)
        In the table's order.

    Examples
    --------
    >>> flatten({"actors": {"china": {"resolve": [0.2, 0.8]}}, "relations.a.b": [0, 1]})
    [('actors.china.resolve', [0.2, 0.8]), ('relations.a.b', [0, 1])]
    """
    out = []
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.extend(flatten(v, key + "."))
        else:
            out.append((key, v))
    return out


def _check_allowed(scen, key: str, value: float, file, at: str, rng) -> None:
    """Raise unless the scenario's own validation accepts `value` at `key`."""
    data = scenario_mod.with_defaults(copy.deepcopy(scen.resolved))
    parts = key.split(".")
    node = data
    for p in parts[:-1]:
        node = node.get(p) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            return
    leaf = parts[-1]
    if parts[0] == "trade" and leaf not in node:     # trade given the other way round
        other = data.get("trade", {}).get(parts[2], {})
        if isinstance(other, dict) and parts[1] in other:
            node, leaf = other, parts[1]
    node[leaf] = value
    try:
        scenario_mod.validate(data, scen.path)
    except ScenarioError as exc:
        raise ScenarioError(file, at, rng, f"{value:g} is not allowed for {key}: {exc.allowed}") from None


def param_label(scen, key: str) -> str:
    """A display label in plain words for a parameter key path.

    Parameters
    ----------
    scen : sim.scenario.Scenario
        The scenario the key belongs to: its display names name the actors, corridors and
        shocks.
    key : str
        A key path, as for ``--set``.

    Returns
    -------
    str
        The label; the key path itself when no rule covers it.

    Examples
    --------
    >>> from sim import scenario
    >>> scen = scenario.load("scenarios/june_war_pivot.toml")
    >>> param_label(scen, "actors.russia.reliability")
    'Russia: reliability'
    >>> param_label(scen, "relations.iran.china")
    'initial alignment Iran → China'
    >>> param_label(scen, "shocks.background_clash.hazard")
    'low-level Israel-Iran clash: chance per month'
    """
    parts = key.split(".")
    names = scen.display
    words = lambda s: s.replace("_", " ")  # noqa: E731
    if parts[0] == "actors" and len(parts) >= 3:
        who = names.get(parts[1], parts[1])
        if len(parts) == 4:
            issue = words(parts[3])
            return f"{who}: {'position on' if parts[2] == 'positions' else 'salience of'} {issue}"
        return f"{who}: {words(parts[2])}"
    if parts[0] in ("relations", "expectations", "trade") and len(parts) == 3:
        a, b = names.get(parts[1], parts[1]), names.get(parts[2], parts[2])
        return {"relations": f"initial alignment {a} → {b}", "expectations": f"{a} expects support from {b}",
                "trade": f"trade {a}–{b} (US$ bn/yr)"}[parts[0]]
    if parts[0] == "corridors":
        c = next((c for c in scen.corridors if c.id == parts[1]), None)
        return f"{getattr(c, 'name', parts[1])}: capacity"
    if parts[0] == "shocks" and len(parts) >= 3:
        s = next((s for s in scen.shocks if s.name == parts[1]), None)
        lab = s.label if s is not None else words(parts[1])
        fieldname = {"hazard": "chance per month", "intensity": "intensity", "duration": "duration (months)",
                     "probability": "probability"}.get(parts[2], words(parts[2]))
        if len(parts) == 4:
            fieldname = f"{words(parts[2])} {names.get(parts[3], parts[3])}"
        return f"{lab}: {fieldname}"
    if parts[0] == "dynamics":
        return f"dynamics: {words(parts[1])}"
    return key
