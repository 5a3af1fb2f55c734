"""Which functions and classes a diff touches: Python through `ast` on the file before and after,
every other language through the function context git prints in hunk headers.
"""

import ast
import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from unidiff import PatchedFile, PatchSet, UnidiffParseError

from sleuth.tools.git_cli import unquote_path

# "func (s *Server) Handle(", "public Foo bar(", "def baz(", "function qux(", "class Quux"
_HEADER_NAME = re.compile(
    r"(?:\b(?:def|class|func|function|fn|module|interface|struct|impl)\s+(?:\([^)]*\)\s*)?([A-Za-z_$][\w$.]*))"
    r"|([A-Za-z_$][\w$]*)\s*(?:=\s*(?:async\s*)?(?:function\b|\([^)]*\)\s*=>))?\s*\("
)
_KEYWORDS = frozenset({"if", "for", "while", "switch", "catch", "return", "new", "function", "sizeof", "elif"})
_INDEX = re.compile(r"^index ([0-9a-f]+)\.\.([0-9a-f]+)", re.M)
MAX_PARSED_FILES = 12
_TOP_LEVEL = re.compile(r"[A-Za-z_@]")  # a statement at column 0 (not a comment, bracket or blank)


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
    deletion_only_lines: list[int] = field(default_factory=list)
    """Removed lines of hunks that add nothing: only there must the old version be read."""


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
        path=unquote_path(patched.path),
        old_blob=blobs.group(1) if blobs else "",
        new_blob=blobs.group(2) if blobs else "",
        is_binary=patched.is_binary_file,
    )
    for hunk in patched:
        if hunk.section_header:
            change.hunk_headers.append(hunk.section_header)
        deletion_only = hunk.added == 0
        for line in hunk:
            if line.is_removed:
                change.removed_lines.append(line.source_line_no)
                change.removed_text.append(line.value.rstrip("\n"))
                if deletion_only:
                    change.deletion_only_lines.append(line.source_line_no)
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
    return module_scopes(tree)


def module_scopes(tree: ast.Module) -> list[tuple[int, int, str]]:
    """Return the scopes of a parsed module (see python_scopes)."""
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


@lru_cache(maxsize=256)
def _python_blob(blob: str, read_blob: Callable[[str], str | None]) -> tuple[list[str], list[int]] | None:
    """Return a Python blob's lines and where its top-level statements start (1-based).

    Decorators start the block of the definition they decorate. Cached by blob id: a file's
    "after" blob is a later change's "before" blob.
    """
    source = read_blob(blob)
    if not source:
        return None
    lines = source.split("\n")
    starts: list[int] = []
    decorated = False
    for number, text in enumerate(lines, start=1):
        if _TOP_LEVEL.match(text):
            if not decorated:
                starts.append(number)
            decorated = text.startswith("@")
    return lines, starts or [1]


@lru_cache(maxsize=4096)
def _block_scopes(
    blob: str, read_blob: Callable[[str], str | None], first: int, end: int
) -> list[tuple[int, int, str]] | None:
    """Parse one top-level block (lines first..end-1) alone; None when it is not valid by itself."""
    parsed = _python_blob(blob, read_blob)
    if parsed is None:
        return None
    snippet = "\n".join(parsed[0][first - 1 : end - 1])
    try:
        tree = ast.parse(snippet)
    except (SyntaxError, ValueError, RecursionError):
        return None
    return [(a + first - 1, b + first - 1, name) for a, b, name in module_scopes(tree)]


@lru_cache(maxsize=128)
def _file_scopes(blob: str, read_blob: Callable[[str], str | None]) -> list[tuple[int, int, str]]:
    parsed = _python_blob(blob, read_blob)
    return python_scopes("\n".join(parsed[0])) if parsed else []


def python_owners(blob: str, read_blob: Callable[[str], str | None], lines: list[int]) -> list[str] | None:
    """Return the innermost function/class (or module constant) owning each changed line.

    Only the top-level blocks holding changed lines are parsed with `ast` (a 2,000-line file with
    one changed method costs one method's parse); a block that does not parse alone (a multi-line
    string at column 0) falls back to parsing the whole file. None when the blob is unreadable.
    """
    parsed = _python_blob(blob, read_blob)
    if parsed is None:
        return None
    text_lines, starts = parsed
    names: list[str] = []
    for line in lines:
        position = bisect_right(starts, line) - 1
        if position < 0:
            continue
        first = starts[position]
        end = starts[position + 1] if position + 1 < len(starts) else len(text_lines) + 1
        scopes = _block_scopes(blob, read_blob, first, end)
        if scopes is None:
            scopes = _file_scopes(blob, read_blob)
        best: tuple[int, int, str] | None = None
        for scope in scopes:
            if scope[0] <= line <= scope[1] and (best is None or scope[0] >= best[0]):
                best = scope
        if best:
            names.append(best[2])
    return names


def header_symbol(header: str) -> str | None:
    """Return the function or type named in a hunk header's context text, if any."""
    for match in _HEADER_NAME.finditer(header):
        name = match.group(1) or match.group(2)
        if name and name not in _KEYWORDS:
            return name
    return None


def touched_symbols(files: list[FileChange], read_blob: Callable[[str], str | None] | None = None) -> list[str]:
    """Return the symbols a diff touches, in first-seen order, as `path:Qualified.name`.

    Python files are read with `ast` up to MAX_PARSED_FILES per change; beyond that (mass
    reformatting, vendoring) hunk headers name the symbols, which is cheaper and nearly as good.
    """
    found: dict[str, None] = {}
    python_files = 0
    for change in files:
        names: list[str] = []
        parsed = False
        python = change.path.endswith(".py") and read_blob is not None and not change.is_binary
        python_files += python
        if python and python_files <= MAX_PARSED_FILES:
            # A hunk that adds lines is named by the new version; the old one is read only for
            # hunks that just delete (a removed function exists only there).
            for blob, lines in ((change.old_blob, change.deletion_only_lines), (change.new_blob, change.added_lines)):
                owners = python_owners(blob, read_blob, lines) if lines and blob else None
                if owners is not None:
                    parsed = True
                    names.extend(owners)
        if not parsed:  # other languages, and Python files too large or broken to parse
            names = [n for n in map(header_symbol, change.hunk_headers) if n]
        for name in names:
            found.setdefault(f"{change.path}:{name}")
    return list(found)
