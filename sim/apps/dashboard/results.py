"""The ensemble view's main area: status, pair and date selectors, the summary table, the
fan chart, heatmap and coalition network, and the export card.

The ensemble and the figures are computed in Solara tasks (worker threads); while a new one
runs, the last finished one stays on the page. Any failure becomes a message on the page, and
the server keeps serving.
"""

from __future__ import annotations

import html
import traceback
from pathlib import Path

import solara
import solara.lab

from sim.apps.dashboard import session, state
from sim.apps.dashboard.controls import CommitSlider
from sim.apps.dashboard.export_card import ExportCard
from sim.core.errors import ScenarioError
from sim.figures import dashboard as charts

log = session.log


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


def summary_html(rows, date: str, changed: bool) -> str:
    """The summary table of the chosen pairs at one date, as HTML.

    Parameters
    ----------
    rows : state.PairRow per pair, in the order shown.
    date : the table's date ("YYYY-MM"), also set as the table's `data-date`.
    changed : whether the page has changes; adds the base scenario's median and the change.
    """
    esc = html.escape
    head = ("<tr><th>Pair</th><th>Median</th><th>50% of runs</th><th>90% of runs</th>"
            "<th>P(&gt; 0.5)</th><th>P(&lt; &minus;0.5)</th>"
            + ("<th>Base median</th><th>Change</th>" if changed else "") + "</tr>")
    body = []
    for r in rows:
        pid = esc(f"{r.a}-{r.b}")   # ids are validated, but attribute text is escaped whatever it holds
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


# ------------------------------------------------------------------ hooks


def use_ensemble(base: state.Base, overrides: tuple, n_runs: int, sd: int):
    """Run the page's ensemble in a task.

    Returns
    -------
    (the latest good state.Result of this base scenario, or None; the message of the latest
    settings if they cannot be run, or None; whether a run is in progress)
    """
    settings = (str(base.path), overrides, n_runs, sd)
    task = solara.lab.use_task(lambda: _compute(*settings), dependencies=[settings], raise_error=False)
    last = solara.use_ref(None)        # last good Result, shown while a new one runs
    run_error = None
    if task.finished and task.value is not None:
        res, run_error = task.value
        if res is not None and (last.current is None or last.current.ens is not res.ens):
            last.current = res
    result = last.current
    if result is not None and Path(result.scen.path).resolve() != base.path.resolve():
        result = None                  # a result of the previous scenario
    return result, run_error, task.pending


def use_figures(result, choice: list, t: int):
    """Draw the fan chart, heatmap and network in tasks.

    Returns
    -------
    ((fan PNG, message), ((heatmap PNG, message), (network PNG, message)), whether drawing is
    in progress): the latest finished drawings, None where there is none yet.
    """
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
    return (fan_last.current or (None, None), maps_last.current or ((None, None), (None, None)),
            fan.pending or maps.pending)


# ------------------------------------------------------------------ components


@solara.component
def Header(base: state.Base, result, busy: bool, run_error: str | None):
    """Title, description, progress bar, the run's status line and any warning."""
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
        if session.bad.value:
            solara.Warning("Some inputs are not valid (see the messages in the side panel); "
                           "the figures show the last valid values.", classes=["alignsim-input-warning"])


@solara.component
def Selectors(base: state.Base, choice: list, t: int):
    """The pairs of the fan chart and table, and the date of the table, heatmap and network."""
    labels = {state.pair_label(base.scen, p): p for p in state.all_pairs(base.scen)}
    with solara.Row(gap="24px", style={"align-items": "center", "flex-wrap": "wrap"}):
        with solara.Column(style={"min-width": "420px", "flex": "2"}):
            solara.SelectMultiple("Pairs in the fan chart and table",
                                  values=[state.pair_label(base.scen, p) for p in choice],
                                  all_values=list(labels),
                                  on_value=lambda v: session.pairs_sel.set([labels[x] for x in v if x in labels]),
                                  classes=["alignsim-pairs"])
        with solara.Column(style={"min-width": "300px", "flex": "1"}):
            solara.Text(f"Date for the table, heatmap and network: {base.scen.date(t)}",
                        classes=["alignsim-date-label"], style={"font-size": "13px"})
            CommitSlider(t, lambda v: session.step_sel.set(int(round(v))), 0, base.scen.steps, step=1,
                         classes=["alignsim-date"], thumb_label=False)


@solara.component
def Maps(heatmap: tuple, network: tuple):
    """The heatmap and the coalition network side by side; each a (PNG, message) pair."""
    (hm, hm_msg), (net, net_msg) = heatmap, network
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


@solara.component
def Results(base: state.Base, overrides: tuple, n_runs: int, sd: int):
    """The main area for the page's settings: the ensemble is re-run whenever they change."""
    # All hooks first (Solara's rules of hooks), then what to show.
    result, run_error, running = use_ensemble(base, overrides, n_runs, sd)
    ids = list(base.scen.actor_ids)
    choice = session.pairs_sel.value if session.pairs_sel.value is not None else state.default_pairs(base.scen)
    choice = [tuple(p) for p in choice if p[0] in ids and p[1] in ids]
    horizon = base.scen.steps
    t = horizon if session.step_sel.value is None else min(max(0, session.step_sel.value), horizon)
    (png, msg), maps, drawing = use_figures(result, choice, t)
    busy = running or drawing

    Header(base, result, busy, run_error)
    if result is None:
        solara.Text("Running the ensemble\u2026" if busy else "No result yet.")
        return
    Selectors(base, choice, t)
    rows = state.pair_rows(result, choice, t)
    solara.HTML(tag="div", unsafe_innerHTML=summary_html(rows, base.scen.date(t), result.base_q is not None),
                classes=["alignsim-summary"])
    if msg:
        solara.Error(f"Fan chart: {msg}")
    elif png:
        solara.Image(png, width="100%", classes=["alignsim-fan"])
    elif not choice:
        solara.Info("Choose at least one pair.")
    Maps(*maps)
    ExportCard(base, result, overrides)
