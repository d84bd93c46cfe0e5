"""The alignsim dashboard: a Solara app, served by `alignsim dashboard` (see serve.py).

Which parts are Mesa and which are plain Solara:

* Single-run view (route /single-run) - Mesa's SolaraViz (mesa.visualization): one
  AlignmentModel run stepped with Mesa's own controls and parameter panel, with our
  components (single_run.py).
* Ensemble view (route /) - plain Solara components. SolaraViz drives one model instance
  step by step; this view re-runs a Monte Carlo ensemble through sim.engine.ensemble on every
  change, shows quantiles across runs and the base scenario for comparison, and exports
  files, none of which SolaraViz's model/step/reset loop provides.

This module holds the page layout, the navigation and the two views; the session state is
in session.py, the side panel in sidebar.py and controls.py, the main area in results.py.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import solara

from sim.apps.dashboard import params, session, state
from sim.apps.dashboard.controls import Controls
from sim.apps.dashboard.results import Results
from sim.apps.dashboard.sidebar import ChangedSummary, RunSettings, ScenarioPicker
from sim.core.errors import ScenarioError

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


@solara.component
def EnsembleView():
    """Scenario, settings and parameters in the side panel; the results in `Results`,
    a separate component so that a running task re-renders the results only, not the
    sixty-odd parameter controls."""
    cat = solara.use_memo(lambda: state.catalog(session.FOLDER, session.EXTRA), [session.catalog_version.value])
    path = session.selected.value

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
            ChangedSummary(base)
            Controls(base)
    if base is None:
        solara.Error(f"Cannot load the scenario: {base_err}" if base_err else
                     f"No scenario: put scenario files in {session.FOLDER}/ or pass one to `alignsim dashboard`.")
        return
    overrides = tuple(params.override_lines(base.controls, session.edits.value))
    Results(base, overrides, session.runs.value, session.seed.value)


# ------------------------------------------------------------------ single run


@solara.component
def SingleRunView():
    """Mesa's SolaraViz on run r of the page's ensemble (same file, changes and seed)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")     # mesa 3.3 warns about a hook rule in its own code
        from mesa.visualization import SolaraViz
    from sim.apps.dashboard import single_run

    path = session.selected.value
    ovr = tuple(sorted(session.edits.value.items(), key=lambda kv: kv[0]))
    key = repr((path, ovr, session.seed.value, session.runs.value, session.pairs_sel.value))

    def make():
        try:
            base = state.Base.load(path)
            overrides = tuple(params.override_lines(base.controls, session.edits.value))
            choice = session.pairs_sel.value if session.pairs_sel.value is not None else state.default_pairs(base.scen)
            model = single_run.DashboardRun(path, overrides, session.seed.value, 0, tuple(choice))
            return base, overrides, choice, model, None
        except Exception as exc:   # noqa: BLE001
            return None, (), (), None, str(exc)
    base, overrides, choice, model, err = solara.use_memo(make, [key])
    solara.Style(CSS)
    if model is None:
        solara.Error(f"Cannot build the model: {err}")
        return
    solara.Text(f"{base.scen.title}: {len(overrides)} change(s) from {base.path.name}, seed {session.seed.value}. "
                "Step through one run; choose its number under Model Parameters and press Reset.",
                style={"font-size": "13px", "color": "#444"}, classes=["alignsim-run-intro"])
    SolaraViz(model, components=list(single_run.COMPONENTS),
              model_params=single_run.model_params(path, overrides, session.seed.value, session.runs.value, choice),
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
    """The app layout around every route: title, app bar with the page links, no route tabs."""
    route, _ = solara.use_route()
    solara.Title("alignsim dashboard")
    return solara.AppLayout(children=[Nav(route.path if route else "/"), *children], title="alignsim dashboard",
                            navigation=False)


routes = [
    solara.Route(path="/", component=EnsembleView, label="Ensemble", layout=Layout),
    solara.Route(path="single-run", component=SingleRunView, label="Single run"),
]
