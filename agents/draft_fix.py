"""draft-fix: revert the culprit's hunks that produced the faulty lines, then prove it with tests.

A fix is validated only when every reproducer fails before and passes after, and no test that
passed before fails after (FAIL_TO_PASS and PASS_TO_PASS).
"""

from unidiff import PatchSet

from sleuth.models import FixProposal, Hypothesis, Signals, TestRun
from sleuth.tools.sandbox import WORKSPACE_MOUNT, Sandbox
from sleuth.tools.test_runner import run_tests
from sleuth.tools.workspace_blame import blame_workspace

# Lines around the faulty line whose origin decides which of the culprit's hunks to revert.
BLAME_CONTEXT = 2
PATCH_NAME = "sleuth-fix.patch"


def _origin_lines(sandbox: Sandbox, path: str, line: int, culprit: str) -> set[int]:
    """Return the culprit's own line numbers for the lines it left around the faulty line."""
    blamed = blame_workspace(sandbox, path, max(1, line - BLAME_CONTEXT), line + BLAME_CONTEXT)
    return {origin for sha, origin in blamed.values() if sha == culprit}


def select_hunks(diff: str, path: str, origin_lines: set[int]) -> str:
    """Return a patch with the culprit's hunks in `path` that added any of origin_lines.

    With no origin lines known, every hunk of `path` is kept.
    """
    patch = PatchSet(diff)
    kept = []
    for patched in patch:
        if patched.path != path:
            continue
        for hunk in list(patched):
            span = range(hunk.target_start, hunk.target_start + max(hunk.target_length, 1))
            if not origin_lines or origin_lines.intersection(span):
                continue
            patched.remove(hunk)
        if len(patched):
            kept.append(str(patched))
    return "".join(kept)


def _apply_reverse(sandbox: Sandbox, patch: str) -> bool:
    (sandbox.repo_dir.parent / PATCH_NAME).write_text(patch, encoding="utf-8")
    target = f"{WORKSPACE_MOUNT}/{PATCH_NAME}"
    for extra in ([], ["--3way"]):
        if sandbox.run(["git", "apply", "-R", *extra, target], timeout=60).exit_code == 0:
            return True
    return False


def _validate(reproducers: list[str], before: TestRun, after: TestRun) -> tuple[bool, str]:
    broken = sorted(set(before.passed) & set(after.failed))
    if broken:
        return (
            False,
            f"not validated: the fix breaks {len(broken)} passing test(s): {', '.join(broken[:5])}",
        )
    if not reproducers:
        return False, (f"not validated: no reproducer is known; {len(after.passed)} test(s) pass and none broke")
    still_failing = [t for t in reproducers if t not in after.passed]
    if still_failing:
        return (
            False,
            f"not validated: reproducer(s) still fail after the fix: {', '.join(still_failing)}",
        )
    not_reproducing = [t for t in reproducers if t not in before.failed]
    if not_reproducing:
        return False, ("not validated: reproducer(s) did not fail before the fix: " + ", ".join(not_reproducing))
    return True, (
        f"validated: {len(reproducers)} reproducer(s) failed before and pass after; "
        f"{len(before.passed)} previously passing test(s) still pass"
    )


def draft_fix(
    sandbox: Sandbox,
    hypothesis: Hypothesis,
    signals: Signals,
    culprit_diff: str,
    test_command: list[str] | None,
    timeout: float,
) -> FixProposal | None:
    """Revert the culprit's hunks at the faulty lines in the workspace and run the tests around it."""
    if not hypothesis.culprit_sha or not hypothesis.file:
        return None
    culprit = hypothesis.culprit_sha
    origins = _origin_lines(sandbox, hypothesis.file, hypothesis.line, culprit) if hypothesis.line else set()
    patch = select_hunks(culprit_diff, hypothesis.file, origins)
    if not patch:
        return None
    reproducers = signals.failing_tests
    before = run_tests(sandbox, test_command, timeout=timeout) if test_command else None
    applied = _apply_reverse(sandbox, patch)
    after: TestRun | None = None
    if not applied:
        validated, summary = False, "not validated: the revert does not apply to the current code"
    else:
        patch = sandbox.run(["git", "diff"], timeout=60).output
        after = run_tests(sandbox, test_command, timeout=timeout) if test_command else None
        if before is None or after is None:
            validated, summary = False, "not validated: no test command was found for this repository"
        else:
            validated, summary = _validate(reproducers, before, after)
    return FixProposal(
        strategy="revert_hunks",
        culprit_sha=culprit,
        diff=patch,
        files=[hypothesis.file],
        applied=applied,
        validated=validated,
        validation_summary=summary,
        reproducers=reproducers,
        before=before,
        after=after,
    )
