"""The repository's test command: detected, run in the sandbox, results read per test."""

import re
import sys
from pathlib import Path

from sleuth.models import TestRun
from sleuth.tools.sandbox import Sandbox

_OUTCOME = re.compile(r"^(PASSED|FAILED|ERROR|XPASS|XFAIL|SKIPPED) (\S+)")


def detect_test_command(repo_dir: Path) -> list[str] | None:
    """Return the pytest command when the repository looks like a pytest project, else None."""
    markers = ("pytest.ini", "conftest.py")
    has_tests = any(repo_dir.glob("test*/**/test_*.py")) or any(repo_dir.glob("test_*.py"))
    if has_tests or any((repo_dir / name).exists() for name in markers):
        return [sys.executable, "-m", "pytest", "-rA", "-p", "no:cacheprovider", "-o", "addopts="]
    return None


def run_tests(
    sandbox: Sandbox, command: list[str], selection: list[str] | None = None, timeout: float = 300
) -> TestRun:
    """Run the test command (optionally on selected test ids) and read each test's outcome."""
    full = [*command, *(selection or [])]
    result = sandbox.run(full, timeout=timeout)
    passed: list[str] = []
    failed: list[str] = []
    for line in result.output.splitlines():
        match = _OUTCOME.match(line)
        if match:
            (passed if match[1] in ("PASSED", "XFAIL") else failed).append(match[2])
    for test in selection or []:
        # A selected test that never ran (import error, missing file) counts as failing.
        if "::" in test and test not in passed and test not in failed:
            failed.append(test)
    tail = "\n".join(result.output.splitlines()[-40:])
    if result.timed_out:
        tail += f"\n[sleuth] tests timed out after {timeout:.0f}s"
    return TestRun(
        command=full,
        exit_code=result.exit_code,
        passed=sorted(set(passed)),
        failed=sorted(set(failed) - set(passed)),
        seconds=result.seconds,
        output_tail=tail,
    )
