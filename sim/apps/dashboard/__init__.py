"""alignsim dashboard: tweak actor parameters in the browser and watch alignment respond.

`alignsim dashboard [SCENARIO] [--port P] [--host H]` serves a Solara page (app.py) on
127.0.0.1. Nothing heavy is imported here, so `sim.apps.cli` can build its parser without
Solara installed; the page's dependencies are the `dashboard` extra.

    app.py          the Solara app: page layout, navigation, ensemble view (plain Solara) and
                    single-run view (Mesa SolaraViz)
    session.py      the per-browser-session state (Solara reactive values) and its setters
    sidebar.py      scenario picker, runs and seed, changed-parameter count
    controls.py     the parameter and shock controls
    results.py      the ensemble view's main area: status, selectors, table, figures
    export_card.py  save as scenario and the downloads, on the page
    params.py       the controls in plain Python: input checks, edits, --set overrides
    state.py        the base scenario and its ensemble in plain Python: catalog, compute, pair rows
    downloads.py    the result folder behind the downloads, from sim.engine.run.run_to_folder
    export.py       "Save as scenario": a TOML that `extends` the base with the changed values
    single_run.py   the Mesa model wrapper and components for SolaraViz
    serve.py        the server: host and port checks, offline assets, uvicorn

The figures are drawn by sim.figures.dashboard.
"""

from __future__ import annotations

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def dashboard_main(scenario: str | None, port: int = DEFAULT_PORT, host: str = DEFAULT_HOST,
                   scenario_dir: str | None = None) -> int:
    """Serve the dashboard until interrupted; the exit status for the CLI (2 on bad input)."""
    from sim.apps.dashboard.serve import serve
    return serve(scenario, port, host, scenario_dir)


def add_arguments(p) -> None:
    """The `dashboard` subcommand's arguments (shared by sim.apps.cli and `python -m sim.apps.dashboard`)."""
    p.add_argument("scenario", nargs="?", default=None, metavar="SCENARIO",
                   help="scenario file or name to open first (default: june_war_pivot if present)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT,
                   help=f"port (default {DEFAULT_PORT}; 0 picks a free one)")
    p.add_argument("--host", default=DEFAULT_HOST,
                   help=f"address to bind (default {DEFAULT_HOST}, this machine only); any other "
                        "address lets others on the network use the page and write scenario files")
    p.add_argument("--dir", default=None,
                   help="folder of scenarios to choose from and to save into (default ./scenarios)")
