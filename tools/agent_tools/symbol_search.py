"""Where a name is defined or called, from parse trees of the files that mention it."""

from sleuth.tools import syntax
from sleuth.tools.agent_tools.result import ToolContext
from sleuth.tools.syntax import Symbol

MAX_FILES = 40


def files_mentioning(context: ToolContext, name: str) -> list[str]:
    """Tracked files holding `name` as a whole word (the cheap filter before parsing)."""
    result = context.sandbox.run(["git", "grep", "-l", "-I", "-w", "-F", "-e", name], timeout=30)
    return [p for p in result.output.splitlines() if p][:MAX_FILES] if result.exit_code == 0 else []


def find_symbols(context: ToolContext, name: str, calls: bool) -> list[tuple[str, Symbol]]:
    """(path, symbol) for each definition (or call) of `name` in files with a grammar."""
    found: list[tuple[str, Symbol]] = []
    for path in files_mentioning(context, name):
        if not syntax.supported(path):
            continue
        source = context.sandbox.read_text(path)
        if source is None:
            continue
        symbols = (syntax.calls_of if calls else syntax.definitions_of)(source, path, name) or []
        found += [(path, symbol) for symbol in symbols]
    return found
