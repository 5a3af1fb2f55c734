"""Blame inside the sandbox workspace, so reading never leaves the isolated clone."""

import re

from sleuth.tools.local_git import parse_blame_porcelain
from sleuth.tools.sandbox import Sandbox

_HEADER = re.compile(r"^([0-9a-f]{40}) \d+ \d+")


def blame_workspace(
    sandbox: Sandbox, path: str, start: int, end: int, since: str | None = None
) -> dict[int, tuple[str, int]]:
    """Map lines start..end of a workspace file to (first-parent change sha, its line number).

    When the range runs past the end of the file, only the first line is blamed; `since` bounds the
    walk as in `blame_ranges`.
    """
    for first, last in ((start, end), (start, start)):
        blamed = blame_ranges(sandbox, path, [(first, last)], since=since)
        if blamed is not None:
            return blamed
    return {}


def blame_ranges(
    sandbox: Sandbox, path: str, ranges: list[tuple[int, int]], since: str | None = None
) -> dict[int, tuple[str, int]] | None:
    """Blame several line ranges of one file in a single pass (git walks the history once, not per range).

    With `since` (a commit), git stops walking there: lines no later change touched are left out of
    the map rather than traced back through years of history, which is what made blame the slowest
    step of reading a big repository. A bound git cannot use (a root commit's parent, a commit the
    clone lacks) falls back to the whole history. None when git refuses the ranges (one past the end
    of the file, a path HEAD does not have).
    """
    if not ranges:
        return {}
    spans = [arg for first, last in ranges for arg in ("-L", f"{first},{last}")]
    for bound in dict.fromkeys((since, None)):
        revisions = f"{bound}..HEAD" if bound else "HEAD"
        command = ["git", "blame", "--first-parent", "--porcelain", *spans, revisions, "--", path]
        result = sandbox.run(command, timeout=60)
        if result.exit_code == 0:
            blamed = parse_blame_porcelain(result.output)
            if not bound:  # unbounded, git marks root commits as boundaries too: keep those
                return blamed
            older = _boundary_commits(result.output)
            return {line: origin for line, origin in blamed.items() if origin[0] not in older}
    return None


def _boundary_commits(porcelain: str) -> set[str]:
    """The commits `git blame --porcelain` marks `boundary`: where a bounded walk stopped."""
    boundary, current = set(), ""
    for line in porcelain.splitlines():
        if header := _HEADER.match(line):
            current = header.group(1)
        elif line == "boundary":
            boundary.add(current)
    return boundary
