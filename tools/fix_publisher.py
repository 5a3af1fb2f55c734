"""Writing an approved fix: branch `sleuth/fix-<investigation id>`, one commit, and on a forge a draft PR.

The commit is built with git's plumbing in a private index (read-tree, apply --cached, write-tree,
commit-tree), so a working tree is never touched and a bare mirror works the same. The branch is
created only if it does not exist (update-ref against the zero id) and pushed only if the remote
does not have it (`--force-with-lease=<ref>:`): sleuth never moves an existing branch, never
merges, and refuses a fix its tests did not validate unless the approver overrides (said in the body).
"""

import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from sleuth.errors import SleuthError
from sleuth.models import Approval, Report
from sleuth.redact import redact
from sleuth.tools.forge_mirror import token_env
from sleuth.tools.git_cli import git_env
from sleuth.tools.github_forge import GitHubWriter
from sleuth.tools.gitlab_forge import GitLabReader, GitLabWriter

_ZERO = "0" * 40


class PublishedFix(BaseModel):
    branch: str
    commit: str
    base: str
    url: str | None = None


def _git(repo: Path, *args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> str:
    # No repository hook runs (a clone's pre-push hook is the repository's code, not ours).
    command = ["git", "-C", str(repo), "-c", "core.hooksPath=/dev/null", *args]
    try:
        result = subprocess.run(
            command, input=stdin, capture_output=True, text=True, env=env or git_env(), check=False, timeout=600
        )
    except subprocess.TimeoutExpired:
        raise SleuthError(f"git {args[0]} timed out in {repo}") from None
    if result.returncode != 0:
        detail = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise SleuthError(f"git {args[0]} failed in {repo}: {detail}")
    return result.stdout.strip()


def commit_fix(repo: Path, base: str, patch: str, message: str, branch: str, author: str) -> str:
    """Create `branch` at a new commit on `base` holding the patch; refuse if the branch exists."""
    if _git(repo, "for-each-ref", f"refs/heads/{branch}"):
        raise SleuthError(f"branch {branch} already exists in {repo}", hint="sleuth never moves an existing branch")
    with tempfile.TemporaryDirectory(prefix="sleuth-fix-") as scratch:
        env = git_env() | {
            "GIT_INDEX_FILE": os.path.join(scratch, "index"),
            "GIT_AUTHOR_NAME": "sleuth",
            "GIT_AUTHOR_EMAIL": "sleuth@localhost",
            "GIT_COMMITTER_NAME": "sleuth",
            "GIT_COMMITTER_EMAIL": "sleuth@localhost",
        }
        _git(repo, "read-tree", base, env=env)
        _git(repo, "apply", "--cached", "--whitespace=nowarn", "-", env=env, stdin=patch)
        tree = _git(repo, "write-tree", env=env)
        commit = _git(repo, "commit-tree", tree, "-p", base, "-m", f"{message}\n\nApproved-by: {author}", env=env)
    _git(repo, "update-ref", f"refs/heads/{branch}", commit, _ZERO)
    return commit


def pr_body(report: Report, approval: Approval, forge: GitHubWriter | GitLabWriter | None, ref: str) -> str:
    """The PR/commit description: why, the evidence with links, the tests before and after, who approved."""
    fix = report.fix
    assert fix is not None
    top = report.top
    changes = {c.change.sha: c.change for c in report.candidates}
    culprit = changes.get(fix.culprit_sha)
    lines = [f"Investigation `{report.investigation_id}`: {report.verdict}", ""]
    if top is not None:
        lines += [top.explanation, ""]
    if culprit is not None:
        named = f"[#{culprit.number}]({culprit.url})" if culprit.url else f"`{culprit.short_sha}`"
        lines += [f"Culprit: {named} {culprit.title}", ""]
    lines.append("Evidence:")
    for item in (top.evidence if top else [])[:8]:
        where = ""
        if item.path and item.line:
            link = forge.file_url(item.path, item.line, ref) if forge else None
            where = f" [{item.path}:{item.line}]({link})" if link else f" `{item.path}:{item.line}`"
        lines.append(f"- {item.kind}{where}: {item.summary}")
    lines += ["", f"Tests (`{' '.join(fix.test_command) or 'none found'}`): {fix.validation_summary}"]
    for label, run in (("before", fix.before), ("after", fix.after)):
        if run:
            lines.append(f"- {label} the fix: {len(run.passed)} passed, {len(run.failed)} failed")
    lines += ["", f"Approved by {approval.approver} at {approval.at:%Y-%m-%d %H:%M} UTC."]
    if approval.override_unvalidated and not fix.validated:
        lines.append("**The tests did not validate this fix; the approver overrode that.**")
    lines.append("Opened as a draft by sleuth; it never merges.")
    return "\n".join(lines)


def publish_fix(
    report: Report,
    repo: Path,
    approval: Approval,
    forge: GitHubWriter | GitLabWriter | None = None,
    token: str | None = None,
    secrets: list[Any] | None = None,
) -> PublishedFix:
    """Write the approved fix: a branch and commit in `repo` (a local clone or a forge's mirror), and with a
    read-write forge the pushed branch and a draft PR to the default branch."""
    fix = report.fix
    if fix is None or not fix.diff.strip():
        raise SleuthError("this investigation drafted no fix to publish")
    if not fix.validated and not approval.override_unvalidated:
        raise SleuthError(
            f"the fix was not validated ({fix.validation_summary})",
            hint="review it, and approve with the override to publish it anyway (the PR body will say so)",
        )
    gitlab = isinstance(forge, GitLabReader)
    if forge is not None and not isinstance(forge, GitHubWriter | GitLabWriter):
        kind, section = ("merge", "gitlab") if gitlab else ("pull", "github")
        raise SleuthError(
            f"the forge is read_only: no {kind} request can be opened", hint=f'set [{section}] access = "read_write"'
        )
    branch = f"sleuth/fix-{report.investigation_id}"
    base_ref = f"refs/heads/{forge.default_branch}" if forge else "HEAD"
    base = _git(repo, "rev-parse", "--verify", f"{base_ref}^{{commit}}")
    title = f"Fix: {report.top.culprit_title if report.top and report.top.culprit_title else report.verdict[:60]}"
    message = f"{title}\n\nInvestigation {report.investigation_id}"
    try:
        commit = commit_fix(repo, base, fix.diff, message, branch, approval.approver)
    except SleuthError as exc:
        if "already exists" in str(exc) or base == report.ref:
            raise
        # The branch moved on since the code that was running: base the fix on that code instead.
        base = _git(repo, "rev-parse", "--verify", f"{report.ref}^{{commit}}")
        commit = commit_fix(repo, base, fix.diff, message, branch, approval.approver)
    published = PublishedFix(branch=branch, commit=commit, base=base)
    if forge is None:
        return published
    # To the forge's own clone URL, never to whatever a clone's config names (the token goes with it),
    # after `--` so no URL can be read as an option.
    url = forge.clone_url
    if not url.startswith(("https://", "file://")):
        raise SleuthError(f"refusing to push to {url!r}: only the forge's https clone URL")
    push = ["push", f"--force-with-lease=refs/heads/{branch}:", "--", url, f"refs/heads/{branch}:refs/heads/{branch}"]
    try:
        _git(repo, *push, env=token_env(token, "oauth2" if gitlab else "x-access-token"))
    except SleuthError as exc:
        _git(repo, "update-ref", "-d", f"refs/heads/{branch}", commit)  # leave the mirror as it was
        raise SleuthError(
            f"{exc} (the forge may already have {branch})", hint="sleuth never pushes to an existing branch"
        ) from None
    # Quoted code and logs can hold credentials the scrub by value does not know: redact by shape too.
    body = redact(pr_body(report, approval, forge, commit), [*(secrets or []), token])
    published.url = forge.open_draft(branch, redact(title, [*(secrets or []), token]), body, base=forge.default_branch)
    return published
