"""Score the stack-trace parser against hand-labelled corpora (tests/data/stacktraces).

The corpus is split once, by a fixed rule, into a half the parser may be tuned on and a half it is
only measured on: a record belongs to `measure` when the first hex digit of sha256(id) is odd, else
to `tune`. The rule reads nothing but the id, so adding records never moves an old one.
"""

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from sleuth.errors import SleuthError

SPLITS = ("tune", "measure", "all")


def split_of(record_id: str) -> str:
    """`tune` or `measure`, from the record's id alone."""
    return "measure" if int(hashlib.sha256(record_id.encode()).hexdigest()[0], 16) % 2 else "tune"


def load_records(paths: list[Path]) -> list[dict]:
    records: list[dict] = []
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError as exc:
                raise SleuthError(f"{path}:{number}: not a JSON line ({exc})") from exc
            if not (
                isinstance(record, dict)
                and isinstance(record.get("id"), str)
                and isinstance(record.get("text"), str)
                and isinstance(record.get("expected"), dict)
                and isinstance(record["expected"].get("exceptions"), list)
            ):
                raise SleuthError(f"{path}:{number}: not a labelled trace record (needs id, text, expected.exceptions)")
            records.append(record)
    return records


def parsed_labels(text: str) -> list[dict]:
    """The parser's output in the corpus's label format."""
    from sleuth.tools.stacktrace import parse_exceptions

    _, exceptions = parse_exceptions(text)
    return [
        {
            "type": exc.type,
            "message": exc.message,
            "frames": [
                {"file": f.file, "line": f.line, "function": f.function, "in_app": f.in_app} for f in exc.frames
            ],
        }
        for exc in exceptions
    ]


@dataclass
class Tally:
    traces: int = 0
    exact_traces: int = 0
    frames: int = 0
    exact_frames: int = 0
    types: int = 0
    exact_types: int = 0
    missed: list[str] = field(default_factory=list)

    def add(self, record_id: str, expected: list[dict], got: list[dict]) -> None:
        """Exceptions are paired by position; a frame is right when all four fields match."""
        self.traces += 1
        self.exact_traces += expected == got
        if expected != got:
            self.missed.append(record_id)
        for index, exc in enumerate(expected):
            other = got[index] if index < len(got) else {"type": object(), "frames": []}
            self.types += 1
            self.exact_types += exc["type"] == other["type"]
            for position, frame in enumerate(exc["frames"]):
                self.frames += 1
                self.exact_frames += position < len(other["frames"]) and other["frames"][position] == frame

    @staticmethod
    def ratio(right: int, total: int) -> str:
        return f"{right / total:.3f} ({right}/{total})" if total else "-"


def score(records: list[dict], split: str) -> dict[str, Tally]:
    """Tallies per language and `overall` for the records in split."""
    tallies: dict[str, Tally] = defaultdict(Tally)
    for record in records:
        if split != "all" and split_of(record["id"]) != split:
            continue
        got = parsed_labels(record["text"])
        for key in (record.get("language", "?"), "overall"):
            tallies[key].add(record["id"], record["expected"]["exceptions"], got)
    return dict(tallies)


def markdown(tallies: dict[str, Tally], split: str) -> str:
    rows = [
        f"split: {split}",
        "",
        "| language | traces exact | frames exact | exception types |",
        "|---|---|---|---|",
    ]
    for language in sorted(tallies, key=lambda k: (k == "overall", k)):
        t = tallies[language]
        rows.append(
            f"| {language} | {Tally.ratio(t.exact_traces, t.traces)} | {Tally.ratio(t.exact_frames, t.frames)}"
            f" | {Tally.ratio(t.exact_types, t.types)} |"
        )
    return "\n".join(rows)
