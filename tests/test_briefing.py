"""The report explains: an executive summary of 5 to 8 sentences written from the folder's own
numbers, the attribution where there is one, limitations with the Monte Carlo error of the run
count, and the glossary; for experiment, run and attribution folders."""

from __future__ import annotations

import csv
import html
import json
import math
import re
from pathlib import Path

import pytest

from sim.apps.cli import main
from sim.report.briefing import judgment_weights, probability_error

RUNS = 8


def _rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def _summary(page: str) -> list[str]:
    m = re.search(r'<p class="summary">(.*?)</p>', page, re.S)
    assert m, "no executive summary"
    text = html.unescape(m.group(1))
    return re.split(r"(?<=[.)])\s+(?=[A-Z“])", text.strip())


def _report(folder) -> str:
    assert main(["report", str(folder)]) == 0
    return (folder / "report.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def experiment(tmp_path_factory):
    out = tmp_path_factory.mktemp("brief") / "exp"
    assert main(["experiment", "experiments/june_war_attribution.toml", "--scale", str(RUNS / 1000), "--out", str(out),
                 "--quiet"]) == 0
    return out


def test_experiment_summary_is_written_from_its_numbers(experiment):
    page = _report(experiment)
    sentences = _summary(page)
    assert 5 <= len(sentences) <= 8, sentences
    rows = {(r["outcome"], r["scenario"]): r for r in _rows(experiment / "compare.csv")}
    war = rows[("iran_toward_china", "war")]
    first = sentences[0]
    assert f"{float(war['estimate']):+.3f}" in first and f"{float(war['difference']):+.3f}" in first
    assert f"{float(war['diff_low']):+.3f} to {float(war['diff_high']):+.3f}" in first
    bloc = rows[("iran_china_bloc", "war")]
    assert f"{float(bloc['difference']) * 100:+.1f} percentage points" in sentences[1]
    events = [r for r in _rows(experiment / "attribution.csv") if r["analysis"] == "events" and r["factor"] != "total"]
    top = max(events, key=lambda r: abs(float(r["contribution"])))
    man = json.loads((experiment / "manifest.json").read_text())
    label = next(a for a in man["analyses"] if a["name"] == "events")["attribution"]["labels"][top["factor"]]
    assert any(label in s and f"{float(top['contribution']):+.3f}" in s for s in sentences)
    assert any(f"±{probability_error(RUNS) * 100:.1f} percentage points" in s for s in sentences)
    k, n = judgment_weights()
    weights = f"all {n}" if k == n else f"{k} of the {n}"
    assert any(f"{weights} of its dynamics weights are stated judgment" in s for s in sentences)
    skill = _rows("data/calibration/hindcast_2005_until_2010/hindcast/skill.csv")
    out = next(r for r in skill if r["period"] == "out-of-sample")
    limits = html.unescape(_report(experiment))
    assert f"{float(out['mae_model']):.3f} against {float(out['mae_persistence']):.3f} for persistence" in limits
    assert ("worse" if float(out["mae_model"]) > float(out["mae_persistence"]) else "better") + " than assuming" \
        in limits


def test_experiment_report_shows_the_attribution_tables_limitations_and_glossary(experiment):
    page = html.unescape(_report(experiment))
    assert page.count('class="attribution"') == 2
    assert "interactions and overlap of the channels" in page
    assert "<h2>Limitations</h2>" in page and "<h2>Glossary</h2>" in page
    assert f"With {RUNS:,} runs, a probability is estimated to within ±{probability_error(RUNS) * 100:.1f}" in page
    assert page.index("Executive summary") < page.index("Limitations") < page.index("Reproduce")
    for stem in ("events_waterfall", "mechanisms_waterfall"):
        assert f'data-figure="{stem}"' in page


def test_run_folder_summary_follows_its_quantiles(tmp_path):
    out = tmp_path / "run"
    assert main(["run", "june_war_pivot", "--runs", "30", "--seed", "3", "--out", str(out), "--quiet",
                 "--no-figures", "--no-analysis"]) == 0
    sentences = _summary(_report(out))
    assert 5 <= len(sentences) <= 8, sentences
    q = {(r["from"], r["to"], r["step"]): float(r["mean"]) for r in _rows(out / "quantiles.csv")
         if r["measure"] == "mutual"}
    moves = {p: abs(q[(*p, "48")] - q[(*p, "0")]) for p in (("iran", "china"), ("iran", "russia"), ("china", "russia"),
                                                             ("us", "israel"), ("iran", "us"))}
    most = max(moves, key=moves.get)
    assert f"from {q[(*most, '0')]:+.3f} in 2024-01 to {q[(*most, '48')]:+.3f} in 2028-01" in sentences[0]
    assert "4 dated events" in " ".join(sentences)
    assert f"±{1.959963984540054 * math.sqrt(0.25 / 30) * 100:.1f} percentage points" in " ".join(sentences)


def test_a_scenario_on_calibrated_weights_says_so_with_the_skill(tmp_path):
    """A scenario that extends a calibration's calibrated.toml is reported as calibrated, with the
    calibration's stated skill; the flagship is not."""
    from sim.report.weights import calibration_of, note
    cal = "data/calibration/hindcast_2005/calibrated.toml"
    child = tmp_path / "calibrated_child.toml"
    child.write_text(f'extends = "{Path(cal).resolve()}"\n')
    assert calibration_of([str(child)]) == Path(cal).resolve().parent
    assert calibration_of(["scenarios/june_war_pivot.toml"]) is None
    item, clause = note({"scenario": {"file": str(child)}}, 40, 46)
    assert "Calibrated weights" in item and "calibrated on UN votes" in clause
    skill = _rows("data/calibration/hindcast_2005/hindcast/skill.csv")
    row = next(r for r in skill if r["period"] == "out-of-sample") if any(
        r["period"] == "out-of-sample" for r in skill) else skill[0]
    assert f"{float(row['mae_model']):.3f} against {float(row['mae_persistence']):.3f}" in item


def test_attribution_folder_has_its_own_report(tmp_path):
    out = tmp_path / "attr"
    assert main(["attribute", "june_war_pivot", "--pair", "iran", "china", "--measure", "directed", "--runs",
                 str(RUNS), "--out", str(out), "--quiet"]) == 0
    page = _report(out)
    sentences = _summary(page)
    assert 5 <= len(sentences) <= 8, sentences
    total = _rows(out / "attribution.csv")[-1]
    assert f"{float(total['contribution']):+.3f} (95% CI {float(total['lo']):+.3f}" in sentences[0]
    man = json.loads((out / "manifest.json").read_text())
    up, n = man["attribution"]["higher"]
    assert f"in {up:,} of {n:,} paired runs" in sentences[1]
    assert 'data-figure="attribution_waterfall"' in page and "<h2>Limitations</h2>" in page
