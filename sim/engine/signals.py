"""Stopping cleanly: SIGTERM and SIGHUP handled like Ctrl-C, and workers that end with the
run that started them.

A run stopped by Ctrl-C, SIGTERM or SIGHUP shuts its pool down and leaves its folder
resumable. A run killed outright (SIGKILL) cannot clean up, so each worker watches the
process that started its pool and exits as soon as that process is gone; with the workers
gone, the pool's forkserver and resource tracker see their last client leave and exit too.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import threading
import time

CAUGHT = tuple(s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s is not None)


class Terminated(KeyboardInterrupt):
    """A run stopped by SIGTERM or SIGHUP: handled like Ctrl-C (KeyboardInterrupt)."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@contextlib.contextmanager
def terminate_as_interrupt():
    """Within the block, SIGTERM and SIGHUP raise `Terminated` (a KeyboardInterrupt) in the main
    thread, so the code that cleans up after Ctrl-C runs for them too. A second such signal
    gets the default action (the process ends). Elsewhere than the main thread, nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        signal.signal(signum, signal.SIG_DFL)
        raise Terminated(signum)

    previous = {s: signal.signal(s, handler) for s in CAUGHT}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def watch_parent(pid: int, poll: float = 0.5) -> None:
    """In a worker: exit at once when process `pid` ends, however it ends.

    A daemon thread waits on a pidfd of `pid` (Linux 5.3 and later), else checks every `poll`
    seconds; the compiled model releases the GIL, so the thread runs even mid-chunk."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        os._exit(1)
    except (AttributeError, OSError):
        fd = None

    def wait():
        if fd is not None:
            select.select([fd], [], [])
        else:
            while _alive(pid):
                time.sleep(poll)
        os._exit(1)

    threading.Thread(target=wait, name="alignsim-parent-watch", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
