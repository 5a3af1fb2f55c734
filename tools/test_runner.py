"""The repository's test command: detected, run in the sandbox, results read per test.

Detection reads the clone: tox.ini / noxfile.py commands first (the project's own statement of how
its tests run; run directly, since the sandbox has no network to build tox/nox environments), then
pytest markers, unittest, `go test`, `npm test`. Outcomes come from what the runner writes for
machines (pytest JUnit XML, `go test -json`; `tools/test_results.py`), from unittest's `-v` text, and
for a runner that reports nothing per test (npm) from the exit code as one test named after the
command. A run that crashed, timed out or collected nothing cannot judge.
"""

import configparser
import json
import re
import shlex
from typing import Any, Literal

from pydantic import BaseModel

from sleuth.models import TestRun
from sleuth.tools.sandbox import Sandbox
from sleuth.tools.test_results import JUNIT_PATH, Outcomes, match_wanted, parse_go_json, parse_junit, pytest_unjudged

Kind = Literal["pytest", "unittest", "go", "npm", "other"]

# `python` is the sandbox interpreter: the first on the sandbox's PATH.
PYTEST = ["python", "-m", "pytest", "-rA", "-p", "no:cacheprovider", "-o", "addopts="]
UNITTEST = ["python", "-m", "unittest", "-v"]

_PYTEST_OUTCOME = re.compile(r"^(PASSED|FAILED|ERROR|XPASS|XFAIL|SKIPPED) (\S+::\S+|\S+\.py)\b")
_UNITTEST_OUTCOME = re.compile(
    r"^(\w+) \(([\w.]+)\)(?:\n.*)? \.\.\. (ok|FAIL|ERROR|skipped|expected failure|unexpected success)", re.M
)
_GO_OUTCOME = re.compile(r"^\s*--- (PASS|FAIL|SKIP): (\S+)", re.M)
_NOX_PYTEST = re.compile(r"""session\.run\(\s*["'](pytest|python)["']""")


class TestCommand(BaseModel):
    """How a repository's tests run, and where sleuth learned it."""

    __test__ = False  # not a pytest test class

    kind: Kind
    argv: list[str]
    source: str


def _kind_of(argv: list[str]) -> Kind:
    words = set(argv)
    if "pytest" in words or any(w.endswith("/pytest") for w in argv):
        return "pytest"
    if "unittest" in words:
        return "unittest"
    if argv[:2] == ["go", "test"]:
        return "go"
    if argv[:1] == ["npm"]:
        return "npm"
    return "other"


def from_configured(argv: list[str]) -> TestCommand:
    """A service's configured test command."""
    return TestCommand(kind=_kind_of(argv), argv=argv, source="configured for the service")


def _from_tox(text: str) -> TestCommand | None:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error:
        return None
    for section in ("testenv", *parser.sections()):
        if parser.has_option(section, "commands"):
            # tox joins a line ending in a backslash with the next; an unparsable line is skipped, not fatal.
            for line in re.sub(r"\\\n", " ", parser.get(section, "commands")).splitlines():
                try:
                    words = shlex.split(line, comments=True)
                except ValueError:
                    continue
                argv = [w for w in words if not w.startswith("{")]
                kind = _kind_of(argv)
                if kind == "pytest":
                    return TestCommand(kind=kind, argv=PYTEST, source=f"tox.ini [{section}] commands")
                if kind == "unittest":
                    return TestCommand(kind=kind, argv=UNITTEST, source=f"tox.ini [{section}] commands")
    return None


def _from_nox(text: str) -> TestCommand | None:
    match = _NOX_PYTEST.search(text)
    if match is None:
        return None
    if match[1] == "pytest" or "pytest" in text[match.end() : match.end() + 80]:
        return TestCommand(kind="pytest", argv=PYTEST, source="noxfile.py session.run")
    if "unittest" in text[match.end() : match.end() + 80]:
        return TestCommand(kind="unittest", argv=UNITTEST, source="noxfile.py session.run")
    return None


def detect_test_command(sandbox: Sandbox) -> TestCommand | None:
    """Detect how the clone's tests run, or None when nothing says."""
    listing = sandbox.run(["git", "ls-files"], timeout=60)
    files = listing.output.splitlines() if listing.exit_code == 0 else []
    names = set(files)
    if "tox.ini" in names and (found := _from_tox(sandbox.read_text("tox.ini") or "")):
        return found
    if "noxfile.py" in names and (found := _from_nox(sandbox.read_text("noxfile.py") or "")):
        return found
    pyproject = sandbox.read_text("pyproject.toml") if "pyproject.toml" in names else ""
    setup_cfg = sandbox.read_text("setup.cfg") if "setup.cfg" in names else ""
    python_tests = [f for f in files if _is_python_test(f)]
    if (
        names & {"pytest.ini", "conftest.py"}
        or "[tool.pytest" in (pyproject or "")
        or "[tool:pytest]" in (setup_cfg or "")
        or any(f.endswith("/conftest.py") for f in files)
    ):
        return TestCommand(kind="pytest", argv=PYTEST, source="pytest configuration")
    if python_tests:
        uses_pytest = any("pytest" in (sandbox.read_text(f) or "") for f in python_tests[:20])
        if uses_pytest or not all("unittest" in (sandbox.read_text(f) or "") for f in python_tests[:20]):
            return TestCommand(kind="pytest", argv=PYTEST, source="test_*.py files")
        return TestCommand(kind="unittest", argv=UNITTEST, source="unittest test files")
    if "go.mod" in names:
        return TestCommand(kind="go", argv=["go", "test", "-v", "./..."], source="go.mod")
    if "package.json" in names:
        try:
            scripts = json.loads(sandbox.read_text("package.json") or "{}").get("scripts", {})
        except (json.JSONDecodeError, AttributeError):
            scripts = {}
        if isinstance(scripts, dict) and "test" in scripts:
            return TestCommand(kind="npm", argv=["npm", "test", "--silent"], source="package.json scripts.test")
    return None


def _is_python_test(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py"))


def is_test_file(path: str) -> bool:
    """Whether a repository path holds tests (any of the detected runners' conventions)."""
    name = path.rsplit("/", 1)[-1]
    return (
        _is_python_test(path)
        or name.endswith("_test.go")
        or bool(re.search(r"\.(test|spec)\.[jt]sx?$", name))
        or "/tests/" in f"/{path}"
    )


def selection_args(command: TestCommand, tests: list[str], files: list[str]) -> list[str] | None:
    """Arguments that narrow a run to these test ids and test files; None when the runner cannot."""
    if command.kind == "pytest":
        return sorted(set(files) | {t for t in tests if t.split("::")[0] not in files})
    if command.kind == "unittest":
        modules = {f[:-3].replace("/", ".") for f in files if f.endswith(".py")}
        return sorted(modules | {t for t in tests if t.rsplit(".", 2)[0] not in modules})
    if command.kind == "go":
        names = sorted({t.rsplit("/", 1)[-1] for t in tests})
        packages = sorted({"./" + f.rsplit("/", 1)[0] if "/" in f else "." for f in files}) or ["./..."]
        return ["-run", f"^({'|'.join(names)})$", *packages] if names else packages
    return None


def parse_outcomes(output: str) -> tuple[list[str], list[str]]:
    """Read (passed, failed) test ids from pytest, unittest and go test output."""
    passed: set[str] = set()
    failed: set[str] = set()
    for line in output.splitlines():
        if match := _PYTEST_OUTCOME.match(line):
            (passed if match[1] in ("PASSED", "XFAIL", "SKIPPED") else failed).add(match[2])
    for match in _UNITTEST_OUTCOME.finditer(output):
        ok = match[3] in ("ok", "skipped", "expected failure")
        (passed if ok else failed).add(match[2])
    for match in _GO_OUTCOME.finditer(output):
        (failed if match[1] == "FAIL" else passed).add(match[2])
    return sorted(passed - failed), sorted(failed)


def _machine_readable(command: TestCommand, argv: list[str]) -> list[str]:
    """The command, told to write results for machines: pytest JUnit XML (with files), go test JSON events."""
    if command.kind == "pytest":
        return [*argv, f"--junitxml={JUNIT_PATH}", "-o", "junit_family=xunit1"]
    if command.kind == "go":
        return ["go", "test", "-json", *[a for a in argv[2:] if a != "-v"]]
    return argv


def _outcomes(command: TestCommand, sandbox: Sandbox, result: Any) -> tuple[Outcomes, str]:
    """What the run's machine-readable results say, and where that came from."""
    if command.kind == "pytest":
        unjudged = pytest_unjudged(result.exit_code)
        text = sandbox.read_text(JUNIT_PATH)
        if text is None:
            outcomes = Outcomes(unjudged=unjudged or "pytest wrote no results")
            return outcomes, "junit"
        outcomes = parse_junit(text)
        outcomes.unjudged = outcomes.unjudged or unjudged
        return outcomes, "junit"
    if command.kind == "go":
        outcomes = parse_go_json(result.output)
        if result.exit_code not in (0, 1) and not outcomes.unjudged:
            outcomes.unjudged = f"go test exited with {result.exit_code}"
        return outcomes, "go-json"
    passed, failed = parse_outcomes(result.output)
    outcomes = Outcomes(set(passed), set(failed))
    if command.kind == "unittest" and (
        "unittest.loader._FailedTest" in result.output or "ImportError" in result.output
    ):
        outcomes.unjudged = "a test module could not be imported"
    if not passed and not failed:
        # A runner with no per-test report: the whole run is one test, judged by its exit code.
        (outcomes.passed if result.exit_code == 0 else outcomes.failed).add(" ".join(command.argv))
        return outcomes, "exit code"
    return outcomes, "text"


def run_tests(
    sandbox: Sandbox,
    command: TestCommand,
    tests: list[str] | None = None,
    files: list[str] | None = None,
    timeout: float = 300,
) -> TestRun:
    """Run the test command, narrowed to tests/files when the runner allows, and read each outcome.

    A run that crashed, timed out, was interrupted or collected nothing says so (`unjudged`) and
    must not be read as passing or failing; a wanted test the results do not name is `missing`.
    """
    wanted = list(tests or [])
    narrow = selection_args(command, wanted, list(files or [])) if (wanted or files) else []
    argv = [*command.argv, *(narrow or [])]
    if unbuilt := getattr(sandbox, "environment_error", None):
        return TestRun(command=argv, exit_code=None, missing=wanted, unjudged=unbuilt, results_from="none")
    if command.kind == "pytest":
        sandbox.run(["rm", "-f", JUNIT_PATH], timeout=30)  # no earlier run's results
    result = sandbox.run(_machine_readable(command, argv), timeout=timeout)
    outcomes, source = _outcomes(command, sandbox, result)
    if result.timed_out:
        outcomes.unjudged = f"the tests timed out after {timeout:.0f}s"
    elif getattr(result, "limit_exceeded", None):
        outcomes.unjudged = f"the tests exceeded the {result.limit_exceeded}"
    passed, failed = set(outcomes.passed), set(outcomes.failed)
    missing = []
    for test, ran_as in match_wanted(wanted, passed | failed).items():
        if ran_as is None:
            missing.append(test)
        elif ran_as != test:  # named as the incident named it, too
            (failed if ran_as in failed else passed).add(test)
    tail = "\n".join(result.output.splitlines()[-40:])
    if result.timed_out:
        tail += f"\n[sleuth] tests timed out after {timeout:.0f}s"
    return TestRun(
        command=argv,
        exit_code=result.exit_code,
        passed=sorted(passed - failed),
        failed=sorted(failed),
        missing=missing,
        unjudged=outcomes.unjudged,
        results_from=source,
        seconds=result.seconds,
        output_tail=tail,
    )
