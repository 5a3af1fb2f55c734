"""Python tracebacks: chained exceptions, 3.11+ caret lines, ExceptionGroup boxes, pasted variants."""

import re

from sleuth.models import ParsedException, StackFrame

_HEADER_TEXT = "Traceback (most recent call last)"
# The colon is optional because the Werkzeug debugger page, copied as text, prints the header without it.
_HEADER_SUFFIX = re.compile(r":?\s*$")


def _header(line: str) -> tuple[str, int] | None:
    """A traceback header: the text in front of it (a gutter, see _strip_gutter) and its indentation.

    Found with str.find, not one regex: a lazy prefix before it backtracks quadratically on long lines.
    """
    position = line.find(_HEADER_TEXT)
    if position < 0 or not _HEADER_SUFFIX.match(line, position + len(_HEADER_TEXT)):
        return None
    prefix = line[:position].removesuffix("Exception Group ")
    gutter = prefix.rstrip()
    return gutter, len(prefix) - len(gutter)


# A `.rb` file in this syntax is Rollbar's rendering of a Ruby trace (parsed as Ruby).
_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)(?<!\.rb)", line (?P<line>\d+)(?:, in (?P<func>.+?))?\s*$')
# `Type: message`, a bare `Type`, and the odd `Type : message` of hand-edited pastes.
_EXCEPTION = re.compile(r"^(?P<type>[A-Za-z_][\w.]*)(?P<colon> ?:(?: (?P<msg>.*)|\s*))?$")
# Names that can only be an exception class, for lines found away from a traceback's end.
_EXCEPTION_NAME = re.compile(r"(?:^|\.)[A-Z]\w*(?:Error|Exception|Warning|Exit|Interrupt|Iteration|Group)$")
_STDLIB = re.compile(r"[/\\]lib(?:64)?[/\\]python\d+(?:\.\d+)?[/\\]|[/\\]Python\d+[/\\]Lib[/\\]", re.I)
_THIRD_PARTY = re.compile(r"[/\\](?:site|dist)-packages[/\\]")
# A console-script shim in an environment's bin/ (virtualenv, conda, pipx, ~/.local); the system's
# own bin directories hold the distribution's programs (`/usr/bin/journalctl`), which are the app;
# `/usr/local/bin` is where pip puts console scripts outside an environment (Docker images).
_SCRIPT_SHIM = re.compile(r"[/\\]bin[/\\][^/\\.]+$")
_SYSTEM_BIN = re.compile(r"^/(?:usr/)?s?bin/[^/]+$")
# ExceptionGroup output draws boxes: `| ` in front of every line of a sub-exception, `+-+---- 1 ----`
# separators before each one, and `+ ` in front of the group's own header.
_BOX_GUTTER = re.compile(r"^\s*\|(?: |$)")
_BOX_HEADER = re.compile(r"^\s*\+ (?=Exception Group Traceback)")
_BOX_RULE = re.compile(r"^\s*\+[-+]*(?: (?:\d+|\.\.\.) -+)?\s*$")
_BOX_NUMBERED_RULE = re.compile(r"-+ (?:\d+|\.\.\.) -+\s*$")
# How far above a traceback to look for the exception line of formats that print it first.
_LOOK_ABOVE = 15


def is_app_file(path: str) -> bool:
    """Tell application code from the interpreter's library and installed packages."""
    if path.startswith("<frozen"):
        return False
    if _SCRIPT_SHIM.search(path) and not _SYSTEM_BIN.match(path):
        return False
    return not (_THIRD_PARTY.search(path) or _STDLIB.search(path))


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _unbox(lines: list[str]) -> tuple[list[str], set[int]]:
    """Strip ExceptionGroup box drawing; also return where a numbered sub-exception starts."""
    result: list[str] = []
    sub_starts: set[int] = set()
    in_group = False
    for line in lines:
        if _BOX_HEADER.match(line):
            in_group = True
        elif in_group and not (_BOX_GUTTER.match(line) or _BOX_RULE.match(line)):
            in_group = False
        if in_group:
            # Nested groups stack gutters (`    | + Exception Group …`, `    | +-+--- 1 ---`).
            while match := _BOX_GUTTER.match(line):
                line = line[match.end() :]
            line = _BOX_HEADER.sub("", line)
            if _BOX_RULE.match(line):
                if _BOX_NUMBERED_RULE.search(line):
                    sub_starts.add(len(result) + 1)
                line = ""
        result.append(line)
    return result, sub_starts


def _strip_gutter(lines: list[str]) -> list[str]:
    """Remove text that sits in front of a header and of the lines under it (`- `, `E   `, a log tag).

    Digit runs in the gutter match any digits, so a per-line timestamp is recognised as the same gutter.
    """
    result = list(lines)
    index = 0
    while index < len(result):
        header = _header(result[index])
        gutter = header[0] if header else ""
        if not gutter:
            index += 1
            continue
        pattern = re.compile(re.sub(r"\d+", r"\\d+", re.escape(gutter)))
        result[index] = result[index][len(gutter) :]
        index += 1
        while index < len(result):
            match = pattern.match(result[index])
            if match is None and result[index] != gutter.rstrip():
                break
            result[index] = result[index][match.end() :] if match else ""
            index += 1
    return result


def _exception_line(line: str, strict: bool = False) -> re.Match[str] | None:
    """Match `Type: message`; a bare lower-case word is a source line (`raise`), not a type."""
    match = _EXCEPTION.match(line.strip())
    if match is None:
        return None
    if strict or not match["colon"] or match["colon"].startswith(" "):
        # Without the colon (or with the unusual ` :`) the name must look like a class.
        last = match["type"].rsplit(".", 1)[-1]
        if not last[:1].isupper() or (strict and not _EXCEPTION_NAME.search(match["type"])):
            return None
    return match


def _exception(match: re.Match[str] | None, frames: list[StackFrame]) -> ParsedException:
    return ParsedException(
        type=match["type"] if match else None,
        message=(match["msg"] or None) if match else None,
        frames=frames,
        language="python",
        innermost_first=False,
    )


def _frame(match: re.Match[str]) -> StackFrame:
    path = match["file"]
    return StackFrame(file=path, line=int(match["line"]), function=match["func"], in_app=is_app_file(path))


def parse(lines: list[str]) -> list[ParsedException]:
    """Parse every Python traceback (and pytest failure report) found in the lines."""
    found = _parse_tracebacks(lines) + _parse_pytest(lines)
    return [exc for _, exc in sorted(found, key=lambda item: item[0])]


def _parse_tracebacks(lines: list[str]) -> list[tuple[int, ParsedException]]:
    """The interpreter's own traceback format, with where each exception's text starts."""
    lines, sub_starts = _unbox(lines)
    lines = _strip_gutter(lines)
    exceptions: list[tuple[int, ParsedException]] = []
    consumed = 0  # lines before this belong to an exception already parsed
    index = 0
    while index < len(lines):
        line = lines[index]
        header = _header(line)
        if header:
            start, indent = index, header[1]
            index += 1
        elif _FRAME.match(line):
            # A traceback pasted without its header starts at its first frame, indented under it.
            start, indent = index, max(0, _indent(line) - 2)
        else:
            if index in sub_starts and (exc := _exception_line(line)):
                # An ExceptionGroup member raised without a traceback of its own.
                exceptions.append((index, _exception(exc, [])))
                consumed = index + 1
            index += 1
            continue
        frames: list[StackFrame] = []
        ended = False
        # An exception line sits left of the last frame's source line (normally at the header's indent).
        limit = indent + 1
        while index < len(lines):
            line = lines[index]
            if _header(line):
                index -= 1  # cut off before its exception line: the next header starts anew
                break
            frame = _FRAME.match(line)
            if frame:
                frames.append(_frame(frame))
                limit = max(indent + 1, _indent(line) + 2)
                index += 1
                continue
            exc = _exception_line(line) if line.strip() and _indent(line) < limit else None
            if exc:
                exceptions.append((start, _exception(exc, frames)))
                consumed, ended = index + 1, True
                break
            index += 1
        else:
            index = len(lines)
        if not ended and frames:
            # No exception line after the frames: formats such as Sentry's export and Werkzeug's
            # debugger page print it above the traceback instead.
            exceptions.append((start, _exception(_exception_above(lines, start, consumed), frames)))
            consumed = index + 1
        elif not ended and header and (above := _exception_above(lines, start, consumed, tagged_only=True)):
            # AWS Lambda prints `[ERROR] Type: message` and then the traceback, here without frames.
            exceptions.append((start, _exception(above, [])))
            consumed = index + 1
        index += 1
    return exceptions


# AWS Lambda's Python runtime tags the exception line it prints above the traceback.
_LAMBDA_TAG = re.compile(r"^\s*\[ERROR\] ")


def _exception_above(lines: list[str], start: int, consumed: int, tagged_only: bool = False) -> re.Match[str] | None:
    for back in range(start - 1, max(start - _LOOK_ABOVE, consumed) - 1, -1):
        if _FRAME.match(lines[back]) or _header(lines[back]):
            break
        tag = _LAMBDA_TAG.match(lines[back])
        if tagged_only and not tag:
            continue
        match = _exception_line(lines[back][tag.end() :] if tag else lines[back], strict=True)
        if match and match["colon"]:
            return match
    return None


# pytest's own report: `path.py:12: in func` (--tb=short) or `path.py:12: ` then `path.py:34: ValueError`
# (--tb=long, where the last location names the exception's class), with the exception in `E   ` lines.
_PYTEST_LOCATION = re.compile(
    r"^(?P<file>(?:[A-Za-z]:)?[^\s:][^:]*?\.py):(?P<line>\d+): ?"
    r"(?:in (?P<func>\S+)|(?P<type>(?:[A-Za-z_]\w*\.)*[A-Z]\w*))?\s*$"
)
_PYTEST_E = re.compile(r"^E(?: +(?P<text>.*))?$")
# `____ test_name ____` starts the next failure and `==== short test summary ====` ends the report;
# the `_ _ _ _` rule between the frames of one failure does neither.
_PYTEST_END = re.compile(r"^(?:_{3,} .+ _{3,}|={3,}.*)$")


def _parse_pytest(lines: list[str]) -> list[tuple[int, ParsedException]]:
    exceptions: list[tuple[int, ParsedException]] = []
    frames: list[StackFrame] = []
    errors: list[str] = []
    start = 0

    def flush(type_name: str | None) -> None:
        if frames:
            # The first `E` line that reads as `Type: message` is the exception; otherwise the type is the
            # one the last location names, and the `E` line is its message (`E   assert 1 == 2`).
            exc = next((m for text in errors if (m := _exception_line(text, strict=True))), None)
            if exc:
                type_name, message = exc["type"], exc["msg"] or None
            else:
                message = errors[0] if errors else None
            exceptions.append(
                (
                    start,
                    ParsedException(
                        type=type_name, message=message, frames=list(frames), language="python", innermost_first=False
                    ),
                )
            )
        frames.clear()
        errors.clear()

    for index, line in enumerate(lines):
        if location := _PYTEST_LOCATION.match(line):
            if not frames:
                start = index
            path = location["file"]
            frames.append(
                StackFrame(file=path, line=int(location["line"]), function=location["func"], in_app=is_app_file(path))
            )
            if location["type"]:
                flush(location["type"])
        elif (error := _PYTEST_E.match(line)) and error["text"]:
            errors.append(error["text"].strip())
        elif _PYTEST_END.match(line):
            flush(None)
    flush(None)
    return exceptions
