"""list_dir: the files and directories tracked under a directory of the repository."""

from sleuth.tools.agent_tools.result import ToolContext, ToolResult, capped, workspace_path


def list_dir(context: ToolContext, path: str = "") -> ToolResult:
    """List the tracked files and subdirectories directly under a directory ("" is the root).

    Args:
        path: directory relative to the repository root
    """
    path = workspace_path(path)
    command = ["git", "ls-tree", "--name-only", "HEAD", *([f"{path}/"] if path else [])]
    result = context.sandbox.run(command, timeout=30)
    names = [n for n in result.output.splitlines() if n] if result.exit_code == 0 else []
    if not names:
        return ToolResult(status="empty", data=f"{path or '/'} holds no tracked file (or is not a directory)")
    shown, truncated, narrow = capped("\n".join(names), context.max_chars, "list a subdirectory")
    return ToolResult(status="ok", data=shown, truncated=truncated, narrow=narrow)
