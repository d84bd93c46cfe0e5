"""Drawing a run's figures in a second process, started before the run.

Importing matplotlib and drawing the figures take longer than simulating a thousand runs.
`alignsim run` therefore starts the workers first, one per spare core (at most two): they
import the figure code while the main process loads the model and simulates, then each draws
its share of the figures from the folder's tables as soon as they are written, while the main
process writes the full arrays (the coalition network, which reads them, comes last). Without a spare core
(one core, or a busy machine), or when a worker cannot start, the figures are drawn in
process; the files are the same either way (they are drawn from the folder's saved tables).

Protocol, one JSON object per line: the parent writes {"out", "formats", "every", "only"};
the worker answers {"progress": name} for each figure, then {"done": [paths]} or
{"error": message}.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path


ALL = ("fan_chart", "final_heatmap", "balance_fan", "coalition_network")
SHARES = (("fan_chart",), ("final_heatmap", "balance_fan", "coalition_network"))   # about equal drawing time
LAST = "coalition_network"   # drawn once ensemble.npz is written; the others need only the tables


def spare_cores() -> int:
    """Cores no process is running on now, besides this one.

    A worker shortens a run only if it has a core to itself: on a busy machine it costs a
    second interpreter and matplotlib's import on top of the same drawing. Linux reports the
    processes running now in /proc/loadavg ("2/188": two running, this one included); elsewhere
    the one-minute load average stands in.
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    try:
        with open("/proc/loadavg") as fh:
            running = int(fh.read().split()[3].split("/")[0])
    except (OSError, ValueError, IndexError):
        try:
            running = 1 + round(os.getloadavg()[0])
        except OSError:
            running = 1
    return max(0, cores - max(running, 1))


class FigureWorker:
    """Processes that draw a run folder's figures (sim.figures.run.draw_figures) on request:
    one per spare core, at most two, each drawing a share of the figures.

    Parameters
    ----------
    parallel : bool
        Start worker processes if cores are spare (`spare_cores`); otherwise `draw` draws in
        this process.
    """

    def __init__(self, parallel: bool = True):
        self.procs = []
        n = min(len(SHARES), spare_cores()) if parallel else 0
        self.shares = SHARES if n == len(SHARES) else (ALL,)
        if n:
            package_root = str(Path(__file__).resolve().parents[2])
            env = {**os.environ, "PYTHONPATH": os.pathsep.join(
                [package_root, *filter(None, [os.environ.get("PYTHONPATH")])]), "MPLBACKEND": "Agg"}
            try:
                for _ in self.shares:
                    self.procs.append(subprocess.Popen([sys.executable, "-m", "sim.apps.figure_worker"], env=env,
                                                       text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                                       bufsize=1))
            except OSError:
                self.close()

    def draw(self, out: Path, formats, every: bool = False, progress=None) -> list[Path]:
        """The figures of the finished result folder `out`; see sim.figures.run.draw_figures."""
        return self.start(out, formats, every, progress)()

    def start(self, out: Path, formats, every: bool = False, progress=None) -> Callable[[], list[Path]]:
        """Start drawing the figures of the result folder `out` once its tables are written;
        returns a callable to call once the folder is complete, which draws the coalition
        network (its node sizes come from ensemble.npz), waits for the rest and returns the
        paths in the order of STEMS. In process, everything is drawn by that callable."""
        from sim.figures.run import STEMS

        def in_process() -> list[Path]:
            from sim.figures.run import draw_figures
            return draw_figures(Path(out), formats, progress, every)
        if not self.procs:
            return in_process
        try:
            for proc, share in zip(self.procs, self.shares):
                self._ask(proc, out, formats, every, [s for s in share if s != LAST])
        except OSError:
            self.close()
            return in_process

        def wait() -> list[Path]:
            try:
                self._ask(self.procs[-1], out, formats, every, [LAST])
                paths = []
                for proc in self.procs:
                    paths += self._answer(proc, out, progress)
                paths += self._answer(self.procs[-1], out, progress)
                return sorted(paths, key=lambda p: (STEMS.index(p.stem), p.suffix))
            except (OSError, ValueError, _WorkerFailed):
                self.close()   # a worker that died or spoke nonsense: draw here instead
                return in_process()
        return wait

    @staticmethod
    def _ask(proc, out, formats, every, only) -> None:
        proc.stdin.write(json.dumps({"out": str(out), "formats": list(formats), "every": every, "only": only}) + "\n")
        proc.stdin.flush()

    @staticmethod
    def _answer(proc, out, progress) -> list[Path]:
        for line in proc.stdout:
            msg = json.loads(line)
            if "progress" in msg and progress is not None:
                progress(msg["progress"])
            elif "done" in msg:
                return [Path(p) for p in msg["done"]]
            elif "error" in msg:
                raise RuntimeError(f"drawing the figures of {out} failed: {msg['error']}")
        raise _WorkerFailed()

    def close(self) -> None:
        """Stop the workers (each exits when its input ends)."""
        procs, self.procs = self.procs, []
        for proc in procs:
            try:
                proc.stdin.close()
            except OSError:
                pass
        for proc in procs:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
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
                                 req["every"], tuple(req["only"]))
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
