"""Go panics and fatal errors: the first stack block after the header (the goroutine that panicked)."""

import re

from sleuth.models import ParsedException, StackFrame

_HEADER = re.compile(r"^(?P<type>panic|fatal error): (?P<msg>.*?)(?: \[recovered\])?\s*$")
# `goroutine 7 [running]:`; GOTRACEBACK=system adds `gp=0x… m=0 mp=0x…` before the bracket. A
# `runtime stack:` block (stack overflow, out of memory, signal inside the runtime) is printed
# before the goroutines and is the first stack after the header, so it counts as the block.
_STACK_START = re.compile(r"^(?:goroutine \d+(?: [^\s\[]+)* \[[^\]]*\]:|runtime stack:)$")
_GOROUTINE_ANYWHERE = re.compile(r"goroutine \d+(?: [^\s\[]+)* \[[^\]]*\]:\s*$")
# The frame of the goroutine's creator. Mangled copies lose the `created by ` prefix, but the
# ` in goroutine N` suffix (Go 1.21+) still marks the line.
_CREATED_BY = re.compile(r"^(?:created by (?P<func>\S+?)(?: in goroutine \d+)?|(?P<bare>\S+?) in goroutine \d+)$")
_CALL = re.compile(r"^(?P<func>\S.*?)\((?P<args>[^()]*)\)$")
_LOCATION = re.compile(r"^(?P<file>\S.*?):(?P<line>\d+)(?: \+0x[0-9a-fA-F]+)?(?: .*)?$")
# Omitted-frame markers: the runtime's own for stacks over 100 frames, and a paster's bare `...`.
# They produce no frame, but the frames after them (the `created by` line) still belong to the block.
_ELIDED = re.compile(r"^\.\.\.(?:additional frames elided\.\.\.)?$")
# What is left of an `fp=0x… sp=0x…` suffix when the paste wrapped the line inside a hex number.
_WRAPPED_SUFFIX = re.compile(r"^(?:0x)?[0-9a-fA-F]+$")
# GOROOT's `src/` sits somewhere under a directory naming a Go install (`/usr/local/go`,
# `/usr/lib/go-1.6`, `C:/Go`, `sdk/go1.20`, `/usr/lib/golang`, `…/hostedtoolcache/go/1.21.0/x64`,
# Nix's `…-go-1.21.3`); a `/src/` without one is as often an app's build directory
# (`/src/cmd/monitor.go` in a Docker build).
_GOROOT = re.compile(r"^(?P<install>.*)/src/(?:pkg/)?(?P<root>[^/]+)/")
_GO_INSTALL_DIR = re.compile(r"^(?:.*-)?go(?:lang|root)?(?:-?\d[\w.]*)?$", re.IGNORECASE)
# Top-level standard-library packages, as they appear after GOROOT's `src/`,
# as the first element of a `-trimpath` file path, or as the first element of a function name.
_STDLIB_ROOTS = {
    "archive", "bufio", "builtin", "bytes", "cmp", "compress", "container", "context",
    "crypto", "database", "debug", "embed", "encoding", "errors", "expvar", "flag", "fmt", "go",
    "hash", "html", "image", "index", "internal", "io", "iter", "log", "maps", "math", "mime",
    "net", "os", "path", "plugin", "reflect", "regexp", "runtime", "slices", "sort", "strconv",
    "strings", "sync", "syscall", "testing", "text", "time", "unicode", "unique", "unsafe", "weak",
}  # fmt: skip
# Directories that hold copies of other people's code inside a project: `vendor/` (the go tool's
# own) and `third_party/` (the common convention before modules).
_COPIED_CODE = re.compile(r"(?:^|/)(?:vendor|third_party)/")


def is_app_file(path: str) -> bool:
    """Tell the program's own files from GOROOT, the module cache, vendored and versioned code."""
    normalised = path.replace("\\", "/")
    if "/pkg/mod/" in normalised or _COPIED_CODE.search(normalised):
        return False
    if re.search(r"@v\d", normalised):
        return False
    goroot = _GOROOT.match(normalised)
    if (
        goroot
        and goroot["root"] in _STDLIB_ROOTS
        and any(_GO_INSTALL_DIR.match(part) for part in goroot["install"].split("/"))
    ):
        return False
    if not normalised.startswith("/") and not re.match(r"^[A-Za-z]:/", normalised):
        # -trimpath builds print standard-library files as `runtime/proc.go`.
        return normalised.split("/", 1)[0] not in _STDLIB_ROOTS
    return True


def _is_app_function(function: str) -> bool:
    """For a frame printed without a file: judge by the import path in the function name."""
    if _COPIED_CODE.search(function) or re.search(r"@v\d", function):
        return False
    return re.split(r"[./]", function, maxsplit=1)[0] not in _STDLIB_ROOTS


def _clean(line: str) -> str:
    # Inline-code backticks are glued to the first and last line of a paste wrapped in `…`.
    return line.strip().strip("`").strip()


def _log_prefix(lines: list[str]) -> re.Pattern[str] | None:
    """A per-line log prefix (line number, timestamp) learnt from the goroutine header it precedes.

    The shared prefix stripping only knows prefixes that start the line; a CI log that indents its
    line numbers slips past it. The prefix in front of a goroutine header is taken as the shape of
    every line's prefix, with its digit runs generalised so that counters and clocks may change.
    """
    for line in lines:
        found = _GOROUTINE_ANYWHERE.search(line)
        if found is None or found.start() == 0:
            continue
        prefix = line[: found.start()]
        # Only machine-written prefixes (digits, punctuation, ISO `T`/`Z`): prose before a header
        # (`the dump: goroutine 1 …`) must not be cut from every line.
        if not re.search(r"\d", prefix) or re.search(r"[^\W\dTZ_]", prefix):
            return None
        shape = "".join(r"\d+" if part.isdigit() else re.escape(part) for part in re.split(r"(\d+)", prefix))
        return re.compile(shape.replace(r"\ ", r"\s+"))
    return None


def parse(lines: list[str]) -> list[ParsedException]:
    """Parse the first stack block in the lines, with the panic / fatal error header above it."""
    prefix = _log_prefix(lines)
    if prefix is not None:
        lines = [prefix.sub("", line, count=1) if prefix.match(line) else line for line in lines]
    header: re.Match[str] | None = None
    header_index = -1
    for index, line in enumerate(lines):
        text = _clean(line)
        if header is None and text.startswith(("panic", "fatal")):
            header = _HEADER.match(text)
            header_index = index
        if _STACK_START.match(text):
            frames = _frames(lines, index + 1)
            if not frames and header is None:
                continue
            if header is None and (observed := _observed_panic(lines, index)):
                return [ParsedException(message=observed, frames=frames, language="go")]
            return [_exception(header, frames)]
    if header is not None:
        # No block header at all (a mangled copy): frames may follow the panic lines directly.
        return [_exception(header, _frames(lines, _after_header(lines, header_index + 1)))]
    return []


# Kubernetes' HandleCrash logs the recovered value through klog, without the runtime's `panic: `
# (`E0623 15:24:30.674204 1 runtime.go:78] Observed a panic: "…" (runtime error: …)`).
_OBSERVED = re.compile(r"\bObserved an? panic: (?P<msg>.+?)\s*$")


def _observed_panic(lines: list[str], index: int) -> str | None:
    """The value of a panic logged by a recover handler on the line above the goroutine header."""
    back = index - 1
    while back >= 0 and not lines[back].strip():
        back -= 1
    match = _OBSERVED.search(lines[back]) if back >= 0 and len(lines[back]) < 10_000 else None
    return match["msg"] if match else None


def _exception(header: re.Match[str] | None, frames: list[StackFrame]) -> ParsedException:
    return ParsedException(
        type=header["type"] if header else None,
        message=header["msg"] if header else None,
        frames=frames,
        language="go",
    )


def _after_header(lines: list[str], index: int) -> int:
    """Skip what the runtime prints between the header and the stack: signal line, re-panics, blanks."""
    while index < len(lines):
        text = _clean(lines[index])
        if text and not text.startswith(("[signal ", "panic: ", "fatal error: ")):
            break
        index += 1
    return index


_MAX_WRAPPED = 8  # continuation lines of one call's argument list


def _call_line(lines: list[str], index: int) -> tuple[str, int]:
    """The call line at index with an argument list wrapped over later lines joined; and its last index."""
    line = _clean(lines[index])
    end = index
    while line.count("(") > line.count(")") and end + 1 < len(lines) and end - index < _MAX_WRAPPED:
        end += 1
        separator = "" if line.endswith(("(", ",")) else " "
        line += separator + _clean(lines[end])
    return line, end


def _frames(lines: list[str], start: int) -> list[StackFrame]:
    frames: list[StackFrame] = []
    index = start
    while index < len(lines):
        if _ELIDED.match(_clean(lines[index])):
            index += 1
            continue
        line, end = _call_line(lines, index)
        created = _CREATED_BY.match(line)
        call = None if created else _CALL.match(line)
        if not (created or call):
            break
        function = (created["func"] or created["bare"]) if created else call["func"]  # type: ignore[index]
        following = _clean(lines[end + 1]) if end + 1 < len(lines) else ""
        location = _LOCATION.match(following)
        if location is None:
            # A paste cut right after a function line still shows that frame, without a location.
            if call and not following:
                frames.append(StackFrame(file=None, line=None, function=function, in_app=_is_app_function(function)))
            break
        path = location["file"]
        frames.append(StackFrame(file=path, line=int(location["line"]), function=function, in_app=is_app_file(path)))
        index = end + 2
        if "sp=" in following and index < len(lines) and _WRAPPED_SUFFIX.match(_clean(lines[index])):
            index += 1
        if created:
            break  # the creator is the last frame of its goroutine
    return frames
