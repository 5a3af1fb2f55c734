"""Text preparation shared by the per-language parsers: line endings, log prefixes, embedded JSON."""

import json
import re
from collections.abc import Iterator

from sleuth.tools.log_excerpt import excerpt_text
from sleuth.tools.stacktrace.prefixes import strip_common_prefix, strip_line_prefix


def _json_strings(value: object) -> Iterator[str]:
    """Yield multi-line strings (and string lists, joined) found anywhere in a JSON value."""
    if isinstance(value, str):
        if "\n" in value:
            yield value
    elif isinstance(value, list):
        if value and all(isinstance(item, str) for item in value) and len(value) > 1:
            yield "\n".join(value)
        else:
            for item in value:
                yield from _json_strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _json_strings(item)


def _decode_json_line(line: str) -> list[str] | None:
    start, end = line.find("{"), line.rfind("}")
    if start < 0 or end <= start:
        return None
    try:
        value = json.loads(line[start : end + 1])
    except ValueError:
        return None
    strings = list(_json_strings(value))
    return strings or None


# A trace pasted with its newlines still escaped (`...error\\n   at Foo()\\n   at Bar()`), as it appears in
# a JSON field cut off before its closing quote or a log line that printed repr(): two or more escaped
# newlines that each start a frame-like line.
_ESCAPED_FRAME_START = re.compile(r"\\n(?=(?:\s|\\t)+(?:at |File \"|from )|--- )")
# One pass, left to right, so an escaped backslash before `n` (`C:\\\\new`) stays a backslash.
_ESCAPE = re.compile(r'\\(?:r\\n|[nt"\\/])')
_ESCAPES = {"\\r\\n": "\n", "\\n": "\n", "\\t": "\t", '\\"': '"', "\\\\": "\\", "\\/": "/"}
_JSON_KEY = re.compile(r'^\s*"[\w.@-]+"\s*:\s*"')


def _unescape_line(line: str) -> list[str] | None:
    """The lines of a trace whose newlines were left escaped, or None when the line is not one."""
    if len(_ESCAPED_FRAME_START.findall(line)) < 2:
        return None
    line = _JSON_KEY.sub("", line)
    return _ESCAPE.sub(lambda match: _ESCAPES[match.group()], line).split("\n")


# A trace whose newlines were lost (pasted into a one-line field, an event log, a chat): frames run
# on after each other. Split before each `at pkg.Type.method(`, Node `at fn (file:1:2)`, Unity
# `Type.Method (args) (at file:N)` and the event log's `Exception Info:`; two or more make it a trace.
_RUN_ON_FRAME = re.compile(
    r"(?<=\S)\s+(?="
    r"at (?:[\w$<>`|+\[\],]+\.[\w$<>`|+\[\],.]+\(|\S+ \([^()]*:\d+(?::\d+)?\))"
    r"|[\w.`<>+|$]+ ?\([^()]*\) \(at [^()]*:\d+\)"
    r"|Exception Info: )"
)


def _split_run_on(line: str) -> list[str]:
    parts = _RUN_ON_FRAME.split(line)
    return parts if len(parts) > 2 else [line]


def prepare_lines(text: str) -> list[str]:
    """Split text into lines ready for parsing: CRLF folded, prefixes stripped, JSON decoded.

    A trace escaped inside a JSON log line (or a pretty-printed JSON document) is replaced by its
    decoded lines, because the labels describe what the program wrote before JSON encoding.
    """
    text = excerpt_text(text).text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    stripped = text.strip()
    if stripped.startswith(("{", "[")):
        try:
            whole = json.loads(stripped)
        except ValueError:
            whole = None
        if whole is not None:
            decoded = list(_json_strings(whole))
            if decoded:
                text = "\n".join(decoded)
    lines: list[str] = []
    for line in strip_common_prefix([strip_line_prefix(raw) for raw in text.split("\n")]):
        decoded = _decode_json_line(line) if "{" in line and "\\n" in line else None
        if decoded is None and "\\n" in line:
            decoded = _unescape_line(line)
        if decoded:
            for chunk in decoded:
                lines.extend(strip_line_prefix(part) for part in chunk.split("\n"))
        else:
            lines.extend(_split_run_on(line) if len(line) > 80 else [line])
    return lines


def find_balanced_open(text: str, close_index: int) -> int:
    """Return the index of the '(' matching the ')' at close_index, or -1."""
    depth = 0
    for index in range(close_index, -1, -1):
        char = text[index]
        if char == ")":
            depth += 1
        elif char == "(":
            depth -= 1
            if depth == 0:
                return index
    return -1
