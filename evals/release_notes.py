"""The release-note lines a change adds: a fix's notes often say what broke better than its message.

Towncrier-style fragment folders and single-file change logs, wherever they live; a merge that adds a
whole release's entries contributes none of them, since those describe other fixes.
"""

import re

from sleuth.tools.code_host import Mirror
from sleuth.tools.git_cli import RECORD, run_git

# More release-note entries than this in one change is a release being assembled, not one fix's entry.
MAX_NOTE_ENTRIES = 3

# Where release notes live, in any case: fragment folders and single-file change logs.
_NOTE_PATHS = tuple(
    f":(glob,icase){pattern}"
    for pattern in (
        "**/changelog*/**",
        "**/changes/**",
        "**/news*/**",
        "**/*fragments/**",
        "**/whatsnew/**",
        "**/unreleased*/**",
        "**/CHANGE*",
        "**/NEWS*",
        "**/HISTORY*",
    )
)


def release_notes(host: Mirror, branch: str | None) -> dict[str, str]:
    """Lines each first-parent change added to release notes (one git call)."""
    output = run_git(
        host.path,
        "log",
        "--first-parent",
        "--diff-merges=first-parent",
        "-p",
        "--no-renames",
        f"--format={RECORD}%H",
        branch or "HEAD",
        "--",
        *_NOTE_PATHS,
        timeout=600,
    ).stdout
    notes = {}
    for record in output.split(RECORD)[1:]:
        sha, _, patch = record.partition("\n")
        if added := _added_notes(patch):
            notes[sha.strip()] = added
    return notes


# A release-note entry: a bullet (`-`, `*`, `+`, `•`, or libevent's ` o `) or a numbered item.
_NOTE_ENTRY = re.compile(r"\s*(?:[-*+•o]|\d+[.)])\s+\S")


def _added_notes(patch: str) -> str:
    """The release-note lines a patch adds, or "" when it adds a whole release's worth of entries.

    A merge that brings in a release branch adds every entry of the release; those describe other
    fixes, so they would mislead the investigator rather than describe this incident.
    """
    entries, added = 0, []
    for file_patch in re.split(r"^diff --git .*$", patch, flags=re.M)[1:]:
        lines = [line[1:] for line in file_patch.splitlines() if line.startswith("+") and not line.startswith("+++")]
        if any(line.strip() for line in lines):
            entries += max(1, sum(bool(_NOTE_ENTRY.match(line)) for line in lines))
            added.extend(lines)
    return "" if entries > MAX_NOTE_ENTRIES else "\n".join(added).strip()


def note_patch(host: Mirror, sha: str) -> str:
    return run_git(
        host.path, "show", "--diff-merges=first-parent", "-p", "--no-renames", "--format=", sha, "--", *_NOTE_PATHS
    ).stdout


def own_notes(host: Mirror, sha: str) -> str:
    """Release-note lines the fix commit itself adds (its own entry, not its landing's)."""
    return _added_notes(note_patch(host, sha))


# reStructuredText scaffolding of a changelog fragment (SQLAlchemy's `.. change::` with `:tags:`,
# `:tickets:` and `:versions:` fields): structure, not a description of what broke.
_RST_MARKUP = re.compile(r"^\s*(?:\.\. [\w-]+::.*|:(?:tags|tickets|versions|changeset|pullreq|references):.*)$", re.I)


def note_text(notes: str, body: str) -> str:
    """The notes' own lines: no rST scaffolding, and nothing the commit message already says."""
    said = {line.strip() for line in body.splitlines() if line.strip()}
    kept = [line for line in notes.splitlines() if line.strip() not in said and not _RST_MARKUP.match(line)]
    return "\n".join(kept).strip()


def without_restored(notes: str, culprit_patch: str) -> str:
    """Drop note lines the culprit had removed: a revert puts them back, and they describe older changes."""
    removed = {line[1:].strip() for line in culprit_patch.splitlines() if line.startswith("-") and line[1:].strip()}
    return "\n".join(line for line in notes.splitlines() if line.strip() not in removed).strip()
