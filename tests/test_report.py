"""`alignsim report DIR`: one self-contained HTML file holding the probability table and every
figure, for experiment folders and for plain run folders."""

from __future__ import annotations

import base64
import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from sim.apps.experiment import run_experiment
from sim.experiments import spec as experiment
from sim.apps.cli import main
from sim.core.errors import ScenarioError
from sim.report.html import report_main, write_report
from test_experiment import make_toy


class Page(HTMLParser):
    """Tables (by id) as lists of rows, embedded images, and external references."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.images: dict[str, bytes] = {}
        self.external: list[str] = []
        self._table = self._row = self._cell = None
        self._figure = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self._table = a.get("id") or f"table{len(self.tables)}"
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self._row = []
            self.tables[self._table].append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "figure":
            self._figure = a.get("data-figure")
        elif tag == "img":
            src = a.get("src", "")
            if src.startswith("data:image/png;base64,"):
                self.images[self._figure] = base64.b64decode(src.split(",", 1)[1])
            else:
                self.external.append(src)
        elif tag in ("link", "script") and (a.get("href") or a.get("src")):
            self.external.append(a.get("href") or a.get("src"))

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def parse(path: Path) -> tuple[Page, str]:
    """The parsed page and its text with entities resolved."""
    import html
    text = path.read_text(encoding="utf-8")
    p = Page()
    p.feed(text)
    return p, html.unescape(text)


@pytest.fixture(scope="module")
def experiment_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rep")
    analyses = """
[[analyses]]
type = "compare"
title = "Does the summit bring a and b together?"

[[analyses]]
type = "discovery"
name = "disc"
title = "When are a and b close?"
scenario = "base"
samples = 300
outcome = "ab_close"
parameters = { "relations.a.b" = [-0.2, 0.6], "actors.c.resolve" = [0.2, 0.8] }
"""
    path = make_toy(folder, analyses=analyses, runs=200)
    out = folder / "out"
    run_experiment(experiment.load(path), out, quiet=True)
    return out


def test_experiment_report_holds_table_and_every_figure(experiment_folder):
    out = experiment_folder
    assert report_main(out) == 0
    page, text = parse(out / "report.html")
    man = json.loads((out / "manifest.json").read_text())
    # the probability table: one row per yes/no outcome, every scenario and the paired difference
    table = page.tables["probabilities"]
    header, rows = table[0], table[1:]
    assert header == ["outcome", "base", "variant", "variant − base"]
    binary = [o for o in man["outcomes"] if o["binary"]]
    assert [r[0] for r in rows] == [o["description"] for o in binary]
    with (out / "compare.csv").open() as fh:
        import csv
        first = next(r for r in csv.DictReader(fh) if r["outcome"] == binary[0]["name"] and r["scenario"] == "base")
    assert rows[0][1].startswith(f"{float(first['estimate']):.0%}")
    # every figure, embedded, byte for byte
    pngs = sorted((out / "figures").glob("*.png"))
    assert len(pngs) >= 5
    assert set(page.images) == {p.stem for p in pngs}
    for p in pngs:
        assert page.images[p.stem] == p.read_bytes()
    assert page.external == []            # self-contained
    # scenarios in plain words, captions, and what is needed to reproduce
    assert "The base story plus a summit between a and b in month 3." in text
    assert text.count("<figcaption>") == len(pngs)
    assert f"seed {man['seed']}" in text.lower() or f"Seed {man['seed']}" in text
    assert "alignsim experiment" in text and man["versions"]["numpy"] in text
    assert "IF   " in text                # the PRIM rules


def test_run_folder_report(tmp_path, capsys):
    from helpers import SCENARIOS
    out = tmp_path / "run"
    assert main(["run", str(SCENARIOS / "june_war_pivot.toml"), "--runs", "30", "--out", str(out), "--quiet"]) == 0
    capsys.readouterr()
    path = write_report(out)
    page, text = parse(path)
    rows = page.tables["probabilities"]
    assert rows[0][:3] == ["pair", "median mutual alignment", "P(aligned > 0.5)"]
    assert any(r[0].startswith("Iran – China") for r in rows[1:])
    pngs = sorted((out / "figures").glob("*.png"))
    assert pngs and set(page.images) == {p.stem for p in pngs}
    assert "June 2025 war and Iran's pivot to China" in text
    assert "maximum pressure" in text and "alignsim run" in text


def test_report_needs_a_result_folder(tmp_path):
    with pytest.raises(ScenarioError, match="not a result folder"):
        report_main(tmp_path)
