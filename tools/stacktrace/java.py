"""JVM stack traces (Java, Kotlin, Scala, Groovy, Android), with Caused by / Suppressed chains."""

import contextlib
import html
import json
import re

from sleuth.models import ParsedException, StackFrame
from sleuth.tools.stacktrace.libraries import JVM_APP_PREFIXES, JVM_LIBRARY_PREFIXES

_FUNC = r"[\w$.<>/@-]+?"
# `at pkg.Class.method(File.java:12)`, optionally quoted as one JSON array item (AWS Lambda's
# `"stackTrace": ["pkg.Class.method(File.java:12)", …]` has no `at`), with logback's packaging
# suffix (`~[app.jar:1.2]`) or GlassFish's record terminator (`|#]`). A line cut off inside the
# parentheses still names a frame.
_FRAME = re.compile(
    rf"^\s*(?:at\s+(?P<func>{_FUNC})\s?\((?P<loc>[^()]*)(?:\)\s*(?:~?\[[^\]]*\])?(?:\|#\])?\s*|(?P<cut>)$)"
    rf"|\"(?:at\s+)?(?P<qfunc>{_FUNC})\((?P<qloc>[^()]*)\)\",?\s*)$"
)
# JVM locations: `File.java:12`, `File.kt`, `WorkflowScript:140`, `C:\…\build.gradle:3`, or a marker.
# Requiring one of these keeps .NET's `at A.B(Int32 x)` out of the JVM parse.
_LOCATION = re.compile(r"^(?P<file>(?:[A-Za-z]:[\\/])?[^:]+?)(?::(?P<line>\d+))?$")
_JVM_LOCATION = re.compile(r"^(?:.+:\d+|[^\s:]+\.[a-z]\w*|Native Method|Unknown Source|Unknown|SourceFile)$")
_NO_FILE = {"Native Method", "Unknown Source", "Unknown"}  # `SourceFile` (R8) is kept as printed
# Bugsnag's issue template prints `File.java:2684 - pkg.Class.method`.
_BUGSNAG_FRAME = re.compile(r"^\s*(?P<file>[\w$.-]+\.[a-z]\w*):(?P<line>\d+) - (?P<func>[\w$.<>]+)\s*$")

# A class name: qualified with an upper-case simple name (which rules out `File.java:Error: 1`
# compiler lines), or unqualified but named like a throwable (classes in the default package).
_TYPE = r"(?:[A-Za-z_$][\w$]*\.)+[A-Z_$][\w$]*|[A-Z][\w$]*(?:Exception|Error|Throwable)"
# Headers that are exceptions whether or not frames follow; Jenkins prints extra ones as `Also:`
# and logback's root-cause-first mode as `Wrapped by:`.
_MARKED = r"Exception in thread \"[^\"]*\"\s+|(?:Caused by|Suppressed|Also|Wrapped by):\s+"
# After a marker any qualified name is a type: R8 renames classes to `fc.h`.
_HEADER = re.compile(
    rf"^\s*`?(?:(?:{_MARKED})(?P<mtype>(?:[A-Za-z_$][\w$]*\.)+[A-Za-z_$][\w$]*|{_TYPE})|(?P<type>{_TYPE}))"
    r"(?::\s?(?P<msg>.*))?$"
)
_MARKED_LINE = re.compile(rf"^\s*(?:{_MARKED})")
# A header inside a quoted value (a Python dict repr or log field holding the whole trace).
_QUOTED_HEADER = re.compile(
    r"['\"](?P<type>(?:[a-z_$][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error|Throwable)):\s?(?P<msg>.*)$"
)
# A log line (with a level) whose message is the header (`2019-08-04 17:45:40,711 ERROR [x] [main] java.net.X: msg`).
_LOG_LEVEL = re.compile(r"\b(?:ERROR|WARN|WARNING|SEVERE|FATAL|CRITICAL)\b")
_LOGGED_HEADER = re.compile(
    r"(?<=[\s\]|:])(?P<type>(?:[a-z_$][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error|Throwable))(?::\s?(?P<msg>.*))?$"
)
_MAX_LOG_LINE = 4000
# Bugsnag: `**java.lang.RuntimeException** in **StartActivity**`, the message on the next line.
_BOLD_HEADER = re.compile(rf"^\s*\*\*(?P<type>{_TYPE})\*\* in \*\*[^*]*\*\*\s*$")
# Gradle's console summary of a failed test: `    junit.framework.AssertionFailedError at Foo.java:43`.
_GRADLE_SUMMARY = re.compile(rf"^\s+(?P<type>{_TYPE}) at (?P<file>[\w$.-]+\.[a-z]\w*):(?P<line>\d+)\s*$")
# AWS Lambda's error object: `"errorType": "…"` with `"errorMessage": "…"` beside it.
_ERROR_TYPE = re.compile(rf"^\s*\"errorType\"\s*:\s*\"(?P<type>{_TYPE})\"")
_ERROR_MESSAGE = re.compile(r"^\s*\"errorMessage\"\s*:\s*(?P<msg>\"(?:[^\"\\]|\\.)*\")")

# JVM-only log prefixes: log-viewer exports that pad the tag to a column before a bracketed level
# (`AndroidRuntime   [E] `), `adb logcat -v time` (`01-02 12:34:56.789 E/AndroidRuntime( 123): `),
# Android Studio's logcat (`2023-05-01 12:00:00.123  1234-1234  AndroidRuntime  com.app  E  `) and
# Maven's level tags (`[ERROR] `).
_JVM_PREFIX = re.compile(
    r"^(?:[\w.$-]+\s+\[[VDIWEF]\] "
    r"|\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d+ [VDIWEF]/[\w.$-]+\(\s*\d+\): "
    r"|\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d+\s+\d+-\d+\s+[\w.$-]+\s+[\w.:$-]+\s+[VDIWEF]\s\s"
    r"|\[(?:ERROR|WARNING|WARN|INFO|DEBUG)\] )"
)
# GlassFish/Payara's uniform log format opens a record with `[#|date|LEVEL|product|logger|key=v;|`.
_ULF_OPENER = re.compile(r"^\[#\|\d{4}-[^|]*\|[A-Z]+\|(?:[^|]*\|){2,3}\s*$")
# Markers inside a trace that stand for frames but are none; like `... 3 more` they do not end it.
_MARKER = re.compile(r"^\s*(?:\.\.\. \d+ (?:more|common frames omitted)|\(Coroutine boundary\))\s*$")
# A module or class-loader prefix (`java.base/`, `java.base@11.0.2/`, `app//`) but not the
# `/0x…` of a hidden lambda class (`Foo$$Lambda$14/0x0000000800c03000.run`).
_MODULE_PREFIX = re.compile(r"^[\w.-]+(?:@[\w.-]+)?//?(?=[\w$<])")
# Frames still escaped inside a quoted string (`…\n\tat a.B(B.java:1)\n\t\t... 3 more`).
_ESCAPED_FRAME = re.compile(r"\\n(?=(?:\\t|\s)*(?:at |\.\.\. \d|Caused by: |Suppressed: ))")
_ESCAPES = {"\\n": "\n", "\\t": "\t", "\\'": "'", '\\"': '"', "\\\\": "\\"}
# Frames run together on one line (newlines lost, only the tabs left): split before each `at`.
_RUN_ON_FRAME = re.compile(r"\s+(?=at\s+[\w$.<>/@-]+\s?\([^()]*\)|at\W*$)")
# A frame line wrapped inside its location, and the rest of that location on the next line.
_OPEN_LOCATION = re.compile(r"^\s*at\s+[\w$.<>/@-]+\([^()\s]*$")
_LOCATION_REST = re.compile(r"^\s*[^\s()]*\)\s*(?:~?\[[^\]]*\])?\s*$")
_HTML_ENTITY = re.compile(r"&(?:quot|lt|gt|amp|#\d+);")

_LOOKBACK = 6  # lines between a header and its first frame (wrapped or multi-line messages)
_FAR_LOOKBACK = 16
_ORPHAN_REACH = 12  # how far below a frameless header its frames may still start

LIBRARY_PREFIXES = JVM_LIBRARY_PREFIXES


def is_app_function(function: str | None) -> bool:
    """Tell application classes from the JDK, Android and well-known third-party libraries."""
    if function is None or function.startswith(JVM_APP_PREFIXES):
        return True
    return not function.startswith(LIBRARY_PREFIXES)


def _prepare(lines: list[str]) -> list[str]:
    """Undo what pasting did to JVM lines that the shared preparation leaves alone."""
    out: list[str] = []
    for line in lines:
        if _HTML_ENTITY.search(line):  # issue trackers that stored the HTML (`&quot;main&quot;`)
            line = html.unescape(line)
        line = _JVM_PREFIX.sub("", line)
        if _ULF_OPENER.match(line):
            continue  # GlassFish logs each frame as its own record: the record's opener is no break
        if _ESCAPED_FRAME.search(line):
            line = re.sub(r"\\[nt'\"\\]", lambda m: _ESCAPES[m.group()], line)
        for part in line.split("\n"):
            if len(re.findall(r"\bat\s+[\w$.<>/@-]+\s?\([^()]*\)", part)) >= 2:
                out.extend(piece for piece in _RUN_ON_FRAME.split(part) if piece.strip())
            else:
                out.append(part)
    # A frame broken across two lines (`at hudson.cli.CLI.` / `connectViaHttp(CLI.java:163)`).
    joined: list[str] = []
    for line in out:
        if joined and re.match(r"^\s*at\s+[\w$.<>/@-]+$", joined[-1]) and _frame(joined[-1] + line.strip()):
            joined[-1] += line.strip()
        elif joined and _OPEN_LOCATION.search(joined[-1]) and _LOCATION_REST.match(line):
            joined[-1] += line.strip()  # a console wrap inside the location (`(Execute` / `  Actions.java:69)`)
        elif joined and re.match(r"^\s*at\s*$", joined[-1]) and _frame(joined[-1].rstrip() + " " + line.strip()):
            joined[-1] = joined[-1].rstrip() + " " + line.strip()  # `at` alone, the frame on the next line
        else:
            joined.append(line)
    return joined


def _frame(line: str) -> StackFrame | None:
    match = _FRAME.match(line)
    if match is None:
        bugsnag = _BUGSNAG_FRAME.match(line)
        if bugsnag is None:
            return None
        function = bugsnag["func"]
        in_app = is_app_function(function)
        return StackFrame(file=bugsnag["file"], line=int(bugsnag["line"]), function=function, in_app=in_app)
    raw_function, raw_loc = (match["func"], match["loc"]) if match["func"] else (match["qfunc"], match["qloc"])
    raw_loc = raw_loc.strip()
    if match["cut"] is None and not _JVM_LOCATION.match(raw_loc):
        return None
    if match["cut"] is not None and (not raw_loc or " " in raw_loc):
        return None
    function = _MODULE_PREFIX.sub("", raw_function)
    loc = _LOCATION.match(raw_loc)
    if loc is None or "." not in function:  # a JVM frame always names Class.method
        return None
    file = None if loc["file"] in _NO_FILE else loc["file"]
    line_number = int(loc["line"]) if loc["line"] else None
    return StackFrame(file=file, line=line_number, function=function, in_app=is_app_function(function))


def _header(lines: list[str], index: int) -> ParsedException | None:
    """The exception a line starts, if it is a header line of any known shape."""
    line = lines[index]
    if match := _HEADER.match(line):
        return _exception(match["mtype"] or match["type"], match["msg"])
    if match := _BOLD_HEADER.match(line):
        following = lines[index + 1].strip() if index + 1 < len(lines) else ""
        return _exception(match["type"], following)
    if match := _ERROR_TYPE.match(line):
        message = None
        for near in lines[max(index - 4, 0) : index + 5]:
            if found := _ERROR_MESSAGE.match(near):
                with contextlib.suppress(ValueError):
                    message = json.loads(found["msg"])
                break
        return _exception(match["type"], message)
    if match := _QUOTED_HEADER.search(line):
        return _exception(match["type"], match["msg"])
    level = _LOG_LEVEL.search(line) if len(line) <= _MAX_LOG_LINE else None
    if level and (match := _LOGGED_HEADER.search(line, level.end())):
        return _exception(match["type"], match["msg"])
    return None


def _is_frame_line(line: str) -> bool:
    return bool(_MARKER.match(line) or _frame(line))


def _header_above(lines: list[str], index: int) -> int | None:
    """The line of the nearest header above index, not reaching past another trace's frames."""
    for back in range(index - 1, max(index - 1 - _FAR_LOOKBACK, -1), -1):
        if _is_frame_line(lines[back]):
            return None
        if (exc := _header(lines, back)) is not None:
            # Past the usual reach only a name that must be a throwable counts (a captured process
            # output or usage text as the message runs on for many lines).
            if index - back <= _LOOKBACK or re.search(r"\.[A-Z][\w$]*(?:Exception|Error)$", exc.type or ""):
                return back
            return None
    return None


def parse(lines: list[str]) -> list[ParsedException]:
    """Parse every JVM stack trace found in the lines."""
    lines = _prepare(lines)
    exceptions: list[ParsedException] = []
    by_line: dict[int, ParsedException] = {}  # header line -> its exception, so none is listed twice
    current: ParsedException | None = None  # the exception whose frames are being read
    last: tuple[int, ParsedException] | None = None  # the latest header, for frames that start late

    def register(at: int) -> ParsedException | None:
        nonlocal last
        if at not in by_line and (exc := _header(lines, at)) is not None:
            by_line[at] = exc
            exceptions.append(exc)
            last = (at, exc)
        return by_line.get(at)

    for index, line in enumerate(lines):
        frame = _frame(line)
        if frame:
            if current is None:
                above = _header_above(lines, index)
                if above is not None:
                    current = register(above)
                elif last is not None and not last[1].frames and index - last[0] <= _ORPHAN_REACH:
                    current = last[1]  # a header whose message ran past the lookback (Bugsnag)
                if current is None:
                    current = ParsedException(language="java")
                    exceptions.append(current)
            current.frames.append(frame)
            continue
        if _MARKER.match(line) or not line.strip():  # blank: e.g. interleaved log links were removed
            continue
        current = None
        if summary := _GRADLE_SUMMARY.match(line):
            exc = _exception(summary["type"], None)
            exc.frames.append(StackFrame(file=summary["file"], line=int(summary["line"]), function=None, in_app=True))
            exceptions.append(exc)
        elif _MARKED_LINE.match(line):
            # A frameless header right above a `Caused by:` is an exception of its own.
            if (above := _header_above(lines, index)) is not None:
                register(above)
            if register(index) is None:  # `Caused by:` with a type we cannot read: frames still follow
                current = ParsedException(language="java")
                exceptions.append(current)
        elif _BOLD_HEADER.match(line):
            register(index)
    return exceptions


def _exception(type_: str, message: str | None) -> ParsedException:
    message = (message or "").strip()
    return ParsedException(type=type_, message=message or None, language="java")
