"""`python -m sim.apps.dashboard [SCENARIO] [--port P] [--host H] [--dir DIR]`, as `alignsim dashboard`."""

import argparse
import sys

from sim.apps.dashboard import add_arguments, dashboard_main


def main(argv=None) -> int:
    """Parse the arguments (default sys.argv) and serve; the exit status."""
    p = argparse.ArgumentParser(prog="python -m sim.apps.dashboard",
                                description="Serve the alignsim dashboard (127.0.0.1 by default).")
    add_arguments(p)
    a = p.parse_args(argv)
    return dashboard_main(a.scenario, a.port, a.host, a.dir)


if __name__ == "__main__":
    sys.exit(main())
