"""Which functions and classes a diff touches: Python through `ast` on the file before and after,
every other language through the function context git prints in hunk headers.
"""

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from unidiff import PatchedFile, PatchSet, UnidiffParseError

# "func (s *Server) Handle(", "public Foo bar(", "def baz(", "function qux(", "class Quux"
_HEADER_NAME = re.compile(
    r"(?:\b(?:def|class|func|function|fn|module|interface|struct|impl)\s+(?:\([^)]*\)\s*)?([A-Za-z_$][\w$.]*))"
    r"|([A-Za-z_$][\w$]*)\s*(?:=\s*(?:async\s*)?(?:function\b|\([^)]*\)\s*=>))?\s*\("
)
_KEYWORDS = frozenset({"if", "for", "while", "switch", "catch", "return", "new", "function", "sizeof", "elif"})
_INDEX = re.compile(r"^index ([0-9a-f]+)\.\.([0-9a-f]+)", re.M)


@dataclass
class FileChange:
    """One file of a diff: its path, blob ids, changed line numbers on each side and the lines."""

    path: str
    old_blob: str = ""
    new_blob: str = ""
    removed_lines: list[int] = field(default_factory=list)
    added_lines: list[int] = field(default_factory=list)
    removed_text: list[str] = field(default_factory=list)
    added_text: list[str] = field(default_factory=list)
    hunk_headers: list[str] = field(default_factory=list)
    is_binary: bool = False


def parse_diff(diff: str) -> list[FileChange]:
    """Split a unified diff into per-file changes (an unparseable diff gives no files, not an error)."""
    try:
        patch = PatchSet(diff)
    except UnidiffParseError:
        return []
    return [_file_change(patched) for patched in patch]


def _file_change(patched: PatchedFile) -> FileChange:
    info = str(patched.patch_info)
    blobs = _INDEX.search(info)
    change = FileChange(
        path=patched.path,
        old_blob=blobs.group(1) if blobs else "",
        new_blob=blobs.group(2) if blobs else "",
        is_binary=patched.is_binary_file,
    )
    for hunk in patched:
        if hunk.section_header:
            change.hunk_headers.append(hunk.section_header)
        for line in hunk:
            if line.is_removed:
                change.removed_lines.append(line.source_line_no)
                change.removed_text.append(line.value.rstrip("\n"))
            elif line.is_added:
                change.added_lines.append(line.target_line_no)
                change.added_text.append(line.value.rstrip("\n"))
    return change


def python_scopes(source: str) -> list[tuple[int, int, str]]:
    """Return (first line, last line, qualified name) of every function and class in Python source."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    scopes: list[tuple[int, int, str]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                first = min([child.lineno, *(d.lineno for d in child.decorator_list)])
                scopes.append((first, child.end_lineno or child.lineno, name))
                visit(child, f"{name}.")
            elif not prefix and isinstance(child, ast.Assign | ast.AnnAssign):
                # Module-level constants (RATES = {...}) are what config-like changes touch.
                targets = child.targets if isinstance(child, ast.Assign) else [child.target]
                for target in targets:
                    if isinstance(target, ast.Name):
                        scopes.append((child.lineno, child.end_lineno or child.lineno, target.id))
            elif not isinstance(child, ast.expr):
                visit(child, prefix)

    visit(tree, "")
    return scopes


def _innermost(scopes: list[tuple[int, int, str]], line: int) -> str | None:
    best: tuple[int, int, str] | None = None
    for scope in scopes:
        if scope[0] <= line <= scope[1] and (best is None or scope[0] >= best[0]):
            best = scope
    return best[2] if best else None


def header_symbol(header: str) -> str | None:
    """Return the function or type named in a hunk header's context text, if any."""
    for match in _HEADER_NAME.finditer(header):
        name = match.group(1) or match.group(2)
        if name and name not in _KEYWORDS:
            return name
    return None


def touched_symbols(files: list[FileChange], read_blob: Callable[[str], str | None] | None = None) -> list[str]:
    """Return the symbols a diff touches, in first-seen order, as `path:Qualified.name`."""
    found: dict[str, None] = {}
    for change in files:
        names: list[str] = []
        python = change.path.endswith(".py") and read_blob is not None and not change.is_binary
        if python:
            for blob, lines in ((change.old_blob, change.removed_lines), (change.new_blob, change.added_lines)):
                source = read_blob(blob) if lines else None
                if source:
                    scopes = python_scopes(source)
                    names.extend(n for n in (_innermost(scopes, line) for line in lines) if n)
        if not names and not python:
            names = [n for n in map(header_symbol, change.hunk_headers) if n]
        for name in names:
            found.setdefault(f"{change.path}:{name}")
    return list(found)
