"""The side panel above the parameter controls: the scenario, the runs and seed, and how many
parameters differ from the scenario file."""

from __future__ import annotations

from pathlib import Path

import solara

from sim.apps.dashboard import params, session, state


@solara.component
def ScenarioPicker(cat):
    """Choose the base scenario from the catalog (choosing another resets the page's changes);
    files that do not load are listed with their errors under it."""
    valid = [e for e in cat if e.error is None]
    by_label = {f"{e.name} \u2014 {e.title}": str(e.path) for e in valid}
    current = next((lab for lab, p in by_label.items() if Path(p).resolve() == Path(session.selected.value).resolve()), None)

    def pick(label):
        if label in by_label and by_label[label] != session.selected.value:
            session.reset_page_state(by_label[label])
    solara.Select("Scenario", values=list(by_label), value=current, on_value=pick, classes=["alignsim-scenario"])
    broken = [e for e in cat if e.error]
    if broken:
        with solara.Details(f"{len(broken)} file(s) in {session.FOLDER} could not be loaded"):
            for e in broken:
                solara.Text(f"{e.name}: {e.error}", classes=["alignsim-error"])


@solara.component
def RunSettings():
    """The number of runs and the seed, typed; a rejected value stays in its field with its message."""
    runs_err = session.bad.value.get("runs")
    seed_err = session.bad.value.get("seed")

    def set_int(which, reactive, lo, hi, what):
        def handler(text):
            v, msg = params.parse_int(text, lo, hi, what)
            if msg:
                session.reject(which, text, msg)
                return
            session.accept(which)
            reactive.set(v)
        return handler
    with solara.Row(gap="8px"):
        solara.InputText("Runs", value=runs_err[0] if runs_err else str(session.runs.value),
                         on_value=set_int("runs", session.runs, 1, state.MAX_RUNS, "number of runs"),
                         error=runs_err[1] if runs_err else False, classes=["alignsim-runs"],
                         style={"max-width": "110px"})
        solara.InputText("Seed", value=seed_err[0] if seed_err else str(session.seed.value),
                         on_value=set_int("seed", session.seed, 0, state.MAX_SEED, "seed"),
                         error=seed_err[1] if seed_err else False, classes=["alignsim-seed"])


@solara.component
def ChangedSummary(base: state.Base):
    """How many parameters differ from the scenario file, with a button to reset them all."""
    n = len(session.edits.value)
    with solara.Row(justify="space-between", style={"align-items": "center"}):
        solara.Text(f"{n} parameter(s) changed from {base.path.name}" if n else
                    f"Parameters of {base.path.name}", classes=["alignsim-nchanged"])
        if n:
            solara.Button("Reset all", text=True, small=True, on_click=lambda: session.reset(list(session.edits.value)))
