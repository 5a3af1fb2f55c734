"""show_change: what a change in the window did, to one path or to all it touched."""

from sleuth.errors import SleuthError
from sleuth.models import Evidence
from sleuth.tools.agent_tools.result import ToolContext, ToolResult, capped, workspace_path


def _resolve(context: ToolContext, sha: str) -> str:
    prefix = sha.strip().lower()
    matches = [full for full in context.window if prefix and full.startswith(prefix)]
    if len(prefix) < 7 or len(matches) != 1:
        raise SleuthError(
            f"{sha!r} is not a change in the incident's window",
            hint="use a sha (7+ characters) of one of the listed changes",
        )
    return matches[0]


def show_change(context: ToolContext, sha: str, path: str | None = None) -> ToolResult:
    """Show a change's message and diff (first parent), for one path or for every file it touched.

    Args:
        sha: the change's sha (7 or more characters) as listed
        path: only this file's part of the diff
    """
    full = _resolve(context, sha)
    command = ["git", "show", "--first-parent", "--format=%H%n%an%n%s%n%n%b", "--stat", "--patch", full, "--"]
    if path:
        command.append(workspace_path(path))
    result = context.sandbox.run(command, timeout=60)
    if result.exit_code != 0:
        raise SleuthError(f"cannot show {full[:10]}: {result.output.strip()[:200]}")
    shown, truncated, narrow = capped(result.output, context.max_chars, "give one path the change touched")
    evidence = Evidence(
        kind="diff",
        role="suspect_change",
        summary=f"{full[:10]} ({context.window[full]}) changed {path or 'these files'} (read by the agent)",
        sha=full,
        path=path,
    )
    return ToolResult(status="ok", data=shown, truncated=truncated, narrow=narrow, evidence=evidence)
