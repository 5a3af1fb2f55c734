"""The run journal reuses a finished case only while nothing that decided its result has changed."""

from pathlib import Path

from sleuth.evals.cases import EvalCase
from sleuth.evals.journal import RunJournal, run_key
from sleuth.evals.metrics import CaseResult

VERSION = {"commit": "a" * 40, "dirty": False}


def _case(id: str, description: str = "checkout fails with KeyError: 'currency'") -> EvalCase:
    return EvalCase.model_validate(
        {
            "id": id,
            "repo": "/srv/repo",
            "incident": {"description": description, "started_at": "2026-01-02T00:00:00Z"},
            "truth": {"culprit": "b" * 40},
        }
    )


def test_only_results_of_the_same_case_mode_weights_and_commit_come_back(tmp_path: Path) -> None:
    key = run_key(mode="offline", model=None, weights={"lexical": 1.0}, version=VERSION)
    journal = RunJournal(tmp_path / "j.jsonl", key)
    one, two, broken = _case("one"), _case("two"), _case("broken")
    journal.append(one, CaseResult(id="one", culprit="b" * 40, ranks={"sleuth": 1}))
    journal.append(two, CaseResult(id="two", culprit="b" * 40, ranks={"sleuth": 3}))
    journal.append(broken, CaseResult(id="broken", culprit="b" * 40, error="git failed"))  # errors run again
    assert set(journal.finished([one, two, broken])) == {"one", "two"}
    edited = _case("two", description="the case was edited since")
    assert set(journal.finished([one, edited])) == {"one"}
    for changed in (
        run_key(mode="offline", model=None, weights={"lexical": 2.0}, version=VERSION),
        run_key(mode="llm", model="m", weights={"lexical": 1.0}, version=VERSION),
        run_key(mode="offline", model=None, weights={"lexical": 1.0}, version={"commit": "c" * 40}),
    ):
        assert RunJournal(journal.path, changed).finished([one, two]) == {}
    journal.remove()
    assert journal.finished([one]) == {} and not journal.path.exists()


def test_a_torn_last_line_costs_only_itself(tmp_path: Path) -> None:
    key = run_key(mode="offline", model=None, weights={"lexical": 1.0}, version=VERSION)
    journal = RunJournal(tmp_path / "j.jsonl", key)
    one, two, three = _case("one"), _case("two"), _case("three")
    journal.append(one, CaseResult(id="one", culprit="b" * 40, ranks={"sleuth": 1}))
    journal.append(two, CaseResult(id="two", culprit="b" * 40, ranks={"sleuth": 2}))
    whole = journal.path.read_bytes()
    journal.path.write_bytes(whole[: len(whole) - 25])  # killed while writing "two"
    # The resumed run appends the next case; it must not glue onto the torn line.
    resumed = RunJournal(journal.path, key)
    assert set(resumed.finished([one, two, three])) == {"one"}
    resumed.append(three, CaseResult(id="three", culprit="b" * 40, ranks={"sleuth": 1}))
    resumed.append(two, CaseResult(id="two", culprit="b" * 40, ranks={"sleuth": 2}))
    assert set(resumed.finished([one, two, three])) == {"one", "two", "three"}
