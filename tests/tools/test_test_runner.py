"""Test command detection over real clones, and per-test outcomes from each runner's real output."""

from pathlib import Path

import pytest

from sleuth.tools.sandbox import BubblewrapSandbox
from sleuth.tools.test_runner import PYTEST, UNITTEST, detect_test_command, parse_outcomes, run_tests, selection_args
from tests.conftest import commit_files, new_repo


def detected(tmp_path: Path, files: dict[str, str]):
    repo = new_repo(tmp_path / "r")
    commit_files(repo, files, "layout")
    with BubblewrapSandbox() as sandbox:
        sandbox.clone(repo, "HEAD")
        return detect_test_command(sandbox)


@pytest.mark.parametrize(
    ("files", "kind", "source"),
    [
        (
            {"tox.ini": "[tox]\nenvlist = py311\n[testenv]\ndeps = pytest\ncommands = pytest {posargs} -q\n"},
            "pytest",
            "tox.ini",
        ),
        ({"tox.ini": "[testenv]\ncommands = python -m unittest discover\n"}, "unittest", "tox.ini"),
        # A command continued over lines with a backslash (tox joins them), and one left dangling.
        (
            {"tox.ini": "[testenv]\ncommands =\n    flake8 \\\n\n    pytest \\\n      --cov app {posargs}\n"},
            "pytest",
            "tox.ini",
        ),
        (
            {"noxfile.py": "import nox\n@nox.session\ndef tests(session):\n    session.run('pytest', '-q')\n"},
            "pytest",
            "noxfile",
        ),
        ({"pyproject.toml": "[tool.pytest.ini_options]\ntestpaths = ['tests']\n"}, "pytest", "pytest configuration"),
        (
            {"tests/test_a.py": "import unittest\nclass T(unittest.TestCase):\n    def test_a(self): pass\n"},
            "unittest",
            "unittest",
        ),
        ({"tests/test_a.py": "def test_a():\n    assert True\n"}, "pytest", "test_*.py"),
        ({"go.mod": "module example.com/x\n", "x_test.go": "package x\n"}, "go", "go.mod"),
        ({"package.json": '{"scripts": {"test": "jest"}}'}, "npm", "package.json"),
    ],
)
def test_detects_the_projects_runner(tmp_path: Path, files: dict[str, str], kind: str, source: str) -> None:
    command = detected(tmp_path, files)
    assert command is not None and command.kind == kind and source in command.source


def test_nothing_to_detect_is_none(tmp_path: Path) -> None:
    assert detected(tmp_path, {"README.md": "hello\n", "package.json": '{"name": "x"}'}) is None


def test_a_tox_command_shlex_cannot_split_is_skipped_not_a_crash(tmp_path: Path) -> None:
    # tox's own history has one (a dangling backslash); it crashed whole investigations.
    assert detected(tmp_path, {"tox.ini": "[testenv]\ncommands = coverage run -m pytest \\"}) is None


def test_reads_outcomes_of_pytest_unittest_and_go() -> None:
    pytest_out = "PASSED tests/test_a.py::test_ok\nFAILED tests/test_a.py::test_bad - AssertionError\n"
    unittest_out = (
        "test_add (tests.test_m.MathTest.test_add) ... ok\n"
        "test_div (tests.test_m.MathTest.test_div) ... FAIL\n"
        "test_doc (tests.test_m.MathTest.test_doc)\nA docstring. ... ERROR\n"
    )
    go_out = "=== RUN   TestParse\n--- PASS: TestParse (0.00s)\n--- FAIL: TestRound (0.01s)\n"
    passed, failed = parse_outcomes(pytest_out + unittest_out + go_out)
    assert passed == ["TestParse", "tests.test_m.MathTest.test_add", "tests/test_a.py::test_ok"]
    assert failed == [
        "TestRound",
        "tests.test_m.MathTest.test_div",
        "tests.test_m.MathTest.test_doc",
        "tests/test_a.py::test_bad",
    ]


def test_selection_narrows_each_runner() -> None:
    from sleuth.tools.test_runner import TestCommand

    pytest_cmd = TestCommand(kind="pytest", argv=PYTEST, source="x")
    assert selection_args(pytest_cmd, ["tests/test_a.py::t1", "tests/test_b.py::t2"], ["tests/test_a.py"]) == [
        "tests/test_a.py",
        "tests/test_b.py::t2",
    ]
    unittest_cmd = TestCommand(kind="unittest", argv=UNITTEST, source="x")
    assert selection_args(unittest_cmd, ["tests.test_m.T.test_a"], ["tests/test_n.py"]) == [
        "tests.test_m.T.test_a",
        "tests.test_n",
    ]
    go_cmd = TestCommand(kind="go", argv=["go", "test", "-v"], source="x")
    assert selection_args(go_cmd, ["TestRound"], ["pkg/round_test.go"]) == ["-run", "^(TestRound)$", "./pkg"]
    assert selection_args(TestCommand(kind="npm", argv=["npm", "test"], source="x"), ["a"], []) is None


def test_runs_unittest_in_the_sandbox_and_reads_each_test(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "r")
    commit_files(
        repo,
        {
            "tests/__init__.py": "",
            "tests/test_m.py": "import unittest\n\nclass MathTest(unittest.TestCase):\n"
            "    def test_add(self):\n        self.assertEqual(1 + 1, 2)\n\n"
            "    def test_div(self):\n        self.assertEqual(1 / 2, 1)\n",
        },
        "tests",
    )
    with BubblewrapSandbox() as sandbox:
        sandbox.clone(repo, "HEAD")
        command = detect_test_command(sandbox)
        assert command is not None and command.kind == "unittest"
        run = run_tests(sandbox, command, tests=["tests.test_m.MathTest.test_div"], files=["tests/test_m.py"])
    assert run.passed == ["tests.test_m.MathTest.test_add"]
    assert run.failed == ["tests.test_m.MathTest.test_div"]


def test_pytest_results_come_from_junit_and_a_crashed_run_judges_nothing(tmp_path: Path) -> None:
    from sleuth.agents.draft_fix import judge

    repo = new_repo(tmp_path / "r")
    commit_files(
        repo,
        {
            "pytest.ini": "[pytest]\n",
            "tests/test_p.py": "import pytest\n\n@pytest.mark.parametrize('x', ['Jun 17', 'a, b'])\n"
            "def test_date(x):\n    assert x != 'a, b'\n",
        },
        "tests",
    )
    wanted = "tests/test_p.py::test_date[a, b]"
    with BubblewrapSandbox() as sandbox:
        sandbox.clone(repo, "HEAD")
        command = detect_test_command(sandbox)
        assert command is not None and command.kind == "pytest"
        good = run_tests(sandbox, command, tests=[wanted], files=["tests/test_p.py"])
        sandbox.write_text("conftest.py", "raise RuntimeError('the conftest is broken')\n")
        crashed = run_tests(sandbox, command, tests=[wanted], files=["tests/test_p.py"])
    assert good.results_from == "junit" and good.unjudged is None
    assert good.failed == [wanted] and good.passed == ["tests/test_p.py::test_date[Jun 17]"]
    assert crashed.unjudged and crashed.passed == [] and crashed.failed == []
    validated, why = judge([wanted], good, crashed)
    assert not validated and why.startswith("could not judge") and "none broke" not in why
