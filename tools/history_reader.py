"""Reading and enriching a repository's history in a child process, batch by batch.

Enrichment is pure-Python work (diff parsing, `ast`, regexes) and embedding is torch work; in one
process they fight over the GIL and barely overlap. A child process (no torch, no Chroma) reads git
and enriches while the parent embeds and writes, so both cores stay busy. It is started as
`python -m sleuth.tools.history_reader` rather than through multiprocessing, which works the same
from a CLI, a notebook or stdin, and it streams pickled batches through a pipe: the pipe's buffer
bounds how far it runs ahead, and it ends with a broken pipe if its parent dies.
"""

import pickle
import subprocess
import sys
from collections.abc import Iterator

from sleuth.errors import SleuthError
from sleuth.models import Change
from sleuth.tools.change_store import lexical_text
from sleuth.tools.code_host import Mirror
from sleuth.tools.enrichment import enrich
from sleuth.tools.git_history import BlobReader, iter_history
from sleuth.tools.local_git import LocalGitHost
from sleuth.tools.merge_messages import with_branch_messages

Batch = list[tuple[Change, str, str]]  # change (enriched), diff, bm25 terms
_DONE = "done"


def produce(path: str, ref: str, after: str | None, batch_size: int) -> None:
    """Child side: write enriched batches, then _DONE (or ("error", message)) to stdout."""
    out = sys.stdout.buffer
    try:
        host = LocalGitHost(path)
        pending: list[tuple[Change, str]] = []
        with BlobReader(host.path) as blobs:
            for change, diff in iter_history(host, ref, after_sha=after):
                pending.append((change, diff))
                if len(pending) >= batch_size:
                    pickle.dump(_enriched(host, pending, blobs), out, protocol=pickle.HIGHEST_PROTOCOL)
                    pending = []
            if pending:
                pickle.dump(_enriched(host, pending, blobs), out, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.dump(_DONE, out)
    except BrokenPipeError:  # the parent went away: nothing left to do
        return
    except SleuthError as exc:
        pickle.dump(("error", str(exc)), out)
    except Exception as exc:  # report anything else to the parent instead of dying silently
        pickle.dump(("error", f"{type(exc).__name__}: {exc}"), out)
    out.flush()


def _enriched(host: Mirror, pending: list[tuple[Change, str]], blobs: BlobReader) -> Batch:
    """The batch's changes, merges described by their branch commits too, with enrichment and bm25 terms."""
    changes = with_branch_messages(host.path, [change for change, _ in pending])
    batch: Batch = []
    for change, (_, diff) in zip(changes, pending, strict=True):
        change.enrichment = enrich(change, diff, blobs.read)
        batch.append((change, diff, lexical_text(change, diff)))
    return batch


def enriched_batches(host: Mirror, ref: str, after: str | None, batch_size: int) -> Iterator[Batch]:
    """Yield enriched batches of first-parent changes in (after, ref], oldest first."""
    command = [sys.executable, "-m", "sleuth.tools.history_reader", str(host.path), ref, after or "", str(batch_size)]
    worker = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert worker.stdout is not None
    try:
        while True:
            try:
                item = pickle.load(worker.stdout)
            except EOFError:
                detail = (worker.stderr.read().decode(errors="replace").strip().splitlines() or ["no output"])[-1]
                raise SleuthError(f"reading the history of {host.name} stopped unexpectedly: {detail}") from None
            if item == _DONE:
                return
            if isinstance(item, tuple):
                raise SleuthError(f"reading the history of {host.name} failed: {item[1]}")
            yield item
    finally:
        if worker.poll() is None:
            worker.kill()
        worker.wait(timeout=10)
        worker.stdout.close()
        if worker.stderr:
            worker.stderr.close()


if __name__ == "__main__":
    produce(sys.argv[1], sys.argv[2], sys.argv[3] or None, int(sys.argv[4]))
