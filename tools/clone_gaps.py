"""What a clone lacks: shallow history (`--depth`) and partial objects (`--filter`), said with the fix.

A shallow clone's oldest commits look like roots: their diffs add every file and blame pins every
older line on them, so a history cut inside the window names a wrong culprit with high confidence.
Investigations leave the cut commits out and cap confidence; sync and mine say it once.
"""

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from sleuth.tools.git_cli import run_git


@dataclass(frozen=True)
class CloneGaps:
    """The shallow cut (boundary commits and the newest of their dates) and whether objects are partial."""

    path: Path
    boundary: frozenset[str] = field(default_factory=frozenset)
    cut_at: datetime | None = None
    partial_filter: str | None = None

    @property
    def shallow(self) -> bool:
        return bool(self.boundary)

    def cuts_into(self, since: datetime) -> bool:
        """Whether history before the cut would belong to a window starting at `since`."""
        return self.cut_at is not None and self.cut_at > since

    def notes(self) -> list[str]:
        """One line per gap, each with the command that closes it."""
        notes = []
        if self.shallow:
            when = f" at {self.cut_at:%Y-%m-%d %H:%M}" if self.cut_at else ""
            notes.append(
                f"{self.path} is a shallow clone: its history is cut{when}, so older changes are unseen and"
                f" the commits at the cut (which seem to add every file) are left out; run"
                f" `git -C {self.path} fetch --unshallow`"
            )
        if self.partial_filter is not None:
            notes.append(
                f"{self.path} is a partial clone (--filter={self.partial_filter}): files it never fetched cannot"
                f" be read offline; fetch them with `git -C {self.path} fetch --refetch --no-filter` or clone"
                " again without --filter"
            )
        return notes


@lru_cache(maxsize=64)
def clone_gaps(path: Path) -> CloneGaps:
    """Inspect a clone (cached per path for the process: a clone does not deepen under a run)."""
    shallow = run_git(path, "rev-parse", "--is-shallow-repository", check=False).stdout.strip() == "true"
    boundary: frozenset[str] = frozenset()
    cut_at = None
    if shallow:
        shallow_file = Path(
            run_git(path, "rev-parse", "--path-format=absolute", "--git-path", "shallow").stdout.strip()
        )
        boundary = frozenset(shallow_file.read_text().split()) if shallow_file.exists() else frozenset()
        if boundary:
            dates = run_git(path, "show", "-s", "--format=%cI", *sorted(boundary), check=False).stdout.split()
            cut_at = max((datetime.fromisoformat(d) for d in dates), default=None)
    return CloneGaps(path=path, boundary=boundary, cut_at=cut_at, partial_filter=_partial_filter(path))


def _partial_filter(path: Path) -> str | None:
    """The object filter of a partial clone (`blob:none`, …), or None for a complete one."""
    keys = r"^(remote\..*\.(promisor|partialclonefilter)|extensions\.partialclone)$"
    config = run_git(path, "config", "--get-regexp", keys, check=False)
    values = dict(line.split(" ", 1) for line in config.stdout.splitlines() if " " in line)
    if not values:
        return None
    filters = [v for k, v in values.items() if k.endswith(".partialclonefilter")]
    return filters[0] if filters else "unknown"
