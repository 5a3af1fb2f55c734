"""read_file: a numbered range of a workspace file, each line marked with the window change that last
touched it."""

from sleuth.errors import SleuthError
from sleuth.models import CodeExcerpt, Evidence
from sleuth.tools.agent_tools.result import ToolContext, ToolResult, capped, workspace_path
from sleuth.tools.workspace_blame import blame_workspace

DEFAULT_LINES = 80


def read_file(context: ToolContext, path: str, start_line: int = 1, end_line: int | None = None) -> ToolResult:
    """Read lines of a file in the repository, numbered. A line last changed by a change in the
    incident's window is marked with that change's short sha.

    Args:
        path: file path relative to the repository root, e.g. "app/rates.py"
        start_line: first line to read (1-based)
        end_line: last line to read; default start_line + 79
    """
    path = workspace_path(path)
    text = context.sandbox.read_text(path)
    if text is None:
        raise SleuthError(f"{path} is not a readable text file here", hint="list_dir shows what exists")
    lines = text.splitlines()
    start = max(1, start_line)
    end = min(len(lines), end_line if end_line is not None else start + DEFAULT_LINES - 1)
    if start > end:
        return ToolResult(status="empty", data=f"{path} has {len(lines)} lines; nothing at {start_line}-{end_line}")
    blame = {n: sha for n, (sha, _) in blame_workspace(context.sandbox, path, start, end).items()}
    rows = []
    for number in range(start, end + 1):
        sha = blame.get(number)
        mark = f" [{sha[:10]}]" if sha in context.window else ""
        rows.append(f"{number:>5}{mark}| {lines[number - 1]}")
    shown, truncated, narrow = capped(
        f"{path} lines {start}-{end} of {len(lines)}\n" + "\n".join(rows),
        context.max_chars,
        "ask for a smaller start_line..end_line range",
    )
    last = start + shown.count("\n") - 1 if truncated else end
    excerpt = CodeExcerpt(
        path=path,
        start_line=start,
        focus_line=start,
        lines=lines[start - 1 : last],
        blame={n: sha for n, sha in blame.items() if n <= last},
    )
    evidence = Evidence(
        kind="code", summary=f"{path}:{start}-{last} (read by the agent)", path=path, line=start, excerpt=excerpt
    )
    return ToolResult(status="ok", data=shown, truncated=truncated, narrow=narrow, evidence=evidence)
