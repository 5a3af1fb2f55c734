"""blame_range: which change last touched each line of a range (first-parent, as merged)."""

from sleuth.errors import SleuthError
from sleuth.models import Evidence
from sleuth.tools.agent_tools.result import ToolContext, ToolResult, capped, workspace_path
from sleuth.tools.workspace_blame import blame_ranges

MAX_LINES = 200


def blame_range(context: ToolContext, path: str, start_line: int, end_line: int) -> ToolResult:
    """Say which change last touched each line from start_line to end_line of a file, grouped into
    runs of lines; changes inside the incident's window are named with their titles.

    Args:
        path: file path relative to the repository root
        start_line: first line (1-based)
        end_line: last line (at most 200 lines after start_line)
    """
    path = workspace_path(path)
    if end_line < start_line:
        raise SleuthError("end_line is before start_line")
    end = min(end_line, start_line + MAX_LINES - 1)
    blamed = blame_ranges(context.sandbox, path, [(max(1, start_line), end)])
    if blamed is None:
        raise SleuthError(f"cannot blame {path}:{start_line}-{end_line}", hint="check the path and the file's length")
    runs: list[tuple[int, int, str]] = []
    for number in sorted(blamed):
        sha = blamed[number][0]
        if runs and runs[-1][2] == sha and runs[-1][1] == number - 1:
            runs[-1] = (runs[-1][0], number, sha)
        else:
            runs.append((number, number, sha))
    rows = []
    for first, last, sha in runs:
        title = context.window.get(sha)
        said = f"{sha[:10]} {title!r} (in the window)" if title else f"{sha[:10]} (before the window)"
        rows.append(f"{path}:{first}-{last} {said}")
    shown, truncated, narrow = capped("\n".join(rows), context.max_chars, "blame a shorter range")
    suspects = [(first, sha) for first, _, sha in runs if sha in context.window]
    evidence = None
    if suspects:
        first, sha = suspects[0]
        evidence = Evidence(
            kind="blame",
            summary=f"{path}:{first} last changed by {sha[:10]} ({context.window[sha]})",
            sha=sha,
            path=path,
            line=first,
        )
    return ToolResult(status="ok", data=shown, truncated=truncated, narrow=narrow, evidence=evidence)
