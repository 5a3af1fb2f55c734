"""Go panics and fatal errors: the goroutine that panicked (the first one in the dump)."""

import re

from sleuth.models import ParsedException, StackFrame

_HEADER = re.compile(r"^(?P<type>panic|fatal error): (?P<msg>.*?)(?: \[recovered\])?\s*$")
_GOROUTINE = re.compile(r"^goroutine \d+ \[[^\]]*\]:\s*$")
_CREATED_BY = re.compile(r"^created by (?P<func>\S+?)(?: in goroutine \d+)?\s*$")
_CALL = re.compile(r"^(?P<func>\S.*?)\((?P<args>[^()]*)\)\s*$")
_LOCATION = re.compile(r"^\s*(?P<file>\S.*?):(?P<line>\d+)(?: \+0x[0-9a-fA-F]+)?(?: .*)?$")
_GOROOT = re.compile(r"/src/(?:pkg/)?(?P<root>[^/]+)/")
_STDLIB_ROOTS = {
    "runtime",
    "net",
    "sync",
    "syscall",
    "internal",
    "reflect",
    "os",
    "io",
    "fmt",
    "encoding",
    "crypto",
    "context",
    "testing",
    "time",
    "strings",
    "bytes",
    "strconv",
    "sort",
    "math",
    "bufio",
    "database",
    "html",
    "text",
    "errors",
    "log",
    "mime",
    "path",
    "regexp",
    "unicode",
    "compress",
    "archive",
    "container",
    "debug",
    "embed",
    "expvar",
    "flag",
    "hash",
    "image",
}


def is_app_file(path: str) -> bool:
    """Tell the program's own files from GOROOT, the module cache, vendored and versioned code."""
    normalised = path.replace("\\", "/")
    if "/pkg/mod/" in normalised or "/vendor/" in normalised or normalised.startswith("vendor/"):
        return False
    if re.search(r"@v\d", normalised):
        return False
    goroot = _GOROOT.search(normalised)
    if goroot and goroot["root"] in _STDLIB_ROOTS:
        return False
    if not normalised.startswith("/") and not re.match(r"^[A-Za-z]:/", normalised):
        # -trimpath builds print standard-library files as `runtime/proc.go`.
        return normalised.split("/", 1)[0] not in _STDLIB_ROOTS
    return True


def parse(lines: list[str]) -> list[ParsedException]:
    """Parse the first goroutine dump in the lines, with the panic message above it."""
    header: re.Match[str] | None = None
    for index, line in enumerate(lines):
        if header is None:
            header = _HEADER.match(line.strip()) if line.startswith(("panic", "fatal")) else None
        if _GOROUTINE.match(line.strip()):
            frames = _frames(lines, index + 1)
            if not frames and header is None:
                continue
            exception = ParsedException(
                type=header["type"] if header else None,
                message=header["msg"] if header else None,
                frames=frames,
                language="go",
            )
            return [exception]
    if header is not None:
        return [ParsedException(type=header["type"], message=header["msg"], language="go")]
    return []


_MAX_WRAPPED = 8  # continuation lines of one call's argument list


def _call_line(lines: list[str], index: int) -> tuple[str, int]:
    """The call line at index with an argument list wrapped over later lines joined; and its last index."""
    line = lines[index].strip()
    end = index
    while line.count("(") > line.count(")") and end + 1 < len(lines) and end - index < _MAX_WRAPPED:
        end += 1
        separator = "" if line.endswith(("(", ",")) else " "
        line += separator + lines[end].strip()
    return line, end


def _frames(lines: list[str], start: int) -> list[StackFrame]:
    frames: list[StackFrame] = []
    index = start
    while index + 1 < len(lines):
        line, end = _call_line(lines, index)
        if end + 1 >= len(lines):
            break
        index, location = end, _LOCATION.match(lines[end + 1])
        created = _CREATED_BY.match(line)
        call = None if created else _CALL.match(line)
        if not (created or call) or location is None:
            break
        function = created["func"] if created else call["func"]  # type: ignore[index]
        path = location["file"]
        frames.append(StackFrame(file=path, line=int(location["line"]), function=function, in_app=is_app_file(path)))
        index += 2
    return frames
