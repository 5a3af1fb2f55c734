"""The verdict says "Culprit" only at a confidence the eval calibration trusts; the faulty line is a logic
line of library code, not an import, a comment, a test or a doc."""

from datetime import UTC, datetime

from sleuth.agents.hypothesize import _faulty_location, _is_logic
from sleuth.agents.report import verdict, verdict_threshold
from sleuth.evals.calibration import calibration
from sleuth.evals.metrics import CaseResult
from sleuth.models import Candidate, Change, CodeExcerpt, ErrorClass, Evidence, Hypothesis, Signals

WHEN = datetime(2026, 10, 29, tzinfo=UTC)


def _hypothesis(rank: int, sha: str, confidence: float) -> Hypothesis:
    return Hypothesis(
        rank=rank,
        confidence=confidence,
        error_class=ErrorClass.LOGIC_BUG,
        culprit_sha=sha,
        culprit_title=f"change {sha[:4]}",
        file="src/app.py",
        line=12,
        explanation="x",
    )


def test_below_the_calibrated_threshold_the_report_lists_suspects() -> None:
    low = verdict({"hypotheses": [_hypothesis(1, "a" * 40, 0.22), _hypothesis(2, "b" * 40, 0.18)]})
    assert low.startswith("Top suspects: aaaaaaaaaa (0.22), bbbbbbbbbb (0.18)") and "Culprit" not in low
    high = verdict({"hypotheses": [_hypothesis(1, "a" * 40, 0.91)]})
    assert high.startswith('Culprit aaaaaaaaaa "change aaaa" at src/app.py:12')
    assert 0 < verdict_threshold() < 1


def test_a_location_without_a_line_is_said_plainly() -> None:
    top = _hypothesis(1, "a" * 40, 0.9).model_copy(update={"line": None})
    assert ":None" not in verdict({"hypotheses": [top]})


def test_the_faulty_line_skips_imports_comments_tests_and_docs() -> None:
    sha = "c" * 40
    change = Change(
        sha=sha,
        repo="r",
        title="t",
        committed_at=WHEN,
        merged_at=WHEN,
        files=["docs/license.md", "tests/test_more.py", "src/adapters.py"],
    )
    candidate = Candidate(change=change, timing="shipped_before")
    excerpt = CodeExcerpt(
        path="src/adapters.py",
        start_line=7,
        focus_line=20,
        lines=["import ssl", "# retry budget", *["x = 1"] * 10, "    if retries > budget:", *["y"] * 6],
        blame={7: sha, 8: sha, 19: sha},
    )
    evidence = [
        Evidence(kind="blame", summary="doc line", sha=sha, path="docs/license.md", line=3),
        Evidence(kind="blame", summary="test line", sha=sha, path="tests/test_more.py", line=4038),
        Evidence(kind="code", summary="frame", path="src/adapters.py", line=20, excerpt=excerpt),
    ]
    signals = Signals(first_error_at=WHEN)
    assert _faulty_location(candidate, signals, evidence) == ("src/adapters.py", 19)
    assert not _is_logic("import os") and not _is_logic("  # comment") and _is_logic("return RATES[code]")


def test_calibration_bands_and_the_learned_threshold() -> None:
    def case(i: int, confidence: float, right: bool) -> CaseResult:
        return CaseResult(id=str(i), culprit="a", named_culprit="a" if right else "b", confidence=confidence)

    results = [case(0, 0.1, False), case(1, 0.15, False), *[case(i, 0.5 + i / 100, True) for i in range(2, 7)]]
    fitted = calibration(results)
    assert fitted["threshold"] == 0.52 and fitted["cases"] == 7
    assert fitted["bands"][0] == {"from": 0.0, "to": 0.2, "cases": 2, "right": 0}


def test_the_explanation_says_where_the_error_is_raised_only_of_the_raising_line() -> None:
    from sleuth.agents.clone_and_read import _with_article
    from sleuth.agents.hypothesize import _explain
    from sleuth.models import ParsedException, StackFrame

    change = Change(sha="d" * 40, repo="r", title="Add receipts", author="Aisha", committed_at=WHEN, merged_at=WHEN)
    raising = StackFrame(file="payments/currency.py", line=24, function="rate_for", in_app=True)
    raising.repo_path = "payments/currency.py"
    signals = Signals(
        first_error_at=WHEN,
        exceptions=[ParsedException(type="KeyError", message="'eur'", frames=[raising])],
    )
    candidate = Candidate(change=change, timing="shipped_before")
    elsewhere = _explain(candidate, "payments/checkout.py", 26, signals)
    assert "where KeyError" not in elsewhere and "KeyError: 'eur' is raised at payments/currency.py:24" in elsewhere
    assert "where KeyError: 'eur' is raised" in _explain(candidate, "payments/currency.py", 24, signals)
    assert _with_article("call of convert() (the failing function)") == "a call of convert() (the failing function)"
    assert _with_article("definition of x(), called at a.py:3") == "the definition of x(), called at a.py:3"


def test_library_frames_of_the_investigated_repository_are_its_own_code() -> None:
    from sleuth.agents.search_changes import map_frames
    from sleuth.models import ParsedException, StackFrame

    frames = [
        StackFrame(file="/usr/lib/python3/site-packages/requests/adapters.py", line=8, function="send", in_app=False),
        StackFrame(file="/usr/lib/python3/site-packages/urllib3/poolmanager.py", line=3, function="u", in_app=False),
        StackFrame(file="/venv/site-packages/flask/app.py", line=9, function="run", in_app=False),
    ]
    signals = Signals(first_error_at=WHEN, exceptions=[ParsedException(type="E", message="m", frames=frames)])
    mapped = map_frames(signals, ["src/requests/adapters.py", "app.py", "tests/test_x.py"])
    assert [f.in_app for f in mapped.exceptions[0].frames] == [True, False, False]  # only the repo's own package
