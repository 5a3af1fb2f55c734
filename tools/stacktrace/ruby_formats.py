"""Ruby frame syntax shared by the Ruby parser, and the report formats that mark a trace with a line of
their own: Rails logs and error pages, rake, RSpec, RubyGems, and error trackers' renderings
(Rollbar's Python-like `File "…", line N, in m`, Honeybadger's `line N of [PROJECT_ROOT]/…: m`)."""

import re

from sleuth.models import ParsedException, StackFrame
from sleuth.tools.stacktrace.libraries import RUBY_LIBRARY_PATH

# A file is a path without colons, or a pseudo-file in angle brackets that may hold one
# (`<internal:/usr/lib/ruby/3.4.0/rubygems/core_ext/kernel_require.rb>`). Markdown sometimes eats the
# space before the label's backtick (``:in`exec'``).
_FILE = r"(?P<file><[^<>\s]*>|(?:[A-Za-z]:)?[^:\s][^:]*?)"
LOCATION = rf"{_FILE}:(?P<line>\d+)(?::in ?[`'](?P<func>.*?)')?"
FROM = re.compile(rf"^\s*(?:\d+: )?from {LOCATION}\s*$")
# `at X (…) in <filename unknown>:0` is a Mono frame, not a bare Ruby location.
BARE = re.compile(rf"^\s*(?!at\s){LOCATION}\s*$")
# JRuby 1.x: right-aligned `  label at file:line`, no quotes.
JRUBY = re.compile(r"^\s*(?P<func>[^\s`']\S*) at (?P<file>(?:[A-Za-z]:)?[^:\s][^:]*?):(?P<line>\d+)\s*$")
# Ruby elides the middle of very deep backtraces: `	 ... 7 levels...`.
LEVELS = re.compile(r"^\s*\.\.\. \d+ levels\.\.\.\s*$")
TYPE = r"[A-Z]\w*(?:::[A-Z]\w*)*"
TYPED_MESSAGE = re.compile(rf"^(?P<type>{TYPE}): (?P<msg>.*)$")
TYPE_ALONE = re.compile(rf"^(?P<type>{TYPE}):$")
# A CLI's or logger's level word in front of a message (Homebrew's `Error: …`) names no class.
_LEVEL_WORDS = frozenset({"Error", "ERROR", "Fatal", "FATAL", "Warning", "WARNING", "WARN", "Exception"})
_RAILS_HEADER = re.compile(rf"^(?P<type>{TYPE}) \((?P<msg>.*)\):\s*$")
# A Rails log header whose message runs over several lines, closed by a line `):`.
RAILS_OPEN = re.compile(rf"^(?P<type>{TYPE}) \((?P<msg>.*)$")
_RAILS_CLOSE = re.compile(r"^\s*\):\s*$")
# Rails logs show the template source (`    12: <%= x %>`) and, since 7.1, a `Causes:` list
# (`Type (message)`) between the header and the frames.
_RAILS_SOURCE = re.compile(r"^\s*\d+: ")
_RAILS_CAUSES = re.compile(r"^\s*Causes:\s*$")
_RAILS_CAUSE = re.compile(rf"^(?P<type>{TYPE}) \((?P<msg>.*)\)\s*$")
MAX_MESSAGE_LINES = 40
# exception_notification's e-mail: `An ActionView::Template::Error occurred in crops#show:`.
_NOTIFIER_HEADER = re.compile(rf"^An? (?P<type>{TYPE}) occurred in \S+:\s*$")
# The Rails development error page copied as text: `NoMethodError in Users#show` (or `… in *`), the
# message on the next line, then the cleaned backtrace.
_ERROR_PAGE_HEADER = re.compile(rf"^(?P<type>{TYPE}) in (?:[\w:]+#\w+|\*)\s*$")
# RSpec: `Failure/Error: <code>`, then `Type:` and the message, then `# ./path:N:in 'label'` frames;
# a cause follows as `# --- Caused by: ---`, `# Type:`, `#   message`, `#   ./path:N:in 'label'`.
RSPEC_FAILURE = re.compile(r"^\s*Failure/Error:")
_RSPEC_FRAME = re.compile(rf"^\s*#\s+(?!-)(?:{LOCATION})\s*$")
_RSPEC_RULE = re.compile(r"^\s*# -+\s*$")
_RSPEC_CAUSED_BY = re.compile(r"^\s*# --- Caused by: ---\s*$")
_RSPEC_COMMENT = re.compile(r"^\s*#(?: (?P<text>.*))?$")
# Rake: `rake aborted!`, then `Type: message` (or only the message), then bare frame lines.
RAKE_ABORTED = re.compile(r"^\s*rake aborted!\s*$")
# RubyGems reports a failed command with the class ending the header, the message (and with --backtrace
# bare frames) under it.
_GEM_ERROR = re.compile(rf"^ERROR:\s+While executing gem .*\((?P<type>{TYPE})\)\s*$")
# Rollbar renders Ruby frames in Python's syntax, numbered or not, with or without commas.
_ROLLBAR_FRAME = re.compile(r'^\s*(?:\d+ )?File "(?P<file>[^"]+)(?<!\.py)",? line (?P<line>\d+),? in (?P<func>.+?)\s*$')
# Honeybadger: `line 109 of [PROJECT_ROOT]/app/views/x.html.erb: label`.
_HONEYBADGER_FRAME = re.compile(r"^\s*line (?P<line>\d+) of (?P<file>\S+): (?P<func>.+?)\s*$")
_ROLLBAR_LOOKAHEAD = 8


def is_app_file(path: str) -> bool:
    """Tell application files from gems, binstubs, the Ruby installation and its standard library."""
    return not RUBY_LIBRARY_PATH.search(path)


def frame(match: re.Match[str]) -> StackFrame:
    path = match["file"]
    return StackFrame(file=path, line=int(match["line"]), function=match["func"], in_app=is_app_file(path))


def exception(exc_type: str | None, message: str | None, frames: list[StackFrame], **extra) -> ParsedException:
    return ParsedException(type=exc_type, message=message, frames=frames, language="ruby", **extra)


def typed_header(text: str) -> tuple[str | None, str | None] | None:
    """(type, message) of a `Type: message` line; a level word (`Error: …`) gives no type."""
    if not (typed := TYPED_MESSAGE.match(text)):
        return None
    if typed["type"] in _LEVEL_WORDS:
        return None, typed["msg"].strip() or None
    return typed["type"], typed["msg"]


def skip_blank(lines: list[str], index: int) -> int:
    while index < len(lines) and not lines[index].strip():
        index += 1
    return index


def collect(
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
        if frames and LEVELS.match(lines[index]):
            index += 1
            continue
        match = pattern.match(lines[index])
        if not match:
            break
        frames.append(frame(match))
        index += 1
    return frames, index


def parse_rails(lines: list[str], index: int, out: list[ParsedException]) -> int | None:
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
            causes.append(exception(cause["type"], cause["msg"], []))
            after += 1
        while after < len(lines) and (not lines[after].strip() or _RAILS_SOURCE.match(lines[after])):
            after += 1
    frames, end = collect(lines, after, BARE, skip_blank_between=True)
    if not frames:
        return None
    out.extend([exception(exc_type, message, frames), *causes])
    return end


def _rails_header(lines: list[str], index: int) -> tuple[str, str | None, int] | None:
    """(type, message, index after the header) for a Rails log, error page or exception_notification header."""
    line = lines[index].strip()
    if match := _RAILS_HEADER.match(line):
        return match["type"], match["msg"], index + 1
    if match := _NOTIFIER_HEADER.match(line) or _ERROR_PAGE_HEADER.match(line):
        after = skip_blank(lines, index + 1)
        if after < len(lines) and not BARE.match(lines[after]):
            return match["type"], lines[after].strip(), after + 1
        return match["type"], None, after
    if match := RAILS_OPEN.match(line):
        for end in range(index + 1, min(len(lines), index + MAX_MESSAGE_LINES)):
            if _RAILS_CLOSE.match(lines[end]):
                return match["type"], match["msg"].strip() or None, end + 1
    return None


def parse_rake(lines: list[str], index: int, out: list[ParsedException]) -> int | None:
    """`rake aborted!`, the message (typed or not, maybe several lines), then bare frames if any."""
    if not RAKE_ABORTED.match(lines[index]):
        return None
    index = skip_blank(lines, index + 1)
    if index >= len(lines) or BARE.match(lines[index]):
        return index
    header = lines[index].strip()
    exc_type, message = typed_header(header) or (None, header)
    if alone := TYPE_ALONE.match(header):
        # `Type:` alone: the message is the next line, even one that looks like a location (`(execjs):1`).
        exc_type, message = alone["type"], None
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if following.strip() and not ((bare := BARE.match(following)) and bare["func"]):
            message, index = following.strip(), index + 1
    # Message lines (a SyntaxError's `file:N: syntax error` lines, source and carets) run up to the
    # first bare frame; a blank line or a fence ends a frameless report.
    ahead = index + 1
    while ahead < len(lines) and ahead - index < MAX_MESSAGE_LINES:
        if not lines[ahead].strip():
            ahead = skip_blank(lines, ahead)
            break
        if BARE.match(lines[ahead]) or lines[ahead].startswith("```"):
            break
        ahead += 1
    frames, end = collect(lines, ahead, BARE)
    out.append(exception(exc_type, message, frames))
    return end if frames else index + 1


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def parse_rspec(lines: list[str], index: int, out: list[ParsedException]) -> int | None:
    """One RSpec failure: the lines under `Failure/Error:` give the type and message, `# ` lines the
    frames; each `# --- Caused by: ---` block adds the cause as one more exception. The failure's
    body is indented at least as far as `Failure/Error:`; a failure without backtrace ends there."""
    if not (RSPEC_FAILURE.match(lines[index]) or _RSPEC_FRAME.match(lines[index])):
        return None
    start, body = index, []
    if RSPEC_FAILURE.match(lines[index]):
        depth = _indent(lines[index])
        index += 1
        while index < len(lines) and not _RSPEC_FRAME.match(lines[index]) and len(body) < MAX_MESSAGE_LINES:
            if lines[index].strip():
                if _indent(lines[index]) < depth:
                    break
                body.append(lines[index].strip())
            index += 1
    frames, index = collect(lines, index, _RSPEC_FRAME)
    if not frames:
        if any(TYPE_ALONE.match(text) for text in body):
            out.append(_typed_body(body, []))
            return index
        return None if start == index else start + 1
    out.append(_typed_body(body, frames))
    while True:
        ahead = index
        while ahead < len(lines) and _RSPEC_RULE.match(lines[ahead]):
            ahead += 1
        if ahead >= len(lines) or not _RSPEC_CAUSED_BY.match(lines[ahead]):
            return index
        ahead, body = ahead + 1, []
        while ahead < len(lines) and not _RSPEC_FRAME.match(lines[ahead]) and len(body) < MAX_MESSAGE_LINES:
            comment = _RSPEC_COMMENT.match(lines[ahead])
            if not comment:
                return index
            if (comment["text"] or "").strip():
                body.append(comment["text"].strip())
            ahead += 1
        frames, index = collect(lines, ahead, _RSPEC_FRAME)
        out.append(_typed_body(body, frames))


def _typed_body(body: list[str], frames: list[StackFrame]) -> ParsedException:
    """RSpec prints `Type:` on a line of its own (after the failing code, which may take lines), then
    the message."""
    for position, text in enumerate(body):
        if typed := TYPE_ALONE.match(text):
            rest = body[position + 1 :]
            return exception(typed["type"], rest[0] if rest else None, frames)
    return exception(None, body[0] if body else None, frames)


def parse_gem(lines: list[str], index: int, out: list[ParsedException]) -> int | None:
    if not (match := _GEM_ERROR.match(lines[index].strip())):
        return None
    after = index + 1
    message = lines[after].strip() if after < len(lines) and lines[after].strip() else None
    after = after + 1 if message else after
    frames, end = collect(lines, after, BARE)  # `gem … --backtrace` prints bare frames under it
    out.append(exception(match["type"], message, frames))
    return end


def parse_tracker(lines: list[str], index: int, out: list[ParsedException]) -> int | None:
    """An error tracker's rendering: Rollbar's `File "…" line N in m` or Honeybadger's `line N of f: m`
    lines, under a `Type: message` header a few lines above (past the message's further lines)."""
    exc_type = message = None
    start = index
    if typed := typed_header(lines[index].strip()):
        for ahead in range(index + 1, min(len(lines), index + _ROLLBAR_LOOKAHEAD)):
            if _ROLLBAR_FRAME.match(lines[ahead]) or _HONEYBADGER_FRAME.match(lines[ahead]):
                exc_type, message = typed
                start = ahead
                break
    for pattern in (_ROLLBAR_FRAME, _HONEYBADGER_FRAME):
        if pattern.match(lines[start]):
            frames, end = collect(lines, start, pattern)
            out.append(exception(exc_type, message, frames))
            return end
    return None
