"""Start the dashboard server: checks, environment for Solara, then uvicorn.

Binds 127.0.0.1 unless --host says otherwise, and then warns: the page has no login and
can write scenario files into the scenario folder. The page never reaches the internet:
Solara's telemetry is off and its front-end assets come from the `solara-assets` package
(its CDN fallback points at a closed local port, so a missing asset fails instead of
being fetched).
"""

from __future__ import annotations

import importlib.util
import ipaddress
import os
import socket
import sys
import threading
from pathlib import Path

NEEDS = ("solara", "uvicorn", "mesa.visualization")
INSTALL_HINT = "pip install 'alignsim[dashboard]'"


def is_loopback(host: str) -> bool:
    """Whether `host` is this machine only: localhost or a loopback address (IPv4 or IPv6)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def host_warning(host: str) -> str | None:
    """The warning printed when binding anything but a loopback address (None for loopback)."""
    if is_loopback(host):
        return None
    return (f"alignsim dashboard: warning: serving on {host}, not 127.0.0.1: anyone who can reach this "
            "address can use the page and save scenario files into the scenario folder; there is no login. "
            "Use the default (127.0.0.1) unless you mean this.")


def find(name: str, folder: Path) -> Path:
    """A scenario file from a path, a name in the folder, or a built-in name (as `alignsim run`
    finds one)."""
    from sim.apps.catalog import find as find_file
    return find_file(name, "scenarios", folder)


def _warm_single_run(path: Path) -> None:
    """Compile (first run after installing) or load the single-run view's kernels, one month of a
    one-run batch, while the page loads: the ensemble's kernels are others, and without this the
    first Step of a fresh install waits for the compiler (about 20 s) with no word on the page."""
    try:
        from sim import scenario as scen_mod
        from sim.model.agents import AlignmentModel
        AlignmentModel(scen_mod.load(path)).step()
    except Exception:   # noqa: BLE001 - a warm-up only; the view reports its own errors when used
        pass


def free_port(host: str) -> int:
    """A port that is free on `host` now, for `--port 0`."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(fam, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def port_problem(host: str, port: int) -> str | None:
    """None if the server can listen on host:port, else the one-line reason."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(fam, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host.strip("[]"), port))
        except OSError as exc:
            return f"cannot listen on {host}:{port}: {exc.strerror or exc}; choose another --port"
    return None


def configure(folder: Path, initial: Path | None) -> None:
    """Environment read by Solara's settings (at its import) and by the page (session.py)."""
    os.environ["ALIGNSIM_DASHBOARD_DIR"] = str(folder.resolve())
    os.environ["ALIGNSIM_DASHBOARD_SCENARIO"] = str(initial.resolve()) if initial else ""
    os.environ["SOLARA_APP"] = "sim.apps.dashboard.app"
    os.environ.setdefault("SOLARA_MODE", "production")
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    os.environ.setdefault("SOLARA_THEME_SHOW_BANNER", "False")
    os.environ.setdefault("SOLARA_THEME_TITLE", "alignsim dashboard")
    # assets are served from the solara-assets package; never fetch a missing one from the internet
    os.environ.setdefault("SOLARA_ASSETS_CDN", "http://127.0.0.1:9/npm/")
    os.environ.setdefault("MPLBACKEND", "Agg")


def _err(msg: str) -> int:
    print(f"alignsim: error: {msg}", file=sys.stderr)
    return 2


def serve(scenario: str | None, port: int, host: str, scenario_dir: str | None) -> int:
    """Check the command line's values, then serve the page until interrupted.

    Parameters
    ----------
    scenario : a scenario file or name to open first, or None for the folder's default.
    port : the port; 0 picks a free one.
    host : the address to bind; anything but a loopback address prints a warning first.
    scenario_dir : the folder of scenarios to list and save into (default ./scenarios).

    Returns
    -------
    The exit status: 0 after the server stops, 2 on bad input (printed as one line).
    """
    from sim.core.errors import ScenarioError

    missing = [m for m in NEEDS if importlib.util.find_spec(m.split(".")[0]) is None]
    if missing:
        return _err(f"the dashboard needs {', '.join(missing)}: {INSTALL_HINT}")
    if not 0 <= port <= 65535:
        return _err(f"--port {port}: must be 0 (any free port) to 65535")
    folder = Path(scenario_dir or "scenarios")
    initial = None
    if scenario:
        try:
            initial = find(scenario, folder)
            from sim import scenario as scen_mod
            scen_mod.load(initial)
        except ScenarioError as exc:
            return _err(str(exc))
    if not folder.is_dir() and initial is None:
        return _err(f"no scenario folder {folder}/: run from the project folder, pass --dir or a scenario file")
    if not folder.is_dir():
        folder = initial.parent
    warning = host_warning(host)
    if warning:
        print(warning, file=sys.stderr)
    if port == 0:
        port = free_port(host)
    problem = port_problem(host, port)
    if problem:
        return _err(problem)
    configure(folder, initial)

    import warnings
    # Solara warns on every page load that a plain-http session cookie falls back to SameSite=Lax
    # (right for a local page), and Mesa 3.3's SolaraViz trips Solara's hook-rule check at import
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")
    warnings.filterwarnings("ignore", message=".*found despite early return")
    import uvicorn   # after configure(): Solara reads its settings from the environment at import
    config = uvicorn.Config("solara.server.starlette:app", host=host.strip("[]"), port=port,
                            log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    if initial is not None:
        threading.Thread(target=_warm_single_run, args=(initial,), daemon=True).start()
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    print(f"alignsim dashboard: http://{shown}:{port}/  (scenarios from {folder}/; Ctrl+C stops it)", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    return 0
