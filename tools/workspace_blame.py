"""Blame inside the sandbox workspace, so reading never leaves the isolated clone."""

from sleuth.tools.local_git import parse_blame_porcelain
from sleuth.tools.sandbox import Sandbox


def blame_workspace(sandbox: Sandbox, path: str, start: int, end: int) -> dict[int, tuple[str, int]]:
    """Map lines start..end of a workspace file to (first-parent change sha, its line number).

    When the range runs past the end of the file, only the first line is blamed.
    """
    for first, last in ((start, end), (start, start)):
        command = ["git", "blame", "--first-parent", "--porcelain", "-L", f"{first},{last}", "HEAD", "--", path]
        result = sandbox.run(command, timeout=60)
        if result.exit_code == 0:
            return parse_blame_porcelain(result.output)
    return {}
