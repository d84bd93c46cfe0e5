"""The factors that tell two scenarios apart, and the variant scenarios that mix them.

A factor is one element that differs between a scenario and the one it is compared against
(its reference): a shock added, removed or changed; a declared decision (`[decisions.*]`: a
closure or strike an actor may take) added, removed or changed; a corridor; one actor's parameters; one
actor's row of a pair table (initial alignments, expectations, trade, sanctions in force); the
rest of the world; the dynamics weights; the calibration reference. A *variant* is the reference
with a subset of the factors taken from the scenario: with none it is the reference, with all
of them the scenario itself, number for number.

Everything is read from the two scenarios' resolved data (`Scenario.resolved`), so whatever a
file or `--set` changes is a factor. Names and titles (`[scenario]`) and the key pairs
(`[outputs]`) change no number and are not factors.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace

from sim.core.errors import ScenarioError
from sim.scenario import validate
from sim.scenario.parameters import PARAMETERS
from sim.scenario.spec import Scenario

IGNORED = ("scenario", "outputs", "extends")       # no number depends on them
MUST_MATCH = ("time", "issues")                     # variants could not mix them
ROW_TABLES = {"relations": "initial alignments", "expectations": "expected support", "trade": "trade",
              "sanctions": "sanctions in force at the start", "secondary_sanctions": "secondary sanctions at the start"}
CALIBRATION = "calibration"
# every top-level table of a scenario file, by how it is handled (tests/test_attribution.py checks
# that none of sim.scenario.spec.TOP is missing: a new table must become a factor here)
COVERED = (*IGNORED, *MUST_MATCH, "corridors", "shocks", "decisions", "actors", *ROW_TABLES, "world", "dynamics")


@dataclass(frozen=True)
class Factor:
    """One difference between a scenario and its reference.

    Attributes
    ----------
    key : str
        Short id, unique among the factors: a shock's or corridor's name, ``actor:iran``,
        ``relations:iran``, ``world``, ``dynamics``, ``calibration``.
    kind : str
        What differs: "shock added", "shock removed", "shock changed", "corridor added", ...,
        "actor changed", "initial alignments changed", "dynamics changed", "calibration".
    label : str
        In plain words, for tables and figures.
    paths : tuple of (table, key)
        The entries of the resolved data the factor takes from the scenario (key None: the
        whole table). Empty for the calibration reference.
    detail : str
        Which keys changed, where a table holds several.
    """
    key: str
    kind: str
    label: str
    paths: tuple = ()
    detail: str = ""


def reference_of(scen: Scenario) -> Scenario:
    """The scenario a scenario calibrates on: its `reference`, or itself."""
    return scen.reference or scen


def check_comparable(scen: Scenario, other: Scenario) -> None:
    """Refuse two scenarios that variants cannot mix: other actors, dates or issues.

    Raises
    ------
    ScenarioError : naming the other scenario, what differs and what is allowed.
    """
    if scen.actor_ids != other.actor_ids:
        raise ScenarioError(other.path, "actors", list(other.actor_ids),
                            f"--against needs the same actors in the same order as {scen.name}: "
                            + ", ".join(scen.actor_ids))
    for table in MUST_MATCH:
        if scen.resolved.get(table) != other.resolved.get(table):
            raise ScenarioError(other.path, table, other.resolved.get(table),
                                f"--against needs the same [{table}] as {scen.name}: {scen.resolved.get(table)}")


def find_factors(scen: Scenario, other: Scenario) -> list[Factor]:
    """Every factor that tells `scen` from `other`, in the order of the scenario's file.

    Raises
    ------
    ScenarioError : if the two cannot be compared (`check_comparable`).
    """
    check_comparable(scen, other)
    a, b = scen.resolved, other.resolved
    out = []
    names = scen.display
    for cid in _keys(a.get("corridors", {}), b.get("corridors", {})):
        out += _entry(a, b, "corridors", cid, "corridor", _corridor_label)
    for sid in _keys(a.get("shocks", {}), b.get("shocks", {})):
        out += _entry(a, b, "shocks", sid, "shock", _shock_label)
    for did in _keys(a.get("decisions", {}), b.get("decisions", {})):
        out += _entry(a, b, "decisions", did, "decision", _shock_label)
    for aid in scen.actor_ids:
        x, y = a["actors"].get(aid, {}), b["actors"].get(aid, {})
        if x != y:
            changed = ", ".join(_keys(x, y, differ=True))
            out.append(Factor(f"actor:{aid}", "actor changed", f"{names[aid]}'s parameters", (("actors", aid),),
                              changed))
    for table, what in ROW_TABLES.items():
        for row in _keys(a.get(table, {}), b.get(table, {})):
            x, y = a.get(table, {}).get(row), b.get(table, {}).get(row)
            if x != y:
                changed = ", ".join(_keys(x or {}, y or {}, differ=True))
                out.append(Factor(f"{table}:{row}", f"{what} changed", f"{names.get(row, row)}'s {what}",
                                  ((table, row),), changed))
    if a.get("world") != b.get("world"):
        out.append(Factor("world", "world changed", "the rest of the world", (("world", None),),
                          ", ".join(_keys(a.get("world", {}), b.get("world", {}), differ=True))))
    dyn = [k for k in PARAMETERS if scen.dynamics[k] != other.dynamics[k]]
    if dyn:
        out.append(Factor("dynamics", "dynamics changed", "dynamics weights: " + ", ".join(dyn),
                          tuple(("dynamics", k) for k in dyn), ", ".join(dyn)))
    if reference_of(scen).resolved != reference_of(other).resolved:
        out.append(Factor(CALIBRATION, "calibration", "the calibration reference (where alignments rest)", (),
                          f"{reference_of(scen).name} instead of {reference_of(other).name}"))
    return out


def _keys(x: dict, y: dict, differ: bool = False) -> list[str]:
    """Keys of y then the keys only x has (the order a file that extends y writes them in);
    with `differ`, only those whose values differ."""
    keys = list(y) + [k for k in x if k not in y]
    return [k for k in keys if x.get(k) != y.get(k)] if differ else keys


def _entry(a: dict, b: dict, table: str, key: str, what: str, label) -> list[Factor]:
    x, y = a.get(table, {}).get(key), b.get(table, {}).get(key)
    if x == y:
        return []
    how = "added" if y is None else "removed" if x is None else "changed"
    detail = "" if how != "changed" else ", ".join(_keys(x, y, differ=True))
    return [Factor(key, f"{what} {how}", label(key, x if x is not None else y), ((table, key),), detail)]


def _shock_label(key: str, spec: dict) -> str:
    return str(spec.get("label") or key)


def _corridor_label(key: str, spec: dict) -> str:
    return str(spec.get("name") or key)


def variant(scen: Scenario, other: Scenario, factors: list[Factor], mask: int) -> Scenario:
    """The reference `other` with the factors in bit mask `mask` taken from `scen`.

    Mask 0 gives `other` and the full mask `scen`, number for number: tables keep the order
    in which a file extending `other` lists them, and the calibration reference is the
    scenario's when its factor is in the mask (or when both share one), else the other's.

    Raises
    ------
    ScenarioError : if the mix is not a valid scenario (e.g. a shock that closes a corridor
        only the scenario has, without that corridor), naming the factors.
    """
    chosen = [f for k, f in enumerate(factors) if mask >> k & 1]
    data = copy.deepcopy(other.resolved)
    for f in chosen:
        for table, key in f.paths:
            if table == "dynamics":
                data.setdefault("dynamics", {})[key] = _dynamics_value(scen, key)
            elif key is None:
                _put(data, table, copy.deepcopy(scen.resolved.get(table)))
            else:
                _put_entry(data, scen.resolved, other.resolved, table, key)
    try:
        out = validate(data, scen.path)
    except ScenarioError as exc:
        names = ", ".join(f.key for f in chosen) or "none"
        raise ScenarioError(scen.path, None, f"variant with {names}",
                            f"mixing these factors into {other.name} is not a valid scenario ({exc.allowed})") from None
    with_calibration = any(f.key == CALIBRATION for f in chosen)
    ref = reference_of(scen) if with_calibration else reference_of(other)
    return replace(out, reference=ref)


def _dynamics_value(scen: Scenario, key: str):
    given = scen.resolved.get("dynamics", {})
    return copy.deepcopy(given[key]) if key in given else PARAMETERS[key].default


def _put(data: dict, table: str, value) -> None:
    if value is None:
        data.pop(table, None)
    else:
        data[table] = value


def _put_entry(data: dict, a: dict, b: dict, table: str, key: str) -> None:
    """data[table][key] = a's entry (or none), keeping the order of `_keys`."""
    rows = data.get(table, {})
    mine = a.get(table, {})
    order = _keys(mine, b.get(table, {}))
    merged = {k: rows[k] for k in order if k in rows and k != key}
    if key in mine:
        merged[key] = copy.deepcopy(mine[key])
    data[table] = {k: merged[k] for k in order if k in merged}

