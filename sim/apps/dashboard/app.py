"""The alignsim dashboard: a Solara app, served by `alignsim dashboard` (see serve.py).

Which parts are Mesa and which are plain Solara:

* Single-run view (route /single-run) - Mesa's SolaraViz (mesa.visualization): one
  AlignmentModel run stepped with Mesa's own controls and parameter panel, with our
  components (single_run.py).
* Ensemble view (route /) - plain Solara components. SolaraViz drives one model instance
  step by step; this view re-runs a Monte Carlo ensemble through sim.engine.ensemble on every
  change, shows quantiles across runs and the base scenario for comparison, and exports
  files, none of which SolaraViz's model/step/reset loop provides.

State: module-level solara.reactive values are per browser session (Solara keeps one
value per kernel), so two analysts on one server do not see each other's edits. The
committed state is always valid: a typed value is checked before it is committed, and an
invalid one is kept only as the field's text, with its message shown under the field.
"""

from __future__ import annotations

import html
import logging
import os
import traceback
import warnings
from pathlib import Path

import reacton.ipyvuetify as rv
import solara
import solara.lab

from sim.core.errors import ScenarioError
from sim.apps.dashboard import export, state
from sim.figures import dashboard as charts

log = logging.getLogger("alignsim.dashboard")

FOLDER = Path(os.environ.get("ALIGNSIM_DASHBOARD_DIR") or "scenarios")
_INITIAL = os.environ.get("ALIGNSIM_DASHBOARD_SCENARIO") or ""
EXTRA = (Path(_INITIAL),) if _INITIAL else ()


def _initial_path() -> str:
    cat = [e for e in state.catalog(FOLDER, EXTRA) if e.error is None]
    if _INITIAL:
        return str(Path(_INITIAL))
    for e in cat:
        if e.name == "june_war_pivot":
            return str(e.path)
    return str(cat[0].path) if cat else ""


# ------------------------------------------------------------------ session state
selected = solara.reactive(_initial_path())     # base scenario file
edits = solara.reactive({})                     # key path -> value, changed parameters only
bad = solara.reactive({})                       # key -> (text, message): rejected typed values
runs = solara.reactive(state.DEFAULT_RUNS)
seed = solara.reactive(state.DEFAULT_SEED)
pairs_sel = solara.reactive(None)               # None: the scenario's key pairs
step_sel = solara.reactive(None)                # None: the horizon
save_msg = solara.reactive(None)                # (kind, text) after "Save as scenario"
catalog_version = solara.reactive(0)

CSS = """
.alignsim-summary table { border-collapse: collapse; width: 100%; font-size: 13px; }
.alignsim-summary th, .alignsim-summary td { padding: 3px 8px; text-align: right; border-bottom: 1px solid #e4e4e4; }
.alignsim-summary th:first-child, .alignsim-summary td:first-child { text-align: left; }
.alignsim-summary td.median { font-weight: 600; }
.alignsim-summary .up { color: #1a6e3a; } .alignsim-summary .down { color: #b03a48; }
.alignsim-param { margin: 2px 0 6px 0; }
.alignsim-param .plabel { font-size: 12.5px; }
.alignsim-param .pvalue { font-size: 12.5px; font-variant-numeric: tabular-nums; color: #333; }
.alignsim-param.changed .plabel { font-weight: 700; color: #1f4e99; }
.alignsim-param .pnote { font-size: 11px; color: #777; }
.alignsim-cmd { font-family: monospace; font-size: 11.5px; white-space: pre-wrap; word-break: break-all;
  background: #f5f5f5; padding: 6px; border-radius: 4px; }
.alignsim-error { color: #b00020; font-size: 12.5px; }
.alignsim-run-log { font-size: 13px; max-height: 385px; overflow-y: auto; }
.alignsim-run-matrix, .alignsim-run-trajectory { width: auto !important; max-width: 100%; max-height: 385px; }
.alignsim-run-log li.now { font-weight: 700; color: #b03a48; }
.alignsim-actions th { text-align: left; padding-right: 10px; vertical-align: top; white-space: nowrap; }
.alignsim-actions caption { text-align: left; font-weight: 700; padding: 6px 0 2px 0; }
.v-navigation-drawer { width: 390px !important; }
"""


def reset_page_state(path: str | None = None) -> None:
    if path is not None:
        selected.set(path)
    edits.set({})
    bad.set({})
    pairs_sel.set(None)
    step_sel.set(None)
    save_msg.set(None)


# ------------------------------------------------------------------ small widgets


@solara.component
def CommitSlider(value: float, on_commit, lo: float, hi: float, step: float = 0.01, classes=(), thumb_label=True):
    """A slider that reports its value when released (Vuetify's `change`), not while it
    is dragged, so one drag runs one ensemble. Plain ipyvuetify; SolaraViz has no
    equivalent for the ensemble view."""
    el = rv.Slider(v_model=value, min=lo, max=hi, step=step, thumb_label=thumb_label, hide_details=True,
                   dense=True, class_=" ".join(["alignsim-slider", *classes]))

    def changed(widget, event, data):
        try:
            on_commit(round(float(data), 6))
        except (TypeError, ValueError):
            pass
    rv.use_event(el, "change", changed)
    return el


@solara.component
def CommitRangeSlider(value: tuple, on_commit, lo: float, hi: float, step: float = 0.01, classes=()):
    el = rv.RangeSlider(v_model=list(value), min=lo, max=hi, step=step, thumb_label=True, hide_details=True,
                        dense=True, class_=" ".join(["alignsim-range", *classes]))

    def changed(widget, event, data):
        try:
            a, b = (round(float(x), 6) for x in data)
            on_commit((min(a, b), max(a, b)))
        except (TypeError, ValueError):
            pass
    rv.use_event(el, "change", changed)
    return el


def _commit(c: state.Control, value) -> None:
    msg = state.check_edit(c, value)
    if msg:
        bad.set({**bad.value, c.key: (state.describe(value), msg)})
        return
    b = dict(bad.value)
    b.pop(c.key, None)
    bad.set(b)
    edits.set(state.set_edit(edits.value, c, value))
    save_msg.set(None)


def _reset(keys) -> None:
    e, b = dict(edits.value), dict(bad.value)
    for k in keys:
        e.pop(k, None)
        b.pop(k, None)
    edits.set(e)
    bad.set(b)


def _fmt(v) -> str:
    if isinstance(v, bool):
        return "on" if v else "off"
    if isinstance(v, dict):
        if v.get("dist") == "uniform":
            return f"{v['low']:g}{state.DASH}{v['high']:g}"
        return state.describe(v)
    return f"{float(v):g}"


@solara.component
def ParamControl(c: state.Control):
    """One parameter: label, value, the control, a reset link and any message."""
    value = edits.value.get(c.key, c.base)
    changed = c.key in edits.value
    err = bad.value.get(c.key)
    classes = ["alignsim-param", c.slug] + (["changed"] if changed else [])
    with solara.Column(gap="0px", classes=classes):
        with solara.Row(justify="space-between", style={"align-items": "center"}):
            solara.Text(c.label + (" \u2022" if changed else ""), classes=["plabel"])
            with solara.Row(gap="4px", style={"align-items": "center"}):
                if c.kind != "amount":
                    solara.Text(_fmt(value), classes=["pvalue"])
                if changed or err:
                    solara.Button("reset", text=True, small=True, classes=["reset"],
                                  on_click=lambda: _reset([c.key]),
                                  style={"min-width": "0", "padding": "0 4px", "height": "20px"})
        if c.kind == "amount":
            text = err[0] if err else state.amount_text(value)

            def typed(t, c=c):
                v, msg = state.parse_amount(c, t)
                if msg:
                    bad.set({**bad.value, c.key: (t, msg)})
                else:
                    _commit(c, v)
            solara.InputText("", value=text, on_value=typed, error=err[1] if err else False, dense=True,
                             classes=["alignsim-input"], message=None, hide_details="auto",
                             placeholder=f"number >= {c.lo:g}")
        elif c.kind == "share":
            is_uniform = isinstance(value, dict) and value.get("dist") == "uniform"
            if c.uniform and (is_uniform or not isinstance(value, dict)):
                lo_hi = (value["low"], value["high"]) if isinstance(value, dict) else (float(value), float(value))

                def ranged(v, c=c):
                    a, b = v
                    _commit(c, a if a == b else {"dist": "uniform", "low": a, "high": b})
                CommitRangeSlider(lo_hi, ranged, c.lo, c.hi, classes=[c.slug + "-slider"])
            else:
                CommitSlider(state.nominal(value), lambda v, c=c: _commit(c, v), c.lo, c.hi,
                             classes=[c.slug + "-slider"])
                if isinstance(value, dict):
                    solara.Text(f"uncertain: {state.describe(value)}; moving the slider fixes one value",
                                classes=["pnote"])
            if c.uniform and not changed:
                solara.Text("uncertain: uniform between the handles, drawn per run",
                            classes=["pnote"])
        if err and c.kind != "amount":
            solara.Text(err[1], classes=["alignsim-error"])


@solara.component
def ShockControl(sw: state.Control, inten: state.Control):
    on = edits.value.get(sw.key, sw.base)
    changed = sw.key in edits.value
    with solara.Column(gap="0px", classes=["alignsim-param", sw.slug] + (["changed"] if changed else [])):
        with solara.Column(gap="0px", classes=["alignsim-shock-toggle"]):
            solara.Checkbox(label=f"{sw.label} ({sw.note})", value=bool(on),
                            on_value=lambda v: _commit(sw, bool(v)))
        if on:
            ParamControl(inten)


# ------------------------------------------------------------------ sidebar


@solara.component
def ScenarioPicker(cat):
    valid = [e for e in cat if e.error is None]
    by_label = {f"{e.name} \u2014 {e.title}": str(e.path) for e in valid}
    current = next((lab for lab, p in by_label.items() if Path(p).resolve() == Path(selected.value).resolve()), None)

    def pick(label):
        if label in by_label and by_label[label] != selected.value:
            reset_page_state(by_label[label])
    solara.Select("Scenario", values=list(by_label), value=current, on_value=pick, classes=["alignsim-scenario"])
    broken = [e for e in cat if e.error]
    if broken:
        with solara.Details(f"{len(broken)} file(s) in {FOLDER} could not be loaded"):
            for e in broken:
                solara.Text(f"{e.name}: {e.error}", classes=["alignsim-error"])


@solara.component
def RunSettings():
    runs_err = bad.value.get("runs")
    seed_err = bad.value.get("seed")

    def set_int(which, reactive, lo, hi, what):
        def handler(text):
            v, msg = state.parse_int(text, lo, hi, what)
            b = dict(bad.value)
            if msg:
                b[which] = (text, msg)
                bad.set(b)
                return
            b.pop(which, None)
            bad.set(b)
            reactive.set(v)
        return handler
    with solara.Row(gap="8px"):
        solara.InputText("Runs", value=runs_err[0] if runs_err else str(runs.value),
                         on_value=set_int("runs", runs, 1, state.MAX_RUNS, "number of runs"),
                         error=runs_err[1] if runs_err else False, classes=["alignsim-runs"],
                         style={"max-width": "110px"})
        solara.InputText("Seed", value=seed_err[0] if seed_err else str(seed.value),
                         on_value=set_int("seed", seed, 0, state.MAX_SEED, "seed"),
                         error=seed_err[1] if seed_err else False, classes=["alignsim-seed"])


@solara.component
def Controls(base: state.Base):
    n = {g: sum(1 for c in base.controls if c.group == g and c.key in edits.value)
         for g in [*base.scen.actor_ids, "shocks"]}
    with rv.ExpansionPanels(multiple=True, accordion=True, flat=True, class_="alignsim-panels"):
        for aid, name, ctrls in base.actor_groups:
            with rv.ExpansionPanel(class_=f"alignsim-actor-{aid}"):
                rv.ExpansionPanelHeader(children=[f"{name}" + (f"  \u2022 {n[aid]} changed" if n[aid] else "")],
                                        class_="py-1")
                with rv.ExpansionPanelContent():
                    for c in ctrls:
                        ParamControl(c)
                    if n[aid]:
                        solara.Button(f"Reset {name}", text=True, small=True,
                                      on_click=lambda ctrls=ctrls: _reset([c.key for c in ctrls]))
        with rv.ExpansionPanel(class_="alignsim-shocks"):
            rv.ExpansionPanelHeader(children=["Shocks" + (f"  \u2022 {n['shocks']} changed" if n["shocks"] else "")],
                                    class_="py-1")
            with rv.ExpansionPanelContent():
                for sw, inten in base.shock_controls:
                    ShockControl(sw, inten)


# ------------------------------------------------------------------ main area


def _compute(path, overrides, n_runs, sd):
    try:
        return state.compute(path, overrides, n_runs, sd), None
    except ScenarioError as exc:
        return None, str(exc)
    except Exception as exc:   # noqa: BLE001 - shown on the page; the server keeps serving
        log.error("ensemble failed:\n%s", traceback.format_exc())
        return None, f"the run failed: {type(exc).__name__}: {exc}"


def _draw(fn, *args):
    try:
        return fn(*args), None
    except Exception as exc:   # noqa: BLE001
        log.error("figure failed:\n%s", traceback.format_exc())
        return None, f"{type(exc).__name__}: {exc}"


def _download(fn, r) -> bytes:
    """A download's bytes; a failure becomes a one-line text file, not a dead button."""
    try:
        return fn(r)
    except Exception as exc:   # noqa: BLE001
        log.error("download failed:\n%s", traceback.format_exc())
        return f"alignsim dashboard: could not produce this file: {exc}\n".encode()


def summary_html(rows, date: str, changed: bool) -> str:
    esc = html.escape
    head = ("<tr><th>Pair</th><th>Median</th><th>50% of runs</th><th>90% of runs</th>"
            "<th>P(&gt; 0.5)</th><th>P(&lt; &minus;0.5)</th>"
            + ("<th>Base median</th><th>Change</th>" if changed else "") + "</tr>")
    body = []
    for r in rows:
        pid = f"{r.a}-{r.b}"
        cells = [f"<td>{esc(r.label)}</td>",
                 f'<td class="median" data-pair="{pid}">{r.q50:+.3f}</td>',
                 f"<td>{r.q25:+.2f} to {r.q75:+.2f}</td>",
                 f"<td>{r.q05:+.2f} to {r.q95:+.2f}</td>",
                 f"<td>{r.above:.0%}</td>", f"<td>{r.below:.0%}</td>"]
        if changed and r.base_q50 is not None:
            d = r.q50 - r.base_q50
            cls = "up" if d > 0.005 else "down" if d < -0.005 else ""
            cells += [f'<td class="base" data-pair="{pid}">{r.base_q50:+.3f}</td>',
                      f'<td class="delta {cls}" data-pair="{pid}">{d:+.3f}</td>']
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<table data-date="{esc(date)}"><caption style="text-align:left;font-weight:600;padding-bottom:4px">'
            f"Mutual alignment in {esc(date)} across runs</caption>{head}{''.join(body)}</table>")


@solara.component
def ExportCard(base: state.Base, result, overrides):
    name = solara.use_reactive(f"{base.path.stem}_custom")
    title = solara.use_reactive("")
    name_err = export.check_name(name.value, FOLDER)

    def do_save():
        try:
            p = export.save(base, edits.value, FOLDER, name.value, title.value, runs.value, seed.value)
            run_arg = p.stem if FOLDER.resolve() == Path("scenarios").resolve() else str(p)
            save_msg.set(("ok", f"Saved {p}. Reproduce the page with:\nalignsim run {run_arg} "
                                f"--runs {runs.value} --seed {seed.value}"))
            catalog_version.set(catalog_version.value + 1)
        except ScenarioError as exc:
            save_msg.set(("error", exc.allowed if exc.keypath in ("name", "(top level)") else str(exc)))
        except Exception as exc:   # noqa: BLE001
            log.error("save failed:\n%s", traceback.format_exc())
            save_msg.set(("error", f"could not save: {type(exc).__name__}: {exc}"))

    def toml_bytes():
        return export.scenario_text(base, edits.value, name=name.value.strip() or "custom",
                                    title=title.value.strip() or name.value.strip(),
                                    extends=base.path.name, runs=runs.value, seed=seed.value,
                                    run_path=f"{name.value.strip() or 'custom'}.toml").encode()

    with solara.Card("Save and download", classes=["alignsim-export"]):
        with solara.Row(gap="8px", style={"align-items": "baseline"}):
            solara.InputText("New scenario name", value=name, continuous_update=True,
                             error=name_err if (name.value and name_err) else False, classes=["alignsim-save-name"])
            solara.InputText("Title (optional)", value=title, continuous_update=True, classes=["alignsim-save-title"])
        with solara.Row(gap="8px", style={"flex-wrap": "wrap"}):
            solara.Button("Save as scenario", color="primary", on_click=do_save, disabled=bool(name_err),
                          classes=["alignsim-save"])
            solara.FileDownload(toml_bytes, filename=f"{name.value.strip() or 'custom'}.toml",
                                label="Download .toml", mime_type="application/toml")
            if result is not None:
                stem = f"{base.path.stem}_{result.runs}runs_seed{result.seed}"
                solara.FileDownload(lambda r=result: _download(state.quantiles_csv, r),
                                    filename=f"{stem}_quantiles.csv", label="quantiles.csv", mime_type="text/csv")
                solara.FileDownload(lambda r=result: _download(state.final_csv, r), filename=f"{stem}_final.csv",
                                    label="final.csv", mime_type="text/csv")
                solara.FileDownload(lambda r=result: _download(state.tables_zip, r), filename=f"{stem}_tables.zip",
                                    label="all tables (.zip)", mime_type="application/zip")
        if save_msg.value:
            kind, text = save_msg.value
            (solara.Success if kind == "ok" else solara.Error)(text, classes=["alignsim-save-msg"])
        solara.Text(f"Saves into {FOLDER}/ a file that extends {base.path.name} with only the "
                    f"{len(overrides)} changed value(s). The downloads are written by `alignsim run` "
                    "itself for the page's settings and seed.", classes=["pnote"])
        if overrides:
            solara.Text("The same runs from the command line:", classes=["pnote"])
            cmd = state.command(base.path.stem if base.path.parent.resolve() == Path("scenarios").resolve()
                                else str(base.path), runs.value, seed.value, overrides)
            solara.HTML(tag="div", unsafe_innerHTML=html.escape(cmd), classes=["alignsim-cmd"])


@solara.component
def EnsembleView():
    """Scenario, settings and parameters in the side panel; the results in `Results`,
    a separate component so that a running task re-renders the results only, not the
    sixty-odd parameter controls."""
    cat = solara.use_memo(lambda: state.catalog(FOLDER, EXTRA), [catalog_version.value])
    path = selected.value

    def load_base():
        try:
            return state.Base.load(path), None
        except ScenarioError as exc:
            return None, str(exc)
        except Exception as exc:   # noqa: BLE001
            return None, f"{type(exc).__name__}: {exc}"
    st = state.stamp(path) if path and Path(path).exists() else ()
    base, base_err = solara.use_memo(load_base, [path, st])

    solara.Style(CSS)
    with solara.Sidebar():
        ScenarioPicker(cat)
        RunSettings()
        if base is not None:
            n = len(edits.value)
            with solara.Row(justify="space-between", style={"align-items": "center"}):
                solara.Text(f"{n} parameter(s) changed from {base.path.name}" if n else
                            f"Parameters of {base.path.name}", classes=["alignsim-nchanged"])
                if n:
                    solara.Button("Reset all", text=True, small=True, on_click=lambda: _reset(list(edits.value)))
            Controls(base)
    if base is None:
        solara.Error(f"Cannot load the scenario: {base_err}" if base_err else
                     f"No scenario: put scenario files in {FOLDER}/ or pass one to `alignsim dashboard`.")
        return
    overrides = tuple(state.override_lines(base.controls, edits.value))
    Results(base, overrides, runs.value, seed.value)


@solara.component
def Results(base: state.Base, overrides: tuple, n_runs: int, sd: int):
    # All hooks first (Solara's rules of hooks), then what to show.
    params = (str(base.path), overrides, n_runs, sd)
    task = solara.lab.use_task(lambda: _compute(*params), dependencies=[params], raise_error=False)
    last = solara.use_ref(None)        # last good Result, shown while a new one runs
    run_error = None
    if task.finished and task.value is not None:
        res, run_error = task.value
        if res is not None and (last.current is None or last.current.ens is not res.ens):
            last.current = res
    result = last.current
    if result is not None and Path(result.scen.path).resolve() != base.path.resolve():
        result = None                  # a result of the previous scenario

    ids = list(base.scen.actor_ids)
    choice = pairs_sel.value if pairs_sel.value is not None else state.default_pairs(base.scen)
    choice = [tuple(p) for p in choice if p[0] in ids and p[1] in ids]
    horizon = base.scen.steps
    t = horizon if step_sel.value is None else min(max(0, step_sel.value), horizon)

    fan = solara.lab.use_task(lambda: _draw(charts.fan_png, result, choice, t) if result and choice else (None, None),
                              dependencies=[id(result), tuple(choice), t], raise_error=False)
    maps = solara.lab.use_task(
        lambda: ((_draw(charts.heatmap_png, result, t), _draw(charts.network_png, result, t))
                 if result else ((None, None), (None, None))),
        dependencies=[id(result), t], raise_error=False)
    fan_last, maps_last = solara.use_ref(None), solara.use_ref(None)
    if fan.finished and fan.value is not None:
        fan_last.current = fan.value
    if maps.finished and maps.value is not None:
        maps_last.current = maps.value
    busy = task.pending or fan.pending or maps.pending

    # ---- header
    with solara.Column(gap="4px"):
        solara.HTML(tag="h2", unsafe_innerHTML=html.escape(base.scen.title), style={"margin": "0"})
        if base.scen.description:
            solara.Text(" ".join(base.scen.description.split()), style={"color": "#555", "font-size": "13px"})
        solara.ProgressLinear(busy)
        if result is not None:
            prefix = "Updating\u2026 " if busy else ""
            status = (f"{prefix}{result.runs} runs \u00d7 {result.ens.steps} months, "
                      f"seed {result.seed}; ensemble in {result.ens.timings['wall_seconds']:.2f} s; "
                      f"{len(result.overrides)} change(s) from {base.path.name}")
            solara.Text(status, classes=["alignsim-status"] + (["busy"] if busy else ["ready"]),
                        style={"font-size": "12.5px", "color": "#444"})
        if run_error:
            solara.Error(f"These settings cannot be run: {run_error}. The figures show the last valid settings.",
                         classes=["alignsim-run-error"])
        if bad.value:
            solara.Warning("Some inputs are not valid (see the messages in the side panel); "
                           "the figures show the last valid values.", classes=["alignsim-input-warning"])

    if result is None:
        solara.Text("Running the ensemble\u2026" if busy else "No result yet.")
        return

    # ---- selectors
    labels = {state.pair_label(base.scen, p): p for p in state.all_pairs(base.scen)}
    with solara.Row(gap="24px", style={"align-items": "center", "flex-wrap": "wrap"}):
        with solara.Column(style={"min-width": "420px", "flex": "2"}):
            solara.SelectMultiple("Pairs in the fan chart and table",
                                  values=[state.pair_label(base.scen, p) for p in choice],
                                  all_values=list(labels),
                                  on_value=lambda v: pairs_sel.set([labels[x] for x in v if x in labels]),
                                  classes=["alignsim-pairs"])
        with solara.Column(style={"min-width": "300px", "flex": "1"}):
            solara.Text(f"Date for the table, heatmap and network: {base.scen.date(t)}",
                        classes=["alignsim-date-label"], style={"font-size": "13px"})
            CommitSlider(t, lambda v: step_sel.set(int(round(v))), 0, horizon, step=1, classes=["alignsim-date"],
                         thumb_label=False)

    rows = state.pair_rows(result, choice, t)
    solara.HTML(tag="div", unsafe_innerHTML=summary_html(rows, base.scen.date(t), result.base_q is not None),
                classes=["alignsim-summary"])

    # ---- figures
    png, msg = fan_last.current or (None, None)
    if msg:
        solara.Error(f"Fan chart: {msg}")
    elif png:
        solara.Image(png, width="100%", classes=["alignsim-fan"])
    elif not choice:
        solara.Info("Choose at least one pair.")
    (hm, hm_msg), (net, net_msg) = maps_last.current or ((None, None), (None, None))
    with solara.Columns([1, 1]):
        with solara.Column():
            if hm_msg:
                solara.Error(f"Heatmap: {hm_msg}")
            elif hm:
                solara.Image(hm, width="100%", classes=["alignsim-heatmap"])
        with solara.Column():
            if net_msg:
                solara.Error(f"Coalition network: {net_msg}")
            elif net:
                solara.Image(net, width="100%", classes=["alignsim-network"])
    ExportCard(base, result, overrides)


# ------------------------------------------------------------------ single run


@solara.component
def SingleRunView():
    """Mesa's SolaraViz on run r of the page's ensemble (same file, changes and seed)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")     # mesa 3.3 warns about a hook rule in its own code
        from mesa.visualization import SolaraViz
    from sim.apps.dashboard import single_run

    path = selected.value
    ovr = tuple(sorted(edits.value.items(), key=lambda kv: kv[0]))
    key = repr((path, ovr, seed.value, runs.value, pairs_sel.value))

    def make():
        try:
            base = state.Base.load(path)
            overrides = tuple(state.override_lines(base.controls, edits.value))
            choice = pairs_sel.value if pairs_sel.value is not None else state.default_pairs(base.scen)
            model = single_run.DashboardRun(path, overrides, seed.value, 0, tuple(choice))
            return base, overrides, choice, model, None
        except Exception as exc:   # noqa: BLE001
            return None, (), (), None, str(exc)
    base, overrides, choice, model, err = solara.use_memo(make, [key])
    solara.Style(CSS)
    if model is None:
        solara.Error(f"Cannot build the model: {err}")
        return
    solara.Text(f"{base.scen.title}: {len(overrides)} change(s) from {base.path.name}, seed {seed.value}. "
                "Step through one run; choose its number under Model Parameters and press Reset.",
                style={"font-size": "13px", "color": "#444"}, classes=["alignsim-run-intro"])
    SolaraViz(model, components=list(single_run.COMPONENTS),
              model_params=single_run.model_params(path, overrides, seed.value, runs.value, choice),
              name=f"Single run \u2014 {base.scen.title}", play_interval=400).key(key)


NAV = (("Ensemble", "/", "/"), ("Single run", "/single-run", "single-run"))


@solara.component
def Nav(current: str):
    """Page links in the app bar (Solara's own route tabs would be labelled by path)."""
    with solara.AppBar():
        for label, href, path in NAV:
            on = path == current
            with solara.Link(href):
                solara.Button(label, text=True, classes=["alignsim-nav"] + (["current"] if on else []),
                              style={"color": "white", "font-weight": "700" if on else "400",
                                     "border-bottom": "2px solid white" if on else "2px solid transparent",
                                     "border-radius": "0"})


@solara.component
def Layout(children=[]):   # noqa: B006 - Solara's layout signature
    route, _ = solara.use_route()
    solara.Title("alignsim dashboard")
    return solara.AppLayout(children=[Nav(route.path if route else "/"), *children], title="alignsim dashboard",
                            navigation=False)


routes = [
    solara.Route(path="/", component=EnsembleView, label="Ensemble", layout=Layout),
    solara.Route(path="single-run", component=SingleRunView, label="Single run"),
]
