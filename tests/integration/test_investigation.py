"""End to end: the graph over the demo estate's real git history, with real bubblewrap and tests."""

from datetime import timedelta
from pathlib import Path

import pytest

from sleuth.api import investigate
from sleuth.config import Settings
from sleuth.demo.estate import Estate
from sleuth.models import ErrorClass, Incident


def test_names_the_planted_culprit_with_evidence_and_a_validated_fix(estate: Estate) -> None:
    progress: list[str] = []
    report = investigate(
        estate.incident,
        estate.repos["payments"],
        deploys=estate.deploys,
        settings=Settings(),
        on_progress=lambda node, _: progress.append(node),
    )
    assert progress[:3] == ["plan", "locate_code", "search_changes"] and progress[-1] == "report"
    assert report.candidates[0].change.sha == estate.culprit_sha
    assert report.candidates[0].features["blame_frame_line"] > 0
    top = report.hypotheses[0]
    assert top.culprit_sha == estate.culprit_sha and not top.discounted
    assert (top.file, top.line) == ("payments/currency.py", 24)
    assert top.confidence >= 0.6
    blame = [e for e in top.evidence if e.kind == "blame"]
    assert blame and blame[0].sha == estate.culprit_sha
    code = [e for e in top.evidence if e.kind == "code" and e.excerpt]
    assert any("return RATES[currency]" in "\n".join(e.excerpt.lines) for e in code)
    fix = report.fix
    assert fix is not None and fix.applied and fix.validated, fix and fix.validation_summary
    assert "-    return RATES[currency]" in fix.diff and "CENT" not in fix.diff
    assert fix.before and fix.after and not fix.after.failed
    assert fix.reproducers == ["tests/smoke/test_checkout_smoke.py::test_checkout_accepts_lowercase_currency"]
    # The change merged after the last deploy is ruled out on timing, not blamed.
    chf = next(c for c in report.candidates if c.change.title == "Add CHF exchange rate")
    assert chf.timing == "not_shipped"
    # Nothing merged after the incident is considered.
    assert all(c.change.merged_at < estate.incident.started_at for c in report.candidates)


def test_without_deploys_uses_merge_times_and_still_finds_it(estate: Estate) -> None:
    report = investigate(estate.incident, estate.repos["payments"], settings=Settings())
    assert report.hypotheses[0].culprit_sha == estate.culprit_sha
    assert {c.timing for c in report.candidates} == {"merged_before"}


def test_dependency_outage_is_not_blamed_on_a_change(estate: Estate) -> None:
    logs = (
        "Traceback (most recent call last):\n"
        '  File "/app/.venv/lib/python3.11/site-packages/urllib3/connection.py", line 203, in _new_conn\n'
        "    sock = connection.create_connection(\n"
        "ConnectionRefusedError: [Errno 111] Connection refused\n"
    )
    incident = Incident(
        title="Checkout cannot reach the fraud-scoring API",
        logs=logs,
        started_at=estate.incident.started_at,
        service="payments",
    )
    report = investigate(incident, estate.repos["payments"], deploys=estate.deploys, settings=Settings())
    top = report.hypotheses[0]
    assert top.culprit_sha is None and top.error_class == ErrorClass.DEPENDENCY_DOWN
    assert report.fix is None


def test_workspace_is_deleted_when_the_investigation_fails(estate: Estate, monkeypatch: pytest.MonkeyPatch) -> None:
    from sleuth.tools import sandbox as sandbox_module

    created: list[Path] = []
    original = sandbox_module.BubblewrapSandbox.__init__

    def tracking_init(self, *args, **kwargs) -> None:
        original(self, *args, **kwargs)
        created.append(self.root)

    monkeypatch.setattr(sandbox_module.BubblewrapSandbox, "__init__", tracking_init)
    incident = estate.incident.model_copy(update={"started_at": estate.incident.started_at - timedelta(days=400)})
    with pytest.raises(Exception, match=r"no commits before|no changes"):
        investigate(incident, estate.repos["payments"], settings=Settings())
    assert created == []  # failed before any node needed a workspace: none was made

    def broken_reading(*args, **kwargs):
        raise RuntimeError("reading failed")

    monkeypatch.setattr("sleuth.agents.nodes.clone_and_read", broken_reading)
    with pytest.raises(RuntimeError, match="reading failed"):
        investigate(estate.incident, estate.repos["payments"], deploys=estate.deploys, settings=Settings())
    assert len(created) == 1 and not created[0].exists()  # made for the reading, deleted on the failure


def test_investigation_ranks_with_the_change_index(estate: Estate, tmp_path: Path) -> None:
    from sleuth import index_api

    settings = Settings(
        services={"payments": {"repo": str(estate.repos["payments"])}},
        index={"path": str(tmp_path / "index")},
    )
    index_api.sync(settings)
    index_api.ingest_deploys(settings, estate.deploys)
    # No deploys passed: they come from the index, and so does the ranking's semantic signal.
    report = investigate(estate.incident, settings=settings)
    assert report.top is not None and report.top.culprit_sha == estate.culprit_sha
    top = report.candidates[0]
    assert top.timing == "shipped_before"
    assert {"semantic", "lexical", "blame_frame_line"} <= set(top.features)
    assert top.change.enrichment is not None and "payments/currency.py:rate_for" in top.change.enrichment.symbols
    assert any(note.startswith("change index: 45 changes of payments") for note in report.notes)
    ruled_out = [c for c in report.candidates if c.timing == "not_shipped"]
    assert ruled_out, "the change merged after the last deploy is still ruled out on timing"


def test_repository_missing_from_the_index_falls_back_to_git(estate: Estate, tmp_path: Path) -> None:
    settings = Settings(index={"path": str(tmp_path / "index")})
    (tmp_path / "index").mkdir()
    from sleuth import index_api

    index_api.sync(settings, [str(estate.repos["inventory"])])
    report = investigate(estate.incident, estate.repos["payments"], deploys=estate.deploys, settings=settings)
    assert report.top is not None and report.top.culprit_sha == estate.culprit_sha
    # Without the index, the window's headlines are embedded in memory: the semantic signal stays.
    assert "semantic" in report.candidates[0].features
    assert any("payments is not in the change index" in note for note in report.notes)


def test_catalogue_narrows_an_unmapped_incident_to_its_repository(estate: Estate, tmp_path: Path) -> None:
    from sleuth import index_api

    # Three repositories are configured under other service names; none is mapped to "payments".
    settings = Settings(
        services={f"svc-{name}": {"repo": str(path)} for name, path in estate.repos.items()},
        index={"path": str(tmp_path / "index")},
    )
    index_api.sync(settings)
    report = investigate(estate.incident, deploys=estate.deploys, settings=settings, use_index=False)
    assert report.repo == str(estate.repos["payments"])
    chosen = [n for n in report.notes if n.startswith("repository chosen from the catalogue: payments")]
    assert chosen and "stack-frame files exist here" in chosen[0]
    assert report.top is not None and report.top.culprit_sha == estate.culprit_sha


def test_a_deploy_of_an_unknown_sha_cannot_block_an_investigation(estate: Estate) -> None:
    from sleuth.models import Deploy

    last = max(estate.deploys, key=lambda d: d.at)
    stray = Deploy(service=last.service, sha="feedface" * 5, at=last.at + (estate.incident.started_at - last.at) / 2)
    report = investigate(
        estate.incident, estate.repos["payments"], deploys=[*estate.deploys, stray], settings=Settings()
    )
    assert report.candidates[0].change.sha == estate.culprit_sha
    assert any("feedfacefeed" in note and "ignored" in note for note in report.notes)
