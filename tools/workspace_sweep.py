"""Workspaces left behind: a sandbox's lock says it is alive; a killed run's workspace has none held.

Each bubblewrap workspace `sleuth-ws-*` holds an exclusive `flock` on its sibling `sleuth-ws-*.lock`
for as long as it lives; the kernel drops the lock when its process dies, however it dies (kill -9
included). The sweep, run when a process first opens a sandbox, removes this user's workspaces
whose lock nobody holds, and any without a lock file older than the longest allowed run.
"""

import fcntl
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import IO

PREFIX = "sleuth-ws-"


def hold_lock(root: Path) -> IO[str]:
    """Take the workspace's lock (kept open for the workspace's life)."""
    handle = open(f"{root}.lock", "w")  # noqa: SIM115 - held until destroy
    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return handle


def release_lock(root: Path, handle: IO[str] | None) -> None:
    if handle is not None:
        handle.close()
    Path(f"{root}.lock").unlink(missing_ok=True)


def _abandoned(lock: Path) -> bool:
    try:
        with lock.open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released when the handle closes
            return True
    except BlockingIOError:
        return False  # a living sandbox holds it
    except OSError:
        return False


def sweep_stale_workspaces(directory: Path | None = None, max_age_seconds: float = 3 * 3600) -> list[Path]:
    """Remove this user's abandoned workspaces; return what was removed."""
    directory = directory or Path(tempfile.gettempdir())
    removed = []
    try:
        entries = [p for p in directory.iterdir() if p.name.startswith(PREFIX) and not p.name.endswith(".lock")]
    except OSError:
        return removed
    for root in entries:
        try:
            info = root.lstat()
        except OSError:
            continue
        if info.st_uid != os.getuid() or not root.is_dir() or root.is_symlink():
            continue
        lock = Path(f"{root}.lock")
        stale = _abandoned(lock) if lock.exists() else time.time() - info.st_mtime > max_age_seconds
        if stale:
            shutil.rmtree(root, ignore_errors=True)
            lock.unlink(missing_ok=True)
            removed.append(root)
    return removed
