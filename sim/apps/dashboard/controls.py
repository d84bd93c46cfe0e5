"""The side panel's parameter and shock controls, one expansion panel per actor and one for
the shocks. A change is committed through `session.commit`, which checks it first."""

from __future__ import annotations

import reacton.ipyvuetify as rv
import solara

from sim.apps.dashboard import params, session
from sim.apps.dashboard.state import Base
from sim.figures.style import DASH


@solara.component
def CommitSlider(value: float, on_commit, lo: float, hi: float, step: float = 0.01, classes=(), thumb_label=True):
    """A slider that reports its value when released (Vuetify's `change`), not while it
    is dragged, so one drag runs one ensemble. Plain ipyvuetify; SolaraViz has no
    equivalent for the ensemble view.

    Parameters
    ----------
    value : the position shown.
    on_commit : called with the released value, rounded to 6 decimals.
    lo, hi, step : the slider's range and step.
    classes : CSS classes besides `alignsim-slider` (the browser test finds sliders by them).
    thumb_label : show the value on the handle while it is dragged.
    """
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
    """A two-handled CommitSlider; on_commit gets (low, high) in order, whichever handle moved."""
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


def _fmt(v) -> str:
    """A value as shown beside its label; a uniform range as `low–high`."""
    if isinstance(v, bool):
        return "on" if v else "off"
    if isinstance(v, dict):
        if v.get("dist") == "uniform":
            return f"{v['low']:g}{DASH}{v['high']:g}"
        return params.describe(v)
    return f"{float(v):g}"


@solara.component
def ParamControl(c: params.Control):
    """One parameter: label, value, the control, a reset link and any message."""
    value = session.edits.value.get(c.key, c.base)
    changed = c.key in session.edits.value
    err = session.bad.value.get(c.key)
    classes = ["alignsim-param", c.slug] + (["changed"] if changed else [])
    with solara.Column(gap="0px", classes=classes):
        with solara.Row(justify="space-between", style={"align-items": "center"}):
            solara.Text(c.label + (" \u2022" if changed else ""), classes=["plabel"])
            with solara.Row(gap="4px", style={"align-items": "center"}):
                if c.kind != "amount":
                    solara.Text(_fmt(value), classes=["pvalue"])
                if changed or err:
                    solara.Button("reset", text=True, small=True, classes=["reset"],
                                  on_click=lambda: session.reset([c.key]),
                                  style={"min-width": "0", "padding": "0 4px", "height": "20px"})
        if c.kind == "amount":
            text = err[0] if err else params.amount_text(value)

            def typed(t, c=c):
                v, msg = params.parse_amount(c, t)
                if msg:
                    session.reject(c.key, t, msg)
                else:
                    session.commit(c, v)
            solara.InputText("", value=text, on_value=typed, error=err[1] if err else False, dense=True,
                             classes=["alignsim-input"], message=None, hide_details="auto",
                             placeholder=f"number >= {c.lo:g}")
        elif c.kind == "share":
            is_uniform = isinstance(value, dict) and value.get("dist") == "uniform"
            if c.uniform and (is_uniform or not isinstance(value, dict)):
                lo_hi = (value["low"], value["high"]) if isinstance(value, dict) else (float(value), float(value))

                def ranged(v, c=c):
                    a, b = v
                    session.commit(c, a if a == b else {"dist": "uniform", "low": a, "high": b})
                CommitRangeSlider(lo_hi, ranged, c.lo, c.hi, classes=[c.slug + "-slider"])
            else:
                CommitSlider(params.nominal(value), lambda v, c=c: session.commit(c, v), c.lo, c.hi,
                             classes=[c.slug + "-slider"])
                if isinstance(value, dict):
                    solara.Text(f"uncertain: {params.describe(value)}; moving the slider fixes one value",
                                classes=["pnote"])
            if c.uniform and not changed:
                solara.Text("uncertain: uniform between the handles, drawn per run",
                            classes=["pnote"])
        if err and c.kind != "amount":
            solara.Text(err[1], classes=["alignsim-error"])


@solara.component
def ShockControl(sw: params.Control, inten: params.Control):
    """A shock's on/off switch, and its intensity while it is on."""
    on = session.edits.value.get(sw.key, sw.base)
    changed = sw.key in session.edits.value
    with solara.Column(gap="0px", classes=["alignsim-param", sw.slug] + (["changed"] if changed else [])):
        with solara.Column(gap="0px", classes=["alignsim-shock-toggle"]):
            solara.Checkbox(label=f"{sw.label} ({sw.note})", value=bool(on),
                            on_value=lambda v: session.commit(sw, bool(v)))
        if on:
            ParamControl(inten)


@solara.component
def Controls(base: Base):
    """The expansion panels of the side panel: one per actor, then one for the shocks, each
    headed with how many of its parameters are changed."""
    n = {g: sum(1 for c in base.controls if c.group == g and c.key in session.edits.value)
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
                                      on_click=lambda ctrls=ctrls: session.reset([c.key for c in ctrls]))
        with rv.ExpansionPanel(class_="alignsim-shocks"):
            rv.ExpansionPanelHeader(children=["Shocks" + (f"  \u2022 {n['shocks']} changed" if n["shocks"] else "")],
                                    class_="py-1")
            with rv.ExpansionPanelContent():
                for sw, inten in base.shock_controls:
                    ShockControl(sw, inten)
