"""find_callers: the call sites of a function or method, from parse trees."""

from sleuth.errors import SleuthError
from sleuth.models import Evidence
from sleuth.tools.agent_tools.result import ToolContext, ToolResult, capped
from sleuth.tools.agent_tools.symbol_search import find_symbols


def find_callers(context: ToolContext, name: str) -> ToolResult:
    """Find the lines that call a function or method named `name` (definitions left out), as path:line.

    Args:
        name: the bare name of the function or method, e.g. "convert"
    """
    name = name.strip().rsplit(".", 1)[-1].rstrip("()")
    if not name.isidentifier():
        raise SleuthError(f"{name!r} is not a name", hint="give a bare identifier such as convert")
    found = find_symbols(context, name, calls=True)
    if not found:
        return ToolResult(status="empty", data=f"no call of {name} in a parsed file")
    rows = [f"{path}:{s.line}" for path, s in found]
    shown, truncated, narrow = capped("\n".join(rows), context.max_chars, "read one of them with read_file")
    path, first = found[0]
    evidence = Evidence(
        kind="code", role="caller", summary=f"{name} is called at {path}:{first.line}", path=path, line=first.line
    )
    return ToolResult(status="ok", data=shown, truncated=truncated, narrow=narrow, evidence=evidence)
