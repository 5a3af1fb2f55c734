"""find_definition: where a function, method, class or type is defined, from parse trees."""

from sleuth.errors import SleuthError
from sleuth.models import Evidence
from sleuth.tools.agent_tools.result import ToolContext, ToolResult, capped
from sleuth.tools.agent_tools.symbol_search import find_symbols


def find_definition(context: ToolContext, name: str) -> ToolResult:
    """Find where a function, method, class or type named `name` is defined (Python, JavaScript,
    TypeScript, Java, Go, C#, Ruby), as path:first-last lines.

    Args:
        name: the bare name, e.g. "convert" (not "module.convert")
    """
    name = name.strip().rsplit(".", 1)[-1].rstrip("()")
    if not name.isidentifier():
        raise SleuthError(f"{name!r} is not a name", hint="give a bare identifier such as convert")
    found = find_symbols(context, name, calls=False)
    if not found:
        return ToolResult(status="empty", data=f"no definition of {name} in a parsed file (grep may find it)")
    rows = [f"{path}:{s.line}-{s.end_line} {s.kind} {s.name}" for path, s in found]
    shown, truncated, narrow = capped("\n".join(rows), context.max_chars, "read one of them with read_file")
    path, first = found[0]
    evidence = Evidence(
        kind="code", role="callee", summary=f"{name} is defined at {path}:{first.line}", path=path, line=first.line
    )
    return ToolResult(status="ok", data=shown, truncated=truncated, narrow=narrow, evidence=evidence)
