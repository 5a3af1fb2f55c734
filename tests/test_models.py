from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from sleuth.models import Candidate, Change, Incident, Report, Signals


def test_incident_naive_time_is_utc_and_extra_fields_rejected() -> None:
    incident = Incident(title="x", started_at=datetime(2026, 1, 1, 12))
    assert incident.started_at.tzinfo == UTC
    with pytest.raises(ValidationError):
        Incident.model_validate({"title": "x", "started_at": "2026-01-01T00:00:00Z", "sevrity": 1})


def test_report_json_round_trip() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    change = Change(sha="a" * 40, repo="r", title="t", committed_at=now, merged_at=now)
    report = Report(
        incident=Incident(title="x", started_at=now),
        repo="r",
        ref="a" * 40,
        signals=Signals(first_error_at=now),
        candidates=[Candidate(change=change, timing="merged_before", features={"lexical": 1.0})],
        hypotheses=[],
        verdict="v",
    )
    again = Report.model_validate_json(report.to_json())
    assert again == report and again.schema_version == "1.0"
