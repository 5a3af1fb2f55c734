"""Which functions and classes a diff touches: Python through `ast` on the file before and after,
every other language through the function context git prints in hunk headers.
"""

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

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


_STATEMENT_LISTS = ("body", "orelse", "finalbody", "handlers", "cases")


def python_scopes(source: str) -> list[tuple[int, int, str]]:
    """Return (first line, last line, qualified name) of every function and class in Python source,
    and of module-level assignments (RATES = {...} is what config-like changes touch)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return []
    scopes: list[tuple[int, int, str]] = []

    # Only statement lists are walked: definitions never hide inside expressions (lambdas aside),
    # and skipping expressions makes this several times faster on large files.
    def visit(statements: list[ast.AST], prefix: str) -> None:
        for node in statements:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{node.name}"
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                scopes.append((first, node.end_lineno or node.lineno, name))
                visit(node.body, f"{name}.")
                continue
            if not prefix and isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Name):
                        scopes.append((node.lineno, node.end_lineno or node.lineno, target.id))
            for attribute in _STATEMENT_LISTS:
                children = getattr(node, attribute, None)
                if children:
                    visit(children, prefix)

    visit(tree.body, "")
    return scopes


@lru_cache(maxsize=512)
def _line_owners(blob: str, read_blob: Callable[[str], str | None]) -> list[str | None] | None:
    """Map each line of a Python blob to its innermost scope (None when it cannot be parsed).

    Cached by blob id: a file's "after" blob is a later change's "before" blob, so each version
    is parsed once.
    """
    source = read_blob(blob)
    if not source:
        return None
    scopes = python_scopes(source)
    owners: list[str | None] = [None] * (source.count("\n") + 2)
    for first, last, name in sorted(scopes):  # outer scopes first; inner ones paint over them
        owners[first : last + 1] = [name] * (min(last, len(owners) - 1) - first + 1)
    return owners


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
        parsed = False
        if change.path.endswith(".py") and read_blob is not None and not change.is_binary:
            for blob, lines in ((change.old_blob, change.removed_lines), (change.new_blob, change.added_lines)):
                owners = _line_owners(blob, read_blob) if lines and blob else None
                if owners is not None:
                    parsed = True
                    names.extend(n for n in (owners[line] for line in lines if line < len(owners)) if n)
        if not parsed:  # other languages, and Python files too large or broken to parse
            names = [n for n in map(header_symbol, change.hunk_headers) if n]
        for name in names:
            found.setdefault(f"{change.path}:{name}")
    return list(found)
