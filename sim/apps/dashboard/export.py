"""'Save as scenario': a TOML file that `extends` the base and holds only the changed values.

The writer is hand-written rather than tomli-w: what it writes is a handful of scalar,
boolean and flat inline-table values under `[actors.ID]` / `[shocks.NAME]` tables, which
the twenty lines of `sim.scenario.toml_out.toml_literal` cover, and it keeps comments (provenance, the
command that reproduces the page) that tomli-w cannot write. Every file written is read
back with tomllib and loaded with scenario.load before it is kept (see `save`).
"""

from __future__ import annotations

import dataclasses
import os
import re
import time
import tomllib
from pathlib import Path

from sim import scenario
from sim.core.errors import ScenarioError
from sim.scenario.toml_out import toml_key, toml_literal
from sim.apps.dashboard import params, state

NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def check_name(name: str, folder) -> str | None:
    """None if `name` may be saved as folder/name.toml, else why not (one line)."""
    if not name or not name.strip():
        return "enter a name for the new scenario"
    name = name.strip()
    if not NAME.match(name):
        return "use lower-case letters, digits and _ (starting with a letter), e.g. china_tolerant"
    if folder is None or not Path(folder).is_dir():
        return f"no scenario folder to save into ({folder})"
    if (Path(folder) / f"{name}.toml").exists():
        return f"{name}.toml already exists in {folder}; choose another name"
    return None


def _split(key: str) -> tuple[str, str]:
    """'actors.china.salience.world_order' -> ('actors.china', 'salience.world_order')."""
    parts = key.split(".")
    cut = 2 if len(parts) >= 3 else len(parts) - 1
    return ".".join(parts[:cut]), ".".join(toml_key(p) for p in parts[cut:])


def scenario_text(base: state.Base, edits: dict, *, name: str, title: str, extends: str,
                  runs: int, seed: int, run_path: str) -> str:
    """The TOML text of an exported scenario.

    Parameters
    ----------
    base : the page's base scenario.
    edits : the page's changes, key path -> value.
    name, title : the new scenario's name and title.
    extends : the `extends` value: the base file relative to where the text is saved.
    runs, seed, run_path : for the comment saying how to reproduce the page's numbers.
    """
    lines = params.override_lines(base.controls, edits)
    changed = [ln.split("=", 1)[0] for ln in lines]
    desc = (f"{base.scen.title}, changed in the alignsim dashboard: "
            + (", ".join(changed) if changed else "no changes") + ".")
    out = [
        f"# {title}",
        f"# Saved by the alignsim dashboard on {time.strftime('%Y-%m-%d %H:%M')} from {base.path.name}.",
        "# Only the values changed on the page are here; everything else comes from the file it extends.",
        f"# The page showed {runs} runs with seed {seed}; to reproduce its numbers:",
        f"#   alignsim run {run_path} --runs {runs} --seed {seed}",
        f"extends = {toml_literal(extends)}",
        "",
        "[scenario]",
        f"name = {toml_literal(name)}",
        f"title = {toml_literal(title)}",
        f"description = {toml_literal(desc)}",
    ]
    tables: dict[str, list[str]] = {}
    for c in base.controls:
        if c.key in edits:
            table, key = _split(c.key)
            was = params.describe(c.base)
            tables.setdefault(table, []).append(
                f"{key} = {toml_literal(edits[c.key])}    # was {was}")
    for table, rows in tables.items():
        out += ["", f"[{table}]", *rows]
    return "\n".join(out) + "\n"


def run_name(path) -> str:
    """How to name a scenario file to `alignsim run`: its stem if it is in ./scenarios, where the
    command looks names up, else its path."""
    path = Path(path)
    return path.stem if path.parent.resolve() == Path("scenarios").resolve() else str(path)


def relative_extends(base_path, dest_folder) -> str:
    """The `extends` value that reaches the base file from a file saved in dest_folder."""
    rel = os.path.relpath(Path(base_path).resolve(), Path(dest_folder).resolve())
    return Path(rel).as_posix()


def save(base: state.Base, edits: dict, folder, name: str, title: str, runs: int, seed: int) -> Path:
    """Write folder/name.toml, check it, and return its path.

    Parameters
    ----------
    base : the page's base scenario.
    edits : the page's changes, key path -> value.
    folder, name : where to save: folder/name.toml, which must not exist yet.
    title : the saved scenario's title (default: the name with spaces).
    runs, seed : the page's settings, written into the file's comments.

    Raises
    ------
    ScenarioError : with a one-line reason: a bad name, an existing file, or a file that would
        not reproduce the page.
    """
    msg = check_name(name, folder)
    if msg:
        raise ScenarioError(folder, "name", name, msg)
    name = name.strip()
    folder = Path(folder)
    dest = folder / f"{name}.toml"
    text = scenario_text(base, edits, name=name, title=title.strip() or name.replace("_", " "),
                         extends=relative_extends(base.path, folder), runs=runs, seed=seed,
                         run_path=run_name(dest))
    tomllib.loads(text)   # our own writer's output must parse
    tmp = folder / f".{name}.toml.tmp"
    tmp.write_text(text)
    try:
        problem = verify(tmp, base.path, params.override_lines(base.controls, edits))
        if problem:
            raise ScenarioError(dest, None, name, problem)
        if dest.exists():   # raced with another save
            raise ScenarioError(dest, None, name, "already exists; choose another name")
        tmp.replace(dest)
    finally:
        tmp.unlink(missing_ok=True)
    return dest


def verify(path, base_path, overrides) -> str | None:
    """None if `path` loads to the same parameters (and calibration reference) as the base
    with the overrides, i.e. `alignsim run path` reproduces the page; else what differs."""
    try:
        saved = scenario.load(path)
    except ScenarioError as exc:
        return f"the saved file does not load: {exc}"
    page = state.load(base_path, overrides)
    if _params(saved) != _params(page):
        return "the saved file resolves to different parameters than the page (please report this)"
    ref_a, ref_b = saved.reference or saved, page.reference or page
    if _params(ref_a) != _params(ref_b):
        return ("the saved file would calibrate on a different reference scenario than the page "
                "(the base adds actors to the file it extends); run the base with --set instead")
    return None


_SKIP = {"path", "name", "title", "description", "resolved", "reference"}


def _params(s: scenario.Scenario) -> tuple:
    return tuple(getattr(s, f.name) for f in dataclasses.fields(s) if f.name not in _SKIP)
