""".NET stack traces (CoreCLR, .NET Framework, Mono), including localized runtimes."""

import re

from sleuth.models import ParsedException, StackFrame

# "at" and "line" as the runtime prints them in its UI language.
_AT_WORDS = r"at|в|bei|à|en|在|場所|em|w|ve|a|v|i"
_LINE_WORDS = r"line|строка|Zeile|ligne|línea|行|riga|linha|wiersz|satır|řádek|regel|rad"
_FRAME = re.compile(
    rf"^\s*(?:{_AT_WORDS}) (?P<func>[\w.`<>|$\[\],]+?(?:\.\.?ctor|\w|>|\]|\)))"
    r"(?:\s?\((?P<params>[^()]*)\))?"
    r"(?: \[0x[0-9a-fA-F]+\])?"
    rf"(?: (?:in|в|bei|dans|en|in der Datei) (?P<loc>.+?)"
    rf"(?::(?:{_LINE_WORDS}) (?P<line>\d+)|:(?P<mono_line>\d+))?)?\s*$"
)
_PARAMS = re.compile(r"^(?:[\w.`\[\]<>,&*]+ [\w@]+(?:, )?)*$")
_HEADER = re.compile(
    r"^\s*(?:Unhandled [Ee]xception[.:] |(?:---> )+)?(?:\(Inner Exception #\d+\) )?"
    r"(?P<type>(?:[A-Za-z_][\w`]*\.)+[A-Za-z_][\w`]*)(?: \((?:0x[0-9A-Fa-f]+|-?\d+)\))?(?:: (?P<msg>.*))?$"
)
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
)


def is_app_function(function: str) -> bool:
    """Tell application methods from the BCL, ASP.NET and well-known packages."""
    return not function.startswith(_LIBRARY_PREFIXES)


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


def parse(lines: list[str]) -> list[ParsedException]:
    """Parse every .NET exception report found in the lines."""
    exceptions: list[ParsedException] = []
    chain: list[ParsedException] = []
    position = header_at = -1
    for index, line in enumerate(lines):
        frame_match = _FRAME.match(line)
        frame = _frame(frame_match) if frame_match else None
        if frame is not None:
            if not chain:
                chain = _header_above(lines, index)
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
        header = _split_header(line) if _looks_like_header(line) else []
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


def _header_above(lines: list[str], index: int) -> list[ParsedException]:
    for back in range(index - 1, max(index - 6, -1), -1):
        if _looks_like_header(lines[back]):
            return _split_header(lines[back])
    return [ParsedException(language="dotnet")]
