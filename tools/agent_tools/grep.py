"""grep: lines of the repository matching a string or a regular expression (git grep)."""

from sleuth.errors import SleuthError
from sleuth.models import Evidence
from sleuth.tools.agent_tools.result import ToolContext, ToolResult, capped, workspace_path

MAX_HITS = 60


def grep(context: ToolContext, pattern: str, path: str | None = None, regex: bool = False) -> ToolResult:
    """Find lines in the repository's tracked files containing `pattern`, as path:line: text.

    Args:
        pattern: the text to find (a literal string unless regex is true)
        path: only search under this directory or file
        regex: treat pattern as an extended regular expression
    """
    if not pattern.strip():
        raise SleuthError("grep needs a non-empty pattern")
    command = ["git", "grep", "-n", "-I", "-E" if regex else "-F", "-e", pattern, "--"]
    if path:
        command.append(workspace_path(path))
    result = context.sandbox.run(command, timeout=30)
    if result.exit_code not in (0, 1):
        raise SleuthError(f"grep failed: {result.output.strip()[:200]}", hint="check the regular expression")
    hits = [line[:300] for line in result.output.splitlines() if line]
    if not hits:
        return ToolResult(status="empty", data=f"no line matches {pattern!r}")
    listed = hits[:MAX_HITS]
    more = f"\n… {len(hits) - MAX_HITS} more hits" if len(hits) > MAX_HITS else ""
    shown, truncated, narrow = capped(
        "\n".join(listed) + more, context.max_chars, "give a path or a more specific pattern"
    )
    first_path, _, rest = hits[0].partition(":")
    number = rest.partition(":")[0]
    evidence = Evidence(
        kind="code",
        role="raise_site",
        summary=f"{len(hits)} line(s) match {pattern!r}; first {first_path}:{number}",
        path=first_path,
        line=int(number) if number.isdigit() else None,
    )
    return ToolResult(
        status="ok",
        data=shown,
        truncated=truncated or len(hits) > MAX_HITS,
        narrow=narrow or ("give a path or a more specific pattern" if len(hits) > MAX_HITS else None),
        evidence=evidence,
    )
