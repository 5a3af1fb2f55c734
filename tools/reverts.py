"""What a change says it reverts, and which changes of a window were already reverted.

A change whose revert merged (and shipped) before the incident is not running when the incident
starts, whatever its text shares with the incident: an on-call engineer discounts it at once.
178 of the 889 mined cases have such a change in their window, and none of them is the culprit.

The forms understood are git's and GitHub's own: `Revert "title"` (with a squash's `(#N)`),
`Revert <sha>` / `Revert #N`, the body's "This reverts commit <sha>.", GitHub's revert-PR body
"Reverts owner/repo#N", and the revert button's merge "Merge pull request #M from owner/revert-N-…".
`sleuth eval mine` reads fixes with the same patterns.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sleuth.models import Change

REVERT_SUBJECT = re.compile(r"""^Revert\s+["“](?P<title>.+?)["”]\s*(?:\(#\d+\))?\s*$""", re.I)
REVERT_REF = re.compile(r"^Revert\s+(?:PR\s+|pull request\s+)?(?P<ref>#\d+|[0-9a-f]{7,40})\b", re.I)
REVERTS_SHA = re.compile(r"This reverts commit (?P<sha>[0-9a-f]{7,40})", re.I)
_REVERTS_PR = re.compile(r"^Reverts [\w.-]+/[\w.-]+#(?P<number>\d+)\s*$", re.I | re.M)
_REVERT_BUTTON_MERGE = re.compile(r"^Merge pull request #\d+ from \S+/revert-(?P<number>\d+)-", re.I)
_SQUASH_NUMBER = re.compile(r"\s*\(#\d+\)\s*$")


@dataclass(frozen=True)
class RevertTargets:
    """What one change says it reverts: commit shas (full or abbreviated), PR numbers, quoted titles."""

    shas: tuple[str, ...] = ()
    numbers: tuple[int, ...] = ()
    titles: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.shas or self.numbers or self.titles)


def revert_targets(change: Change) -> RevertTargets:
    """The changes `change` says it reverts; empty when it is not a revert."""
    shas = [m["sha"].lower() for m in REVERTS_SHA.finditer(change.body)]
    numbers = [int(m["number"]) for m in _REVERTS_PR.finditer(change.body)]
    titles = []
    if quoted := REVERT_SUBJECT.match(change.title):
        titles.append(_title_key(quoted["title"]))
    elif ref := REVERT_REF.match(change.title):
        if ref["ref"].startswith("#"):
            numbers.append(int(ref["ref"][1:]))
        else:
            shas.append(ref["ref"].lower())
    if button := _REVERT_BUTTON_MERGE.match(change.title):
        numbers.append(int(button["number"]))
    return RevertTargets(tuple(shas), tuple(numbers), tuple(titles))


def reverted_in_window(changes: Sequence[Change]) -> dict[str, Change]:
    """{sha: the change that reverted it} for the window's changes whose revert is also in the window.

    `changes` newest first, as git and the index list them.

    Only a revert that is itself still in effect counts: a change reverted and then re-applied (the
    revert reverted) is running again. A revert only ever undoes an older change of the window.
    """
    # Both git and the index list a window newest first; within one second (a rebased push) that
    # order is the only one there is, so it breaks ties.
    oldest_first = [c for _, _, c in sorted((c.merged_at, -i, c) for i, c in enumerate(changes))]
    reverted_by: dict[str, list[Change]] = {}
    for position, reverter in enumerate(oldest_first):
        targets = revert_targets(reverter)
        if not targets:
            continue
        older = oldest_first[:position]
        named = [c for c in older if _named(c, targets)]
        # A quoted title is the weaker reference: only when no sha or number matched, and only the
        # latest change with that title (titles get reused).
        titled = [c for c in reversed(older) if _title_key(c.title) in targets.titles][:1]
        for target in named or titled:
            reverted_by.setdefault(target.sha, []).append(reverter)

    in_effect: dict[str, bool] = {}
    for change in reversed(oldest_first):  # newest first: a reverter's own state is known before its target's
        in_effect[change.sha] = not any(in_effect[r.sha] for r in reverted_by.get(change.sha, []))
    return {
        change.sha: next(r for r in reverted_by[change.sha] if in_effect[r.sha])
        for change in oldest_first
        if not in_effect[change.sha]
    }


def _named(change: Change, targets: RevertTargets) -> bool:
    sha = change.sha.lower()
    return any(sha.startswith(ref) for ref in targets.shas) or (
        change.number is not None and change.number in targets.numbers
    )


def _title_key(title: str) -> str:
    return _SQUASH_NUMBER.sub("", title).strip().lower()
