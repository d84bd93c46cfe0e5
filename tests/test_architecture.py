"""The house rules of sim/ (docs/ARCHITECTURE.md): imports flow one way between layers, modules
and functions stay small, and importing the package writes nothing into it."""

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SIM = ROOT / "sim"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 80


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    """import-linter on the package under root, with the contracts in ROOT/pyproject.toml."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([sys.executable, "-c", "from importlinter.cli import lint_imports_command; "
                           "lint_imports_command()", "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
                          cwd=root, env=env, capture_output=True, text=True)


def test_layer_contracts_hold():
    res = lint_imports(ROOT)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    assert "BROKEN" not in res.stdout and "KEPT" in res.stdout


@pytest.mark.parametrize("module, bad_import", [
    ("sim/core/errors.py", "import sim.scenario.spec"),         # core reaching up
    ("sim/model/kernel.py", "import sim.engine.ensemble"),      # model reaching into the engine
    ("sim/engine/tables.py", "import sim.analysis.coalitions"),  # engine importing analysis
    ("sim/analysis/balance.py", "import sim.model.compile"),    # analysis depending on the model
])
def test_layer_contracts_catch_an_import_against_the_flow(tmp_path, module, bad_import):
    copy = tmp_path / "pkg"
    shutil.copytree(SIM, copy / "sim", ignore=shutil.ignore_patterns("__pycache__"))
    target = copy / module
    target.write_text(target.read_text() + f"\n{bad_import}  # injected by the test\n")
    res = lint_imports(copy)
    assert res.returncode != 0 and "BROKEN" in res.stdout, res.stdout[-2000:]


def _python_files():
    return sorted(SIM.rglob("*.py"))


def test_no_module_is_over_400_lines():
    long = {str(p.relative_to(ROOT)): n for p in _python_files()
            if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES}
    assert not long, long


def test_no_function_is_over_80_lines():
    long = {}
    for p in _python_files():
        for node in ast.walk(ast.parse(p.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - node.lineno + 1
                if n > MAX_FUNCTION_LINES:
                    long[f"{p.relative_to(ROOT)}::{node.name}"] = n
    assert not long, long


def _tree_state(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in folder.rglob("*") if p.is_file()}


def test_importing_and_running_writes_nothing_into_the_package(tmp_path):
    """Kernels compile into a cache folder keyed by the package's sources, outside the package."""
    before = _tree_state(SIM)
    code = ("import sim, os; from sim import scenario; from sim.engine.ensemble import run_ensemble; "
            "run_ensemble(scenario.load('scenarios/baseline_2024.toml'), runs=2, seed=1, steps=2); "
            "print(os.environ['NUMBA_CACHE_DIR'])")
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "XDG_CACHE_HOME": str(tmp_path)}
    env.pop("NUMBA_CACHE_DIR", None)
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-2000:]
    cache = Path(res.stdout.strip())
    assert cache.is_relative_to(tmp_path) and any(cache.glob("**/*.nbi")), cache
    assert _tree_state(SIM) == before
