""".NET stack traces (CoreCLR, .NET Framework, Mono), including localized runtimes."""

import re

from sleuth.models import ParsedException, StackFrame
from sleuth.tools.stacktrace.libraries import DOTNET_LIBRARY_PREFIXES

# "at", "in" and "line" as the runtime prints them in its UI language (en, ru, de, fr, es, zh, ja, pt,
# pl, tr, cs, nl, sv, it, da/no, ko).
_AT_WORDS = r"at|в|bei|à|en|在|場所|em|w|ve|a|v|i|bij|vid|ved|konum:|위치:"
_IN_WORDS = r"in|в|bei|dans|en|in der Datei|位置|場所|em|w|v|konum:|i|파일"
_LINE_WORDS = r"line|строка|Zeile|ligne|línea|行号|行|riga|linha|wiersz|satır|řádek|regel|rad|linje|줄"
# A method name; brackets nest once for assembly-qualified generic arguments
# (`ViewHandler`2[[IView, Microsoft.Maui, Version=1.0.0.0, ...],[...]].Create`), and Mono separates
# the type from the method with `:` in wrapper frames (`UIKit.UIApplication:UIApplicationMain`).
_FUNC = r"(?:[\w.`<>|$,+]|:(?=[A-Za-z_<])|\[(?:[^\[\]]|\[[^\[\]]*\])*\])+?(?<=[\w>\])])"
_FRAME = re.compile(
    # MSBuild-style location in front, as test runners print it (`C:\src\Tests.cs(60,0): at X()`).
    r"^\s*(?:(?P<pre_file>\S[^()]*?)\((?P<pre_line>\d+)(?:,\d+)?\): )?"
    # Mono on Android doubles the marker (`at at System.X.Y()`).
    rf"(?:{_AT_WORDS}) (?:at )?(?:\(wrapper [\w-]+\) )?(?P<func>{_FUNC})"
    # A line cut at a terminal's right edge ends inside the parameter list.
    r"(?:\s?\((?P<params>[^()]*)(?:\)|(?P<cut>$)))?"
    r"(?: \[0x[0-9a-fA-F]+\])?"
    rf"(?: (?:{_IN_WORDS}) (?P<loc>.+?)"
    # Some loggers print `File.cs: line 876`, and a sentence may end after the last frame.
    rf"(?::\s?(?:{_LINE_WORDS}) ?(?P<line>\d+)\.?|:(?P<mono_line>\d+))?)?"
    # Mono closes an `(Inner Exception #0)` listing with `<---`, sometimes on its last frame's line.
    r"(?: <---)?\s*$"
)
# Application Insights puts the assembly where the parameters go, and the file after it when it has
# symbols: `at X.Run (App.Core, Version=1.0.0.0, Culture=neutral, PublicKeyToken=null: D:\src\X.cs:352)`.
_ASSEMBLY = re.compile(r"^[\w.]+, Version=[^:]*?(?:: (?P<file>.+):(?P<line>\d+))?$")
# `Type name` pairs, or bare types as the Windows event log prints them (`Check(Int32)`).
# Trimmed builds print the type without its name (`ThrowException(SocketError , CancellationToken )`).
_PARAM = r"[\w.`\[\]<>,&*+]+(?: [\w@]+)?"
_PARAMS = re.compile(rf"^(?:{_PARAM}(?: ?,\s?{_PARAM})*)?$")
# What makes a dotted name an exception type; Java's wrapper of a .NET exception on Android
# (`android.runtime.JavaProxyThrowable`) counts too.
_EXCEPTION_WORD = r"(?:Exception|Error|Throwable)"
# `Type: message`, `Type (0x80004005): message`, a bare `Type:`, or xUnit's `Type : message`.
_HEADER = re.compile(
    r"^\s*+(?:Unhandled [Ee]xception[.:] |(?:---> )+|.*\bException Info: )?(?:\(Inner Exception #\d+\) )?"
    r"(?P<type>(?:[A-Za-z_][\w`]*\.)+[A-Za-z_][\w`]*|[A-Z]\w*Exception)"
    r"(?: \((?:0x[0-9A-Fa-f]+|-?\d+)\))?(?: ?:(?: (?P<msg>.*)|\s*))?$"
)
# Unity's console: `Namespace.Type.Method (args) (at Assets/File.cs:67)` under `Type: message`.
_UNITY_FRAME = re.compile(
    r"^\s*(?P<func>[\w.`<>+|$]+) ?\((?P<params>[^()]*)\)(?: \[0x[0-9a-fA-F]+\])?"
    r" \(at (?P<file>[^()]+?):(?P<line>\d+)\)\s*$"
)
# Godot's editor: `Main.cs:38 @ void Main.OnTimeout()`, file and line first, the return type before the name.
_GODOT_FRAME = re.compile(
    r"^\s*(?P<file>[^\s:@][^:@]*\.cs):(?P<line>\d+) @ (?:[\w.`<>\[\],&*]+ )?(?P<func>[\w.`<>+|$]+)"
    r"\((?:[^()]*\)|[^()]*$)\s*$"
)
_UNITY_HEADER = re.compile(r"^\s*(?P<type>[A-Za-z_]\w*(?:Exception|Error)): (?P<msg>.*)$")
# App Center crash reports: frames under `### Stacktrace ###` end in `;DeclaringType`, the exception
# type comes after them under `### Reason ###`.
_APP_CENTER_FRAMES = re.compile(r"^\s*#+ Stacktrace #+\s*$")
_APP_CENTER_REASON = re.compile(r"^\s*#+ Reason #+\s*$")
# Trimmed runtimes print the resource key instead of its text.
_END_INNER = re.compile(r"^\s*(?:--- End of inner exception stack trace ---|Exception_EndOfInnerExceptionStack)\s*$")
_LIBRARY_PREFIXES = DOTNET_LIBRARY_PREFIXES


def is_app_function(function: str) -> bool:
    """Tell application methods from the BCL, ASP.NET and well-known packages."""
    return not function.startswith(_LIBRARY_PREFIXES)


def _is_package_file(path: str) -> bool:
    """Unity's package cache and NuGet's package folders hold third-party code."""
    return bool(re.search(r"(?:^|[/\\])(?:Library[/\\]PackageCache|\.nuget[/\\]packages)[/\\]", path))


def _frame(match: re.Match[str]) -> StackFrame | None:
    params, location = match["params"], match["loc"]
    line = match["line"] or match["mono_line"] or match["pre_line"]
    if match["cut"] is not None:
        if "." not in match["func"]:
            return None  # prose (`at the (default …`), not a method cut off mid-line
        params = params.rstrip().rstrip(",")
    assembly = _ASSEMBLY.match(params.strip()) if params else None
    if assembly:
        location, line = assembly["file"], assembly["line"]
    elif params is None:
        if location is None:  # a bare `at word` is prose, not a frame
            return None
    elif not _PARAMS.match(params.strip()):
        return None
    file: str | None = match["pre_file"] or location
    if file and file.startswith("<"):  # Mono's `<filename unknown>` and `<0123abcd…>` assembly ids
        file = None
    line_no = int(line) if line else None
    if file is None and line_no == 0:
        line_no = None
    function = match["func"]
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


def _godot_frame(line: str) -> StackFrame | None:
    if "@" not in line or not (match := _GODOT_FRAME.match(line)):
        return None
    function = match["func"]
    return StackFrame(file=match["file"], line=int(match["line"]), function=function, in_app=is_app_function(function))


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


# Localized frames whose newlines were lost run on after each other (`在 A.B(X x)   在 C.D()`); the
# shared preparation only splits English `at`. Split after a frame's end before the next `<at> X.Y(`.
_RUN_ON = re.compile(rf"(?<=[)\d.])\s+(?=(?:{_AT_WORDS}) [\w`<>|$+]+(?:\.[\w`<>|$+]+)+\s?\()")
# A frame line hard-wrapped by the poster: an MSBuild location alone (`Tests.cs(60,0): `), or a frame
# whose parameter list is still open at the end of the line.
_LOCATION_ALONE = re.compile(r"\S\(\d+(?:,\d+)?\):\s*$")
_FRAME_START = re.compile(rf"^\s*(?:\S[^()]*?\(\d+(?:,\d+)?\): )?(?:{_AT_WORDS}) [\w.`<>|$+:\[\]]+ ?\(")
_MAX_WRAPS = 3


def _unwrap(lines: list[str]) -> list[str]:
    """Undo run-on and hard-wrapped frame lines so that each frame is one line."""
    out: list[str] = []
    wraps = 0
    for line in lines:
        parts = _RUN_ON.split(line) if len(line) > 80 else [line]
        if len(parts) > 2:
            out.extend(parts)
            wraps = 0
            continue
        previous = out[-1] if out else ""
        starts_frame = _FRAME_START.match(line) is not None
        if _LOCATION_ALONE.search(previous):
            continues = starts_frame
        else:
            open_frame = _FRAME_START.match(previous) and previous.count("(") > previous.count(")")
            continues = bool(open_frame) and not starts_frame
        if continues and line.strip() and wraps < _MAX_WRAPS:
            out[-1] = previous.rstrip() + " " + line.strip()
            wraps += 1
            continue
        out.append(line)
        wraps = 0
    return out


def parse(lines: list[str]) -> list[ParsedException]:
    """Parse every .NET exception report found in the lines."""
    lines = _unwrap(lines)
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
        unity = _unity_frame(line) or _godot_frame(line)
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
            inner = _split_header(line.lstrip())  # the message is verbatim, trailing blanks too
            chain.extend(inner)
            exceptions.extend(inner)
            position = len(chain) - 1
            continue
        if line.strip() == "<---" or line.strip().startswith("--- End of stack trace"):
            continue
        header_line = _header_text(line)
        header = _split_header(header_line) if header_line else _vs_detail(lines, index)
        if header and _repeats_type(chain, header, index - header_at):
            continue  # Godot prints the type once more, alone, under its header line
        if header:
            if header[0].message is None:
                header[0].message = _property_message(lines, index)
            chain, header_at = header, index
            exceptions.extend(chain)
            position = len(chain) - 1
        elif line.strip() and not _continues_message(chain, index - header_at):
            chain, position = [], -1
    return [exc for exc in exceptions if exc.frames or exc.type]


_MAX_MESSAGE_LINES = 12
# Visual Studio's "Copy exception detail": `System.X was unhandled`, then `Message=…` among property lines.
_VS_HEADER = re.compile(r"^\s*(?P<type>(?:[A-Za-z_]\w*\.)+\w*Exception) was unhandled(?: by user code)?\s*$")
_VS_MESSAGE = re.compile(r"^\s*Message=(?P<msg>.*)$")


def _vs_detail(lines: list[str], index: int) -> list[ParsedException]:
    match = _VS_HEADER.match(lines[index])
    if match is None:
        return []
    found = (_VS_MESSAGE.match(text) for text in lines[index + 1 : index + 1 + _MAX_MESSAGE_LINES])
    message = next((m["msg"].strip() for m in found if m), None)
    return [ParsedException(type=match["type"], message=message or None, language="dotnet")]


# Visual Studio's exception helper (`Copy Details`): a bare type, then `HResult=…`, `Message=…` lines.
_PROPERTY = re.compile(r"^\s*(?:HResult|Message|Source|StackTrace|InnerException)[=:]")


def _property_message(lines: list[str], index: int) -> str | None:
    """The `Message=` of the property block right under a bare type line, if there is one."""
    if index + 1 >= len(lines) or not _PROPERTY.match(lines[index + 1]):
        return None
    for text in lines[index + 1 : index + 1 + _MAX_MESSAGE_LINES]:
        if not _PROPERTY.match(text):
            break
        if message := _VS_MESSAGE.match(text):
            return message["msg"].strip() or None
    return None


def _repeats_type(chain: list[ParsedException], header: list[ParsedException], lines_since_header: int) -> bool:
    """A bare type line right under a header of the same type, before any frame, repeats it."""
    return (
        lines_since_header == 1
        and len(header) == 1
        and header[0].message is None
        and bool(chain)
        and chain[-1].type == header[0].type
        and not any(exc.frames for exc in chain)
    )


def _continues_message(chain: list[ParsedException], lines_since_header: int) -> bool:
    """A multi-line message sits between the header and its inner ` ---> ` exceptions or frames."""
    return bool(chain) and not any(exc.frames for exc in chain) and lines_since_header <= _MAX_MESSAGE_LINES


def _looks_like_header(line: str) -> bool:
    match = _HEADER.match(line.split(" ---> ")[0])
    return bool(match) and re.search(_EXCEPTION_WORD, match["type"]) is not None


# A logger's sentence in front of the type on the header line (`Exception while emitting ...: System.X: msg`,
# `Unhandled exception. System.X: msg` with the first letter lost in copying or a Markdown backtick).
_PROSE_BEFORE_TYPE = re.compile(rf"^.*?[.:] (?=(?:[A-Za-z_]\w*\.)+[A-Za-z_]\w*{_EXCEPTION_WORD}\b)")


def _header_text(line: str) -> str | None:
    """The header line, or the part of it after a logger's sentence, when it names an exception."""
    if _looks_like_header(line):
        return line
    trimmed = _PROSE_BEFORE_TYPE.sub("", line, count=1)
    if trimmed != line and _looks_like_header(trimmed):
        return trimmed
    if managed := _MANAGED_HEADER.search(line):
        return f"{managed['type']}: {managed['msg']}"
    return None


# Xamarin's NSLog/logcat line names the type last: `Unhandled managed exception: msg (System.X)`.
_MANAGED_HEADER = re.compile(
    rf"\b[Uu]nhandled (?:managed )?exception: (?P<msg>.+) \((?P<type>(?:[A-Za-z_]\w*\.)+\w*{_EXCEPTION_WORD})\)\s*$"
)


def _header_above(lines: list[str], index: int) -> list[ParsedException]:
    for back in range(index - 1, max(index - 6, -1), -1):
        if header_line := _header_text(lines[back]):
            return _split_header(header_line)
    return [ParsedException(message=_test_failure_message(lines, index), language="dotnet")]


_STACK_TRACE_LABEL = re.compile(r"^\s*Stack ?Trace:\s*$", re.IGNORECASE)
# What opens a failed test's report in xUnit (`Test.Name(args) [FAIL]`) and VSTest (`Error Message:`).
_FAILURE_OPENER = re.compile(r"(?:\[FAIL\]|^\s*Error Message:)\s*$")


def _test_failure_message(lines: list[str], index: int) -> str | None:
    """Test runners print no exception type for a failed assertion: the message is the first line
    of the failure report, between the line that opens it and the `Stack Trace:` label."""
    label = index - 1
    while label >= 0 and not lines[label].strip():
        label -= 1
    if label < 0 or not _STACK_TRACE_LABEL.match(lines[label]):
        return None
    for opener in range(label - 1, max(label - _MAX_MESSAGE_LINES, -1), -1):
        if _FAILURE_OPENER.search(lines[opener]):
            return next((text.strip() for text in lines[opener + 1 : label] if text.strip()), None)
    return None
