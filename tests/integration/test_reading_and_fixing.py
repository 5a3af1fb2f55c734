"""End to end on generated incidents: reading past the stack, and fixes that tests refuse."""

from pathlib import Path

import pytest

from sleuth.api import investigate
from sleuth.config import Settings
from sleuth.evals.scenarios import fault_outside_the_frames, regression_in_long_window, revert_breaks_a_test


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("scenarios")


def test_cites_the_faulty_function_that_no_stack_frame_names(scenarios: Path) -> None:
    scenario = fault_outside_the_frames(scenarios)
    report = investigate(scenario.incident, scenario.repo, settings=Settings(), use_index=False)
    framed = {f.repo_path for f in report.signals.app_frames()}
    assert "app/settings.py" not in framed and "app/worker.py" in framed

    top = report.hypotheses[0]
    assert top.culprit_sha == scenario.culprit_sha
    assert top.file == "app/settings.py"
    cited = [e for e in top.evidence if e.role == "callee"]
    assert any(e.kind == "code" and "retry_delay()" in e.summary and e.excerpt for e in cited), top.evidence
    assert any(e.kind == "diff" and e.sha == scenario.culprit_sha for e in cited)
    # Reading found it on the call path; none of the changes to the frames' file is blamed.
    culprit = next(c for c in report.candidates if c.change.sha == scenario.culprit_sha)
    assert culprit.features["call_path"] == 1.0 and culprit.features["blame_frame_line"] == 0.0
    assert all(c.features.get("call_path", 0.0) == 0.0 for c in report.candidates if c is not culprit)

    fix = report.fix
    assert fix is not None and fix.validated, fix and fix.tried
    assert fix.files == ["app/settings.py"] and 'retry_delay", 2.0' in fix.diff
    assert (
        sorted(fix.reproducers)
        == sorted(scenario.reproducers)
        == ["tests/test_worker.py::test_job_id", "tests/test_worker.py::test_rate"]
    )
    assert fix.after and set(fix.after.passed) == set(scenario.reproducers) and not fix.after.failed


def test_a_revert_that_breaks_another_test_is_reported_not_validated(scenarios: Path) -> None:
    scenario = revert_breaks_a_test(scenarios)
    report = investigate(scenario.incident, scenario.repo, settings=Settings(), use_index=False)
    assert report.hypotheses[0].culprit_sha == scenario.culprit_sha
    fix = report.fix
    assert fix is not None and fix.applied and not fix.validated
    assert "tests/test_settings.py::test_fast_retries_by_default" in fix.validation_summary
    assert fix.before and "tests/test_settings.py::test_fast_retries_by_default" in fix.before.passed
    assert fix.after and "tests/test_settings.py::test_fast_retries_by_default" in fix.after.failed
    assert "tests/test_worker.py::test_rate" in fix.after.passed  # the incident itself is fixed
    assert fix.test_files == ["tests/test_settings.py", "tests/test_worker.py"]
    assert fix.tried and all("not validated" in attempt for attempt in fix.tried)
    assert "NOT validated" in report.verdict


def test_a_wrong_suspect_is_replaced_by_the_change_bisection_finds(scenarios: Path) -> None:
    scenario = regression_in_long_window(scenarios, changes=16, culprit_at=5, decoy=True)
    report = investigate(scenario.incident, scenario.repo, settings=Settings(), use_index=False)
    confirmation = report.confirmation
    assert confirmation is not None and confirmation.confirmed
    assert confirmation.culprit_sha == scenario.culprit_sha == report.hypotheses[0].culprit_sha
    assert report.candidates[0].features["reproduced"] == 1.0
    assert confirmation.plain_bisect_runs == 5 and confirmation.window_size == 17
    assert confirmation.method == "bisect" and "git bisect found" in confirmation.summary
    assert 3 < confirmation.test_runs <= 3 + 5
    assert report.hypotheses[0].confidence >= 0.9
    assert report.fix is not None and report.fix.validated, report.fix and report.fix.tried
