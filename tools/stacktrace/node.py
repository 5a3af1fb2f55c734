"""Node.js / V8 stack traces (JavaScript and TypeScript)."""

import re

from sleuth.models import ParsedException, StackFrame
from sleuth.tools.stacktrace.common import find_balanced_open

_AT = re.compile(r"^\s*at (?P<rest>.+?)(?:\s+\{)?\s*$")
# Firefox and Safari (SpiderMonkey, JavaScriptCore): `fn@url:line:col`, an empty name when anonymous.
_GECKO = re.compile(r"^\s*\[?(?P<func>[^@\s\[][^@]*?)?@(?P<file>\S+?):(?P<line>\d+):\d+\]?,?\s*$")
_LOCATION = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+)$")
_BUILTIN_LOCATION = re.compile(r"^(?:native|index \d+|<anonymous>)$")
_HEADER = re.compile(
    r"(?:^|(?<=[\s\]:]))(?P<type>(?:[A-Za-z_$][\w$]*\.)*(?:[A-Z][\w$]*)?(?:Error|Exception)"
    r"(?: \[[\w-]+\])?)(?::(?: (?P<msg>.*))?)?$"
)
_CORE_MODULES = {
    "assert",
    "buffer",
    "child_process",
    "cluster",
    "console",
    "crypto",
    "dgram",
    "dns",
    "domain",
    "events",
    "fs",
    "http",
    "https",
    "module",
    "net",
    "os",
    "path",
    "punycode",
    "querystring",
    "readline",
    "repl",
    "stream",
    "string_decoder",
    "timers",
    "tls",
    "tty",
    "url",
    "util",
    "v8",
    "vm",
    "zlib",
    "_http_client",
    "_http_server",
    "_stream_readable",
    "_stream_writable",
    "_tls_wrap",
    "bootstrap_node",
    "node",
}


def is_app_file(path: str | None) -> bool:
    """Tell application files from node_modules, Node's internals and engine built-ins."""
    if path is None:
        return False
    if "node_modules" in path or path.startswith(("node:", "internal/", "ext:")):
        return False  # ext: is Deno's runtime
    if re.search(r"@v?\d+\.\d+[^/]*/", path):
        return False  # a versioned package URL (https://deno.land/std@0.179.0/…, esm.sh, unpkg)
    if "/" not in path and "\\" not in path and path.endswith(".js"):
        return path[: -len(".js")] not in _CORE_MODULES
    return True


def _frame(rest: str) -> StackFrame | None:
    function: str | None
    if rest.endswith(")"):
        open_index = find_balanced_open(rest, len(rest) - 1)
        if open_index <= 0:
            return None
        function, location = rest[:open_index].rstrip(), rest[open_index + 1 : -1]
    else:
        function, location = None, rest
    if function is not None and function.startswith("async "):
        function = function[len("async ") :]
    parsed = _LOCATION.match(location)
    if parsed:
        path = parsed["file"]
        return StackFrame(file=path, line=int(parsed["line"]), function=function, in_app=is_app_file(path))
    if function is not None and _BUILTIN_LOCATION.match(location):
        return StackFrame(function=function, in_app=False)
    return None


def _gecko_frame(line: str) -> StackFrame | None:
    match = _GECKO.match(line) if "@" in line else None
    if not match:
        return None
    path = match["file"]
    return StackFrame(file=path, line=int(match["line"]), function=match["func"] or None, in_app=is_app_file(path))


def parse(lines: list[str]) -> list[ParsedException]:
    """Parse every V8 stack trace found in the lines."""
    exceptions: list[ParsedException] = []
    current: ParsedException | None = None
    for index, line in enumerate(lines):
        at = _AT.match(line)
        frame = _frame(at["rest"]) if at else _gecko_frame(line)
        if frame is None:
            current = None
            continue
        if current is None:
            current = _header_above(lines, index)
            exceptions.append(current)
        current.frames.append(frame)
    return exceptions


def _header_above(lines: list[str], index: int) -> ParsedException:
    """Find the `Type: message` line above a block of frames (messages may span lines)."""
    for back in range(index - 1, max(index - 30, -1), -1):
        at = _AT.match(lines[back])
        if (at and _frame(at["rest"])) or _gecko_frame(lines[back]):
            break
        match = _HEADER.search(lines[back])
        if match:
            message = match["msg"]
            return ParsedException(type=match["type"], message=message if message else None, language="javascript")
    return ParsedException(language="javascript")
