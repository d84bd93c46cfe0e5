"""The dashboard's model of a page, in plain Python (no Solara here, so it is unit-tested).

A page holds a base scenario file and a dict of *edits*: key path -> new value, only for
the parameters the analyst changed. Edits become `--set`-style override strings
(`actors.china.resolve=0.5`) and go through `scenario.load(path, overrides)`, the same
path as `alignsim run SCENARIO --set ...`, so the page, the command line and an exported
scenario file (see export.py) resolve to the same parameters and, with the same seed,
the same numbers.

Every input is validated here before it can reach the model: `parse_int`, `parse_amount`
and `check_edit` return a message for the page to show next to the field instead of
raising, and `compute` turns any error of a run into a message, so a bad value never
takes the server down.
"""

from __future__ import annotations

import atexit
import functools
import math
import re
import tempfile
import threading
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sim.engine import tables as results

from sim import scenario
from sim.scenario.actors import BEHAVIOUR
from sim.core.pairs import mutual
from sim.scenario.distribution import parse_value
from sim.engine.ensemble import Ensemble, run_ensemble
from sim.scenario.toml_out import toml_literal
from sim.core.errors import ScenarioError

DEFAULT_RUNS = 200
DEFAULT_SEED = 20250613          # the CLI's default, so a page and `alignsim run` agree unless told
MAX_RUNS = 5000                  # keeps one ensemble under ~250 MB and a page update within seconds
MAX_SEED = 2**63 - 1
from sim.figures.style import DASH  # noqa: E402  (re-exported for the page)

BEHAVIOUR_LABELS = {
    "sanctions_risk_tolerance": "Sanctions risk tolerance",
    "reliability": "Reliability",
    "resolve": "Resolve",
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
        for b in ("sanctions_risk_tolerance", "reliability", "resolve"):
            assert b in BEHAVIOUR
            out.append(Control(f"actors.{aid}.{b}", BEHAVIOUR_LABELS[b], aid, "share", 0.0, 1.0,
                               normalise(a.get(b)), BEHAVIOUR[b]))
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
    """(value, None) or (None, message) for a typed whole number."""
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
    except tomllib.TOMLDecodeError:
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


# --------------------------------------------------------------------------- scenarios


@dataclass(frozen=True)
class Entry:
    name: str
    path: Path
    title: str
    error: str | None = None


def catalog(folder, extra=()) -> list[Entry]:
    """Scenario files in `folder` (and any extra paths), each with its title or its error."""
    paths = sorted(Path(folder).glob("*.toml")) if folder and Path(folder).is_dir() else []
    seen = {p.resolve() for p in paths}
    for p in extra:
        p = Path(p)
        if p.resolve() not in seen:
            paths.append(p)
            seen.add(p.resolve())
    out = []
    for p in paths:
        try:
            s = scenario.load(p)
            out.append(Entry(p.stem, p, s.title))
        except ScenarioError as exc:
            out.append(Entry(p.stem, p, p.stem, str(exc)))
        except Exception as exc:   # noqa: BLE001 - a broken file must not hide the others
            out.append(Entry(p.stem, p, p.stem, f"{type(exc).__name__}: {exc}"))
    return out


def chain(path) -> list[Path]:
    """The file and the files it extends, child first."""
    out, p = [], Path(path).resolve()
    while p not in out and p.is_file():
        out.append(p)
        try:
            parent = scenario.read_toml(p).get("extends")
        except ScenarioError:
            break
        if not isinstance(parent, str):
            break
        p = (p.parent / parent).resolve()
    return out


def stamp(path) -> tuple:
    """Changes whenever a file of the extends chain changes (for caches)."""
    return tuple((str(p), p.stat().st_mtime_ns) for p in chain(path))


@dataclass
class Base:
    """A base scenario file as the page shows it."""
    path: Path
    data: dict                      # the resolved file (extends merged)
    scen: scenario.Scenario         # loaded without overrides
    controls: list[Control]

    @classmethod
    def load(cls, path) -> "Base":
        path = Path(path)
        data = scenario.resolve_file(path)
        scen = scenario.load(path)
        return cls(path, data, scen, controls(data))

    def control(self, key: str) -> Control:
        for c in self.controls:
            if c.key == key:
                return c
        raise KeyError(key)

    @property
    def actor_groups(self) -> list[tuple[str, str, list[Control]]]:
        names = self.scen.display
        return [(aid, names[aid], [c for c in self.controls if c.group == aid]) for aid in self.scen.actor_ids]

    @property
    def shock_controls(self) -> list[tuple[Control, Control]]:
        sw = [c for c in self.controls if c.kind == "switch"]
        return [(s, self.control(s.key.rsplit(".", 1)[0] + ".intensity")) for s in sw]


# ---- the one load path: scenario.load(path, overrides), as `alignsim run --set`

def load(path, overrides=()) -> scenario.Scenario:
    """scenario.load(path, overrides): exactly what `alignsim run PATH --set ...` loads."""
    return scenario.load(Path(path), tuple(overrides))


@atexit.register
def _cleanup() -> None:
    import shutil
    for out in list(_FOLDERS.values()):
        shutil.rmtree(out.parent, ignore_errors=True)


# --------------------------------------------------------------------------- results


@dataclass
class Result:
    """One ensemble as the page shows it, with the base scenario's for comparison."""
    scen: scenario.Scenario
    ens: Ensemble
    overrides: tuple[str, ...]
    q: np.ndarray                     # (5, T+1, N, N) quantiles of mutual alignment (as quantiles.csv)
    base_q: np.ndarray | None         # the same for the base scenario (None when nothing changed)
    seconds: float
    _mut: dict = field(default_factory=dict, repr=False)

    @property
    def runs(self) -> int:
        return self.ens.runs

    @property
    def seed(self) -> int:
        return self.ens.seed

    @property
    def dates(self) -> list[str]:
        return [self.scen.date(t) for t in range(self.ens.steps + 1)]

    def mutual_at(self, t: int) -> np.ndarray:
        if t not in self._mut:
            self._mut[t] = mutual(self.ens.alignment[:, t].astype(np.float64))
        return self._mut[t]


QCOLS = results.QCOLS


def mutual_quantiles(e: Ensemble) -> np.ndarray:
    """Quantiles over runs of mutual alignment, (5, T+1, N, N), computed as `alignsim run`
    computes quantiles.csv (sim.engine.folder: float64 mutual alignment of the stored float32
    directed alignment, numpy's default quantile), so the page shows the file's numbers."""
    return np.quantile(mutual(e.alignment.astype(np.float64)), results.QUANTILES, axis=0)


@functools.lru_cache(maxsize=4)
def _ensemble(path: str, st: tuple, overrides: tuple, runs: int, seed: int):
    scen = load(path, overrides)
    e = run_ensemble(scen, runs, seed)
    return scen, e, mutual_quantiles(e)


_COMPUTE_LOCK = threading.Lock()


def compute(path, overrides, runs: int, seed: int) -> Result:
    """The page's ensemble (cached by file contents, overrides, runs and seed)."""
    t0 = time.perf_counter()
    path = str(Path(path))
    st = stamp(path)
    overrides = tuple(overrides)
    with _COMPUTE_LOCK:
        scen, e, q = _ensemble(path, st, overrides, runs, seed)
        base_q = _ensemble(path, st, (), runs, seed)[2] if overrides else None
    return Result(scen, e, overrides, q, base_q, time.perf_counter() - t0)


@dataclass(frozen=True)
class PairRow:
    a: str
    b: str
    label: str
    q05: float
    q25: float
    q50: float
    q75: float
    q95: float
    above: float                  # share of runs with mutual alignment > 0.5
    below: float                  # share of runs < -0.5
    base_q50: float | None


def pair_rows(r: Result, pairs, t: int) -> list[PairRow]:
    ids = list(r.scen.actor_ids)
    names = r.scen.display
    m = r.mutual_at(t)
    out = []
    for a, b in pairs:
        i, j = sorted((ids.index(a), ids.index(b)))
        v = m[:, i, j]
        qs = r.q[:, t, i, j]
        out.append(PairRow(ids[i], ids[j], f"{names[ids[i]]} {DASH} {names[ids[j]]}",
                           *(float(x) for x in qs), float((v > 0.5).mean()), float((v < -0.5).mean()),
                           None if r.base_q is None else float(r.base_q[2, t, i, j])))
    return out


def all_pairs(scen) -> list[tuple[str, str]]:
    ids = list(scen.actor_ids)
    return [(a, b) for k, a in enumerate(ids) for b in ids[k + 1:]]


def pair_label(scen, p) -> str:
    n = scen.display
    return f"{n[p[0]]} {DASH} {n[p[1]]}"


def default_pairs(scen) -> list[tuple[str, str]]:
    ids = list(scen.actor_ids)
    return [tuple(sorted(p, key=ids.index)) for p in scen.key_pairs]


# --------------------------------------------------------------------------- downloads

_FOLDERS: dict = {}
_FOLDERS_LOCK = threading.Lock()
_KEEP_FOLDERS = 3


def result_folder(path, overrides, runs: int, seed: int) -> Path:
    """A result folder written by the same run function as `alignsim run` (sim.engine.run), for
    the page's settings: the downloads are the files the command writes. Its manifest records the
    page as the request, with its changed values. The last few folders are kept, older ones
    removed."""
    import shutil

    from sim.analysis.reducers import coalitions_and_balance
    from sim.engine.run import RunOptions, run_to_folder
    key = (str(Path(path).resolve()), stamp(path), tuple(overrides), int(runs), int(seed))
    with _FOLDERS_LOCK:
        if key in _FOLDERS and (_FOLDERS[key] / "manifest.json").exists():
            return _FOLDERS[key]
        out = Path(tempfile.mkdtemp(prefix="alignsim-dashboard-run-")) / "result"
        scen = scenario.load(path, tuple(overrides))
        request = {"request": {"from": "alignsim dashboard", "scenario": str(path), "changes": list(overrides),
                               "same_as": command(Path(path).stem, runs, seed, overrides)}}
        try:
            run_to_folder(scen, out, RunOptions(runs=int(runs), seed=int(seed), reducer=coalitions_and_balance,
                                                request=request, overrides=tuple(overrides)))
        except BaseException:
            shutil.rmtree(out.parent, ignore_errors=True)
            raise
        _FOLDERS[key] = out
        while len(_FOLDERS) > _KEEP_FOLDERS:
            old = _FOLDERS.pop(next(iter(_FOLDERS)))
            shutil.rmtree(old.parent, ignore_errors=True)
        return out


def _folder_of(r: "Result") -> Path:
    return result_folder(r.scen.path, r.overrides, r.runs, r.seed)


def quantiles_csv(r: Result) -> bytes:
    """quantiles.csv as `alignsim run` writes it for the page's settings."""
    return (_folder_of(r) / "quantiles.csv").read_bytes()


def final_csv(r: Result) -> bytes:
    return (_folder_of(r) / "final.csv").read_bytes()


def tables_zip(r: Result) -> bytes:
    """Every table and the manifest of the `alignsim run` folder (not the arrays)."""
    import io
    import zipfile
    folder = _folder_of(r)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(folder.iterdir()):
            if p.suffix in (".csv", ".json"):
                z.write(p, p.name)
    return buf.getvalue()


def command(base_name: str, runs: int, seed: int, overrides=()) -> str:
    """The equivalent `alignsim run` command line."""
    parts = ["alignsim", "run", base_name, "--runs", str(runs), "--seed", str(seed)]
    for o in overrides:
        k, v = o.split("=", 1)
        parts += ["--set", _shell_quote(f"{k}={v}")]
    return " ".join(parts)


def _shell_quote(s: str) -> str:
    return s if re.fullmatch(r"[A-Za-z0-9_.=+-]+", s) else "'" + s.replace("'", "'\"'\"'") + "'"

