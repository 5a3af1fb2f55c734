"""Ruby backtraces: classic `from` lists, 2.5-2.7 reversed tracebacks, Rails logs, Ruby 3.4 quotes."""

import re

from sleuth.models import ParsedException, StackFrame

_LOCATION = r"(?P<file>(?:[A-Za-z]:)?[^:\s][^:]*?):(?P<line>\d+)(?::in [`'](?P<func>.*?)')?"
_FIRST = re.compile(rf"^{_LOCATION}: (?P<rest>.*)$")
_FROM = re.compile(rf"^\s*(?:\d+: )?from {_LOCATION}\s*$")
_BARE = re.compile(rf"^\s*{_LOCATION}\s*$")
_MESSAGE_TYPE = re.compile(r"^(?P<msg>.*) \((?P<type>[A-Z][\w:]*)\)$")
_RAILS_HEADER = re.compile(r"^(?P<type>[A-Z][\w]*(?:::[A-Z]\w*)*) \((?P<msg>.*)\):\s*$")
_TRACEBACK = re.compile(r"^Traceback \(most recent call last\):\s*$")
_LIBRARY = re.compile(
    r"[/\\]gems[/\\]|[/\\]\.gem[/\\]ruby[/\\][^/\\]+[/\\]bin[/\\]|"
    r"[/\\]lib[/\\]ruby[/\\]\d+\.\d+\.\d+[/\\]|^<internal:"
)


def is_app_file(path: str) -> bool:
    """Tell application files from gems, binstubs and the Ruby standard library."""
    return not _LIBRARY.search(path)


def _frame(match: re.Match[str]) -> StackFrame:
    path = match["file"]
    return StackFrame(file=path, line=int(match["line"]), function=match["func"], in_app=is_app_file(path))


def _header(rest: str) -> tuple[str | None, str | None]:
    typed = _MESSAGE_TYPE.match(rest.strip())
    if typed:
        return typed["type"], typed["msg"]
    return None, rest.strip() or None


def parse(lines: list[str]) -> list[ParsedException]:
    """Parse every Ruby backtrace found in the lines."""
    exceptions: list[ParsedException] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if _TRACEBACK.match(line.strip()) and index + 1 < len(lines) and _FROM.match(lines[index + 1]):
            index = _parse_reversed(lines, index + 1, exceptions)
            continue
        rails = _RAILS_HEADER.match(line.strip())
        if rails:
            frames, index = _collect(lines, index + 1, _BARE, skip_blank=True)
            if frames:
                exceptions.append(
                    ParsedException(type=rails["type"], message=rails["msg"], frames=frames, language="ruby")
                )
                continue
        first = _FIRST.match(line)
        if first and (first["func"] is not None or _MESSAGE_TYPE.match(first["rest"].strip())):
            exc_type, message = _header(first["rest"])
            frames, index = _collect(lines, index + 1, _FROM)
            exceptions.append(
                ParsedException(
                    type=exc_type,
                    message=message,
                    frames=[_frame(first), *frames],
                    language="ruby",
                )
            )
            continue
        index += 1
    return exceptions


def _collect(
    lines: list[str], index: int, pattern: re.Pattern[str], skip_blank: bool = False
) -> tuple[list[StackFrame], int]:
    frames: list[StackFrame] = []
    while index < len(lines):
        if skip_blank and not frames and not lines[index].strip():
            index += 1
            continue
        match = pattern.match(lines[index])
        if not match:
            break
        frames.append(_frame(match))
        index += 1
    return frames, index


def _parse_reversed(lines: list[str], index: int, out: list[ParsedException]) -> int:
    frames, index = _collect(lines, index, _FROM)
    if index < len(lines):
        last = _FIRST.match(lines[index])
        if last:
            exc_type, message = _header(last["rest"])
            frames.append(_frame(last))
            out.append(
                ParsedException(
                    type=exc_type,
                    message=message,
                    frames=frames,
                    language="ruby",
                    innermost_first=False,
                )
            )
            return index + 1
    out.append(ParsedException(frames=frames, language="ruby", innermost_first=False))
    return index
