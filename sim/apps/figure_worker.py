"""Drawing a run's figures in a second process, started before the run.

Importing matplotlib and drawing the first figure take longer than simulating a thousand runs.
`alignsim run` therefore starts this worker first: it imports the figure code while the main
process loads the model and simulates, then draws the figures from the finished folder's
files when asked. On one core, or when the worker cannot start, the figures are drawn in
process; the files are the same either way (they are drawn from the folder's saved tables).

Protocol, one JSON object per line: the parent writes {"out", "formats", "every"}; the worker
answers {"progress": name} for each figure, then {"done": [paths]} or {"error": message}.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


class FigureWorker:
    """A process that draws a run folder's figures (sim.figures.run.draw_figures) on request.

    Parameters
    ----------
    parallel : bool
        Start the worker process; otherwise `draw` draws in this process.
    """

    def __init__(self, parallel: bool = True):
        self.proc = None
        if parallel and (os.cpu_count() or 1) > 1:
            package_root = str(Path(__file__).resolve().parents[2])
            env = {**os.environ, "PYTHONPATH": os.pathsep.join(
                [package_root, *filter(None, [os.environ.get("PYTHONPATH")])]), "MPLBACKEND": "Agg"}
            try:
                self.proc = subprocess.Popen([sys.executable, "-m", "sim.apps.figure_worker"], env=env, text=True,
                                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=1)
            except OSError:
                self.proc = None

    def draw(self, out: Path, formats, every: bool = False, progress=None) -> list[Path]:
        """The figures of the finished result folder `out`; see sim.figures.run.draw_figures."""
        if self.proc is not None:
            try:
                return self._remote(out, formats, every, progress)
            except (OSError, ValueError, _WorkerFailed):
                self.close()   # a worker that died or spoke nonsense: draw here instead
        from sim.figures.run import draw_figures
        return draw_figures(Path(out), formats, progress, every)

    def _remote(self, out, formats, every, progress) -> list[Path]:
        self.proc.stdin.write(json.dumps({"out": str(out), "formats": list(formats), "every": every}) + "\n")
        self.proc.stdin.flush()
        for line in self.proc.stdout:
            msg = json.loads(line)
            if "progress" in msg and progress is not None:
                progress(msg["progress"])
            elif "done" in msg:
                return [Path(p) for p in msg["done"]]
            elif "error" in msg:
                raise RuntimeError(f"drawing the figures of {out} failed: {msg['error']}")
        raise _WorkerFailed()

    def close(self) -> None:
        """Stop the worker (it exits when its input ends)."""
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        try:
            proc.stdin.close()
            proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()


class _WorkerFailed(Exception):
    """The worker ended without answering."""


def serve() -> None:
    """The worker's loop: import the figure code at once, then draw each folder it is sent."""
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the parent's to handle
    from sim.figures.run import draw_figures
    _warm_up()

    def tell(obj) -> None:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    for line in sys.stdin:
        req = json.loads(line)
        try:
            paths = draw_figures(Path(req["out"]), tuple(req["formats"]), lambda name: tell({"progress": name}),
                                 req["every"])
            tell({"done": [str(p) for p in paths]})
        except Exception as exc:  # noqa: BLE001 - reported to the parent, which decides
            tell({"error": f"{type(exc).__name__}: {exc}"})


def _warm_up() -> None:
    """Draw a small figure with the style's fonts, so the first real figure does not pay for
    loading them (the parent is still simulating meanwhile)."""
    import io

    import matplotlib.pyplot as plt

    from sim.figures import style
    with plt.rc_context(style.STYLE):
        pg = style.page(3.0, 1.0, "Warm up 0123456789", "subtitle \u2212+%", ["footnote"])
        ax = pg.rect(0, 0, 2.0, 1.0)
        ax.plot([0, 1], [0, 1])
        style.panel_title(ax, "panel")
        pg.fig.savefig(io.BytesIO(), format="png", dpi=style.STYLE["savefig.dpi"])
        plt.close(pg.fig)


if __name__ == "__main__":
    serve()
