"""A repository's history read once per eval run, and each case's view of it as of the incident.

Cases that share a repository share one `RepoHistory`: the branch's first-parent changes are read
with a single `git log`, and diffs are cached across cases. A `CaseHost` is the repository as the
investigator may see it: nothing merged at or after the incident's start exists.
"""

import bisect
import threading
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from sleuth.errors import SleuthError
from sleuth.models import Change
from sleuth.tools.clone_gaps import CloneGaps
from sleuth.tools.code_host import Mirror
from sleuth.tools.local_git import LocalGitHost

_EPOCH = datetime(1970, 1, 2, tzinfo=UTC)
_FOREVER = datetime(2999, 1, 1, tzinfo=UTC)


class RepoHistory:
    """The first-parent changes of one branch, oldest first, with a shared diff cache."""

    def __init__(self, path: str | Path, branch: str | None) -> None:
        self.host = LocalGitHost(path)
        self.branch = branch
        newest_first = self.host.changes(branch, _EPOCH, _FOREVER)
        self.changes = sorted(newest_first, key=lambda c: c.merged_at)
        self.times = [c.merged_at for c in self.changes]
        self.by_sha = {c.sha: c for c in self.changes}
        self._lock = threading.Lock()

    def window(self, since: datetime, until: datetime) -> list[Change]:
        """Changes merged in [since, until), newest first."""
        lo = bisect.bisect_left(self.times, since)
        hi = bisect.bisect_left(self.times, until)
        return self.changes[lo:hi][::-1]

    def landed_before(self, sha: str, moment: datetime) -> bool:
        change = self.by_sha.get(sha)
        return change is not None and change.merged_at < moment

    @lru_cache(maxsize=8192)  # noqa: B019 - one history per repository per run; diffs never change
    def diff(self, sha: str) -> str:
        return self.host.diff(sha)


class CaseHost:
    """A mirror as it was when the incident started: later changes are not there.

    It wraps the repository's mirror (composition, not a subclass) and guards every way the
    investigator reads history (window, refs, ancestry, diffs, files and blame at a ref), so a
    commit merged after `cutoff` can be neither listed, resolved nor diffed.
    """

    def __init__(self, history: RepoHistory, cutoff: datetime) -> None:
        self.mirror: Mirror = history.host
        self.path = self.mirror.path
        self.name = self.mirror.name
        self.history = history
        self.cutoff = cutoff
        self._head = self.mirror.head_at(history.branch, self._last_second) if history.window(_EPOCH, cutoff) else None

    def _visible(self, sha: str) -> bool:
        if self.history.landed_before(sha, self.cutoff):
            return True
        if sha in self.history.by_sha or self._head is None:
            return False  # on the branch, but merged at or after the incident started
        return self.mirror.is_ancestor(sha, self._head)  # a side-branch commit of a merge already in

    def resolve(self, ref: str) -> str:
        sha = self.mirror.resolve(ref)
        if not self._visible(sha):
            raise SleuthError(f"{ref} is after the incident started ({self.cutoff.isoformat()})")
        return sha

    @property
    def _last_second(self) -> datetime:
        # git's --before includes its second, and commit dates are whole seconds: a change merged in
        # the incident's very second (one push of several rebased commits shares a date) is not in.
        return self.cutoff - timedelta(seconds=1)

    def is_ancestor(self, sha: str, ref: str) -> bool:
        return self._visible(sha) and self.mirror.is_ancestor(sha, self.resolve(ref))

    def head_at(self, branch: str | None, moment: datetime) -> str:
        return self.mirror.head_at(branch, min(moment, self._last_second))

    def changes(self, branch: str | None, since: datetime, until: datetime) -> list[Change]:
        if branch not in (None, self.history.branch):
            raise SleuthError(f"this eval case reads branch {self.history.branch!r}, not {branch!r}")
        return self.history.window(since, min(until, self.cutoff))

    def change(self, sha: str) -> Change:
        return self.history.by_sha.get(sha) or self.mirror.change(self.resolve(sha))

    def diff(self, sha: str) -> str:
        if not self._visible(sha):
            raise SleuthError(f"{sha[:10]} is after the incident started")
        return self.history.diff(sha)

    def file_at(self, ref: str, path: str) -> str | None:
        return self.mirror.file_at(self.resolve(ref), path)

    def list_files(self, ref: str) -> list[str]:
        return self.mirror.list_files(self.resolve(ref))

    def blame(self, ref: str, path: str, start: int, end: int) -> dict[int, tuple[str, int]]:
        return self.mirror.blame(self.resolve(ref), path, start, end)

    def rev_list(self, since_sha: str | None, until_sha: str) -> list[str]:
        return self.mirror.rev_list(since_sha, self.resolve(until_sha))

    def gaps(self) -> CloneGaps:
        return self.mirror.gaps()
