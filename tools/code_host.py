"""What a code host is to sleuth: a mirror (a local clone it reads) and, for GitHub/GitLab, a forge.

A **mirror** is a local git clone: changes, diffs, blame, files at a ref, first-parent history.
Everything that reads code (ranking, blame, the sandbox clone, bisection, mining) reads a mirror,
so a GitHub or GitLab repository is fetched into one (`$SLEUTH_HOME/mirrors`) and read the same
way as a local repository. Implementations: `LocalGitHost` (any clone on disk) and an eval case's
`CaseHost` (a mirror as of an incident's start, wrapping one).

A **forge** is what only the hosting service knows (PR/MR metadata, reviewers, deployments,
opening a draft PR/MR); it sits beside a mirror, never in its place.
"""

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from sleuth.models import Change

if TYPE_CHECKING:
    from sleuth.tools.clone_gaps import CloneGaps


@runtime_checkable
class Mirror(Protocol):
    """Read access to one local clone: its first-parent changes, their diffs, files and blame."""

    name: str
    """The repository's short name (the index and reports key changes by it)."""
    path: Path
    """The clone on disk: the sandbox clones from it and git subprocesses read it."""

    def resolve(self, ref: str) -> str:
        """Return the full sha a ref points to (a SleuthError when it does not exist)."""
        ...

    def is_ancestor(self, sha: str, ref: str) -> bool:
        """Whether sha is in ref's history (ref included)."""
        ...

    def head_at(self, branch: str | None, moment: datetime) -> str:
        """Return the sha the branch pointed to just before a moment."""
        ...

    def changes(self, branch: str | None, since: datetime, until: datetime) -> list[Change]:
        """Return the first-parent changes merged into the branch in [since, until), newest first."""
        ...

    def change(self, sha: str) -> Change:
        """Return one change by sha."""
        ...

    def diff(self, sha: str) -> str:
        """Return a change's unified diff against its first parent."""
        ...

    def file_at(self, ref: str, path: str) -> str | None:
        """Return a file's text at a ref, or None when it does not exist there."""
        ...

    def list_files(self, ref: str) -> list[str]:
        """Return every file path at a ref."""
        ...

    def blame(self, ref: str, path: str, start: int, end: int) -> dict[int, tuple[str, int]]:
        """Map lines start..end of a file at ref to (change sha, line number in that change)."""
        ...

    def rev_list(self, since_sha: str | None, until_sha: str) -> list[str]:
        """Return first-parent shas in (since_sha, until_sha], newest first."""
        ...

    def gaps(self) -> "CloneGaps":
        """What the clone lacks (shallow history, partial objects)."""
        ...
