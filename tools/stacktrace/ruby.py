"""Ruby backtraces: classic `from` lists, 2.5-2.7 reversed tracebacks, Rails logs, RSpec, rake, irb,
JRuby, Ruby 3.4 quotes."""

import re
from collections import Counter

from sleuth.models import ParsedException, StackFrame
from sleuth.tools.stacktrace.libraries import RUBY_LIBRARY_PATH
from sleuth.tools.stacktrace.prefixes import RUBY_PREFIXES

_LOCATION = r"(?P<file>(?:[A-Za-z]:)?[^:\s][^:]*?):(?P<line>\d+)(?::in [`'](?P<func>.*?)')?"
_FIRST = re.compile(rf"^{_LOCATION}: (?P<rest>.*)$")
_FROM = re.compile(rf"^\s*(?:\d+: )?from {_LOCATION}\s*$")
# `at X (…) in <filename unknown>:0` is a Mono frame, not a bare Ruby location.
_BARE = re.compile(rf"^\s*(?!at\s){_LOCATION}\s*$")
# JRuby 1.x: right-aligned `  label at file:line`, no quotes.
_JRUBY = re.compile(r"^\s*(?P<func>[^\s`']\S*) at (?P<file>(?:[A-Za-z]:)?[^:\s][^:]*?):(?P<line>\d+)\s*$")
# Ruby elides the middle of very deep backtraces: `	 ... 7 levels...`.
_LEVELS = re.compile(r"^\s*\.\.\. \d+ levels\.\.\.\s*$")
_MESSAGE_TYPE = re.compile(r"^(?P<msg>.*) \((?P<type>[A-Z][\w:]*)\)$")
_TYPE = r"[A-Z]\w*(?:::[A-Z]\w*)*"
_RAILS_HEADER = re.compile(rf"^(?P<type>{_TYPE}) \((?P<msg>.*)\):\s*$")
# A Rails log header whose message runs over several lines, closed by a line `):`.
_RAILS_OPEN = re.compile(rf"^(?P<type>{_TYPE}) \((?P<msg>.*)$")
_RAILS_CLOSE = re.compile(r"^\s*\):\s*$")
# Rails logs show the template source (`    12: <%= x %>`) and, since 7.1, a `Causes:` list
# (`Type (message)`) between the header and the frames.
_RAILS_SOURCE = re.compile(r"^\s*\d+: ")
_RAILS_CAUSES = re.compile(r"^\s*Causes:\s*$")
_RAILS_CAUSE = re.compile(rf"^(?P<type>{_TYPE}) \((?P<msg>.*)\)\s*$")
_MAX_MESSAGE_LINES = 40
# exception_notification's e-mail: `An ActionView::Template::Error occurred in crops#show:`.
_NOTIFIER_HEADER = re.compile(rf"^An? (?P<type>{_TYPE}) occurred in \S+:\s*$")
# RSpec: `Failure/Error: <code>`, then `Type:` and the message, then `# ./path:N:in 'label'` frames;
# a cause follows as `# --- Caused by: ---`, `# Type:`, `#   message`, `#   ./path:N:in 'label'`.
_RSPEC_FAILURE = re.compile(r"^\s*Failure/Error:")
_RSPEC_FRAME = re.compile(r"^\s*#\s+(?P<file>[^:\s][^:]*?):(?P<line>\d+)(?::in [`'](?P<func>.*?)')?\s*$")
_RSPEC_RULE = re.compile(r"^\s*# -+\s*$")
_RSPEC_CAUSED_BY = re.compile(r"^\s*# --- Caused by: ---\s*$")
_RSPEC_COMMENT = re.compile(r"^\s*#(?: (?P<text>.*))?$")
# Rake: `rake aborted!`, then `Type: message` (or only the message), then bare frame lines.
_RAKE_ABORTED = re.compile(r"^\s*rake aborted!\s*$")
_TYPED_MESSAGE = re.compile(rf"^(?P<type>{_TYPE}): (?P<msg>.*)$")
_RSPEC_TYPE = re.compile(rf"^(?P<type>{_TYPE}):$")
# RubyGems reports a failed command with the class ending the header, the message (and with --backtrace
# bare frames) under it.
_GEM_ERROR = re.compile(rf"^ERROR:\s+While executing gem .*\((?P<type>{_TYPE})\)\s*$")
_TRACEBACK = re.compile(r"^Traceback \(most recent call last\):\s*$")
# A shell prompt in front of stderr that a background job printed (`host:dir user$ `, `~/app [main] $ `).
_PROMPT = re.compile(r"^[\w.@~:/\[\]-]+(?: [\w.@~:/\[\]-]+)*\s?[$#%] (?=\S)")
# Lines that may sit between a separately pasted message line and its bare frames.
_LABEL = re.compile(r"^\s*(?:`{3}\w*|[\w ]{1,30}:)?\s*$")
_MAX_LOOKBACK = 4
_ANSI = re.compile(r"\x1b\[[\d;]*[A-Za-z]")
_MIN_WRAP_WIDTH = 60


def is_app_file(path: str) -> bool:
    """Tell application files from gems, binstubs, the Ruby installation and its standard library."""
    return not RUBY_LIBRARY_PATH.search(path)


def _frame(match: re.Match[str]) -> StackFrame:
    path = match["file"]
    return StackFrame(file=path, line=int(match["line"]), function=match["func"], in_app=is_app_file(path))


def _exception(exc_type: str | None, message: str | None, frames: list[StackFrame], **extra) -> ParsedException:
    return ParsedException(type=exc_type, message=message, frames=frames, language="ruby", **extra)


def _header(rest: str) -> tuple[str | None, str | None]:
    typed = _MESSAGE_TYPE.match(rest.strip())
    if typed:
        return typed["type"], typed["msg"]
    return None, rest.strip() or None


def _is_frame(line: str) -> bool:
    return bool(_FROM.match(line) or _BARE.match(line) or _JRUBY.match(line) or _LEVELS.match(line))


def _starts_header(line: str) -> bool:
    stripped = line.strip()
    return bool(
        _FIRST.match(line)
        or stripped.startswith("from ")
        or any(p.match(stripped) for p in (_RAILS_OPEN, _TYPED_MESSAGE, _TRACEBACK, _RAKE_ABORTED, _RSPEC_FAILURE))
    )


def _strip_prefix(line: str) -> str:
    line = _ANSI.sub("", line)
    for pattern in RUBY_PREFIXES:
        line = pattern.sub("", line, count=1)
    return line


def _unwrap(lines: list[str]) -> list[str]:
    """Join lines that a console hard-wrapped at its width (Windows cmd breaks at 80 columns, even
    inside a label). The width is the one length shared by several lines that each go on in the next
    line, and by more lines than are longer than it (so that lengths shared by chance in a long log
    do not count); a line that is already a whole frame, or a next line that starts a frame or a
    header, is never joined."""

    def wrapped(index: int) -> bool:
        line = lines[index]
        if len(line) < _MIN_WRAP_WIDTH or index + 1 >= len(lines) or _is_frame(line):
            return False
        after = lines[index + 1]
        return bool(after.strip()) and not (_is_frame(after) or _starts_header(after))

    widths = Counter(len(lines[i]) for i in range(len(lines)) if wrapped(i))
    if not widths:
        return lines
    width, count = widths.most_common(1)[0]
    if count < 2 or count <= sum(len(line) > width for line in lines):
        return lines
    out: list[str] = []
    joining = False
    for index, line in enumerate(lines):
        out.append(out.pop() + line if joining else line)
        joining = len(line) == width and wrapped(index)
    return out


_PATH_START = re.compile(r"^\s*[^\s:]*[/\\][^\s]*$")


def _join_split_frames(lines: list[str]) -> list[str]:
    """Join a frame line broken in two where the wrap widths differ (a log shipper's prefix in front of
    the first half only): a path-like line that is no frame, and makes one with the next line."""
    out: list[str] = []
    for line in lines:
        previous = out[-1] if out else ""
        if previous and line.strip() and _PATH_START.match(previous) and not _is_frame(previous):
            for joined in (previous + line.strip(), previous + " " + line.strip()):
                if _BARE.match(joined) or _FROM.match(joined):
                    out[-1] = joined
                    break
            else:
                out.append(line)
            continue
        out.append(line)
    return out


def parse(lines: list[str]) -> list[ParsedException]:
    """Parse every Ruby backtrace found in the lines."""
    lines = _join_split_frames(_unwrap([_strip_prefix(line) for line in lines]))
    exceptions: list[ParsedException] = []
    index = 0
    while index < len(lines):
        for handler in _HANDLERS:
            end = handler(lines, index, exceptions)
            if end is not None:
                index = end
                break
        else:
            index += 1
    return exceptions


def _skip_blank(lines: list[str], index: int) -> int:
    while index < len(lines) and not lines[index].strip():
        index += 1
    return index


def _collect(
    lines: list[str], index: int, pattern: re.Pattern[str], skip_blank: bool = False, skip_blank_between: bool = False
) -> tuple[list[StackFrame], int]:
    """Frames matching pattern from index on; blank lines before them (skip_blank) or, as some CI
    log copies double every newline, between them (skip_blank_between) are passed over, and so are
    `... N levels...` markers."""
    frames: list[StackFrame] = []
    while index < len(lines):
        blank = not lines[index].strip()
        if blank and ((skip_blank and not frames) or (skip_blank_between and frames and index + 1 < len(lines))):
            index += 1
            continue
        if frames and _LEVELS.match(lines[index]):
            index += 1
            continue
        match = pattern.match(lines[index])
        if not match:
            break
        frames.append(_frame(match))
        index += 1
    return frames, index


def _collect_any(lines: list[str], index: int) -> tuple[list[StackFrame], int]:
    """Frames under a `Type: message` header, in whichever of the from, bare and JRuby styles they come."""
    for pattern in (_FROM, _JRUBY, _BARE):
        if pattern.match(lines[index] if index < len(lines) else ""):
            return _collect(lines, index, pattern)
    return [], index


def _parse_reversed(lines: list[str], index: int, out: list[ParsedException]) -> int | None:
    """Ruby 2.5-2.7 on a terminal: numbered `from` lines outermost first, the message line last."""
    if not _TRACEBACK.match(lines[index].strip()):
        return None
    start = _skip_blank(lines, index + 1)
    if start >= len(lines) or not _FROM.match(lines[start]):
        return None
    frames, index = _collect(lines, start, _FROM, skip_blank_between=True)
    if index < len(lines) and (last := _FIRST.match(lines[index])):
        exc_type, message = _header(last["rest"])
        out.append(_exception(exc_type, message, [*frames, _frame(last)], innermost_first=False))
        return index + 1
    out.append(_exception(None, None, frames, innermost_first=False))
    return index


def _parse_classic(lines: list[str], index: int, out: list[ParsedException]) -> int | None:
    """`file:line:in 'label': message (Type)` then `from` lines (Ruby 1.8 omits the label)."""
    line = lines[index]
    # Try without a shell prompt first, as the unanchored file pattern would swallow the prompt.
    prompt = _PROMPT.match(line)
    first = (_FIRST.match(line[prompt.end() :]) if prompt else None) or _FIRST.match(line)
    if not first or (first["func"] is None and not _MESSAGE_TYPE.match(first["rest"].strip())):
        return None
    exc_type, message = _header(first["rest"])
    index += 1
    # A multi-line message (and Ruby 3.1+'s error_highlight snippet) is printed after the header line;
    # the `from` lines follow it.
    for ahead in range(index, min(len(lines), index + _MAX_MESSAGE_LINES)):
        if _FROM.match(lines[ahead]):
            index = ahead
            break
        if _starts_header(lines[ahead]) or lines[ahead].startswith("```"):
            break
    # CI log copies may double every newline, so blank lines between `from` lines are passed over.
    frames, index = _collect(lines, index, _FROM, skip_blank_between=True)
    out.append(_exception(exc_type, message, [_frame(first), *frames]))
    return index


def _parse_rails(lines: list[str], index: int, out: list[ParsedException]) -> int | None:
    header = _rails_header(lines, index)
    if not header:
        return None
    exc_type, message, after = header
    causes: list[ParsedException] = []
    while after < len(lines) and (not lines[after].strip() or _RAILS_SOURCE.match(lines[after])):
        after += 1
    if after < len(lines) and _RAILS_CAUSES.match(lines[after]):
        after += 1
        while after < len(lines) and (cause := _RAILS_CAUSE.match(lines[after].strip())):
            causes.append(_exception(cause["type"], cause["msg"], []))
            after += 1
        while after < len(lines) and (not lines[after].strip() or _RAILS_SOURCE.match(lines[after])):
            after += 1
    frames, end = _collect(lines, after, _BARE, skip_blank_between=True)
    if not frames:
        return None
    out.extend([_exception(exc_type, message, frames), *causes])
    return end


def _rails_header(lines: list[str], index: int) -> tuple[str, str | None, int] | None:
    """(type, message, index after the header) for a Rails log or exception_notification header."""
    line = lines[index].strip()
    if match := _RAILS_HEADER.match(line):
        return match["type"], match["msg"], index + 1
    if match := _NOTIFIER_HEADER.match(line):
        after = _skip_blank(lines, index + 1)
        if after < len(lines) and not _BARE.match(lines[after]):
            return match["type"], lines[after].strip(), after + 1
        return match["type"], None, after
    if match := _RAILS_OPEN.match(line):
        for end in range(index + 1, min(len(lines), index + _MAX_MESSAGE_LINES)):
            if _RAILS_CLOSE.match(lines[end]):
                return match["type"], match["msg"].strip() or None, end + 1
    return None


def _parse_rake(lines: list[str], index: int, out: list[ParsedException]) -> int | None:
    """`rake aborted!`, the message (typed or not, maybe several lines), then bare frames if any."""
    if not _RAKE_ABORTED.match(lines[index]):
        return None
    index = _skip_blank(lines, index + 1)
    if index >= len(lines) or _BARE.match(lines[index]):
        return index
    header = lines[index].strip()
    typed = _TYPED_MESSAGE.match(header)
    exc_type, message = (typed["type"], typed["msg"]) if typed else (None, header)
    # Message lines (a SyntaxError's `file:N: syntax error` lines, source and carets) run up to the
    # first bare frame; a blank line or a fence ends a frameless report.
    ahead = index + 1
    while ahead < len(lines) and ahead - index < _MAX_MESSAGE_LINES:
        if not lines[ahead].strip():
            ahead = _skip_blank(lines, ahead)
            break
        if _BARE.match(lines[ahead]) or lines[ahead].startswith("```"):
            break
        ahead += 1
    frames, end = _collect(lines, ahead, _BARE)
    out.append(_exception(exc_type, message, frames))
    return end if frames else index + 1


def _parse_rspec(lines: list[str], index: int, out: list[ParsedException]) -> int | None:
    """One RSpec failure: the lines under `Failure/Error:` give the type and message, `# ` lines the
    frames; each `# --- Caused by: ---` block adds the cause as one more exception."""
    if not (_RSPEC_FAILURE.match(lines[index]) or _RSPEC_FRAME.match(lines[index])):
        return None
    start, body = index, []
    if _RSPEC_FAILURE.match(lines[index]):
        index += 1
        while index < len(lines) and not _RSPEC_FRAME.match(lines[index]) and len(body) < _MAX_MESSAGE_LINES:
            if lines[index].strip():
                body.append(lines[index].strip())
            index += 1
    frames, index = _collect(lines, index, _RSPEC_FRAME)
    if not frames:
        return None if start == index else start + 1
    out.append(_typed_body(body, frames))
    while True:
        ahead = index
        while ahead < len(lines) and _RSPEC_RULE.match(lines[ahead]):
            ahead += 1
        if ahead >= len(lines) or not _RSPEC_CAUSED_BY.match(lines[ahead]):
            return index
        ahead, body = ahead + 1, []
        while ahead < len(lines) and not _RSPEC_FRAME.match(lines[ahead]) and len(body) < _MAX_MESSAGE_LINES:
            comment = _RSPEC_COMMENT.match(lines[ahead])
            if not comment:
                return index
            if (comment["text"] or "").strip():
                body.append(comment["text"].strip())
            ahead += 1
        frames, index = _collect(lines, ahead, _RSPEC_FRAME)
        out.append(_typed_body(body, frames))


def _typed_body(body: list[str], frames: list[StackFrame]) -> ParsedException:
    """RSpec prints `Type:` on a line of its own, then the message."""
    exc_type = None
    if body and (typed := _RSPEC_TYPE.match(body[0])):
        exc_type, body = typed["type"], body[1:]
    return _exception(exc_type, body[0] if body else None, frames)


def _parse_gem(lines: list[str], index: int, out: list[ParsedException]) -> int | None:
    if not (match := _GEM_ERROR.match(lines[index].strip())):
        return None
    after = index + 1
    message = lines[after].strip() if after < len(lines) and lines[after].strip() else None
    after = after + 1 if message else after
    frames, end = _collect(lines, after, _BARE)  # `gem … --backtrace` prints bare frames under it
    out.append(_exception(match["type"], message, frames))
    return end


def _parse_typed(lines: list[str], index: int, out: list[ParsedException]) -> int | None:
    """`Type: message` followed directly by frames: irb and pry, minitest errors, JRuby."""
    if not (typed := _TYPED_MESSAGE.match(lines[index].strip())):
        return None
    frames, end = _collect_any(lines, index + 1)
    if not frames:
        return None
    out.append(_exception(typed["type"], typed["msg"], frames))
    return end


def _parse_bare(lines: list[str], index: int, out: list[ParsedException]) -> int | None:
    """Bare `file:line:in 'label'` lines (an IDE's or a logger's backtrace); the message line, when
    pasted a few lines above them (past a fence or a `Backtrace:` label), is their header."""
    match = _BARE.match(lines[index])
    if not match or match["func"] is None:
        return None
    frames, end = _collect(lines, index, _BARE)
    exc_type = message = None
    for back in range(index - 1, max(-1, index - 1 - _MAX_LOOKBACK), -1):
        text = lines[back].strip().strip("`").strip()
        if typed := _MESSAGE_TYPE.match(text) or _TYPED_MESSAGE.match(text):
            exc_type, message = typed["type"], typed["msg"]
            break
        if not _LABEL.match(lines[back]):
            break
    out.append(_exception(exc_type, message, frames))
    return end


# Tried in this order at each line: the shapes with their own marker line first, bare frames last.
_HANDLERS = (
    _parse_reversed,
    _parse_rails,
    _parse_rake,
    _parse_rspec,
    _parse_gem,
    _parse_classic,
    _parse_typed,
    _parse_bare,
)
