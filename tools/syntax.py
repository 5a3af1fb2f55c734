"""Parse trees for the six trace languages (tree-sitter): definitions, calls and enclosing functions.

One grammar wheel per language (tree-sitter-python, -javascript, -typescript, -java, -go, -c-sharp,
-ruby): they carry their compiled parsers, where tree-sitter-language-pack 1.x downloads them on
first use, which an offline machine cannot. A file of another language gets None, and callers fall
back to reading text.
"""

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

_GRAMMARS = {
    ".py": ("tree_sitter_python", "language"),
    ".js": ("tree_sitter_javascript", "language"),
    ".mjs": ("tree_sitter_javascript", "language"),
    ".cjs": ("tree_sitter_javascript", "language"),
    ".jsx": ("tree_sitter_javascript", "language"),
    ".ts": ("tree_sitter_typescript", "language_typescript"),
    ".tsx": ("tree_sitter_typescript", "language_tsx"),
    ".java": ("tree_sitter_java", "language"),
    ".go": ("tree_sitter_go", "language"),
    ".cs": ("tree_sitter_c_sharp", "language"),
    ".rb": ("tree_sitter_ruby", "language"),
}
# Node types that define a named function, method or type, in any of the grammars above.
_DEFINITIONS = {
    "function_definition",
    "class_definition",  # Python
    "function_declaration",
    "generator_function_declaration",
    "method_definition",
    "class_declaration",
    "interface_declaration",
    "type_alias_declaration",
    "enum_declaration",  # JS/TS (and Java, C#)
    "method_declaration",
    "constructor_declaration",
    "record_declaration",
    "struct_declaration",
    "local_function_statement",  # Java, C#
    "type_spec",  # Go
    "method",
    "singleton_method",
    "class",
    "module",  # Ruby
}
# Node types that call something, and the field naming what they call.
_CALLS = {
    "call": ("function", "method"),  # Python: function; Ruby: method
    "call_expression": ("function",),  # JS/TS, Go
    "new_expression": ("constructor",),
    "method_invocation": ("name",),  # Java
    "object_creation_expression": ("type",),  # Java, C#
    "invocation_expression": ("function",),  # C#
}
# Member access: the last name is the one called (`a.b.c()` calls c).
_MEMBER_NAME = {
    "attribute": "attribute",
    "member_expression": "property",
    "selector_expression": "field",
    "member_access_expression": "name",
    "scoped_identifier": "name",
    "generic_name": None,
}
_FUNCTIONS = _DEFINITIONS - {"type_spec", "type_alias_declaration", "enum_declaration"}


@dataclass(frozen=True)
class Symbol:
    """A definition or a call site in one file (1-based lines)."""

    name: str
    kind: str
    line: int
    end_line: int


@functools.cache
def _parser(suffix: str) -> Any:
    import importlib

    from tree_sitter import Language, Parser

    module, function = _GRAMMARS[suffix]
    return Parser(Language(getattr(importlib.import_module(module), function)()))


def supported(path: str) -> bool:
    return PurePosixPath(path).suffix in _GRAMMARS


def parse(source: str, path: str) -> Any | None:
    """The tree of `source`, or None for a language without a grammar here."""
    suffix = PurePosixPath(path).suffix
    if suffix not in _GRAMMARS:
        return None
    return _parser(suffix).parse(source.encode("utf-8", "replace"))


def _walk(node: Any) -> Iterator[Any]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.named_children))


def _text(node: Any) -> str:
    return node.text.decode("utf-8", "replace") if node is not None and node.text else ""


def _defined_name(node: Any) -> str | None:
    name = node.child_by_field_name("name")
    if name is None and node.type == "method_definition":
        name = node.child_by_field_name("key")
    return _text(name) or None


def _called_name(node: Any) -> str | None:
    for field in _CALLS[node.type]:
        target = node.child_by_field_name(field)
        if target is None:
            continue
        while target.type in _MEMBER_NAME:
            field_name = _MEMBER_NAME[target.type]
            inner = target.child_by_field_name(field_name) if field_name else target.named_children[0]
            if inner is None:
                break
            target = inner
        if target.type == "generic_type" and target.named_children:
            target = target.named_children[0]
        name = _text(target)
        return name if name.replace("_", "a").isalnum() else None
    return None


def _arrow_definitions(node: Any) -> Symbol | None:
    """`const name = (…) => …` / `= function (…) {…}`: a JS/TS function by another name."""
    value = node.child_by_field_name("value")
    if value is not None and value.type in ("arrow_function", "function_expression", "function"):
        name = _defined_name(node)
        if name:
            return Symbol(name, "function", node.start_point[0] + 1, node.end_point[0] + 1)
    return None


def symbols(source: str, path: str) -> tuple[list[Symbol], list[Symbol]] | None:
    """(definitions, calls) of one file, or None when its language has no grammar here."""
    tree = parse(source, path)
    if tree is None:
        return None
    defined: list[Symbol] = []
    called: list[Symbol] = []
    for node in _walk(tree.root_node):
        start, end = node.start_point[0] + 1, node.end_point[0] + 1
        if node.type in _DEFINITIONS:
            name = _defined_name(node)
            if name:
                # A decorated Python definition starts at its first decorator.
                parent = node.parent
                if parent is not None and parent.type == "decorated_definition":
                    start = parent.start_point[0] + 1
                defined.append(Symbol(name, node.type, start, end))
        elif node.type == "variable_declarator":
            arrow = _arrow_definitions(node)
            if arrow:
                defined.append(arrow)
        elif node.type in _CALLS:
            name = _called_name(node)
            if name:
                called.append(Symbol(name, node.type, start, end))
    return defined, called


def definitions_of(source: str, path: str, name: str) -> list[Symbol] | None:
    found = symbols(source, path)
    return None if found is None else [s for s in found[0] if s.name == name]


def calls_of(source: str, path: str, name: str) -> list[Symbol] | None:
    found = symbols(source, path)
    return None if found is None else [s for s in found[1] if s.name == name]


def called_on_line(source: str, path: str, line: int) -> list[str] | None:
    """Names called by the expressions that span `line`, outermost first."""
    found = symbols(source, path)
    if found is None:
        return None
    return list(dict.fromkeys(s.name for s in found[1] if s.line <= line <= s.end_line))


def enclosing_function(source: str, path: str, line: int) -> Symbol | None:
    """The innermost function, method or class holding `line`."""
    found = symbols(source, path)
    if found is None:
        return None
    holding = [s for s in found[0] if s.kind in _FUNCTIONS and s.line <= line <= s.end_line]
    return min(holding, key=lambda s: s.end_line - s.line, default=None)
