"""confirm-culprit: prove the leading suspect by reproduction, or find the culprit by bisection.

With a reproducer (the failing tests the incident names), the suspect must fail it and its
first parent must pass it: two test runs. Each probe checks out the commit and restores the
reproducers' test files from the investigated ref, so a test added after the suspect still runs.
When that does not hold, `git bisect run --first-parent` over the window finds the first change
that fails it, inside the sandbox. The report compares the runs used with what plain `git bisect`
over the same window needs (about log2 of the window's size).
"""

import math
import re
import shlex

from sleuth.agents.draft_fix import affected_test_files
from sleuth.models import CulpritConfirmation
from sleuth.tools.sandbox import Sandbox
from sleuth.tools.test_runner import TestCommand, run_tests, selection_args

SCRIPT = ".git/sleuth-bisect.sh"
_FIRST_BAD = re.compile(r"^([0-9a-f]{40}) is the first bad commit", re.M)


def plain_bisect_runs(window_size: int) -> int:
    """Test runs plain `git bisect` needs to isolate one change among `window_size` (both ends given)."""
    return math.ceil(math.log2(window_size)) if window_size > 1 else 0


def _git(sandbox: Sandbox, *args: str) -> str:
    result = sandbox.run(["git", *args], timeout=120)
    return result.output.strip() if result.exit_code == 0 else ""


def _restore(sandbox: Sandbox, ref: str) -> None:
    _git(sandbox, "reset", "--hard", "--quiet")
    _git(sandbox, "clean", "-fdq")
    _git(sandbox, "checkout", "--quiet", "--detach", ref)


def _probe(sandbox: Sandbox, command: TestCommand, sha: str, ref: str, tests: list[str], files: list[str]) -> str:
    """'bad' when a reproducer fails at sha, 'good' when all pass, 'skip' when they could not run."""
    _git(sandbox, "checkout", "--quiet", "--detach", sha)
    for path in files:
        _git(sandbox, "checkout", ref, "--", path)
    run = run_tests(sandbox, command, tests=tests, timeout=300)
    _restore(sandbox, ref)
    if run.unjudged or any(t in run.missing for t in tests):
        return "skip"  # a crashed or collection-less run confirms nothing, and demotes nothing
    return "bad" if any(t in run.failed for t in tests) else "good"


def bisect_window(
    sandbox: Sandbox, command: TestCommand, good: str, ref: str, tests: list[str], files: list[str]
) -> tuple[str | None, int]:
    """Run `git bisect run` between good and ref; return the first bad change and the test runs used."""
    argv = [*command.argv, *(selection_args(command, tests, []) or [])]
    restore = " ".join(f"git checkout -q {ref} -- {shlex.quote(f)} 2>/dev/null;" for f in files)
    sandbox.write_text(
        SCRIPT,
        "#!/bin/sh\n"
        f"{restore}\n"
        f"{shlex.join(argv)} >/dev/null 2>&1\n"
        "code=$?\n"
        "git reset -q --hard; git clean -fdq\n"
        # 0 good, 1 bad (a failing test); anything else (collection error, crash) cannot judge.
        "case $code in 0) exit 0;; 1) exit 1;; *) exit 125;; esac\n",
    )
    _git(sandbox, "bisect", "start", "--first-parent", ref, good)
    result = sandbox.run(["git", "bisect", "run", "sh", SCRIPT], timeout=1800)
    runs = result.output.count("\nrunning ") + result.output.startswith("running ")
    found = _FIRST_BAD.search(result.output)
    _git(sandbox, "bisect", "reset", "--quiet", ref)
    _restore(sandbox, ref)
    return (found[1] if found else None), runs


def confirm_culprit(
    sandbox: Sandbox,
    command: TestCommand,
    suspect: str,
    ref: str,
    window: list[str],
    reproducers: list[str],
) -> CulpritConfirmation:
    """Confirm the suspect (suspect fails, its parent passes) or bisect the window for the culprit.

    `window` holds the candidate changes up to ref, oldest first.
    """
    files = affected_test_files(reproducers, [], command)
    plain = plain_bisect_runs(len(window))
    base = {"reproducers": reproducers, "plain_bisect_runs": plain, "window_size": len(window)}
    parent = _git(sandbox, "rev-parse", f"{suspect}^1")
    at_suspect = _probe(sandbox, command, suspect, ref, reproducers, files)
    at_parent = _probe(sandbox, command, parent, ref, reproducers, files) if parent else "skip"
    if at_suspect == "bad" and at_parent == "good":
        return CulpritConfirmation(
            method="suspect_and_parent",
            culprit_sha=suspect,
            confirmed=True,
            test_runs=2,
            summary=f"reproduced: the reproducer fails at {suspect[:10]} and passes at its parent {parent[:10]}"
            f" (2 test runs; plain git bisect over {len(window)} changes needs ~{plain})",
            **base,
        )
    oldest_parent = _git(sandbox, "rev-parse", f"{window[0]}^1") if window else ""
    if not oldest_parent:
        return CulpritConfirmation(
            method="none",
            culprit_sha=None,
            confirmed=False,
            test_runs=2,
            summary="not confirmed: the window has no parent to start a bisection from",
            **base,
        )
    before_window = _probe(sandbox, command, oldest_parent, ref, reproducers, files)
    if before_window != "good":
        return CulpritConfirmation(
            method="none",
            culprit_sha=None,
            confirmed=False,
            test_runs=3,
            summary=f"not a regression in the window: the reproducer is {before_window} before it"
            f" (at {oldest_parent[:10]}), so bisection cannot name a change",
            **base,
        )
    found, runs = bisect_window(sandbox, command, oldest_parent, ref, reproducers, files)
    used = 3 + runs
    return CulpritConfirmation(
        method="bisect",
        culprit_sha=found,
        confirmed=found is not None,
        test_runs=used,
        summary=(
            f"the suspect {suspect[:10]} did not reproduce ({at_suspect} at it, {at_parent} at its parent); "
            + (f"git bisect found {found[:10]}" if found else "git bisect did not find a first bad change")
            + f" ({used} test runs in all; plain git bisect over {len(window)} changes needs ~{plain})"
        ),
        **base,
    )
