"""plan: turn an incident into signals (exceptions, frames, error class, first-error time)."""

import re
from datetime import datetime
from itertools import pairwise

from sleuth.agents.error_class import classify
from sleuth.models import Incident, ParsedException, Signals, as_utc
from sleuth.tools.log_excerpt import excerpt_text
from sleuth.tools.stacktrace import parse_exceptions
from sleuth.tools.stacktrace.common import strip_line_prefix

_TIMESTAMP = re.compile(r"(?P<ts>\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?)")
_ERROR_LINE = re.compile(r"\b(?:ERROR|CRITICAL|FATAL|Traceback|Exception|panic:)", re.I)
_PYTEST_FAILED = re.compile(r"^(?:FAILED|ERROR) (?P<node>[^\s:\[]+\.py(?:::[^\s:\[]+)+)")  # pytest -rA
_FAILED_TEST = (
    re.compile(r"^(?:FAIL|ERROR): \w+ \((?P<test>[\w.]+\.\w+)\)"),  # unittest
    re.compile(r"^\s*--- FAIL: (?P<test>Test\S*)"),  # go test -v (subtests: TestX/case)
)


def pytest_node_id(line: str) -> str | None:
    """The node id of a pytest `FAILED …`/`ERROR …` summary line, parameters and all.

    Parameters may hold spaces, commas, brackets and any unicode (`test_x[input4-Jun 17]`): the id
    runs to the bracket that closes the first one, not to the first space.
    """
    match = _PYTEST_FAILED.match(line)
    if match is None:
        return None
    rest = line[match.end() :]
    if not rest.startswith("["):
        return match["node"]
    depth = 0
    for index, char in enumerate(rest):
        depth += {"[": 1, "]": -1}.get(char, 0)
        if depth == 0:
            return match["node"] + rest[: index + 1]
    return None  # the parameters never close: a cut line is no id


_FRAME_LINE = re.compile(r'File "[^"]+", line \d+')
_IDENTIFIER = re.compile(r"\b[A-Za-z_][A-Za-z0-9_]{3,}\b")
_CAMEL = re.compile(r"[a-z][A-Z]")
_QUOTED = re.compile(r"""['"`]([^'"`\s]{2,60})['"`]""")


def first_error_time(incident: Incident, logs: str | None = None) -> datetime:
    """Return the earliest timestamp on an error line of the logs, else the incident start."""
    earliest = incident.started_at
    for line in (incident.logs if logs is None else logs).splitlines():
        if not _ERROR_LINE.search(line):
            continue
        match = _TIMESTAMP.search(line)
        if not match:
            continue
        try:
            moment = datetime.fromisoformat(match["ts"].replace(",", ".").replace(" ", "T"))
        except ValueError:
            continue
        moment = as_utc(moment)
        # A timestamp far before the alert is more likely an unrelated line than the first error.
        if moment < earliest and (incident.started_at - moment).days < 1:
            earliest = moment
    return earliest


def failing_tests_in(logs: str) -> list[str]:
    """Return the test ids (pytest, unittest, go) reported as failing in the logs (CI or smoke tests)."""
    found = []
    for line in logs.splitlines():
        line = strip_line_prefix(line)
        if node := pytest_node_id(line):
            found.append(node)
            continue
        for pattern in _FAILED_TEST:
            if match := pattern.match(line):
                found.append(match["test"])
                break
    return list(dict.fromkeys(found))


def keywords(exceptions: list[ParsedException], text: str) -> list[str]:
    """Return identifiers and quoted values the incident names, most specific first."""
    found: list[str] = []
    for exc in exceptions:
        found.extend(part for part in (exc.type, exc.message) if part)
        # `<module>`, `<lambda>`, `<string>` name no code: as words they match anything called "module".
        found.extend(f.function for f in exc.frames if f.in_app and f.function and not f.function.startswith("<"))
    found.extend(source_identifiers(text))
    # Quoted paths are the frames' files, which ranking already uses structurally.
    found.extend(q for q in _QUOTED.findall(text) if "/" not in q and not q.startswith("<"))
    return list(dict.fromkeys(found))[:50]


def source_identifiers(text: str) -> list[str]:
    """Compound identifiers (snake_case, camelCase) on the source lines a Python traceback prints."""
    found: list[str] = []
    lines = [strip_line_prefix(line) for line in text.splitlines()]
    for previous, line in pairwise(lines):
        if _FRAME_LINE.match(previous.strip()) and not _FRAME_LINE.match(line.strip()):
            found.extend(m for m in _IDENTIFIER.findall(line) if "_" in m.strip("_") or _CAMEL.search(m))
    return found


def plan(incident: Incident) -> Signals:
    """Parse the incident into the signals the other nodes work from."""
    logs = excerpt_text(incident.logs)
    text = "\n".join(part for part in (logs.text, incident.description) if part)
    language, exceptions = parse_exceptions(text)
    readable = "\n".join(part for part in (incident.title, incident.description, logs.text) if part)
    error_class, reason = classify(exceptions, readable)
    failing = list(dict.fromkeys([*incident.failing_tests, *failing_tests_in(logs.text)]))
    questions = [
        "Which change shipped shortly before the first error?",
        "Which change last touched the lines in the stack frames?"
        if exceptions
        else "Which change's text matches the symptoms (no stack trace was found)?",
        "Is a code change the cause at all, or is a dependency down?",
    ]
    return Signals(
        exceptions=exceptions,
        language=language,
        error_class=error_class,
        error_class_reason=reason,
        first_error_at=first_error_time(incident, logs.text),
        services=[incident.service] if incident.service else [],
        failing_tests=failing,
        keywords=keywords(exceptions, readable),
        questions=questions,
        notes=[note] if (note := logs.note()) else [],
    )
