"""Coalition and balance figures redrawn from a result folder's saved files only."""

import csv
import html
import re
import shutil

import pytest

from sim.apps.cli import main
from sim.core.numbers import percent
from sim.figures import analysis

STEMS = ("balance_fan", "coalition_network")


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "pivot"
    assert main(["run", "june_war_pivot", "--runs", "40", "--out", str(out), "--quiet"]) == 0
    return out


def draw_analysis_figures(folder, **kw):
    """Both figures, in both formats (the network is drawn even when every run agrees)."""
    return analysis.draw_analysis_figures(folder, formats=("png", "svg"), every=True, **kw)


def _copy(result, dest, *, ensemble=True):
    """A copy of the result folder without its figures (and optionally without ensemble.npz)."""
    shutil.copytree(result, dest, ignore=shutil.ignore_patterns("figures", *(() if ensemble else ("ensemble.npz",))))
    return dest


def _bytes(folder):
    return {f"{s}.{ext}": (folder / "figures" / f"{s}.{ext}").read_bytes() for s in STEMS for ext in ("png", "svg")}


def _texts(svg: bytes) -> list[str]:
    return [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg.decode())]


def _check_files(paths, folder):
    assert [p.name for p in paths] == [f"{s}.{ext}" for s in STEMS for ext in ("png", "svg")]
    for name, data in _bytes(folder).items():
        assert len(data) > 5000, name
        if name.endswith(".png"):
            assert data[:8] == b"\x89PNG\r\n\x1a\n"
        else:
            assert b"<svg" in data and b"</svg>" in data


def test_redraw_is_byte_identical(result, tmp_path):
    folder = _copy(result, tmp_path / "r")
    first = draw_analysis_figures(folder)
    _check_files(first, folder)
    before = _bytes(folder)
    again = draw_analysis_figures(folder)
    assert again == first
    assert _bytes(folder) == before


def test_without_ensemble_npz(result, tmp_path):
    with_npz = _copy(result, tmp_path / "with")
    summary = _copy(result, tmp_path / "summary", ensemble=False)
    assert not (summary / "ensemble.npz").exists()
    paths = draw_analysis_figures(summary)
    _check_files(paths, summary)
    before = _bytes(summary)
    draw_analysis_figures(summary)
    assert _bytes(summary) == before
    draw_analysis_figures(with_npz)
    full = _bytes(with_npz)
    # the balance fan never needs the ensemble; the network only loses its node sizes, and says so
    assert before["balance_fan.svg"] == full["balance_fan.svg"]
    assert before["balance_fan.png"] == full["balance_fan.png"]
    assert before["coalition_network.svg"] != full["coalition_network.svg"]
    assert "no per-run military data saved" in " ".join(_texts(before["coalition_network.svg"]))
    assert "no per-run military data saved" not in " ".join(_texts(full["coalition_network.svg"]))


def test_network_shows_the_saved_tables(result, tmp_path):
    folder = _copy(result, tmp_path / "r")
    draw_analysis_figures(folder)
    texts = _texts((folder / "figures" / "coalition_network.svg").read_bytes())
    with (folder / "coalitions.csv").open() as fh:
        structures = [r for r in csv.DictReader(fh) if r["kind"] == "structure"]
    horizon = max(int(r["step"]) for r in structures)
    modal = next(r for r in structures if int(r["step"]) == horizon and r["rank"] == "1")
    assert f"Which coalitions form by {modal['date']}?" in texts
    share = int(modal["count"]) / int(modal["runs"])
    assert any(t.startswith("modal: {Iran") and f", {percent(share)} (" in t for t in texts)
    with (folder / "quantiles.csv").open() as fh:
        med = [float(r["q50"]) for r in csv.DictReader(fh)
               if int(r["step"]) == horizon and r["measure"] == "mutual"]
    # ties are drawn from 0.2 either way, each labelled with its median, signed (minus as U+2212)
    edges = sorted(f"{v:+.2f}".replace("-", "\u2212") for v in med if abs(v) >= 0.2)
    assert edges and sorted(t for t in texts if re.fullmatch(r"[+\u2212]\d\.\d\d", t)) == edges
    assert any("40 runs" in t for t in texts)


def test_network_date(result, tmp_path):
    folder = _copy(result, tmp_path / "r")
    draw_analysis_figures(folder, date="2025-01")
    texts = _texts((folder / "figures" / "coalition_network.svg").read_bytes())
    assert "Which coalitions form by 2025-01?" in texts
    with pytest.raises(ValueError, match="2025-02.*2024-01, 2025-01"):
        draw_analysis_figures(folder, date="2025-02")  # not a reported step
