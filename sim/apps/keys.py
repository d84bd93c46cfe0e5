"""`alignsim show SCENARIO --keys`: every key `--set` accepts, with its current value and what
it allows.

What a key allows is not written down twice: each key is set, one at a time, to a value no
key accepts (NaN), and the scenario's own validation says what it would have taken. So the
list stays right whatever the scenario reader checks.
"""

from __future__ import annotations

import copy
from pathlib import Path

from sim import scenario
from sim.core.errors import ScenarioError
from sim.scenario.distribution import describe
from sim.scenario.schema import Table


def key_rows(path: Path, overrides=()) -> list[tuple[str, str, str]]:
    """(key, current value, allowed) for every key `--set` accepts on the scenario file.

    Parameters
    ----------
    path : Path
        The scenario file.
    overrides : sequence of str
        `--set` overrides applied first (their values are shown as current).

    Returns
    -------
    list of (str, str, str)
        In the file's order, tables first by name; dynamics parameters at the end.
    """
    data = scenario.apply_overrides(scenario.resolve_file(path), list(overrides))
    rows = []
    for key in scenario.leaf_paths(data):
        value = _get(data, key)
        if isinstance(value, dict) and "dist" not in value:
            continue
        rows.append((key, _shown(value), _allowed(data, key, path)))
    return rows


def render_keys(rows) -> str:
    """The rows as three aligned columns with a header."""
    width = max(len(k) for k, _, _ in rows)
    vwidth = min(40, max(len(v) for _, v, _ in rows))
    lines = [f"{'key':<{width}}  {'value':<{vwidth}}  allowed", f"{'-' * width}  {'-' * vwidth}  {'-' * 7}"]
    for k, v, a in rows:
        v = v if len(v) <= 40 else v[:37] + "..."
        lines.append(f"{k:<{width}}  {v:<{vwidth}}  {a}")
    return "\n".join(lines)


def _get(data, key: str):
    for part in key.split("."):
        data = data[part]
    return data


def _shown(value) -> str:
    """A value as the user would write it after `=`."""
    if isinstance(value, dict):
        try:
            return describe(Table({"v": value}, "-").value("v"))
        except ScenarioError:
            return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _allowed(data: dict, key: str, path: Path) -> str:
    """What the scenario's validation says `key` takes, found by offering it NaN."""
    probe = copy.deepcopy(data)
    parts = key.split(".")
    node = probe
    for part in parts[:-1]:
        node = node[part]
    node[parts[-1]] = float("nan")
    try:
        scenario.validate(probe, path)
    except ScenarioError as exc:
        if exc.keypath == key or exc.keypath.startswith((key + ".", key + "[")):
            return _plain(exc.allowed)
        return "see the scenario file"
    return "any text"


def _plain(allowed: str) -> str:
    """The validation's wording, shortened for a column: "must be a finite number in [0, 1]" ->
    "a number in [0, 1], or a distribution"."""
    text = allowed.removeprefix("must be ").removeprefix("expected ")
    if text.startswith("unknown actor; known: "):
        return "an actor id: " + text.removeprefix("unknown actor; known: ")
    text = text.replace("a finite number", "a number")
    if text.startswith("a number") and "dist" not in text:
        text += ", or a distribution"
    return text
