"""One writer per result folder: an exclusive lock, held for as long as a run or experiment
writes there.

The lock is `fcntl.flock` on `.alignsim.lock` inside the folder. The kernel releases it when
its holder ends, however it ends, so a lock can never outlive a dead process; the file also
records the holder (pid, host, command, start time) so that a refused writer can name it. A
clean release deletes the file: a file found with a holder in it but no lock on it was left
by a process that died, and is taken over with a warning.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import socket
import sys
import time
import weakref
from pathlib import Path

from sim.core.errors import ScenarioError

LOCK_NAME = ".alignsim.lock"


def _describe(holder: dict) -> str:
    pid, host = holder.get("pid", "?"), holder.get("host", "?")
    what = f"pid {pid} on {host}"
    if holder.get("command"):
        what += f", `{holder['command']}`"
    if holder.get("since"):
        what += f", since {holder['since']}"
    return what


def _read_holder(fd: int) -> dict:
    try:
        raw = os.pread(fd, 4096, 0)
        holder = json.loads(raw.decode("utf-8")) if raw.strip() else {}
    except (OSError, ValueError):
        return {"pid": "?", "host": "?"}
    return holder if isinstance(holder, dict) else {}


class FolderLock:
    """An exclusive lock on a folder, held until `release` (or the holder's end).

    Parameters
    ----------
    folder : an existing folder.
    key : the option that named the folder, for messages ("--out", "--resume").

    Attributes
    ----------
    stale : the previous holder's description when its lock was taken over (it had died),
        else None.

    Raises
    ------
    ScenarioError : another process holds the lock (the message names it), or the folder
        cannot be written.
    """

    def __init__(self, folder: Path, key: str = "--out"):
        self.folder, self.path, self.stale, self.created = Path(folder), Path(folder) / LOCK_NAME, None, []
        while True:
            fd = self._open(key)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                holder = _read_holder(fd)
                os.close(fd)
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise ScenarioError(self.folder, key, str(self.folder), f"cannot be locked: {exc.strerror}") from None
                raise ScenarioError(self.folder, key, str(self.folder),
                                    f"is in use by another alignsim process ({_describe(holder)}); "
                                    "wait for it to finish, or stop it and finish its run with --resume") from None
            # a holder that released between our open and our flock deleted the file we opened:
            # then the lock that counts is on the file now at the path, so try again
            try:
                same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        previous = _read_holder(fd)
        if previous:
            self.stale = _describe(previous)
        record = {"pid": os.getpid(), "host": socket.gethostname(), "command": " ".join(["alignsim", *sys.argv[1:]]),
                  "since": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(record).encode(), 0)
        self.fd = fd
        self._finalizer = weakref.finalize(self, _release, fd, str(self.path))

    def _open(self, key: str) -> int:
        try:
            return os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise ScenarioError(self.folder, key, str(self.folder), f"cannot be written: {exc.strerror}") from None

    @property
    def held(self) -> bool:
        """Whether this object still holds the lock."""
        return self._finalizer.alive

    def release(self) -> None:
        """Delete the lock file and release the lock (idempotent)."""
        self._finalizer()

    def abandon(self) -> None:
        """Release the lock and remove the folders `hold` created for it, if they are still
        empty: a run refused before writing leaves nothing behind."""
        self.release()
        _remove_empty(self.created)

    def __enter__(self) -> "FolderLock":
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def _release(fd: int, path: str) -> None:
    # delete before unlocking: a writer that opens the path after this creates a new file
    try:
        if os.stat(path).st_ino == os.fstat(fd).st_ino:
            os.unlink(path)
    except OSError:
        pass
    os.close(fd)


def _remove_empty(folders) -> None:
    for p in folders:   # innermost first
        try:
            p.rmdir()
        except OSError:
            break


def hold(folder, key: str = "--out", warn=None) -> FolderLock:
    """Create `folder` if needed and take its lock.

    Parameters
    ----------
    folder : the result folder.
    key : the option that named it, for messages.
    warn : called with a one-line message when a dead holder's lock is taken over.

    Returns
    -------
    FolderLock : held; release it (or use it as a context manager) when done.

    Raises
    ------
    ScenarioError : the path is a file or lies below one, the folder cannot be created or
        written, or another process holds its lock.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ScenarioError(folder, key, str(folder), "is a file, not a folder")
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ScenarioError(folder, key, str(folder), f"cannot be created: {exc.strerror or exc}") from None
    try:
        lock = FolderLock(folder, key)
    except ScenarioError:
        _remove_empty(missing)
        raise
    lock.created = missing
    if lock.stale and warn is not None:
        warn(f"{folder}: took over the lock of a process that has ended ({lock.stale})")
    return lock
