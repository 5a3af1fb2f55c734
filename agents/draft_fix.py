"""draft-fix: undo what the culprit did at the faulty lines, then prove it with tests.

Strategies, in order: a revert of the culprit's hunks that produced the faulty lines (`git apply -R`),
then targeted old→new edits, one change group of those hunks at a time, nearest the faulty line
first: they still apply when later changes moved the context, and they undo less when the hunk also
did something another test needs. The first attempt that validates wins.

A fix is validated only when every reproducer fails before and passes after (FAIL_TO_PASS) and no
test of the affected test files that passed before fails after (PASS_TO_PASS). The affected files
are the reproducers' files and the test files the culprit touched.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Literal

from unidiff import PatchSet
from unidiff.errors import UnidiffParseError

from sleuth.models import FixProposal, Hypothesis, Signals, TestRun
from sleuth.tools.sandbox import Sandbox
from sleuth.tools.test_runner import TestCommand, is_test_file, run_tests
from sleuth.tools.workspace_blame import blame_workspace

# Lines around the faulty line whose origin decides which of the culprit's hunks to revert.
BLAME_CONTEXT = 2
PATCH_NAME = "sleuth-fix.patch"
MAX_EDIT_ATTEMPTS = 4
Strategy = Literal["revert_hunks", "edit", "model_edit"]


@dataclass
class Edit:
    """One old→new replacement: the culprit's added text back to what it removed."""

    path: str
    new_text: str
    old_text: str
    line: int


def _origin_lines(sandbox: Sandbox, path: str, line: int, culprit: str) -> set[int]:
    """Return the culprit's own line numbers for the lines it left around the faulty line."""
    # Only the culprit's lines matter, so blame need not walk history older than the culprit.
    blamed = blame_workspace(sandbox, path, max(1, line - BLAME_CONTEXT), line + BLAME_CONTEXT, since=f"{culprit}^")
    return {origin for sha, origin in blamed.values() if sha == culprit}


def select_hunks(diff: str, path: str, origin_lines: set[int]) -> str:
    """Return a patch with the culprit's hunks in `path` that added any of origin_lines.

    With no origin lines known, every hunk of `path` is kept. A diff unidiff cannot parse (a file's
    diff cut at the size cap, say) gives no hunks: no fix is drafted rather than a wrong one.
    """
    try:
        patch = PatchSet(diff)
    except UnidiffParseError:
        return ""
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


def edit_groups(patch: str) -> list[Edit]:
    """Split a patch into its change groups: each run of removed/added lines between context lines."""
    edits: list[Edit] = []
    for patched in PatchSet(patch):
        for hunk in patched:
            old: list[str] = []
            new: list[str] = []
            line = hunk.target_start
            start = line
            for item in [*hunk, None]:
                if item is not None and not item.is_context:
                    if not old and not new:
                        start = item.target_line_no or line
                    (old if item.is_removed else new).append(item.value)
                    if item.is_added:
                        line = item.target_line_no + 1
                    continue
                if new or old:
                    edits.append(Edit(patched.path, "".join(new), "".join(old), start))
                    old, new = [], []
                if item is not None:
                    line = item.target_line_no + 1
    return edits


def _apply_reverse(sandbox: Sandbox, patch: str) -> bool:
    # Inside .git: never part of the diff the fix is read from.
    target = f".git/{PATCH_NAME}"
    sandbox.write_text(target, patch)
    for extra in ([], ["--3way"]):
        if sandbox.run(["git", "apply", "-R", *extra, target], timeout=60).exit_code == 0:
            return True
    return False


def _apply_edit(sandbox: Sandbox, edit: Edit) -> bool:
    """Replace the culprit's text with what it replaced; only where it occurs exactly once."""
    text = sandbox.read_text(edit.path)
    if text is None or not edit.new_text or text.count(edit.new_text) != 1:
        return False
    sandbox.write_text(edit.path, text.replace(edit.new_text, edit.old_text, 1))
    return True


def _reset(sandbox: Sandbox) -> None:
    sandbox.run(["git", "reset", "--hard", "--quiet"], timeout=60)
    sandbox.run(["git", "clean", "-fdq"], timeout=60)


def affected_test_files(reproducers: list[str], culprit_files: list[str], command: TestCommand) -> list[str]:
    """The test files a fix is judged on: the reproducers' files and the tests the culprit touched."""
    files = [t.split("::")[0] for t in reproducers if "::" in t]
    if command.kind == "unittest":
        files += [t.rsplit(".", 2)[0].replace(".", "/") + ".py" for t in reproducers if "." in t]
    files += [f for f in culprit_files if is_test_file(f)]
    return sorted(set(files))


def judge(reproducers: list[str], before: TestRun, after: TestRun) -> tuple[bool, str]:
    """FAIL_TO_PASS and PASS_TO_PASS: the verdict on one attempt, and why. A run that cannot judge
    (crashed, timed out, collected nothing) validates nothing, and never reads as "none broke"."""
    for name, run in (("before", before), ("after", after)):
        if run.unjudged:
            return False, f"could not judge: the run {name} the fix {run.unjudged}"
    lost = [t for t in reproducers if t in before.missing or t in after.missing]
    if lost:
        return False, f"reproducer(s) not found in the test results: {', '.join(lost[:5])} (said, not dropped)"
    broken = sorted(set(before.passed) & set(after.failed))
    if broken:
        return False, f"the fix breaks {len(broken)} passing test(s): {', '.join(broken[:5])}"
    if not reproducers:
        return False, f"no reproducer is known; {len(after.passed)} test(s) pass and none broke"
    still_failing = [t for t in reproducers if t not in after.passed]
    if still_failing:
        return False, f"reproducer(s) still fail after the fix: {', '.join(still_failing)}"
    not_reproducing = [t for t in reproducers if t not in before.failed]
    if not_reproducing:
        return False, "reproducer(s) did not fail before the fix: " + ", ".join(not_reproducing)
    return True, (
        f"{len(reproducers)} reproducer(s) failed before and pass after (FAIL_TO_PASS); "
        f"{len(set(before.passed) - set(reproducers))} previously passing test(s) still pass (PASS_TO_PASS)"
    )


Writer = Callable[[str], list[Edit] | None]
"""Writes old→new edits given the last attempt's failure (a model, in `agents.llm_fix`)."""


def _apply_all(sandbox: Sandbox, edits: list[Edit]) -> bool:
    return bool(edits) and all(_apply_edit(sandbox, edit) for edit in edits)


def draft_fix(
    sandbox: Sandbox,
    hypothesis: Hypothesis,
    signals: Signals,
    culprit_diff: str,
    culprit_files: list[str],
    test_command: TestCommand | None,
    timeout: float,
    writer: Writer | None = None,
    writer_attempts: int = 0,
) -> FixProposal | None:
    """Try each strategy in the workspace and return the first validated fix, else the first attempt.

    With a `writer`, up to `writer_attempts` written fixes follow the mechanical ones, each told why
    the previous attempt failed; they are validated exactly like the others.
    """
    if not hypothesis.culprit_sha or not hypothesis.file:
        return None
    culprit = hypothesis.culprit_sha
    origins = _origin_lines(sandbox, hypothesis.file, hypothesis.line, culprit) if hypothesis.line else set()
    patch = select_hunks(culprit_diff, hypothesis.file, origins)
    if not patch and writer is None:
        return None
    reproducers = signals.failing_tests
    files = affected_test_files(reproducers, culprit_files, test_command) if test_command else []

    def tests() -> TestRun | None:
        if test_command is None:
            return None
        return run_tests(sandbox, test_command, tests=reproducers, files=files, timeout=timeout)

    before = tests()
    edits = sorted(edit_groups(patch), key=lambda e: abs(e.line - (hypothesis.line or e.line))) if patch else []
    attempts: list[tuple[Strategy, str, Callable[[], bool]]] = []
    if patch:
        attempts.append(("revert_hunks", "revert of the culprit's hunks", partial(_apply_reverse, sandbox, patch)))
    attempts += [
        ("edit", f"old→new edit at {e.path}:{e.line}", partial(_apply_edit, sandbox, e))
        for e in edits[:MAX_EDIT_ATTEMPTS]
    ]
    tried: list[str] = []
    first: FixProposal | None = None
    feedback = ""

    def attempt(strategy: Strategy, label: str, apply: Callable[[], bool]) -> FixProposal:
        nonlocal feedback
        applied = apply()
        diff = sandbox.run(["git", "diff"], timeout=60).output if applied else ""
        after = tests() if applied else None
        if not applied:
            validated, why = False, "does not apply to the current code"
        elif before is None or after is None:
            validated, why = False, "no test command was found for this repository"
        else:
            validated, why = judge(reproducers, before, after)
        tried.append(f"{label}: {'validated' if validated else 'not validated'}: {why}")
        feedback = why + (f"\nTest output (end):\n{after.output_tail[-1500:]}" if after and after.output_tail else "")
        return FixProposal(
            strategy=strategy,
            culprit_sha=culprit,
            diff=diff or patch,
            files=sorted({hypothesis.file, *(e.path for e in written)})
            if strategy == "model_edit"
            else [hypothesis.file],
            applied=applied,
            validated=validated,
            validation_summary=f"{'validated' if validated else 'not validated'} ({label}): {why}",
            reproducers=reproducers,
            test_files=files,
            test_command=test_command.argv if test_command else [],
            test_command_source=test_command.source if test_command else "",
            before=before,
            after=after,
        )

    written: list[Edit] = []
    for strategy, label, apply in attempts:
        proposal = attempt(strategy, label, apply)
        first = first or proposal
        if proposal.validated:
            return proposal.model_copy(update={"tried": tried})
        _reset(sandbox)
        if before is None or not reproducers:
            break  # nothing later could validate
    if writer is not None and before is not None and reproducers:
        for number in range(1, writer_attempts + 1):
            written = writer(feedback or "no mechanical fix was tried") or []
            if not written:
                tried.append(f"written fix {number}: the model wrote no applicable edit")
                break
            proposal = attempt("model_edit", f"written fix {number}", partial(_apply_all, sandbox, written))
            first = first if first and first.applied else proposal
            if proposal.validated:
                return proposal.model_copy(update={"tried": tried})
            _reset(sandbox)
    if first is None:
        return None
    return first.model_copy(update={"tried": tried})
