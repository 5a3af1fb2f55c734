"""Huge logs: the trace is found wherever it is, memory stays bounded, and the cut is said."""

import io

import pytest

from sleuth.agents.plan import plan
from sleuth.models import Incident
from sleuth.tools.log_excerpt import MAX_LOG_CHARS, excerpt_text, read_log

TRACE = (
    "Traceback (most recent call last):\n"
    '  File "/app/svc/pricing.py", line 17, in compute\n'
    "    return order.amount / order.quantity\n"
    "ZeroDivisionError: division by zero\n"
)
NOISE = "".join(f"2026-01-01T00:00:{i % 60:02d}Z INFO request {i} served path=/api/v1/items\n" for i in range(1000))


def _log(megabytes: int, where: str) -> str:
    blocks = [NOISE] * (megabytes * 1_000_000 // len(NOISE))
    at = {"start": 0, "middle": len(blocks) // 2, "end": len(blocks)}[where]
    blocks.insert(at, TRACE)
    return "".join(blocks)


@pytest.mark.parametrize("where", ["start", "middle", "end"])
def test_a_trace_anywhere_in_a_huge_log_is_kept(where: str) -> None:
    text = _log(12, where)
    excerpt = excerpt_text(text)
    assert len(excerpt.text) <= MAX_LOG_CHARS + 10 < len(text)
    assert TRACE in excerpt.text
    assert excerpt.cut and "the log is 11.9 MB; sleuth read 0.0–0.4 MB" in (excerpt.note() or "")


def test_reading_a_stream_keeps_the_same_parts_as_reading_the_text() -> None:
    text = _log(9, "middle")
    streamed = read_log(io.BytesIO(text.encode()))
    whole = excerpt_text(text)
    assert (streamed.text, streamed.kept, streamed.total_chars) == (whole.text, whole.kept, whole.total_chars)


def test_a_log_that_fits_is_read_whole_and_not_called_cut() -> None:
    text = _log(1, "middle")
    for excerpt in (excerpt_text(text), read_log(io.BytesIO(text.encode()))):
        assert excerpt.text == text and not excerpt.cut and excerpt.note() is None


def test_a_stream_of_nuls_and_invalid_utf8_is_read_without_error() -> None:
    excerpt = read_log(io.BytesIO(b"\x00\xff\xfe" * 2_000_000 + TRACE.encode()))
    assert "\x00" not in excerpt.text and excerpt.text.endswith(TRACE)


def test_plan_notes_that_the_incident_log_was_cut() -> None:
    from datetime import UTC, datetime

    signals = plan(Incident(logs=_log(5, "middle"), started_at=datetime(2026, 1, 1, tzinfo=UTC)))
    assert [exc.type for exc in signals.exceptions] == ["ZeroDivisionError"]
    assert len(signals.notes) == 1 and "skipped the rest" in signals.notes[0]
