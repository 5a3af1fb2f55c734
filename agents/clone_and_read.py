"""clone-and-read: read the code around each in-app frame in the workspace clone, with blame.

The first round reads the frames; a later round (when confidence is low) reaches past the stack:
the places the leading suspects changed, and where the error message is raised.
"""

from pathlib import Path

from sleuth.models import Candidate, CodeExcerpt, Evidence, Signals
from sleuth.tools.sandbox import Sandbox
from sleuth.tools.workspace_blame import blame_workspace

CONTEXT_LINES = 30
MAX_FRAME_READS = 8
MAX_SUSPECTS = 3


def read_excerpt(sandbox: Sandbox, path: str, line: int, context: int = CONTEXT_LINES) -> CodeExcerpt | None:
    """Read lines around `line` of a workspace file, blamed to first-parent changes."""
    text = sandbox.read_text(path)
    lines = text.splitlines() if text else []
    if not lines:
        return None
    start = max(1, line - context)
    end = min(len(lines), line + context)
    blame = blame_workspace(sandbox, path, start, end)
    return CodeExcerpt(
        path=path,
        start_line=start,
        focus_line=min(line, end),
        lines=lines[start - 1 : end],
        blame={number: sha for number, (sha, _) in blame.items()},
    )


def _frame_evidence(sandbox: Sandbox, signals: Signals, titles: dict[str, str]) -> list[Evidence]:
    evidence: list[Evidence] = []
    seen: set[tuple[str, int]] = set()
    for frame in signals.app_frames():
        if not frame.repo_path or not frame.line or (frame.repo_path, frame.line) in seen:
            continue
        seen.add((frame.repo_path, frame.line))
        excerpt = read_excerpt(sandbox, frame.repo_path, frame.line)
        if excerpt is None:
            continue
        excerpt.function = frame.function
        evidence.append(
            Evidence(
                kind="code",
                summary=f"{frame.repo_path}:{frame.line} in {frame.function or '?'} (stack frame)",
                path=frame.repo_path,
                line=frame.line,
                excerpt=excerpt,
            )
        )
        sha = excerpt.blame.get(frame.line)
        if sha:
            evidence.append(
                Evidence(
                    kind="blame",
                    summary=f"{frame.repo_path}:{frame.line} last changed by {sha[:10]}"
                    f" ({titles.get(sha, 'outside the window')})",
                    sha=sha,
                    path=frame.repo_path,
                    line=frame.line,
                )
            )
        if len(seen) >= MAX_FRAME_READS:
            break
    return evidence


def _suspect_evidence(sandbox: Sandbox, candidates: list[Candidate], diffs: dict[str, str]) -> list[Evidence]:
    """Read what the leading suspects changed, in the current tree: code the frames may not name."""
    from unidiff import PatchSet

    evidence: list[Evidence] = []
    for candidate in candidates[:MAX_SUSPECTS]:
        try:
            patch = PatchSet(diffs.get(candidate.change.sha, ""))
        except Exception:
            continue
        for patched in patch:
            if patched.is_removed_file:
                continue
            for hunk in list(patched)[:3]:
                excerpt = read_excerpt(sandbox, patched.path, hunk.target_start, context=8)
                if excerpt is None:
                    continue
                evidence.append(
                    Evidence(
                        kind="diff",
                        summary=f"{candidate.change.short_sha} changed {patched.path} around line"
                        f" {hunk.target_start} (+{hunk.added}/-{hunk.removed})",
                        sha=candidate.change.sha,
                        path=patched.path,
                        line=hunk.target_start,
                        excerpt=excerpt,
                    )
                )
    return evidence


def _raise_site_evidence(sandbox: Sandbox, signals: Signals) -> list[Evidence]:
    """Grep the workspace for the error message: where the error is raised or the value defined."""
    evidence: list[Evidence] = []
    terms = [kw for kw in signals.keywords if 3 <= len(kw) <= 60 and " " not in kw][:5]
    for term in terms:
        result = sandbox.run(["git", "grep", "-n", "-F", "-I", "--", term.strip("'\"")], timeout=30)
        for hit in result.output.splitlines()[:3]:
            path, _, rest = hit.partition(":")
            number, _, _ = rest.partition(":")
            if number.isdigit() and Path(path).suffix:
                evidence.append(
                    Evidence(
                        kind="code",
                        summary=f"{path}:{number} mentions {term!r}",
                        path=path,
                        line=int(number),
                    )
                )
    return evidence


def clone_and_read(
    sandbox: Sandbox,
    signals: Signals,
    candidates: list[Candidate],
    diffs: dict[str, str],
    read_round: int,
) -> list[Evidence]:
    """Gather evidence for this reading round (the workspace clone must already exist)."""
    titles = {c.change.sha: c.change.title for c in candidates}
    if read_round == 0:
        return _frame_evidence(sandbox, signals, titles)
    return _suspect_evidence(sandbox, candidates, diffs) + _raise_site_evidence(sandbox, signals)
