""".NET stack traces (CoreCLR, .NET Framework, Mono), including localized runtimes."""

import re

from sleuth.models import ParsedException, StackFrame

# "at" and "line" as the runtime prints them in its UI language.
_AT_WORDS = r"at|в|bei|à|en|在|場所|em|w|ve|a|v|i"
_LINE_WORDS = r"line|строка|Zeile|ligne|línea|行|riga|linha|wiersz|satır|řádek|regel|rad"
_FRAME = re.compile(
    rf"^\s*(?:{_AT_WORDS}) (?P<func>[\w.`<>|$\[\],+]+?(?:\.\.?ctor|\w|>|\]|\)))"
    r"(?:\s?\((?P<params>[^()]*)\))?"
    r"(?: \[0x[0-9a-fA-F]+\])?"
    rf"(?: (?:in|в|bei|dans|en|in der Datei) (?P<loc>.+?)"
    rf"(?::(?:{_LINE_WORDS}) (?P<line>\d+)|:(?P<mono_line>\d+))?)?\s*$"
)
# `Type name` pairs, or bare types as the Windows event log prints them (`Check(Int32)`).
_PARAM = r"[\w.`\[\]<>,&*+]+(?: [\w@]+)?"
_PARAMS = re.compile(rf"^(?:{_PARAM}(?:, {_PARAM})*)?$")
_HEADER = re.compile(
    r"^\s*(?:Unhandled [Ee]xception[.:] |(?:---> )+|.*\bException Info: )?(?:\(Inner Exception #\d+\) )?"
    r"(?P<type>(?:[A-Za-z_][\w`]*\.)+[A-Za-z_][\w`]*)(?: \((?:0x[0-9A-Fa-f]+|-?\d+)\))?(?:: (?P<msg>.*))?$"
)
# Unity's console: `Namespace.Type.Method (args) (at Assets/File.cs:67)` under `Type: message`.
_UNITY_FRAME = re.compile(
    r"^\s*(?P<func>[\w.`<>+|$]+) ?\((?P<params>[^()]*)\)(?: \[0x[0-9a-fA-F]+\])?"
    r" \(at (?P<file>[^()]+?):(?P<line>\d+)\)\s*$"
)
_UNITY_HEADER = re.compile(r"^\s*(?P<type>[A-Za-z_]\w*(?:Exception|Error)): (?P<msg>.*)$")
# App Center crash reports: frames under `### Stacktrace ###` end in `;DeclaringType`, the exception
# type comes after them under `### Reason ###`.
_APP_CENTER_FRAMES = re.compile(r"^\s*#+ Stacktrace #+\s*$")
_APP_CENTER_REASON = re.compile(r"^\s*#+ Reason #+\s*$")
_END_INNER = re.compile(r"^\s*--- End of inner exception stack trace ---\s*$")
_LIBRARY_PREFIXES = (
    "System.",
    "Microsoft.",
    "MySqlConnector.",
    "MySql.",
    "Npgsql.",
    "Newtonsoft.",
    "NUnit.",
    "Xunit.",
    "Castle.",
    "Autofac.",
    "Dapper.",
    "Serilog.",
    "NLog.",
    "Polly.",
    "StackExchange.",
    "Grpc.",
    "Google.",
    "Amazon.",
    "Azure.",
    "Mono.",
    "Oracle.",
    "RestSharp.",
    "AutoMapper.",
    "MediatR.",
    "FluentValidation.",
    "Hangfire.",
    "Quartz.",
    "lambda_method",
    "Interop.",
)


def is_app_function(function: str) -> bool:
    """Tell application methods from the BCL, ASP.NET and well-known packages."""
    return not function.startswith(_LIBRARY_PREFIXES)


def _is_package_file(path: str) -> bool:
    """Unity's package cache and NuGet's package folders hold third-party code."""
    return bool(re.search(r"(?:^|[/\\])(?:Library[/\\]PackageCache|\.nuget[/\\]packages)[/\\]", path))


def _frame(match: re.Match[str]) -> StackFrame | None:
    params = match["params"]
    if params is not None and not _PARAMS.match(params.strip()):
        return None
    if params is None and match["loc"] is None:
        return None
    function = match["func"]
    location = match["loc"]
    line = match["line"] or match["mono_line"]
    file: str | None = location
    if location and (location.startswith("<") or location == "<filename unknown>"):
        file = None
    line_no = int(line) if line else None
    if file is None and line_no == 0:
        line_no = None
    return StackFrame(file=file, line=line_no, function=function, in_app=is_app_function(function))


def _split_header(line: str) -> list[ParsedException]:
    """Split `Outer: msg ---> Inner: msg` into exceptions, outermost first."""
    found: list[ParsedException] = []
    for part in re.split(r" ---> ", line):
        match = _HEADER.match(part)
        if not match:
            break
        message = match["msg"]
        found.append(ParsedException(type=match["type"], message=message or None, language="dotnet"))
    return found


def _unity_frame(line: str) -> StackFrame | None:
    match = _UNITY_FRAME.match(line)
    if not match:
        return None
    function, path = match["func"], match["file"]
    in_app = is_app_function(function) and not _is_package_file(path)
    return StackFrame(file=path, line=int(match["line"]), function=function, in_app=in_app)


def _unity_header(lines: list[str], index: int) -> list[ParsedException]:
    """The `Type: message` line right above Unity frames; an untyped line there is the message."""
    above = lines[index - 1].strip() if index > 0 else ""
    if not above:
        return [ParsedException(language="dotnet")]
    typed = _UNITY_HEADER.match(above)
    if typed:
        return [ParsedException(type=typed["type"], message=typed["msg"] or None, language="dotnet")]
    if _looks_like_header(above):
        return _split_header(above)
    return [ParsedException(message=above, language="dotnet")]


def _app_center(lines: list[str], index: int) -> tuple[ParsedException | None, int]:
    """An App Center report starting at its `### Stacktrace ###` line, and the index after it."""
    frames: list[StackFrame] = []
    end = index + 1
    while end < len(lines) and not _APP_CENTER_REASON.match(lines[end]):
        line = re.sub(r";[\w.`<>+]*\s*$", "", lines[end])
        if line.strip():
            match = _FRAME.match(line) or _FRAME.match("at " + line.strip())
            frame = _frame(match) if match else None
            if frame is None:
                return None, index + 1
            frames.append(frame)
        end += 1
    reason_at = next((at for at in range(end + 1, min(end + 4, len(lines))) if lines[at].strip()), None)
    header = _HEADER.match(lines[reason_at].strip()) if reason_at is not None else None
    if not frames or not header:
        return None, index + 1
    found = ParsedException(type=header["type"], message=header["msg"] or None, frames=frames, language="dotnet")
    return found, reason_at + 1


def parse(lines: list[str]) -> list[ParsedException]:
    """Parse every .NET exception report found in the lines."""
    exceptions: list[ParsedException] = []
    chain: list[ParsedException] = []
    position = header_at = -1
    skip_to = 0
    for index, line in enumerate(lines):
        if index < skip_to:
            continue
        if _APP_CENTER_FRAMES.match(line):
            report, skip_to = _app_center(lines, index)
            if report:
                exceptions.append(report)
                chain, position = [], -1
            continue
        unity = _unity_frame(line)
        frame_match = None if unity else _FRAME.match(line)
        frame = unity or (_frame(frame_match) if frame_match else None)
        if frame is not None:
            if not chain:
                chain = _unity_header(lines, index) if unity else _header_above(lines, index)
                exceptions.extend(chain)
                position = len(chain) - 1
            chain[max(position, 0)].frames.append(frame)
            continue
        if _END_INNER.match(line):
            position -= 1
            continue
        if chain and line.strip().startswith("--->"):
            inner = _split_header(line.strip())
            chain.extend(inner)
            exceptions.extend(inner)
            position = len(chain) - 1
            continue
        if line.strip() == "<---" or line.strip().startswith("--- End of stack trace"):
            continue
        header_line = _header_text(line)
        header = _split_header(header_line) if header_line else []
        if header:
            chain, header_at = header, index
            exceptions.extend(chain)
            position = len(chain) - 1
        elif line.strip() and not _continues_message(chain, index - header_at):
            chain, position = [], -1
    return [exc for exc in exceptions if exc.frames or exc.type]


_MAX_MESSAGE_LINES = 12


def _continues_message(chain: list[ParsedException], lines_since_header: int) -> bool:
    """A multi-line message sits between the header and its inner ` ---> ` exceptions or frames."""
    return bool(chain) and not any(exc.frames for exc in chain) and lines_since_header <= _MAX_MESSAGE_LINES


def _looks_like_header(line: str) -> bool:
    match = _HEADER.match(line.split(" ---> ")[0])
    return bool(match) and ("Exception" in match["type"] or "Error" in match["type"])


# A logger's sentence in front of the type on the header line (`Exception while emitting ...: System.X: msg`).
_PROSE_BEFORE_TYPE = re.compile(r"^.*?: (?=(?:[A-Za-z_]\w*\.)+[A-Za-z_]\w*(?:Exception|Error)\b)")


def _header_text(line: str) -> str | None:
    """The header line, or the part of it after a logger's sentence, when it names an exception."""
    if _looks_like_header(line):
        return line
    trimmed = _PROSE_BEFORE_TYPE.sub("", line, count=1)
    return trimmed if trimmed != line and _looks_like_header(trimmed) else None


def _header_above(lines: list[str], index: int) -> list[ParsedException]:
    for back in range(index - 1, max(index - 6, -1), -1):
        if header_line := _header_text(lines[back]):
            return _split_header(header_line)
    return [ParsedException(language="dotnet")]
