"""Streaming a branch's first-parent history with every diff in one `git log -p`, for indexing.

One git process for thousands of changes: spawning `git show` per change would cost more than all
the enrichment and embedding together. Blobs (whole files before/after) come from one long-lived
`git cat-file --batch`.
"""

import subprocess
from collections.abc import Iterator
from pathlib import Path

from sleuth.models import Change
from sleuth.tools.git_cli import FIELD, RECORD, diff_header_path, git_env, git_failure
from sleuth.tools.local_git import LOG_FORMAT, LocalGitHost

MAX_FILE_DIFF_BYTES = 100_000  # a generated or vendored file's diff is summarised, not stored


def _git_command(repo: Path, *args: str) -> list[str]:
    return ["git", "-C", str(repo), "-c", "core.quotepath=off", *args]


def _diff_stats(diff: str) -> tuple[list[str], int, int]:
    files: list[str] = []
    additions = deletions = 0
    in_header = False
    for line in diff.splitlines():
        if line.startswith("diff --git "):
            in_header = True
            files.append(diff_header_path(line))
        elif line.startswith("@@"):
            in_header = False
        elif not in_header:
            if line.startswith("+"):
                additions += 1
            elif line.startswith("-"):
                deletions += 1
    return files, additions, deletions


def _cap_file_diffs(diff: str) -> str:
    """Replace any one file's oversized diff by its header and a note, keeping the others whole."""
    if len(diff) <= MAX_FILE_DIFF_BYTES:
        return diff
    parts = diff.split("\ndiff --git ")
    kept = []
    for index, part in enumerate(parts):
        section = part if index == 0 else "diff --git " + part
        if len(section) > MAX_FILE_DIFF_BYTES:
            header = section.split("\n@@", 1)[0]
            section = f"{header}\n(diff of {len(section)} bytes omitted)"
        kept.append(section)
    return "\n".join(kept)


def iter_history(host: LocalGitHost, ref: str, after_sha: str | None = None) -> Iterator[tuple[Change, str]]:
    """Yield (change, diff) for first-parent changes in (after_sha, ref], oldest first."""
    spec = f"{after_sha}..{ref}" if after_sha else ref
    command = _git_command(
        host.path,
        "log",
        "--first-parent",
        "--diff-merges=first-parent",
        "--no-renames",
        "--reverse",
        "-p",
        "--full-index",
        "--no-color",
        "--no-ext-diff",
        f"--format={RECORD}{LOG_FORMAT}",
        spec,
    )
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=git_env(),
        text=True,
        encoding="utf-8",
        errors="replace",
        bufsize=1 << 20,
    )
    assert process.stdout is not None
    try:
        buffer: list[str] = []
        for line in process.stdout:
            if line.startswith(RECORD) and buffer:
                yield _parse(host, "".join(buffer))
                buffer = []
            buffer.append(line)
        if buffer:
            yield _parse(host, "".join(buffer))
    finally:
        process.stdout.close()
        stderr = process.stderr.read() if process.stderr else ""
        code = process.wait()
    if code != 0:
        raise git_failure("log", host.path, stderr)


def _parse(host: LocalGitHost, record: str) -> tuple[Change, str]:
    sha, parents, author, email, authored, committed, message, patch = record[1:].split(FIELD, 7)
    diff = _cap_file_diffs(patch.lstrip("\n"))
    files, additions, deletions = _diff_stats(diff)
    header = f"{sha}{FIELD}{parents}{FIELD}{author}{FIELD}{email}{FIELD}{authored}{FIELD}{committed}"
    change = host.parse_record(f"{header}{FIELD}{message}{FIELD}")
    change = change.model_copy(update={"files": files, "additions": additions, "deletions": deletions})
    return change, diff


class BlobReader:
    """Read blobs by id through one `git cat-file --batch` process."""

    def __init__(self, repo: Path, max_bytes: int = 64_000) -> None:
        self.max_bytes = max_bytes
        self._process = subprocess.Popen(
            _git_command(repo, "cat-file", "--batch"),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=git_env(),
        )

    def read(self, blob_id: str) -> str | None:
        """Return a blob's text, or None when it is missing, binary or larger than max_bytes."""
        if not blob_id or set(blob_id) == {"0"}:
            return None
        stdin, stdout = self._process.stdin, self._process.stdout
        assert stdin is not None and stdout is not None
        stdin.write(blob_id.encode() + b"\n")
        stdin.flush()
        header = stdout.readline().split()
        if len(header) < 3:  # "<id> missing"
            return None
        size = int(header[2])
        data = stdout.read(size + 1)[:size]
        if size > self.max_bytes or b"\x00" in data[:8192]:
            return None
        return data.decode("utf-8", errors="replace")

    def close(self) -> None:
        """End the cat-file process."""
        if self._process.stdin:
            self._process.stdin.close()
        self._process.wait(timeout=10)

    def __enter__(self) -> "BlobReader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
