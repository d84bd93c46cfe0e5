"""The built-in scenarios and experiments travel with the package: pyproject.toml lists every
package of sim/ and maps two data packages onto the top-level folders, which stay the one copy
in the repository; a wheel built from the checkout carries them, and an experiment's paths to
its scenarios hold in the installed layout too."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import tomllib

import pytest

from helpers import ROOT
from sim.core.paths import builtin_dir, builtin_name

CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
DATA = {"sim.builtin.scenarios": "scenarios", "sim.builtin.experiments": "experiments"}


def test_every_package_of_sim_is_listed():
    on_disk = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "sim").rglob("__init__.py")}
    assert set(CONFIG["packages"]) == on_disk | set(DATA)


def test_data_packages_map_onto_the_top_level_folders():
    assert CONFIG["package-dir"] == DATA
    for package, folder in DATA.items():
        assert CONFIG["package-data"][package] == ["*.toml"]
        assert sorted((ROOT / folder).glob("*.toml"))
        assert not (ROOT / "sim" / "builtin").exists()       # no second copy in the repository


def test_experiments_find_their_scenarios_in_the_installed_layout():
    """Installed, experiments/ is sim/builtin/experiments and scenarios/ is sim/builtin/scenarios:
    the experiments' "../scenarios/..." paths resolve the same way in both layouts."""
    for exp in (ROOT / "experiments").glob("*.toml"):
        for rel in tomllib.loads(exp.read_text())["scenarios"].values():
            assert rel.startswith("../scenarios/") and (ROOT / "scenarios" / rel.split("/", 2)[2]).is_file()


def test_a_checkout_reads_its_own_folders():
    assert builtin_dir("scenarios") == ROOT / "scenarios"
    assert builtin_dir("experiments") == ROOT / "experiments"
    assert builtin_name(ROOT / "scenarios" / "june_war_pivot.toml", "scenarios") == "june_war_pivot"
    assert builtin_name(ROOT / "examples" / "landscape_syria_2016.toml", "scenarios") is None


def test_a_build_carries_the_builtin_files(tmp_path):
    """setuptools' build step (what `pip install .` runs) copies the folders in as package data."""
    if importlib.util.find_spec("setuptools") is None:
        pytest.skip("setuptools is not installed in this environment (pip builds in its own)")
    src = tmp_path / "src"
    shutil.copytree(ROOT / "sim", src / "sim", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("scenarios", "experiments"):
        shutil.copytree(ROOT / name, src / name)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    lib = tmp_path / "lib"
    res = subprocess.run([sys.executable, "-c", "from setuptools import setup; setup()", "-q", "build_py",
                          "--build-lib", str(lib)], cwd=src, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    for folder in ("scenarios", "experiments"):
        shipped = {p.name for p in (lib / "sim" / "builtin" / folder).glob("*.toml")}
        assert shipped == {p.name for p in (ROOT / folder).glob("*.toml")}
    assert (lib / "sim" / "apps" / "cli.py").is_file() and (lib / "sim" / "figures" / "style.py").is_file()
