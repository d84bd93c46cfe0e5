"""Whether a folder's weights are judgment or calibrated, and the calibration's stated skill.

A scenario takes calibrated weights by extending a calibration's `calibrated.toml` (made by
`alignsim calibrate`); the calibration's hindcast folder scores it (`hindcast/skill.csv`: mean
absolute error against persistence, in and out of sample). When no scenario of the folder does,
the weights are the defaults, stated judgment, and the report quotes the skill of the committed
calibration that was not adopted (COMMITTED, relative to the working directory, as it ships with
the repository), so the reader sees why.
"""

from __future__ import annotations

from pathlib import Path

from sim.core.errors import ScenarioError
from sim.report.page import num, read_rows
from sim.scenario import read_toml

COMMITTED = Path("data/calibration/hindcast_2005_until_2010")   # the one scored out of sample
MAX_CHAIN = 32


def scenario_files(man: dict) -> list[str]:
    """The scenario files behind a folder's numbers, from its manifest."""
    if man.get("kind") == "experiment":
        return [s["file"] for s in man.get("scenarios", {}).values() if s.get("file")]
    if man.get("kind") == "attribution":
        return [man["attribution"][k]["file"] for k in ("scenario", "against")]
    f = man.get("scenario", {}).get("file")
    return [f] if f else []


def calibration_of(files: list[str]) -> Path | None:
    """The calibration folder whose calibrated.toml one of the files extends (directly or along
    its chain), or None; files that cannot be read (moved since the run) count as not calibrated."""
    for f in files:
        p: Path | None = Path(f)
        for _ in range(MAX_CHAIN):
            if p is None or not p.is_file():
                break
            if p.name == "calibrated.toml":
                return p.parent
            try:
                parent = read_toml(p).get("extends")
            except ScenarioError:
                break
            p = p.parent / parent if isinstance(parent, str) else None
    return None


def skill(folder: Path) -> dict | None:
    """A calibration's out-of-sample skill row (else its first row), or None without a hindcast."""
    rows = read_rows(Path(folder) / "hindcast" / "skill.csv")
    return next((r for r in rows if r["period"] == "out-of-sample"), rows[0] if rows else None)


def skill_words(folder: Path, row: dict) -> str:
    """The skill row in words: error against persistence, better or worse, and coverage."""
    model, persist = num(row["mae_model"]), num(row["mae_persistence"])
    return (f"{row['period']} ({row['years']}), its mean absolute error in UN General Assembly agreement is "
            f"{model:.3f} against {persist:.3f} for persistence (skill {num(row['skill_persistence']):+.2f}, "
            f"{'better' if model < persist else 'worse'} than assuming no change), and its 90% intervals hold "
            f"{num(row['coverage90']):.0%} of the observations ({folder})")


def note(man: dict, judged: int, total: int) -> tuple[str, str]:
    """(the Limitations item, the summary's clause) on where the weights come from."""
    cal = calibration_of(scenario_files(man))
    if cal is not None:
        row = skill(cal)
        said = f"; {skill_words(cal, row)}" if row else "; it has no hindcast, so no skill is stated"
        return (f"<b>Calibrated weights.</b> The scenario takes its dynamics weights from the calibration in "
                f"{cal} (UN General Assembly votes){said}. Weights the calibration does not estimate stay "
                "stated judgment (docs/MODEL.md, section 7).",
                f"its dynamics weights are calibrated on UN votes ({cal})")
    how = f"all {total}" if judged == total else f"{judged} of the {total}"
    row = skill(COMMITTED) if COMMITTED.is_dir() else None
    said = (f" The committed calibration on UN votes is not used: {skill_words(COMMITTED, row)}." if row else "")
    return (f"<b>Judgment, not calibration.</b> {how.capitalize()} of the model's dynamics weights are stated "
            f"judgment (docs/MODEL.md, section 7), and the scenarios here use them as they are.{said} The numbers "
            "say what follows from these judgments and the scenario's inputs; a sensitivity analysis shows which "
            "of them matter.",
            f"{how} of its dynamics weights are stated judgment, not fitted to data")
