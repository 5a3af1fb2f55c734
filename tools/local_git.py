"""LocalGitHost: a local repository (working tree or bare) read through the git CLI.

A change is a commit on the branch's first-parent chain: a merge commit is one change whose diff
is against its first parent, a squash or direct commit is one change.
"""

import re
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sleuth.errors import SleuthError

if TYPE_CHECKING:
    from sleuth.tools.clone_gaps import CloneGaps
from sleuth.models import Change
from sleuth.tools.git_cli import FIELD, RECORD, git_failure, is_missing_objects, run_git, since_option
from sleuth.tools.merge_messages import gerrit_title, with_branch_messages

_GITHUB_MERGE = re.compile(r"^Merge pull request #(\d+) from ")
_SQUASH = re.compile(r"\(#(\d+)\)\s*$")
_GITLAB = re.compile(r"^See merge request [\w./-]+!(\d+)\s*$", re.M)
LOG_FORMAT = FIELD.join(["%H", "%P", "%an", "%ae", "%aI", "%cI", "%B"]) + FIELD


def parse_change_number(subject: str, body: str) -> int | None:
    """Return the PR/MR number from a GitHub merge/squash subject or a GitLab merge trailer."""
    for pattern, text in ((_GITHUB_MERGE, subject), (_SQUASH, subject), (_GITLAB, body)):
        match = pattern.search(text)
        if match:
            return int(match.group(1))
    return None


def _title_and_body(message: str) -> tuple[str, str]:
    subject, _, body = message.strip().partition("\n")
    body = body.strip()
    if _GITHUB_MERGE.match(subject) and body:
        # GitHub merge commits carry the PR title as the first body line.
        title, _, rest = body.partition("\n")
        return title.strip(), rest.strip()
    return gerrit_title(subject) or _SQUASH.sub("", subject).strip(), body


class LocalGitHost:
    """Changes, files and blame of a local git repository."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser().resolve()
        if not self.path.exists():
            raise SleuthError(f"repository not found: {self.path}", hint="check --repo")
        probe = run_git(self.path, "rev-parse", "--git-dir", check=False)
        if probe.returncode != 0:
            raise SleuthError(f"not a git repository: {self.path}", hint="point --repo at a clone or bare repo")
        if run_git(self.path, "rev-parse", "--verify", "-q", "HEAD", check=False).returncode:
            raise SleuthError(f"repository has no commits: {self.path}")
        self.name = self.path.name.removesuffix(".git")

    def gaps(self) -> "CloneGaps":
        """What this clone lacks (shallow history, partial objects)."""
        from sleuth.tools.clone_gaps import clone_gaps

        return clone_gaps(self.path)

    def resolve(self, ref: str) -> str:
        """Return the full sha a ref points to."""
        result = run_git(self.path, "rev-parse", "--verify", "-q", f"{ref}^{{commit}}", check=False)
        if result.returncode != 0:
            raise SleuthError(f"unknown ref {ref!r} in {self.path}")
        return result.stdout.strip()

    def is_ancestor(self, sha: str, ref: str) -> bool:
        """Whether sha is in ref's history (ref included)."""
        return run_git(self.path, "merge-base", "--is-ancestor", sha, ref, check=False).returncode == 0

    def head_at(self, branch: str | None, moment: datetime) -> str:
        """Return the sha the branch pointed to just before a moment (by commit date)."""
        ref = branch or "HEAD"
        self.resolve(ref)
        result = run_git(self.path, "rev-list", "--first-parent", "-1", f"--before={moment.isoformat()}", ref)
        sha = result.stdout.strip()
        if not sha:
            raise SleuthError(f"{ref} has no commits before {moment.isoformat()} in {self.path}")
        return sha

    def changes(self, branch: str | None, since: datetime, until: datetime) -> list[Change]:
        """Return the first-parent changes merged into the branch in [since, until), newest first."""
        ref = branch or "HEAD"
        self.resolve(ref)
        log = ["log", "--first-parent", "--diff-merges=first-parent", "--no-renames", "-z"]
        window = [f"--format={RECORD}{LOG_FORMAT}", since_option(since.isoformat()), ref]
        result = run_git(self.path, *log, "--numstat", *window, check=False)
        if result.returncode != 0 and is_missing_objects(result.stderr):
            # Line counts need every blob; a clone missing some (partial, a large file left out) still
            # lists each change's files from the trees, with its counts left at zero.
            result = run_git(self.path, *log, "--raw", *window, check=False)
        if result.returncode != 0:
            raise git_failure("log", self.path, result.stderr)
        changes = []
        for record in result.stdout.split(RECORD)[1:]:
            change = self.parse_record(record)
            if since <= change.merged_at < until:
                changes.append(change)
        return with_branch_messages(self.path, changes)

    def change(self, sha: str) -> Change:
        """Return one change by sha (a merge's files and stats are against its first parent)."""
        result = run_git(
            self.path,
            "log",
            "-1",
            "--diff-merges=first-parent",
            "--no-renames",
            "--numstat",
            "-z",
            f"--format={RECORD}{LOG_FORMAT}",
            self.resolve(sha),
        )
        return with_branch_messages(self.path, [self.parse_record(result.stdout.split(RECORD)[1])])[0]

    def parse_record(self, record: str) -> Change:
        """Parse one `git log -z` record of LOG_FORMAT (optionally followed by NUL-ended --numstat entries)."""
        sha, parents, author, email, authored, committed, message, stats = record.split(FIELD, 7)
        title, body = _title_and_body(message)
        files, additions, deletions = [], 0, 0
        entries = iter(stats.split("\0"))
        for entry in entries:
            # -z keeps paths verbatim (a newline or quote in a name is not escaped); only the
            # first entry follows the format's line break.
            entry = entry.removeprefix("\n")
            if not entry:
                continue
            if entry.startswith(":"):  # --raw: ":mode mode blob blob status", then the path
                files.append(next(entries, ""))
                continue
            added, removed, path = entry.split("\t", 2)
            files.append(path)
            additions += int(added) if added.isdigit() else 0
            deletions += int(removed) if removed.isdigit() else 0
        return Change(
            sha=sha,
            repo=self.name,
            title=title,
            body=body,
            author=author,
            author_email=email,
            committed_at=datetime.fromisoformat(authored),
            merged_at=datetime.fromisoformat(committed),
            number=parse_change_number(message.strip().split("\n", 1)[0], message),
            files=files,
            additions=additions,
            deletions=deletions,
            parents=parents.split(),
        )

    @lru_cache(maxsize=4096)  # noqa: B019 - one host per repository, diffs never change
    def diff(self, sha: str) -> str:
        """Return a change's unified diff against its first parent (the root: against nothing)."""
        parents = run_git(self.path, "rev-list", "--parents", "-n", "1", sha).stdout.split()
        if len(parents) > 1:
            return run_git(self.path, "diff", "--no-renames", f"{sha}^1", sha).stdout
        return run_git(self.path, "show", "--no-renames", "--format=", sha).stdout

    def file_at(self, ref: str, path: str) -> str | None:
        """Return a file's text at a ref, or None when it does not exist there."""
        result = run_git(self.path, "show", f"{ref}:{path}", check=False)
        return result.stdout if result.returncode == 0 else None

    @lru_cache(maxsize=64)  # noqa: B019
    def list_files(self, ref: str) -> list[str]:
        """Return every file path at a ref."""
        return [p for p in run_git(self.path, "ls-tree", "-r", "-z", "--name-only", ref).stdout.split("\0") if p]

    def blame(self, ref: str, path: str, start: int, end: int) -> dict[int, tuple[str, int]]:
        """Map lines start..end of a file at ref to (first-parent change sha, its line number)."""
        return blame_lines(self.path, ref, path, start, end)

    def rev_list(self, since_sha: str | None, until_sha: str) -> list[str]:
        """Return first-parent shas in (since_sha, until_sha], newest first."""
        spec = [f"{since_sha}..{until_sha}"] if since_sha else [until_sha]
        return run_git(self.path, "rev-list", "--first-parent", *spec).stdout.split()


def blame_lines(repo: Path, ref: str, path: str, start: int, end: int) -> dict[int, tuple[str, int]]:
    """Blame a line range with `--first-parent`, so lines map to merges rather than branch commits."""
    if end < start:
        return {}
    result = run_git(
        repo,
        "blame",
        "--first-parent",
        "--porcelain",
        "-L",
        f"{start},{end}",
        ref,
        "--",
        path,
        check=False,
    )
    return parse_blame_porcelain(result.stdout) if result.returncode == 0 else {}


def parse_blame_porcelain(output: str) -> dict[int, tuple[str, int]]:
    """Parse `git blame --porcelain` into final line -> (sha, line number in that commit)."""
    blamed: dict[int, tuple[str, int]] = {}
    for line in output.splitlines():
        parts = line.split(" ")
        if len(parts) >= 3 and len(parts[0]) == 40 and parts[1].isdigit() and parts[2].isdigit():
            blamed[int(parts[2])] = (parts[0], int(parts[1]))
    return blamed
