"""The call path around a failing line: what it calls, where those are defined, who calls its function.

A third or more of crashing faults lie outside the stack frames: a function that returned a bad
value has already left the stack when its caller fails. Code is read with parse trees: Python with
`ast`, the other trace languages with tree-sitter (`sleuth.tools.syntax`); `git grep -w` inside the
sandbox clone only picks the files worth parsing. A language without a grammar falls back to a
call-shaped regex and definition keywords (`func`, `function`, `fn`).
"""

import ast
import builtins
import re
from dataclasses import dataclass

from sleuth.tools import syntax
from sleuth.tools.sandbox import Sandbox

MAX_FALLBACK_SPAN = 40
_CALL = re.compile(r"([A-Za-z_]\w*)\s*\(")
_CONSTANT = re.compile(r"\b[A-Z][A-Z0-9]*_?[A-Z0-9_]{2,}\b")
_KEYWORDS = {"if", "for", "while", "switch", "return", "catch", "function", "func", "def", "new", "print", "len"}
_NOT_INTERESTING = set(dir(builtins)) | _KEYWORDS


@dataclass(frozen=True)
class Site:
    """A place in the clone: a definition or a call, and the span worth reading."""

    path: str
    line: int
    start: int
    end: int
    name: str


def _parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError):
        return None


def called_names(source: str, line: int, python: bool) -> list[str]:
    """Names of the functions and methods called on `line`, in order, without builtins."""
    names: list[str] = []
    tree = _parse(source) if python else None
    if tree is not None:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and node.lineno <= line <= (node.end_lineno or node.lineno):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
                if name:
                    names.append(name)
    else:
        lines = source.splitlines()
        if 0 < line <= len(lines):
            names = _CALL.findall(lines[line - 1])
    return [n for n in dict.fromkeys(names) if n not in _NOT_INTERESTING and not n.startswith("__")]


def _parsed_sites(sandbox: Sandbox, name: str, calls: bool, limit: int) -> list[tuple[str, int]] | None:
    """Definitions (or calls) of `name` in the files that mention it, from their parse trees; None
    when no mentioning file has a grammar (the caller then greps)."""
    listing = sandbox.run(["git", "grep", "-l", "-I", "-w", "-F", "-e", name], timeout=30)
    files = [p for p in listing.output.splitlines() if p] if listing.exit_code == 0 else []
    parsable = [p for p in files if syntax.supported(p)]
    if not parsable:
        return None
    found: list[tuple[str, int]] = []
    for path in parsable:
        source = sandbox.read_text(path)
        symbols = (syntax.calls_of if calls else syntax.definitions_of)(source or "", path, name) or []
        found += [(path, s.line) for s in symbols]
        if len(found) >= limit:
            break
    return found[:limit]


def function_span(source: str, line: int, python: bool) -> tuple[int, int]:
    """The lines of the innermost function (or class) holding `line`; for braced languages the block
    that opens on `line`; a fixed span where neither is known."""
    tree = _parse(source) if python else None
    best: tuple[int, int] | None = None
    if tree is not None:
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                end = node.end_lineno or node.lineno
                if start <= line <= end and (best is None or end - start < best[1] - best[0]):
                    best = (start, end)
    elif not python:
        best = _bracketed_span(source, line)
    return best or (line, line + MAX_FALLBACK_SPAN)


def _bracketed_span(source: str, line: int) -> tuple[int, int] | None:
    """From `line` to where the brackets opened on or after it close again (strings not parsed)."""
    lines = source.splitlines()
    depth, opened = 0, False
    for number in range(line, min(len(lines), line + MAX_FALLBACK_SPAN) + 1):
        for char in lines[number - 1]:
            if char in "{([":
                depth, opened = depth + 1, True
            elif char in "})]":
                depth -= 1
        if opened and depth <= 0:
            return line, number
    return None


def statement_span(source: str, line: int, python: bool) -> tuple[int, int]:
    """The lines of the assignment statement starting on `line` (a constant table spans several)."""
    tree = _parse(source) if python else None
    if tree is not None:
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign | ast.AnnAssign) and node.lineno == line:
                return node.lineno, node.end_lineno or node.lineno
        return line, line
    return _bracketed_span(source, line) or (line, line)


def referenced_names(source: str, line: int) -> list[str]:
    """UPPER_CASE constants the failing line reads: their definitions hold the values it fails on."""
    lines = source.splitlines()
    if not 0 < line <= len(lines):
        return []
    return [n for n in dict.fromkeys(_CONSTANT.findall(lines[line - 1])) if n not in _NOT_INTERESTING]


def _grep(sandbox: Sandbox, pattern: str, limit: int) -> list[tuple[str, int, str]]:
    result = sandbox.run(["git", "grep", "-n", "-I", "-E", pattern], timeout=30)
    hits = []
    for row in result.output.splitlines():
        path, _, rest = row.partition(":")
        number, _, text = rest.partition(":")
        if number.isdigit():
            hits.append((path, int(number), text))
        if len(hits) >= limit:
            break
    return hits


def definitions(sandbox: Sandbox, name: str, limit: int = 3) -> list[tuple[str, int]]:
    """Where `name` is defined as a function, method or class in the clone."""
    parsed = _parsed_sites(sandbox, name, calls=False, limit=limit)
    if parsed is not None:
        return parsed
    pattern = rf"^\s*((async\s+)?def|class|func(\s*\([^)]*\))?|function|fn|(pub\s+)?fn)\s+{re.escape(name)}\b"
    return [(path, line) for path, line, _ in _grep(sandbox, pattern, limit)]


def callers(sandbox: Sandbox, name: str, limit: int = 3) -> list[tuple[str, int]]:
    """Lines that call `name` (definitions excluded)."""
    parsed = _parsed_sites(sandbox, name, calls=True, limit=limit)
    if parsed is not None:
        return parsed
    defining = re.compile(rf"\b(def|func|function|fn|class)\s+{re.escape(name)}\b")
    hits = _grep(sandbox, rf"\b{re.escape(name)}\s*\(", limit * 4)
    return [(path, line) for path, line, text in hits if not defining.search(text)][:limit]


def data_definitions(sandbox: Sandbox, name: str, limit: int = 3) -> list[tuple[str, int]]:
    """Where `name` is assigned (`NAME = …`, `NAME: T = …`, `const NAME = …`, `Map<…> NAME = …`)."""
    pattern = rf"\b{re.escape(name)}\s*(:[^=]*)?=([^=]|$)"
    return [(path, line) for path, line, _ in _grep(sandbox, pattern, limit)]
