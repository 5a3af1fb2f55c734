"""Node.js / V8 stack traces (JavaScript and TypeScript)."""

import re

from sleuth.models import ParsedException, StackFrame
from sleuth.tools.stacktrace.common import find_balanced_open

_AT = re.compile(r"^\s*at (?P<rest>.+?)\s*$")
# After a frame: the `{` that opens the error's property block (with the block's first line glued on when
# the newlines were lost) and the backtick that closes an inline-code paste.
_FRAME_TRAILER = re.compile(r"(?<=[)\d])(?:\s+\{.*|`+)$")
# Firefox and Safari (SpiderMonkey, JavaScriptCore): `fn@url:line:col`, an empty name when anonymous.
_GECKO = re.compile(
    r"^\s*\[?(?P<func>[^@\s\[][^@]*?)?@(?:(?P<file>\S+?):(?P<line>\d+):\d+|(?P<native>\[native code\]))\]?,?\s*$"
)
# The column is optional: Chrome's console and webpack dev builds print `(embedded.js:7)`, `(bootstrap:19)`.
_LOCATION = re.compile(r"^(?P<file>.+?):(?P<line>\d+)(?::(?P<col>\d+))?$")
# Without a column, `at X (File:N)` is also how Java (Play console, ProGuard) prints a frame; leave those
# to the languages they belong to.
_FOREIGN_FILE = re.compile(
    r"\.(?:java|kt|kts|scala|groovy|clj|cs|vb|fs|rb|py|go|php|dart|swift)$"
    r"|^(?:SourceFile|Unknown Source|Native Method)$"
)
# A location cut off before its `)`: `fn (/usr/lib/node_modules/x/lib/nest-device` (a path, no line).
_CUT_LOCATION = re.compile(r" \((?P<file>(?:[A-Za-z]:[\\/]|/|file:|node:|https?:)[^\s()]*[/\\][^\s()]*)$")
# Chrome DevTools' console copy: `Module._load @ module.js:282`, `(anonymous function) @ main.js:29702`.
_DEVTOOLS = re.compile(r"^\s*(?P<func>\S(?:.*?\S)?) @ (?P<file>\S+?):(?P<line>\d+)(?::\d+)?\s*$")
# Node elides frames a cause shares with its error: `    ... 3 lines matching cause stack trace ...`.
_ELIDED = re.compile(r"^\s*\.\.\. \d+ lines? matching cause stack trace \.\.\.\s*$")
_BUILTIN_LOCATION = re.compile(r"^(?:native|index \d+|<anonymous>)$")
# Sentry's rendering of a JavaScriptCore built-in puts the marker where the file goes.
_NATIVE_CODE = "[native code]"
# V8 names code run by eval() after where eval was called: `eval at f (/app/x.js:1:2), <anonymous>:3:4`,
# nested for eval inside eval. The innermost parenthesised location is the real file that called it.
_EVAL_ORIGIN = re.compile(r"^eval at .*?\((?P<location>[^()]*:\d+(?::\d+)?)\)")
# `Type: message`, where Type ends in Error/Exception and may carry a bracketed code (`Error [ERR_X]`), or is
# any class name (minified, `G`) followed by its bracketed error name (`AxiosError [AggregateError]`).
_HEADER = re.compile(
    r"(?:^|(?<=[\s\]:]))(?P<type>(?:[A-Za-z_$][\w$]*\.)*(?:[A-Z][\w$]*)?(?:Error|Exception)(?: \[[\w-]+\])?"
    r"|(?:[A-Za-z_$][\w$]*\.)*[A-Za-z_$][\w$]* \[[A-Z][\w$]*(?:Error|Exception)\])(?::(?: (?P<msg>.*))?)?$"
)
# Frames run together on one line (a trace whose newlines became spaces): split before each `at ` that
# follows the end of a frame's location.
_RUN_ON_AT = re.compile(r"(?<=[)\d])\s+(?=at \S)")
# Cloud Foundry's `[App/0]      ERR ` tag, left behind when a timestamp prefix in front of it was removed.
_CF_TAG = re.compile(r"^\[[\w/.-]+\]\s+(?:OUT|ERR) ")
# Third-party code that is not under node_modules: package-manager folders, a vendor tree, and a copied
# package build (`jquery/dist/jquery.js`, `vue/dist/vue.runtime.js`: the file is named after its package).
_VENDORED = re.compile(
    r"(?:^|[/\\])(?:bower_components|jspm_packages|vendor)[/\\]"
    r"|(?:^|[/\\])(?P<pkg>[\w.-]+)[/\\]dist[/\\](?:[^?#]*[/\\])?(?P=pkg)(?:[.-][\w.-]*)?\.[cm]?js\b"
)
# Electron's own code ships in `electron.asar` (the app's code sits in `app.asar`, which is the program).
_RUNTIME_ARCHIVE = re.compile(r"(?:^|[/\\])electron\.asar[/\\]|^electron/js2c/")
# A browser page's copy of a well-known library, named after it (`jquery.min.js`, `jquery.mark.min.js`,
# `react-dom.production.min.js`), possibly behind Chrome's script id (`VM11532 jquery.min.js`).
_LIBRARY_BUNDLE = re.compile(
    r"^(?:VM\d+ )?(?:jquery|react-dom|react|vue|angular|lodash|underscore|backbone|bootstrap|moment|d3|zone"
    r"|three|socket\.io|axios|rxjs|ember|knockout|mootools)(?:[.-][\w.-]*)?\.js(?:\?\S*)?$",
    re.IGNORECASE,
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
    if _VENDORED.search(path) or _RUNTIME_ARCHIVE.search(path):
        return False
    if _LIBRARY_BUNDLE.match(re.split(r"[/\\]", path)[-1]):
        return False
    if "/" not in path and "\\" not in path and path.endswith(".js"):
        return path[: -len(".js")] not in _CORE_MODULES
    return True


def _frame(rest: str) -> StackFrame | None:
    function: str | None
    rest = _FRAME_TRAILER.sub("", rest)
    if rest.startswith("async "):
        rest = rest[len("async ") :]  # also before an anonymous location (`at async <anonymous>:2:3`)
    if rest.endswith(")"):
        open_index = find_balanced_open(rest, len(rest) - 1)
        if open_index <= 0:
            return None
        function, location = rest[:open_index].rstrip(), rest[open_index + 1 : -1]
    elif cut := _CUT_LOCATION.search(rest):
        # A line cut at a terminal's right edge inside the location: the file as far as it is printed.
        path = cut["file"]
        return StackFrame(file=path, line=None, function=rest[: cut.start()].rstrip(), in_app=is_app_file(path))
    else:
        function, location = None, rest
    if origin := _EVAL_ORIGIN.match(location):
        location = origin["location"]
    parsed = _LOCATION.match(location)
    if parsed and parsed["col"] is None and (_FOREIGN_FILE.search(parsed["file"]) or parsed["file"].isdigit()):
        parsed = None  # a Java `(Foo.java:12)`, or prose such as `at 12:30`
    if parsed:
        path = parsed["file"]
        return StackFrame(file=path, line=int(parsed["line"]), function=function, in_app=is_app_file(path))
    if function is not None and location == _NATIVE_CODE:
        return StackFrame(file=location, function=function, in_app=False)
    if function is not None and _BUILTIN_LOCATION.match(location):
        # `<anonymous>` and old V8's `native` are printed where the file goes, so they are kept as the
        # file; `index N` names no file.
        file = location if location in ("<anonymous>", "native") else None
        return StackFrame(file=file, function=function, in_app=False)
    return None


def _gecko_frame(line: str) -> StackFrame | None:
    match = _GECKO.match(line) if "@" in line else None
    if not match:
        if "@" in line and (devtools := _DEVTOOLS.match(line)) and not _FOREIGN_FILE.search(devtools["file"]):
            path = devtools["file"]
            return StackFrame(
                file=path, line=int(devtools["line"]), function=devtools["func"], in_app=is_app_file(path)
            )
        return None
    if match["native"]:
        return StackFrame(file=_NATIVE_CODE, function=match["func"] or None, in_app=False)
    path = match["file"]
    return StackFrame(file=path, line=int(match["line"]), function=match["func"] or None, in_app=is_app_file(path))


def parse(lines: list[str]) -> list[ParsedException]:
    """Parse every V8 stack trace found in the lines."""
    lines = _split_lines(lines)
    exceptions: list[ParsedException] = []
    current: ParsedException | None = None
    for index, line in enumerate(lines):
        at = _AT.match(line)
        frame = _frame(at["rest"]) if at else _gecko_frame(line)
        if frame is None and current is not None and _ELIDED.match(line):
            continue
        if frame is None:
            current = None
            continue
        if current is None:
            current = _header_above(lines, index)
            exceptions.append(current)
        current.frames.append(frame)
    return exceptions


def _split_lines(lines: list[str]) -> list[str]:
    """Undo what pasting did to frame lines: a leftover log tag in front, several frames run together."""
    result: list[str] = []
    for line in lines:
        line = _CF_TAG.sub("", line)
        if line.lstrip().startswith("at ") and _RUN_ON_AT.search(line):
            result.extend(_RUN_ON_AT.split(line))
        else:
            result.append(line)
    return result


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
