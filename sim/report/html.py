"""`alignsim report DIR`: one self-contained HTML briefing of a result folder.

Works for experiment folders (manifest kind "experiment", from `alignsim experiment`), for
plain run folders (from `alignsim run`) and for attribution folders (`alignsim attribute`). Each
opens with an executive summary written from the folder's numbers and ends with the
limitations and a glossary (`sim.report.briefing`). Everything is in the one file - figures are
embedded as base64 PNG - so it can be mailed or archived as is. It holds, in order: the question; the key
probabilities table; the scenarios in plain words; the outcomes; each analysis with its tables
and figures (captioned); and what is needed to reproduce it (command, seed, runs, package
versions and, for experiments, the experiment file itself).

Nothing is re-run: the report reads the folder's saved files only. `sim.report.experiment`
and `sim.report.run` write the two kinds of page from the pieces in `sim.report.page`.
"""

from __future__ import annotations

import json
from pathlib import Path

from sim.core.errors import ScenarioError
from sim.engine.manifest import record_files
from sim.report.briefing import attribution_report
from sim.report.experiment import experiment_report
from sim.report.run import run_report

OWN = {"manifest.json", "report.html"}   # what a folder holds besides the files its manifest lists


def write_report(folder) -> Path:
    """Write DIR/report.html for a finished result folder, list it in the manifest, and return
    its path.

    Raises
    ------
    ScenarioError
        When the folder has no readable manifest, did not finish, or holds a file its manifest
        does not list (a figure of an earlier run, say): the report would show it as this run's.
    """
    folder = Path(folder)
    path = folder / "manifest.json"
    if not path.is_file():
        raise ScenarioError(folder, None, str(folder), "not a result folder (no manifest.json)")
    try:
        man = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ScenarioError(path, None, "(file)", f"not valid JSON: {exc}") from None
    if not man.get("complete", True):
        raise ScenarioError(path, "complete", False, "the result folder is incomplete (the run did not finish)")
    kind = man.get("kind")
    if kind == "folder_comparison":
        raise ScenarioError(folder, None, str(folder), "a comparison folder has no report: its compare.csv and "
                            "figures/compare_difference.png are the result")
    check_listed(folder, man)
    text = (experiment_report(folder, man) if kind == "experiment" else
            attribution_report(folder, man) if kind == "attribution" else run_report(folder, man))
    out = folder / "report.html"
    out.write_text(text, encoding="utf-8")
    record_files(folder, [out])
    return out


def check_listed(folder: Path, man: dict) -> None:
    """Refuse a folder holding files its manifest does not list.

    Hidden files (a name starting with ".") are the engine's own bookkeeping and are not
    checked.

    Raises
    ------
    ScenarioError
        Naming the first such file and how many there are.
    """
    listed = set(man.get("files", [])) | OWN
    extra = []
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).as_posix()
        if p.is_file() and rel not in listed and not any(part.startswith(".") for part in rel.split("/")):
            extra.append(rel)
    if extra:
        more = f" and {len(extra) - 1} more" if len(extra) > 1 else ""
        raise ScenarioError(folder / "manifest.json", "files", extra[0],
                            f"is in the folder but not listed by its manifest{more}, so it did not come from "
                            "the run the manifest describes; remove it, or run again into an empty folder")


def report_main(folder) -> int:
    """`alignsim report DIR`: write DIR/report.html; ScenarioError on a bad folder (exit 2)."""
    out = write_report(folder)
    print(out)
    return 0
