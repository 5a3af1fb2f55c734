"""Blame inside the sandbox workspace, so reading never leaves the isolated clone."""

from sleuth.tools.local_git import parse_blame_porcelain
from sleuth.tools.sandbox import Sandbox


def blame_workspace(
    sandbox: Sandbox, path: str, start: int, end: int, since: str | None = None
) -> dict[int, tuple[str, int]]:
    """Map lines start..end of a workspace file to (first-parent change sha, its line number).

    When the range runs past the end of the file, only the first line is blamed; `since` bounds the
    walk as in `blame_ranges` (and is dropped when git cannot use it, a root commit's parent say).
    """
    for bound in dict.fromkeys((since, None)):
        for first, last in ((start, end), (start, start)):
            blamed = blame_ranges(sandbox, path, [(first, last)], since=bound)
            if blamed is not None:
                return blamed
    return {}


def blame_ranges(
    sandbox: Sandbox, path: str, ranges: list[tuple[int, int]], since: str | None = None
) -> dict[int, tuple[str, int]] | None:
    """Blame several line ranges of one file in a single pass (git walks the history once, not per range).

    With `since` (a commit), git stops walking there: lines no later change touched are left out of
    the map rather than traced back through years of history, which is what made blame the slowest
    step of reading a big repository. None when git refuses (a range past the end of the file, a
    path HEAD does not have).
    """
    if not ranges:
        return {}
    spans = [arg for first, last in ranges for arg in ("-L", f"{first},{last}")]
    revisions = f"{since}..HEAD" if since else "HEAD"
    result = sandbox.run(["git", "blame", "--first-parent", "--porcelain", *spans, revisions, "--", path], timeout=60)
    if result.exit_code != 0:
        return None
    blamed = parse_blame_porcelain(result.output)
    return {line: origin for line, origin in blamed.items() if origin[0] != since} if since else blamed
