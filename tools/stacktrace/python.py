"""Python tracebacks, including chained exceptions and 3.11+ caret lines."""

import re

from sleuth.models import ParsedException, StackFrame

_HEADER = re.compile(r"^\s*Traceback \(most recent call last\):\s*$")
_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+)(?:, in (?P<func>.+?))?\s*$')
_EXCEPTION = re.compile(r"^(?P<type>[A-Za-z_][\w.]*)(?::(?: (?P<msg>.*)|\s*))?$")
_STDLIB = re.compile(r"[/\\]lib[/\\]python\d+(?:\.\d+)?[/\\]|[/\\]Python\d+[/\\]Lib[/\\]", re.I)
_THIRD_PARTY = re.compile(r"[/\\](?:site|dist)-packages[/\\]")
_SCRIPT_SHIM = re.compile(r"[/\\]bin[/\\][^/\\.]+$")


def is_app_file(path: str) -> bool:
    """Tell application code from the interpreter's library and installed packages."""
    if path.startswith("<frozen"):
        return False
    return not (_THIRD_PARTY.search(path) or _STDLIB.search(path) or _SCRIPT_SHIM.search(path))


def parse(lines: list[str]) -> list[ParsedException]:
    """Parse every Python traceback found in the lines."""
    exceptions: list[ParsedException] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if _HEADER.match(line):
            indent = len(line) - len(line.lstrip())
            index += 1
        elif _FRAME.match(line):
            # A traceback pasted without its header starts at its first frame, indented under it.
            indent = max(0, len(line) - len(line.lstrip()) - 2)
        else:
            index += 1
            continue
        frames: list[StackFrame] = []
        while index < len(lines):
            line = lines[index]
            if _HEADER.match(line):
                # A traceback cut off before its exception line: keep its frames, type unknown.
                exceptions.append(ParsedException(frames=frames, language="python", innermost_first=False))
                index -= 1
                break
            frame = _FRAME.match(line)
            if frame:
                path = frame["file"]
                frames.append(
                    StackFrame(
                        file=path,
                        line=int(frame["line"]),
                        function=frame["func"],
                        in_app=is_app_file(path),
                    )
                )
                index += 1
                continue
            body = line[indent:] if line[:indent].strip() == "" else line
            exc = _EXCEPTION.match(body) if body and not body[0].isspace() else None
            if exc and (frames or body.strip()):
                message = exc["msg"]
                exceptions.append(
                    ParsedException(
                        type=exc["type"],
                        message=message if message else None,
                        frames=frames,
                        language="python",
                        innermost_first=False,
                    )
                )
                break
            index += 1
        else:
            if frames:
                exceptions.append(ParsedException(frames=frames, language="python", innermost_first=False))
        index += 1
    return exceptions
