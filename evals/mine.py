"""`sleuth eval mine`: cases from a repository's own history of reverts and fixes that name their cause.

A *fix* is any commit on the branch (first-parent or inside a merged PR) that reverts a change and
explains why, or says which change it fixes ("regressed in <sha>", "regression from #N",
"introduced in …"). Its *culprit* is resolved to a first-parent change by sha, PR number, quoted
title, or, for a revert, blame of the lines it removes. The incident starts one second before the
fix landed; its text is the fix's message with the answer scrubbed out (scrub.py).
"""

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sleuth.errors import SleuthError
from sleuth.evals.cases import dump_cases
from sleuth.evals.history import RepoHistory
from sleuth.evals.release_notes import note_patch, note_text, own_notes, release_notes, without_restored
from sleuth.evals.scrub import is_strict, long_enough, scrub
from sleuth.models import Change, as_utc
from sleuth.tools.code_host import Mirror
from sleuth.tools.git_cli import FIELD, RECORD, run_git
from sleuth.tools.local_git import blame_lines
from sleuth.tools.reverts import REVERT_REF, REVERT_SUBJECT, REVERTS_SHA

# A change named by sha, PR or tracker number (also Sphinx's :pr:, :pull:, :issue: and SQLAlchemy's :ticket:
# roles), or a link; "the fix for :ticket:`N`" and "just fixed #N" name the change that closed N.
_REF = (
    r"(?:commit\s+|PR\s+|pull request\s+|the\s+(?:just\s+)?fix(?:es)?\s+(?:for|in|of)\s+|just\s+fixed\s+)?"
    r"(?P<ref>[0-9a-f]{7,40}\b|#\d+|gh-\d+|:(?:pr|pull|issue|ticket):`\d+`|"
    r"https://github\.com/[\w.-]+/[\w.-]+/(?:pull|commit)/[0-9a-f]+)"
)
_FIX_REFERENCE = re.compile(
    rf"(?:regress(?:ed|ion)?\s+(?:in|from|since|caused by|introduced (?:in|by))|introduced\s+(?:in|by)|"
    # "Fixed regression in version 1.18.0 due to :ticket:`1771`": the cause follows a short aside.
    rf"regress(?:ed|ion)?\b(?:[^.\n]|\.(?=\d)){{0,40}}?\bdue\s+to|"
    rf"(?:broken|broke|caused)\s+(?:in|by))\s+{_REF}"
    # The kernel-style trailer `Fixes: <sha> ("title")`; only a sha, since `Fixes #N` closes an issue.
    r"|\bfix(?:es|ed)?:?\s+(?:commit\s+)?(?P<fixed_sha>[0-9a-f]{7,40})\b",
    re.I,
)
# A change whose title is reverted this often is churn (a bot, a flaky pin), not an incident.
RECURRING_REVERTS = 3
# A fix that puts back what an earlier revert took out (git's "Reapply", "Re-apply …", Chromium's
# "Reland"), and a culprit that is itself a revert: the revert commit, or GitHub's revert-button
# merge ("Merge pull request #N from owner/revert-123-branch"). Either way a revert of a revert.
_REAPPLY = re.compile(r"^(?:Revert\s+[\"“]Revert|Re-?apply\b|Reland\b)", re.I)
_REVERT_CHANGE = re.compile(r"^(?:Revert\b|Merge pull request #\d+ from \S+/revert-\d+-)", re.I)
# A commit that assembles a release ("2013.08.07, Version 0.11.7 (Unstable)", libuv and Node.js style;
# "Release 2.1"): its changelog may name a culprit, but it fixes nothing itself.
_RELEASE = re.compile(r"^(?:\d{4}[.-]\d{2}[.-]\d{2},?\s+)?(?:version|release|releasing)\s+v?\d", re.I)
_MECHANICAL = re.compile(
    r"^(?:bump|release|prepare release|preparing release|update changelog|\[pre-commit|pre-commit autoupdate|"
    r"merge branch|merge remote|update dependencies|chore\(deps|\[?automated|update version|version bump)",
    re.I,
)


@dataclass
class _Commit:
    sha: str
    parents: list[str]
    author: str
    subject: str
    body: str


@dataclass
class MineResult:
    """The cases written and why every other candidate fix was skipped."""

    out: Path
    cases: int = 0
    strict: int = 0
    fixes_seen: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        skipped = ", ".join(f"{reason} {count}" for reason, count in sorted(self.skipped.items())) or "none"
        return (
            f"{self.cases} cases ({self.strict} strict) from {self.fixes_seen} reverts/fixes → {self.out}\n"
            f"skipped: {skipped}" + "".join(f"\nnote: {note}" for note in self.notes)
        )


class _FirstParent:
    """The branch's first-parent changes, and which of them brought in any given commit."""

    def __init__(self, host: Mirror, branch: str | None) -> None:
        self.host = host
        newest_first = host.rev_list(None, branch or "HEAD")
        self.order = newest_first[::-1]
        self.position = {sha: i for i, sha in enumerate(self.order)}
        self._landing: dict[str, int | None] = {}

    def landing(self, sha: str) -> int | None:
        """Index of the first first-parent change whose history contains sha (binary search)."""
        if sha in self.position:
            return self.position[sha]
        if sha not in self._landing:
            lo, hi, found = 0, len(self.order) - 1, None
            while lo <= hi:
                mid = (lo + hi) // 2
                if self.host.is_ancestor(sha, self.order[mid]):
                    found, hi = mid, mid - 1
                else:
                    lo = mid + 1
            self._landing[sha] = found
        return self._landing[sha]


def _commits(host: Mirror, branch: str | None) -> list[_Commit]:
    """Every commit reachable from the branch, with its message (one git call)."""
    output = run_git(
        host.path, "log", f"--format={RECORD}%H{FIELD}%P{FIELD}%an{FIELD}%B", branch or "HEAD", timeout=600
    ).stdout
    commits = []
    for record in output.split(RECORD)[1:]:
        sha, parents, author, message = record.split(FIELD, 3)
        subject, _, body = message.strip().partition("\n")
        commits.append(_Commit(sha, parents.split(), author, subject.strip(), body.strip()))
    return commits


def _normalized(title: str) -> str:
    return re.sub(r"\d+", "#", title.lower()).strip()


# A commit that closes a tracker entry: "Fixes: #12" (Gerrit trailer), "fixes #12", "Closes #12", "Resolves #12".
_CLOSES = re.compile(r"\b(?:fix(?:es|ed)?|close[sd]?|resolve[sd]?):?\s+#(\d+)\b", re.I)
_MENTION = re.compile(r"(?<![\w&])#(\d+)\b")


class _Miner:
    def __init__(self, history: RepoHistory, window_days: int, commits: list[_Commit]) -> None:
        self.host = history.host
        self.window = timedelta(days=window_days)
        self.first_parent = _FirstParent(history.host, history.branch)
        self.changes: dict[str, Change] = history.by_sha
        self.by_number: dict[int, str] = {}
        self.by_title: dict[str, list[str]] = {}
        for change in reversed(history.changes):  # newest first: a reused PR number means the latest
            if change.number is not None:
                self.by_number.setdefault(change.number, change.sha)
            self.by_title.setdefault(change.title.strip().lower(), []).append(change.sha)
        # Issue number → commits that close it: a regression "caused by :ticket:`N`" or "from #N", where
        # N is an issue rather than a PR, was caused by the change that closed N.
        self.closers: dict[int, list[str]] = {}
        self.mentions: dict[int, list[str]] = {}  # issue number → commits that cite it at all
        for commit in commits:
            message = f"{commit.subject}\n{commit.body}"
            for number in {int(n) for n in _CLOSES.findall(message)}:
                self.closers.setdefault(number, []).append(commit.sha)
            for number in {int(n) for n in _MENTION.findall(message)}:
                self.mentions.setdefault(number, []).append(commit.sha)

    def first_parent_change(self, sha: str) -> str | None:
        try:
            full = self.host.resolve(sha)
        except SleuthError:
            return None
        index = self.first_parent.landing(full)
        return self.first_parent.order[index] if index is not None else None

    def by_reference(self, ref: str, before: str) -> tuple[str | None, str]:
        ref = ref.rstrip(".,;:)`")
        number = re.search(r"(?:#|gh-|/pull/|:(?:pr|pull|issue|ticket):`)(\d+)$", ref)
        if number:
            if pr := self.by_number.get(int(number.group(1))):
                return pr, "by_pr"
            return self.by_issue(int(number.group(1)), before), "by_issue"
        sha = ref.rsplit("/", 1)[-1]
        return self.first_parent_change(sha), "by_sha"

    def by_issue(self, number: int, before: str) -> str | None:
        """The latest first-parent change before `before` that closed issue `number`."""
        landings = {self.first_parent_change(sha) for sha in self.closers.get(number, [])}
        return self._latest_before([s for s in landings if s is not None], before)

    def by_quoted_title(self, title: str, before: str) -> str | None:
        title = re.sub(r"\s*\(#\d+\)\s*$", "", title).strip().lower()
        return self._latest_before(self.by_title.get(title, []), before)

    def first_response(self, commit: _Commit, culprit: str, landing: str) -> str:
        """The earliest change after the culprit that cites an issue this fix closes, else the fix's landing.

        An issue answered in steps was known by the first: Alembic's "document that 1.4.23 is needed"
        five minutes before "bump minimum sqlalchemy to 1.4.23" (both "Fixes: #1788"), IPython's
        "Temporary fix to work around #1057" a day before the fix that closed #1057, fish's "Add #7782
        to CHANGELOG" before the revert. The incident starts before the first of them.
        """
        position = self.first_parent.position
        responses = [landing]
        for number in {int(n) for n in _CLOSES.findall(f"{commit.subject}\n{commit.body}")}:
            for sha in self.mentions.get(number, []):
                earlier = self.first_parent_change(sha)
                if earlier and position[culprit] < position[earlier] < position[landing]:
                    responses.append(earlier)
        return min(responses, key=position.__getitem__)

    def _latest_before(self, shas: list[str], before: str) -> str | None:
        """Of these first-parent changes, the latest to land before `before`."""
        position = self.first_parent.position
        earlier = [s for s in shas if position[s] < position[before]]
        return max(earlier, key=position.__getitem__) if earlier else None

    def by_blame(self, revert: str) -> str | None:
        """The first-parent change that last touched most of the lines the revert removes."""
        parent = f"{revert}^1"
        diff = run_git(self.host.path, "diff", "-U0", "--no-renames", parent, revert).stdout
        votes: Counter[str] = Counter()
        path = None
        for line in diff.splitlines():
            if line.startswith("--- "):
                path = line[6:] if line.startswith("--- a/") else None
            elif line.startswith("@@") and path:
                match = re.match(r"@@ -(\d+)(?:,(\d+))?", line)
                if match and (count := int(match.group(2) or 1)) > 0:
                    start = int(match.group(1))
                    for sha, _ in blame_lines(self.host.path, parent, path, start, start + count - 1).values():
                        votes[sha] += 1
        for sha, _ in votes.most_common():
            landed = self.first_parent_change(sha)
            if landed:
                return landed
        return None


def _revert_subject(commit: _Commit) -> re.Match[str] | None:
    """The subject's `Revert "title"` or `Revert <sha|#N>` match, if the commit says it is a revert."""
    return REVERT_SUBJECT.match(commit.subject) or REVERT_REF.match(commit.subject)


def _resolve(miner: _Miner, commit: _Commit, landing: str, notes: str) -> tuple[str | None, str, str]:
    """(culprit first-parent change, how it was resolved, kind of fix) for a commit that is a fix."""
    revert = _revert_subject(commit)
    reverted = REVERTS_SHA.search(commit.body)
    if revert or reverted:
        if reverted:
            return miner.first_parent_change(reverted["sha"]), "by_sha", "revert"
        if revert and "ref" in revert.groupdict():
            culprit, how = miner.by_reference(revert["ref"], landing)
            return culprit, how, "revert"
        title = revert["title"] if revert else ""
        culprit = miner.by_quoted_title(title, landing) if title else None
        if culprit:
            return culprit, "by_title", "revert"
        return miner.by_blame(commit.sha), "by_blame", "revert"
    reference = _FIX_REFERENCE.search(f"{commit.subject}\n{commit.body}\n{notes}")
    if reference:
        culprit, how = miner.by_reference(reference["ref"] or reference["fixed_sha"], landing)
        return culprit, how, "fix_reference"
    return None, "", ""


def _is_fix(commit: _Commit, notes: str = "") -> bool:
    text = f"{commit.subject}\n{commit.body}\n{notes}"
    return bool(_revert_subject(commit) or REVERTS_SHA.search(commit.body) or _FIX_REFERENCE.search(text))


def mine_repository(
    repo: Path,
    out: Path,
    *,
    window_days: int = 14,
    branch: str | None = None,
    service: str | None = None,
) -> MineResult:
    """Write cases mined from repo's history to out (JSON Lines)."""
    history = RepoHistory(repo, branch)
    host = history.host
    name = host.path.parent.name.split("+")[-1] if host.name in ("repo", "") else host.name
    commits = _commits(host, branch)
    miner = _Miner(history, window_days, commits)
    gaps = host.gaps()
    result = MineResult(out=out, notes=gaps.notes())
    notes = release_notes(host, branch)
    fixes = [c for c in commits if _is_fix(c, notes.get(c.sha, ""))]
    fix_shas = {c.sha for c in fixes}
    result.fixes_seen = len(fixes)
    reverted_titles = Counter(_normalized(m["title"]) for c in fixes if (m := REVERT_SUBJECT.match(c.subject)))
    cases: list[dict[str, Any]] = []
    seen_culprits: set[str] = set()
    for commit in reversed(commits):  # oldest first: the first fix of a culprit is the incident
        if commit.sha not in fix_shas:
            continue
        landing = miner.first_parent_change(commit.sha)
        if landing is None:
            result.skipped["not_on_branch"] += 1
            continue
        if _REAPPLY.match(commit.subject):
            result.skipped["revert_of_revert"] += 1
            continue
        if _RELEASE.match(commit.subject):
            result.skipped["release"] += 1
            continue
        # The landing's notes, unless it assembles a release; then the fix commit's own entry.
        fix_notes = notes.get(landing, "") or (own_notes(host, commit.sha) if commit.sha != landing else "")
        culprit, how, kind = _resolve(miner, commit, landing, fix_notes)
        if culprit is None:
            # A squash commit whose body keeps a "This reverts commit" of one of its own branch commits.
            squashed_revert = kind == "revert" and not _revert_subject(commit)
            result.skipped["intra_pr" if squashed_revert else "culprit_unresolved"] += 1
            continue
        if culprit == landing:
            result.skipped["intra_pr"] += 1
            continue
        if culprit in gaps.boundary:  # a shallow cut: its diff would add every file of the repository
            result.skipped["shallow_cut"] += 1
            continue
        change, fix = miner.changes.get(culprit), miner.changes[landing]
        if change is None or miner.first_parent.position[culprit] > miner.first_parent.position[landing]:
            result.skipped["culprit_after_fix"] += 1
            continue
        if _REVERT_CHANGE.match(change.title):
            result.skipped["revert_of_revert"] += 1
            continue
        if (
            _MECHANICAL.match(change.title)
            or reverted_titles[_normalized(change.title)] >= RECURRING_REVERTS
            or "[bot]" in commit.author
        ):
            result.skipped["mechanical"] += 1
            continue
        started_at = miner.changes[miner.first_response(commit, culprit, landing)].merged_at - timedelta(seconds=1)
        if not (started_at - miner.window <= change.merged_at < started_at):
            result.skipped["culprit_outside_window"] += 1
            continue
        if culprit in seen_culprits:
            result.skipped["culprit_already_mined"] += 1
            continue
        fix_notes = without_restored(fix_notes, note_patch(host, culprit))
        quoted = m["title"] if (m := REVERT_SUBJECT.match(commit.subject)) else ""
        titles = [change.title, quoted, fix.title if fix.sha != commit.sha else ""]
        names = [change.author, commit.author, fix.author]
        # Scrubbed apart: the message's trailer block ends the message, not the notes after it.
        fix_own = note_text(fix_notes, commit.body)
        symptom = "\n\n".join(filter(None, (scrub(commit.body, titles, names), scrub(fix_own, titles, names))))
        if not long_enough(symptom):
            result.skipped["symptom_too_short"] += 1
            continue
        seen_culprits.add(culprit)
        strict = is_strict(symptom, change.title)
        fixed_files = sorted(set(change.files) & set(fix.files)) or change.files
        cases.append(
            {
                "id": f"{name}-{kind.replace('_', '-')}-{commit.sha[:8]}",
                "repo": str(host.path),
                **({"branch": branch} if branch else {}),
                "incident": {
                    "description": symptom,
                    "started_at": as_utc(started_at).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "service": service or name,
                },
                "window_days": window_days,
                "truth": {"culprit": culprit, "files": fixed_files},
                "tags": [kind, how, *(["strict"] if strict else []), "merge" if len(change.parents) > 1 else "squash"],
            }
        )
        result.strict += strict
    result.cases = len(cases)
    dump_cases(cases, out)
    return result
