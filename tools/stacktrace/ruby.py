"""Ruby backtraces: classic `from` lists, 2.5-2.7 reversed tracebacks, Rails logs, Ruby 3.4 quotes."""

import re

from sleuth.models import ParsedException, StackFrame

_LOCATION = r"(?P<file>(?:[A-Za-z]:)?[^:\s][^:]*?):(?P<line>\d+)(?::in [`'](?P<func>.*?)')?"
_FIRST = re.compile(rf"^{_LOCATION}: (?P<rest>.*)$")
_FROM = re.compile(rf"^\s*(?:\d+: )?from {_LOCATION}\s*$")
_BARE = re.compile(rf"^\s*{_LOCATION}\s*$")
_MESSAGE_TYPE = re.compile(r"^(?P<msg>.*) \((?P<type>[A-Z][\w:]*)\)$")
_TYPE = r"[A-Z]\w*(?:::[A-Z]\w*)*"
_RAILS_HEADER = re.compile(rf"^(?P<type>{_TYPE}) \((?P<msg>.*)\):\s*$")
# A Rails log header whose message runs over several lines, closed by a line `):`.
_RAILS_OPEN = re.compile(rf"^(?P<type>{_TYPE}) \((?P<msg>.*)$")
_RAILS_CLOSE = re.compile(r"^\s*\):\s*$")
_MAX_MESSAGE_LINES = 40
# exception_notification's e-mail: `An ActionView::Template::Error occurred in crops#show:`.
_NOTIFIER_HEADER = re.compile(rf"^An? (?P<type>{_TYPE}) occurred in \S+:\s*$")
# RSpec: `Failure/Error: <code>`, then `Type:` and the message, then `# ./path:N:in 'label'` frames.
_RSPEC_FAILURE = re.compile(r"^\s*Failure/Error:")
_RSPEC_FRAME = re.compile(r"^\s*# (?P<file>[^:\s][^:]*?):(?P<line>\d+):in [`'](?P<func>.*?)'\s*$")
# Rake: `rake aborted!`, then `Type: message` (or only the message), then bare frame lines.
_RAKE_ABORTED = re.compile(r"^\s*rake aborted!\s*$")
_TYPED_MESSAGE = re.compile(rf"^(?P<type>{_TYPE}): (?P<msg>.*)$")
_RSPEC_TYPE = re.compile(rf"^(?P<type>{_TYPE}):$")
_TRACEBACK = re.compile(r"^Traceback \(most recent call last\):\s*$")
_LIBRARY = re.compile(
    r"[/\\]gems[/\\]|[/\\]\.gem[/\\]ruby[/\\][^/\\]+[/\\]bin[/\\]|"
    r"[/\\]lib[/\\]ruby[/\\]\d+\.\d+\.\d+[/\\]|^<internal:|"
    # RubyGems installs executables' binstubs into the system bin directories; site_ruby and macOS's
    # /Library/Ruby hold RubyGems itself.
    r"^/usr/(?:local/)?bin/|[/\\]site_ruby[/\\]|^/Library/Ruby/"
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
        header = _rails_header(lines, index)
        if header:
            exc_type, message, after = header
            frames, end = _collect(lines, after, _BARE, skip_blank=True)
            if frames:
                exceptions.append(ParsedException(type=exc_type, message=message, frames=frames, language="ruby"))
                index = end
                continue
        if _RAKE_ABORTED.match(line):
            index = _parse_rake(lines, index, exceptions)
            continue
        if _RSPEC_FAILURE.match(line) or _RSPEC_FRAME.match(line):
            index = _parse_rspec(lines, index, exceptions)
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


def _rails_header(lines: list[str], index: int) -> tuple[str, str | None, int] | None:
    """(type, message, index after the header) for a Rails log or exception_notification header."""
    line = lines[index].strip()
    if match := _RAILS_HEADER.match(line):
        return match["type"], match["msg"], index + 1
    if match := _NOTIFIER_HEADER.match(line):
        after = index + 1
        while after < len(lines) and not lines[after].strip():
            after += 1
        if after < len(lines) and not _BARE.match(lines[after]):
            return match["type"], lines[after].strip(), after + 1
        return match["type"], None, after
    if match := _RAILS_OPEN.match(line):
        for end in range(index + 1, min(len(lines), index + _MAX_MESSAGE_LINES)):
            if _RAILS_CLOSE.match(lines[end]):
                return match["type"], match["msg"].strip() or None, end + 1
    return None


def _parse_rake(lines: list[str], index: int, out: list[ParsedException]) -> int:
    start = index
    index += 1
    while index < len(lines) and not lines[index].strip():
        index += 1
    if index >= len(lines) or _BARE.match(lines[index]):
        return start + 1
    header = lines[index].strip()
    frames, end = _collect(lines, index + 1, _BARE, skip_blank=True)
    if not frames:
        return start + 1
    typed = _TYPED_MESSAGE.match(header)
    exc_type, message = (typed["type"], typed["msg"]) if typed else (None, header)
    out.append(ParsedException(type=exc_type, message=message, frames=frames, language="ruby"))
    return end


def _parse_rspec(lines: list[str], index: int, out: list[ParsedException]) -> int:
    """One RSpec failure: the lines under `Failure/Error:` give the type and message, `# ` lines the frames."""
    start, body = index, []
    if _RSPEC_FAILURE.match(lines[index]):
        index += 1
        while index < len(lines) and not _RSPEC_FRAME.match(lines[index]) and len(body) < _MAX_MESSAGE_LINES:
            if lines[index].strip():
                body.append(lines[index].strip())
            index += 1
    frames, index = _collect(lines, index, _RSPEC_FRAME)
    if not frames:
        return start + 1
    exc_type = None
    if body and (typed := _RSPEC_TYPE.match(body[0])):
        exc_type, body = typed["type"], body[1:]
    out.append(ParsedException(type=exc_type, message=body[0] if body else None, frames=frames, language="ruby"))
    return index


def _collect(
    lines: list[str], index: int, pattern: re.Pattern[str], skip_blank: bool = False, skip_blank_between: bool = False
) -> tuple[list[StackFrame], int]:
    """Frames matching pattern from index on; blank lines before them (skip_blank) or, as some CI
    log copies double every newline, between them (skip_blank_between) are passed over."""
    frames: list[StackFrame] = []
    while index < len(lines):
        blank = not lines[index].strip()
        if blank and ((skip_blank and not frames) or (skip_blank_between and frames and index + 1 < len(lines))):
            index += 1
            continue
        match = pattern.match(lines[index])
        if not match:
            break
        frames.append(_frame(match))
        index += 1
    return frames, index


def _parse_reversed(lines: list[str], index: int, out: list[ParsedException]) -> int:
    frames, index = _collect(lines, index, _FROM, skip_blank_between=True)
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
