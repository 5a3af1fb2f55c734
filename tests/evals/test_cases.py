"""The case loader accepts EVALS.md's format exactly and names the line of every malformed case."""

import json
from pathlib import Path

import pytest

from sleuth.errors import SleuthError
from sleuth.evals.cases import load_cases
from tests.conftest import commit_files, new_repo

GOOD = {
    "id": "c1",
    "repo": "svc",
    "branch": "main",
    "incident": {"title": "t", "description": "d", "logs": "l", "started_at": "2024-02-23T01:34:32Z", "service": "s"},
    "window_days": 14,
    "deploys": [{"service": "s", "environment": "production", "sha": "abc1234", "at": "2024-02-22T01:00:00Z"}],
    "truth": {
        "culprit": "0123456789abcdef0123456789abcdef01234567",
        "files": ["a.py"],
        "line": 3,
        "category": "logic_bug",
        "failing_tests": ["t.py::test_x"],
    },
    "tags": ["revert", "strict"],
}
MINIMAL = {
    "id": "c2",
    "repo": "svc",
    "incident": {"title": "t", "started_at": "2024-02-23T01:34:32"},
    "truth": {"culprit": None},
}


@pytest.fixture
def suite_dir(tmp_path: Path) -> Path:
    commit_files(new_repo(tmp_path / "svc"), {"a.py": "x = 1\n"}, "init")
    return tmp_path


def write(directory: Path, *lines: object) -> Path:
    path = directory / "cases.jsonl"
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n")
    return path


def with_change(case: dict, dotted: str, value: object) -> dict:
    copy = json.loads(json.dumps(case))
    *parents, last = dotted.split(".")
    target = copy
    for part in parents:
        target = target[part]
    if value is DELETE:
        del target[last]
    else:
        target[last] = value
    return copy


DELETE = object()


def test_full_and_minimal_cases_load_with_repo_relative_to_the_file(suite_dir: Path) -> None:
    cases = load_cases(write(suite_dir, GOOD, "", MINIMAL))
    assert [c.id for c in cases] == ["c1", "c2"]
    assert cases[0].repo == str((suite_dir / "svc").resolve())
    assert cases[1].incident.started_at.tzinfo is not None  # a naive time is UTC
    assert cases[1].window_days == 14 and cases[1].truth.culprit is None
    investigator = cases[0].investigator_incident()
    assert "culprit" not in investigator.model_dump_json() and investigator.id is None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        (with_change(GOOD, "id", DELETE), "id: Field required"),
        (with_change(GOOD, "repo", DELETE), "repo: Field required"),
        (with_change(GOOD, "incident.started_at", DELETE), "incident.started_at: Field required"),
        (with_change(GOOD, "incident.started_at", "yesterday"), "incident.started_at"),
        (with_change(GOOD, "truth.culprit", DELETE), "truth.culprit: Field required"),
        (with_change(GOOD, "truth", DELETE), "truth: Field required"),
        (with_change(GOOD, "severity", "high"), "severity: unknown field"),
        (with_change(GOOD, "incident.severity", "high"), "incident.severity: unknown field"),
        (with_change(GOOD, "truth.cause", "x"), "truth.cause: unknown field"),
        (
            with_change(GOOD, "deploys", [{"service": "s", "sha": "a", "at": "2024-01-01T00:00:00Z", "by": "x"}]),
            "deploys.0.by: unknown field",
        ),
        (with_change(GOOD, "window_days", "two weeks"), "window_days"),
        (with_change(GOOD, "window_days", 0), "window_days"),
        (with_change(GOOD, "truth.category", "bug"), "truth.category"),
        (with_change(GOOD, "truth.culprit", "HEAD~1"), "culprit must be a commit sha or null"),
        (with_change(GOOD, "tags", "strict"), "tags"),
        (
            with_change(with_change(GOOD, "incident.title", ""), "incident.description", ""),
            "needs a title or a description",
        ),
        (with_change(GOOD, "repo", "missing-repo"), "repo not found"),
    ],
)
def test_every_malformed_case_is_refused_with_its_line(suite_dir: Path, line: object, expected: str) -> None:
    path = write(suite_dir, MINIMAL, line)
    with pytest.raises(SleuthError) as error:
        load_cases(path)
    assert f"{path}:2:" in str(error.value)
    assert expected in str(error.value)


def test_duplicate_ids_empty_and_binary_files_are_refused(suite_dir: Path) -> None:
    with pytest.raises(SleuthError, match=r":2: duplicate case id 'c2' \(first on line 1\)"):
        load_cases(write(suite_dir, MINIMAL, MINIMAL))
    with pytest.raises(SleuthError, match="has no cases"):
        load_cases(write(suite_dir, "", "  "))
    binary = suite_dir / "cases.bin"
    binary.write_bytes(b"\x00\x01\x02" * 10)
    with pytest.raises(SleuthError, match="binary"):
        load_cases(binary)
    with pytest.raises(SleuthError, match="not found"):
        load_cases(suite_dir / "nope.jsonl")
