"""Incremental, idempotent sync of a repository's merged changes into the change index.

The cursor is the last first-parent sha indexed. Each batch is read, enriched, upserted into Chroma
and then written to the store together with the new cursor in one transaction; a sync killed at any
point resumes from the last whole batch, and a re-run of a finished sync adds nothing. One sync
per index at a time (an advisory lock, released by the kernel if the process dies).
"""

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sleuth.errors import SleuthError
from sleuth.tools.change_index import ChangeIndex
from sleuth.tools.change_store import change_id
from sleuth.tools.code_host import Mirror
from sleuth.tools.embeddings import TorchThreads
from sleuth.tools.history_reader import enriched_batches

SyncProgress = Callable[[str, int], None]


@dataclass
class SyncResult:
    """What one repository's sync did."""

    repo: str
    added: int
    skipped: int
    repaired: int
    seconds: float
    cursor: str
    notes: list[str]


@contextmanager
def sync_lock(index_dir: Path) -> Iterator[None]:
    """Hold the index's sync lock, or fail at once naming the process that holds it."""
    index_dir.mkdir(parents=True, exist_ok=True)
    path = index_dir / "sync.lock"
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise SleuthError(
                f"the change index at {index_dir} is locked by another sync (pid {holder})",
                hint="wait for it to finish; the lock frees itself when that process exits",
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def sync_repo(
    index: ChangeIndex,
    host: Mirror,
    branch: str | None = None,
    services: list[str] | None = None,
    on_progress: SyncProgress | None = None,
    batch_size: int | None = None,
) -> SyncResult:
    """Bring one repository's changes on a branch into the index; return what was done."""
    started = time.monotonic()
    services = services or [host.name]
    batch_size = batch_size or index.settings.index.batch_size
    ref = host.resolve(branch or "HEAD")
    notes: list[str] = []
    index.store.register_repo(host.name, str(host.path), branch, services)
    cursor = (index.store.repo(host.name) or {}).get("cursor")
    if cursor and not host.is_ancestor(cursor, ref):
        # History was rewritten (force-push, rebased branch): rescan; ids already stored are skipped.
        notes.append(f"{host.name}: cursor {cursor[:10]} is no longer on {branch or 'HEAD'}; rescanning its history")
        cursor = None
    repaired = index.repair(host.name, services)
    if repaired:
        notes.append(f"{host.name}: re-added {repaired} change(s) missing from Chroma")

    added = skipped = 0
    last = cursor
    # A child process reads and enriches the next batches while this one embeds and writes.
    threads = TorchThreads()
    batches = enriched_batches(host, ref, cursor, batch_size)
    try:
        while True:
            threads.before_batch()
            batch_started = time.monotonic()
            batch = next(batches, None)
            if batch is None:
                break
            last = batch[-1][0].sha
            known = index.store.known(change_id(host.name, c.sha) for c, _, _ in batch)
            fresh = [item for item in batch if change_id(host.name, item[0].sha) not in known]
            index.upsert(host.name, services, fresh, last)
            added += len(fresh)
            skipped += len(batch) - len(fresh)
            threads.after_batch(len(batch), time.monotonic() - batch_started)
            if on_progress:
                on_progress(host.name, added)
    finally:
        threads.restore()
    if last is None:  # an empty range on a first sync: remember the head so the next sync is incremental
        last = ref
        index.upsert(host.name, services, [], last)
    seconds = round(time.monotonic() - started, 2)
    return SyncResult(host.name, added, skipped, repaired, seconds, last, notes)
