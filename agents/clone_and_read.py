"""clone-and-read: read the code around each in-app frame in the workspace clone, with blame.

The first round reads the frames and reaches past them along the call path: the definitions of what
the failing lines call, and the callers of the failing function, each blamed; a suspect change that
last touched one of those places is named. A later round (when confidence is low) reads the places
the leading suspects changed, and where the error message is raised.
"""

from pathlib import Path

from sleuth.models import Candidate, CodeExcerpt, Evidence, Signals
from sleuth.tools.call_path import (
    called_names,
    callers,
    data_definitions,
    definitions,
    function_span,
    referenced_names,
    statement_span,
)
from sleuth.tools.enrichment import path_tags
from sleuth.tools.sandbox import Sandbox
from sleuth.tools.workspace_blame import blame_ranges, blame_workspace

CONTEXT_LINES = 30
MAX_FRAME_READS = 8
MAX_SUSPECTS = 3
MAX_SUSPECT_FILES = 5
MAX_SUSPECT_HUNKS = 3
SUSPECT_CONTEXT = 8
CALL_PATH_FRAMES = 2
MAX_CALLEES = 6
MAX_SPAN_LINES = 60


def read_excerpt(sandbox: Sandbox, path: str, line: int, context: int = CONTEXT_LINES) -> CodeExcerpt | None:
    """Read lines around `line` of a workspace file, blamed to first-parent changes."""
    return read_span(sandbox, path, line - context, line + context, line)


def read_span(
    sandbox: Sandbox, path: str, start: int, end: int, focus: int, text: str | None = None
) -> CodeExcerpt | None:
    """Read lines start..end (clipped to the file) of a workspace file, blamed to first-parent changes.

    `text` is the file's content when the caller has already read it.
    """
    text = sandbox.read_text(path) if text is None else text
    lines = text.splitlines() if text else []
    if not lines:
        return None
    start = max(1, start)
    end = min(len(lines), end)
    if start > end:
        return None
    return _excerpt(path, lines, start, end, focus, blame_workspace(sandbox, path, start, end))


def _excerpt(
    path: str, lines: list[str], start: int, end: int, focus: int, blame: dict[int, tuple[str, int]]
) -> CodeExcerpt:
    """Lines start..end (already clipped to the file) with the blame of those of them it covers."""
    return CodeExcerpt(
        path=path,
        start_line=start,
        focus_line=min(max(focus, start), end),
        lines=lines[start - 1 : end],
        blame={number: blame[number][0] for number in range(start, end + 1) if number in blame},
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
                role="frame",
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


def _call_path_evidence(sandbox: Sandbox, signals: Signals, titles: dict[str, str]) -> list[Evidence]:
    """Read past the frames: callee definitions of the innermost failing lines, callers of their functions."""
    frames = [f for f in signals.app_frames() if f.repo_path and f.line]
    framed = {(f.repo_path or "", f.line or 0) for f in frames}
    framed_functions = {f.function for f in frames if f.function}
    places: list[tuple[str, int, str, str]] = []  # (path, line, role, where)
    for frame in frames[:CALL_PATH_FRAMES]:  # innermost first
        path, line = frame.repo_path or "", frame.line or 0
        source = sandbox.read_text(path) or ""
        callees = [n for n in called_names(source, line, path.endswith(".py")) if n not in framed_functions]
        for name in callees[:MAX_CALLEES]:
            where = f"{name}(), called at {path}:{line}"
            places += [(p, n, "callee", where) for p, n in definitions(sandbox, name)]
        for name in referenced_names(source, line)[:MAX_CALLEES]:
            where = f"{name}, read at {path}:{line}"
            places += [(p, n, "data", where) for p, n in data_definitions(sandbox, name)]
        function = frame.function or ""
        if function.isidentifier():
            where = f"call of {function}() (the failing function)"
            places += [(p, n, "caller", where) for p, n in callers(sandbox, function)]
    evidence: list[Evidence] = []
    read: set[tuple[str, int]] = set(framed)
    for path, line, role, where in places:
        if (path, line) not in read:
            read.add((path, line))
            evidence += _span_evidence(sandbox, path, line, role, where, titles)
    return evidence


def _with_article(label: str) -> str:
    """ "the definition of x()", "a call of f() (…)": one article, never two."""
    return (
        label
        if label.startswith(("the ", "a ", "an "))
        else f"the {label}"
        if label.startswith("definition")
        else f"a {label}"
    )


def _span_evidence(
    sandbox: Sandbox, path: str, line: int, role: str, where: str, titles: dict[str, str]
) -> list[Evidence]:
    source = sandbox.read_text(path)
    if source is None:
        return []
    if role == "callee":
        start, end = function_span(source, line, path.endswith(".py"))
        end = min(end, start + MAX_SPAN_LINES)
    elif role == "data":
        start, end = statement_span(source, line, path.endswith(".py"))
        end = min(end, start + MAX_SPAN_LINES)
    else:
        start, end = line - 5, line + 5
    excerpt = read_span(sandbox, path, start, end, line, text=source)
    if excerpt is None:
        return []
    label = f"definition of {where}" if role in ("callee", "data") else where
    found = [
        Evidence(
            kind="code", role=role, summary=f"{path}:{line} {label} (call path)", path=path, line=line, excerpt=excerpt
        )
    ]
    touched: dict[str, list[int]] = {}
    for number, sha in excerpt.blame.items():
        if sha in titles:
            touched.setdefault(sha, []).append(number)
    for sha, numbers in touched.items():
        found.append(
            Evidence(
                kind="diff",
                role=role,
                summary=f"{sha[:10]} ({titles[sha]}) last changed {path}:{min(numbers)}-{max(numbers)},"
                f" {_with_article(label)}",
                sha=sha,
                path=path,
                line=min(numbers),
            )
        )
    return found


def _reading_order(paths: list[str]) -> list[str]:
    """Code before tests, docs and build files: where a suspect's faulty line most likely is."""
    order = {"code": 0, "config": 1, "schema": 1, "dependency": 2, "infra": 2, "test": 3, "docs": 4}
    return sorted(paths, key=lambda path: min(order[kind] for kind in path_tags(path)))


def _suspect_evidence(sandbox: Sandbox, candidates: list[Candidate], diffs: dict[str, str]) -> list[Evidence]:
    """Read what the leading suspects changed, in the current tree: code the frames may not name.

    One blame per file covers all its hunks read, and a suspect's files are read code first, at most
    MAX_SUSPECT_FILES of them: a change touching sixty files would otherwise cost sixty blames.
    """
    from unidiff import PatchSet

    # Only changes in the window can be suspects: blame need not walk past the window's base.
    oldest = min(candidates, key=lambda c: c.change.merged_at, default=None)
    base = oldest.change.parents[0] if oldest and oldest.change.parents else None
    evidence: list[Evidence] = []
    for candidate in candidates[:MAX_SUSPECTS]:
        try:
            patch = PatchSet(diffs.get(candidate.change.sha, ""))
        except Exception:
            continue
        files = {p.path: p for p in patch if not p.is_removed_file}
        for path in _reading_order(list(files))[:MAX_SUSPECT_FILES]:
            text = sandbox.read_text(path)
            lines = text.splitlines() if text else []
            reads = []  # (hunk, first line, last line) of each hunk still inside the current file
            for hunk in list(files[path])[:MAX_SUSPECT_HUNKS]:
                start = max(1, hunk.target_start - SUSPECT_CONTEXT)
                end = min(len(lines), hunk.target_start + SUSPECT_CONTEXT)
                if start <= end:
                    reads.append((hunk, start, end))
            blame = blame_ranges(sandbox, path, [(start, end) for _, start, end in reads], since=base) or {}
            for hunk, start, end in reads:
                evidence.append(
                    Evidence(
                        kind="diff",
                        role="suspect_change",
                        summary=f"{candidate.change.short_sha} changed {path} around line"
                        f" {hunk.target_start} (+{hunk.added}/-{hunk.removed})",
                        sha=candidate.change.sha,
                        path=path,
                        line=hunk.target_start,
                        excerpt=_excerpt(path, lines, start, end, hunk.target_start, blame),
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
                        role="raise_site",
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
        return _frame_evidence(sandbox, signals, titles) + _call_path_evidence(sandbox, signals, titles)
    return _suspect_evidence(sandbox, candidates, diffs) + _raise_site_evidence(sandbox, signals)
