"""The page's state for one browser session, and the few functions that change it.

Module-level solara.reactive values are per browser session (Solara keeps one value per
kernel), so two analysts on one server do not see each other's edits. The committed state
is always valid: a typed value is checked before it is committed, and an invalid one is kept
only as the field's text in `bad`, with its message shown under the field.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import solara

from sim.apps.dashboard import params, state

log = logging.getLogger("alignsim.dashboard")

# set by serve.configure before Solara imports the app
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


selected = solara.reactive(_initial_path())     # base scenario file
edits = solara.reactive({})                     # key path -> value, changed parameters only
bad = solara.reactive({})                       # key -> (text, message): rejected typed values
runs = solara.reactive(state.DEFAULT_RUNS)
seed = solara.reactive(state.DEFAULT_SEED)
pairs_sel = solara.reactive(None)               # None: the scenario's key pairs
step_sel = solara.reactive(None)                # None: the horizon
save_msg = solara.reactive(None)                # (kind, text) after "Save as scenario"
catalog_version = solara.reactive(0)


def reset_page_state(path: str | None = None) -> None:
    """Forget the edits, rejected inputs, selections and save message (and open `path`, if given)."""
    if path is not None:
        selected.set(path)
    edits.set({})
    bad.set({})
    pairs_sel.set(None)
    step_sel.set(None)
    save_msg.set(None)


def reject(key: str, text, msg: str) -> None:
    """Keep a rejected input as its field's text with the message shown under the field."""
    bad.set({**bad.value, key: (text, msg)})


def accept(key: str) -> None:
    """Clear a field's rejected input, if any."""
    b = dict(bad.value)
    b.pop(key, None)
    bad.set(b)


def commit(c: params.Control, value) -> None:
    """Set control c to `value` if it is valid for c, else keep it as a rejected input."""
    msg = params.check_edit(c, value)
    if msg:
        reject(c.key, params.describe(value), msg)
        return
    accept(c.key)
    edits.set(params.set_edit(edits.value, c, value))
    save_msg.set(None)


def reset(keys) -> None:
    """Return the given parameters to the base scenario's values."""
    e, b = dict(edits.value), dict(bad.value)
    for k in keys:
        e.pop(k, None)
        b.pop(k, None)
    edits.set(e)
    bad.set(b)
