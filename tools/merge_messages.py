"""What a merge brings in, in its branch commits' own words.

A merge commit's message says little: GitHub's "Merge pull request #12 from ada/fix" with the PR
title, Gerrit's `Merge "fix rendering of Column objects in dialect kw…" into main` with none. The
commits it merges say what changed and why, as the pull request page shows an engineer; a change
read from its merge message alone would lose exactly the text an incident is matched against.
"""

import re
from pathlib import Path

from sleuth.models import Change
from sleuth.tools.git_cli import FIELD, RECORD, run_git

# Gerrit's merge subject; the quoted title may be cut short with an ellipsis.
_GERRIT_MERGE = re.compile(r'^Merge "(?P<title>.+)" into \S+$')
# Syncing the branch with its base says nothing about the change.
_SYNC_MERGE = re.compile(r"^Merge (?:branch|remote-tracking branch|tag) ", re.I)
# A long-lived branch (a release merged back) brings hundreds; its first commits say enough.
MAX_BRANCH_COMMITS = 20
MAX_BRANCH_CHARS = 4000


def gerrit_title(subject: str) -> str | None:
    """The change title inside a Gerrit merge subject, or None for any other subject."""
    match = _GERRIT_MERGE.match(subject)
    return match["title"].strip() if match else None


def with_branch_messages(path: Path, changes: list[Change]) -> list[Change]:
    """The changes, each merge's body extended with its branch commits' messages (one git call)."""
    merges = [c for c in changes if len(c.parents) > 1]
    if not merges:
        return changes
    first_parent = {c.sha for c in changes}
    # Everything the merges bring in; nothing already on the branch before the oldest of them.
    oldest = min(merges, key=lambda c: (c.merged_at, c.sha))
    revisions = "\n".join([*(m.parents[1] for m in merges), f"^{oldest.parents[0]}"])  # thousands: not argv
    result = run_git(
        path,
        "log",
        f"--format={RECORD}%H{FIELD}%P{FIELD}%B",
        "--stdin",
        stdin=revisions + "\n",
        timeout=300,
        check=False,
    )
    if result.returncode != 0:  # a shallow clone may lack the branch: the merge messages still stand
        return changes
    output = result.stdout
    commits: dict[str, tuple[list[str], str]] = {}
    for record in output.split(RECORD)[1:]:
        sha, parents, message = record.split(FIELD, 2)
        commits[sha] = (parents.split(), message.strip())
    extended = {m.sha: _extended(m, _branch_messages(m, commits, first_parent)) for m in merges}
    return [extended.get(c.sha, c) for c in changes]


def _branch_messages(merge: Change, commits: dict[str, tuple[list[str], str]], first_parent: set[str]) -> list[str]:
    """The merged branch's messages, oldest first (the first commit says what the branch is for)."""
    messages: list[str] = []
    sha: str | None = merge.parents[1]
    while sha in commits and sha not in first_parent:  # along the branch's own first parents
        parents, message = commits[sha]
        if not _SYNC_MERGE.match(message):
            messages.append(message)
        sha = parents[0] if parents else None
    return messages[::-1][:MAX_BRANCH_COMMITS]


def _extended(merge: Change, messages: list[str]) -> Change:
    title = merge.title
    if title.endswith(("…", "...")):  # Gerrit cut it short; the branch commit has it whole
        prefix = title.rstrip("….").strip()
        title = next((m.partition("\n")[0].strip() for m in messages if m.startswith(prefix)), title)
    parts = [merge.body] if merge.body else []
    for message in messages:
        subject, _, body = message.partition("\n")
        # A PR's single commit usually repeats the PR title; keep only what it adds.
        parts.append(body.strip() if subject.strip() == title else message)
    body = "\n\n".join(p for p in parts if p)
    return merge.model_copy(update={"title": title, "body": body[:MAX_BRANCH_CHARS].strip()})
