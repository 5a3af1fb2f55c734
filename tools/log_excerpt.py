"""Read logs of any size in bounded memory, keeping the parts a stack trace is likely to be in.

A log over `MAX_LOG_CHARS` keeps its head, its tail and a window around the last frame-like line
seen in between, so a trace at the end, at the start or in the middle is found; the excerpt says
what was left out, and the investigation's report repeats it. Files and stdin are scanned in
chunks, so a 200 MB log never sits in memory whole.
"""

import codecs
import re
from dataclasses import dataclass, field
from typing import BinaryIO

MAX_LOG_CHARS = 2_000_000
HEAD_CHARS = 400_000
TAIL_CHARS = 1_000_000
WINDOW_CHARS = 600_000  # around the last frame seen between head and tail, centred on it
_CHUNK_BYTES = 4_000_000

# A line that only a stack trace prints, behind any log-shipper prefix: Python, Java/JS/.NET `at`,
# Ruby `from file:N:in`, Go `goroutine N [`/`panic:`.
_FRAME_LIKE = re.compile(
    r"(?m)^.{0,120}?(?:Traceback \(most recent call last\)|File \"[^\"\n]+\", line \d+|panic: "
    r"|goroutine \d+ \[)|^[^\n]{0,120}?\s(?:at \S+[ (]|from \S+:\d+:in )"
)


@dataclass
class LogExcerpt:
    """The text to parse and, when it is not the whole log, which parts were kept."""

    text: str
    total_chars: int
    kept: list[tuple[int, int]] = field(default_factory=list)

    @property
    def cut(self) -> bool:
        return self.total_chars > len(self.text)

    def note(self, name: str = "the log") -> str | None:
        """A sentence for the report when part of the log was not read, else None."""
        if not self.cut:
            return None
        parts = ", ".join(f"{_mb(start)}–{_mb(end)} MB" for start, end in self.kept)
        which = "the start, the end and the stretch around the last stack frame between them"
        if len(self.kept) < 3:
            which = "the start and the end; no stack frame was seen between them"
        return f"{name} is {_mb(self.total_chars)} MB; sleuth read {parts} ({which}) and skipped the rest"


def _mb(chars: int) -> str:
    return f"{chars / 1_000_000:.1f}"


class _Scanner:
    """Feed text in order; keeps the head, a rolling tail and a window around the last frame-like line."""

    def __init__(self) -> None:
        self.head = ""
        self.buffer = ""  # the rolling tail, with the offset of its first character
        self.buffer_start = 0
        self.window = ""
        self.window_start = 0
        self.total = 0

    def feed(self, chunk: str) -> None:
        if len(self.head) < HEAD_CHARS:
            take = HEAD_CHARS - len(self.head)
            self.head += chunk[:take]
            self.total += len(chunk[:take])
            chunk = chunk[take:]
            self.buffer_start = self.total
        if not chunk:
            return
        self.buffer += chunk
        self.total += len(chunk)
        drop = len(self.buffer) - TAIL_CHARS
        if drop <= 0:
            return
        # The part about to leave the tail: remember the stretch around its last frame-like line.
        last = None
        for last in _FRAME_LIKE.finditer(self.buffer, 0, drop):  # noqa: B007 - only the last one is kept
            pass
        if last is not None:
            start = max(0, last.start() - WINDOW_CHARS // 2)
            end = min(drop, start + WINDOW_CHARS)
            self.window = self.buffer[start:end]
            self.window_start = self.buffer_start + start
        self.buffer = self.buffer[drop:]
        self.buffer_start += drop

    def excerpt(self) -> LogExcerpt:
        pieces = [(0, self.head)]
        if self.window:
            pieces.append((self.window_start, self.window))
        pieces.append((self.buffer_start, self.buffer))
        text, kept, end = "", [], 0
        for start, piece in pieces:
            if not piece:
                continue
            if start > end and text:
                text += "\n"  # a gap: never glue two unrelated lines together
            text += piece
            if kept and start == kept[-1][1]:
                kept[-1] = (kept[-1][0], start + len(piece))
            else:
                kept.append((start, start + len(piece)))
            end = start + len(piece)
        return LogExcerpt(text=text, total_chars=self.total, kept=kept)


def excerpt_text(text: str) -> LogExcerpt:
    """The whole text when it is small enough, else its head, tail and last-frame window."""
    if len(text) <= MAX_LOG_CHARS:
        return LogExcerpt(text=text, total_chars=len(text), kept=[(0, len(text))])
    scanner = _Scanner()
    for start in range(0, len(text), _CHUNK_BYTES):
        scanner.feed(text[start : start + _CHUNK_BYTES])
    return scanner.excerpt()


def read_log(stream: BinaryIO) -> LogExcerpt:
    """Scan a binary stream (a file, stdin) in chunks; undecodable bytes become U+FFFD, NULs vanish."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    start, size = [], 0  # a log that fits is kept whole, as excerpt_text would
    while size <= MAX_LOG_CHARS and (chunk := stream.read(_CHUNK_BYTES // 8)):
        start.append(decoder.decode(chunk).replace("\x00", ""))
        size += len(start[-1])
    if size <= MAX_LOG_CHARS:
        return excerpt_text("".join(start) + decoder.decode(b"", final=True))
    scanner = _Scanner()
    scanner.feed("".join(start))
    while chunk := stream.read(_CHUNK_BYTES):
        scanner.feed(decoder.decode(chunk).replace("\x00", ""))
    scanner.feed(decoder.decode(b"", final=True))
    return scanner.excerpt()
