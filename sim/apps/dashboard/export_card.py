"""The export card: save the page as a scenario file, download it as TOML, and download the
tables of the page's ensemble as `alignsim run` writes them (downloads.py)."""

from __future__ import annotations

import html
import traceback

import solara

from sim.apps.dashboard import downloads, export, session, state
from sim.core.errors import ScenarioError

log = session.log


def _download(fn, r) -> bytes:
    """A download's bytes; a failure becomes a one-line text file, not a dead button."""
    try:
        return fn(r)
    except Exception as exc:   # noqa: BLE001
        log.error("download failed:\n%s", traceback.format_exc())
        return f"alignsim dashboard: could not produce this file: {exc}\n".encode()


@solara.component
def ExportCard(base: state.Base, result, overrides):
    """Save as scenario, the .toml and the tables' downloads, and the equivalent command line."""
    name = solara.use_reactive(f"{base.path.stem}_custom")
    title = solara.use_reactive("")
    name_err = export.check_name(name.value, session.FOLDER)

    def do_save():
        try:
            p = export.save(base, session.edits.value, session.FOLDER, name.value, title.value,
                            session.runs.value, session.seed.value)
            session.save_msg.set(("ok", f"Saved {p}. Reproduce the page with:\nalignsim run {export.run_name(p)} "
                                        f"--runs {session.runs.value} --seed {session.seed.value}"))
            session.catalog_version.set(session.catalog_version.value + 1)
        except ScenarioError as exc:
            session.save_msg.set(("error", exc.allowed if exc.keypath in ("name", "(top level)") else str(exc)))
        except Exception as exc:   # noqa: BLE001
            log.error("save failed:\n%s", traceback.format_exc())
            session.save_msg.set(("error", f"could not save: {type(exc).__name__}: {exc}"))

    def toml_bytes():
        return export.scenario_text(base, session.edits.value, name=name.value.strip() or "custom",
                                    title=title.value.strip() or name.value.strip(),
                                    extends=base.path.name, runs=session.runs.value, seed=session.seed.value,
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
                solara.FileDownload(lambda r=result: _download(downloads.quantiles_csv, r),
                                    filename=f"{stem}_quantiles.csv", label="quantiles.csv", mime_type="text/csv")
                solara.FileDownload(lambda r=result: _download(downloads.final_csv, r), filename=f"{stem}_final.csv",
                                    label="final.csv", mime_type="text/csv")
                solara.FileDownload(lambda r=result: _download(downloads.tables_zip, r), filename=f"{stem}_tables.zip",
                                    label="all tables (.zip)", mime_type="application/zip")
        if session.save_msg.value:
            kind, text = session.save_msg.value
            (solara.Success if kind == "ok" else solara.Error)(text, classes=["alignsim-save-msg"])
        solara.Text(f"Saves into {session.FOLDER}/ a file that extends {base.path.name} with only the "
                    f"{len(overrides)} changed value(s). The downloads are written by `alignsim run` "
                    "itself for the page's settings and seed.", classes=["pnote"])
        if overrides:
            solara.Text("The same runs from the command line:", classes=["pnote"])
            cmd = downloads.command(export.run_name(base.path), session.runs.value, session.seed.value, overrides)
            solara.HTML(tag="div", unsafe_innerHTML=html.escape(cmd), classes=["alignsim-cmd"])
