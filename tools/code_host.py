"""The code-host interface: what every backend (local git, GitHub, GitLab) must provide."""

from datetime import datetime
from typing import Protocol

from sleuth.models import Change


class CodeHost(Protocol):
    """Read access to one repository's merged changes and its files."""

    def resolve(self, ref: str) -> str:
        """Return the full sha a ref points to."""
        ...

    def head_at(self, branch: str | None, moment: datetime) -> str:
        """Return the sha the branch pointed to just before a moment."""
        ...

    def changes(self, branch: str | None, since: datetime, until: datetime) -> list[Change]:
        """Return the changes merged into the branch in [since, until), newest first."""
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
