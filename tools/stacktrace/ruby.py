"""Ruby backtraces: classic `from` lists, 2.5-2.7 reversed tracebacks, Rails logs, RSpec, rake, irb,
JRuby, Ruby 3.4 quotes."""

import re
from collections import Counter

from sleuth.models import ParsedException, StackFrame
from sleuth.tools.stacktrace.prefixes import RUBY_PREFIXES
from sleuth.tools.stacktrace.ruby_formats import (
    BARE,
    FROM,
    JRUBY,
    LEVELS,
    LOCATION,
    MAX_MESSAGE_LINES,
    RAILS_OPEN,
    RAKE_ABORTED,
    RSPEC_FAILURE,
    TYPED_MESSAGE,
    collect,
    exception,
    frame,
    parse_gem,
    parse_rails,
    parse_rake,
    parse_rspec,
    parse_tracker,
    skip_blank,
    typed_header,
)

_FIRST = re.compile(rf"^{LOCATION}: (?P<rest>.*)$")
_MESSAGE_TYPE = re.compile(r"^(?P<msg>.*) \((?P<type>[A-Z][\w:]*)\)$")
_TRACEBACK = re.compile(r"^Traceback \(most recent call last\):\s*$")
# A shell prompt in front of stderr that a background job printed (`host:dir user$ `, `~/app [main] $ `),
# or irb's own prompt (`irb(main):001> `, `irb(main):001:0> `).
_PROMPT = re.compile(r"^(?:[\w.@~:/\[\]-]+(?: [\w.@~:/\[\]-]+)*\s?[$#%]|irb\([^)]*\):\d+(?::\d+)?[>*]) (?=\S)")
# Lines that may sit between a separately pasted message line and its bare frames.
_LABEL = re.compile(r"^\s*(?:`{3}\w*|[\w ]{1,30}:)?\s*$")
_MAX_LOOKBACK = 4
_ANSI = re.compile(r"\x1b\[[\d;]*[A-Za-z]")
_MIN_WRAP_WIDTH = 60
# A location cut by a hard wrap before its `:line` (`        from C:/Ruby30-x64/lib/ruby/gems/3.0.0/`).
_CUT_PATH = re.compile(r"^\s*(?:from )?(?:[A-Za-z]:)?[^\s:]*[/\\][^\s:]*$")


def _header(rest: str) -> tuple[str | None, str | None]:
    typed = _MESSAGE_TYPE.match(rest.strip())
    if typed:
        return typed["type"], typed["msg"]
    return None, rest.strip() or None


def _is_frame(line: str) -> bool:
    return bool(FROM.match(line) or BARE.match(line) or JRUBY.match(line) or LEVELS.match(line))


def _starts_header(line: str) -> bool:
    stripped = line.strip()
    return bool(
        _FIRST.match(line)
        or stripped.startswith("from ")
        or any(p.match(stripped) for p in (RAILS_OPEN, TYPED_MESSAGE, _TRACEBACK, RAKE_ABORTED, RSPEC_FAILURE))
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
    do not count); a line that is already a whole frame is never joined, nor one followed by a line
    that starts a frame or a header, unless the line is a path cut short (no `:line` yet) and the
    next one goes on at column 0."""

    def wrapped(index: int) -> bool:
        line = lines[index]
        if len(line) < _MIN_WRAP_WIDTH or index + 1 >= len(lines) or _is_frame(line):
            return False
        after = lines[index + 1]
        if not after.strip():
            return False
        if _CUT_PATH.match(line) and not after[0].isspace():
            return True
        return not (_is_frame(after) or _starts_header(after))

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
                if BARE.match(joined) or FROM.match(joined):
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


def _collect_any(lines: list[str], index: int) -> tuple[list[StackFrame], int]:
    """Frames under a `Type: message` header, in whichever of the from, bare and JRuby styles they come."""
    for pattern in (FROM, JRUBY, BARE):
        if pattern.match(lines[index] if index < len(lines) else ""):
            return collect(lines, index, pattern)
    return [], index


def _parse_reversed(lines: list[str], index: int, out: list[ParsedException]) -> int | None:
    """Ruby 2.5-2.7 on a terminal: numbered `from` lines outermost first, the message line last."""
    if not _TRACEBACK.match(lines[index].strip()):
        return None
    start = skip_blank(lines, index + 1)
    if start >= len(lines) or not FROM.match(lines[start]):
        return None
    frames, index = collect(lines, start, FROM, skip_blank_between=True)
    if index < len(lines) and (last := _FIRST.match(lines[index])):
        exc_type, message = _header(last["rest"])
        out.append(exception(exc_type, message, [*frames, frame(last)], innermost_first=False))
        return index + 1
    out.append(exception(None, None, frames, innermost_first=False))
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
    for ahead in range(index, min(len(lines), index + MAX_MESSAGE_LINES)):
        if FROM.match(lines[ahead]):
            index = ahead
            break
        if _starts_header(lines[ahead]) or lines[ahead].startswith("```"):
            break
    # CI log copies may double every newline, so blank lines between `from` lines are passed over.
    frames, index = collect(lines, index, FROM, skip_blank_between=True)
    out.append(exception(exc_type, message, [frame(first), *frames]))
    return index


def _parse_typed(lines: list[str], index: int, out: list[ParsedException]) -> int | None:
    """`Type: message` followed directly by frames: irb and pry, minitest errors, JRuby."""
    if not (typed := typed_header(lines[index].strip())):
        return None
    frames, end = _collect_any(lines, index + 1)
    if not frames:
        return None
    out.append(exception(*typed, frames))
    return end


def _parse_bare(lines: list[str], index: int, out: list[ParsedException]) -> int | None:
    """Bare `file:line:in 'label'` lines (an IDE's or a logger's backtrace); the message line, when
    pasted a few lines above them (past a fence or a `Backtrace:` label), is their header."""
    match = BARE.match(lines[index])
    if not match or match["func"] is None:
        return None
    frames, end = collect(lines, index, BARE)
    exc_type = message = None
    for back in range(index - 1, max(-1, index - 1 - _MAX_LOOKBACK), -1):
        text = lines[back].strip().strip("`").strip()
        if typed := _MESSAGE_TYPE.match(text):
            exc_type, message = typed["type"], typed["msg"]
            break
        if typed := typed_header(text):
            exc_type, message = typed
            break
        if not _LABEL.match(lines[back]):
            break
    out.append(exception(exc_type, message, frames))
    return end


# Tried in this order at each line: the shapes with their own marker line first, bare frames last.
_HANDLERS = (
    _parse_reversed,
    parse_rails,
    parse_rake,
    parse_rspec,
    parse_gem,
    parse_tracker,
    _parse_classic,
    _parse_typed,
    _parse_bare,
)
