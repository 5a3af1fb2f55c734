"""The baselines of EVALS.md, ranked over the same window and incident text sleuth sees.

random is analytic (see metrics.random_expectation). Each ranking returns shas, best first; ties fall
back to newest first so every baseline is deterministic.
"""

from sleuth.agents.plan import plan
from sleuth.agents.search_changes import map_frames, message_scores
from sleuth.models import Change, Incident
from sleuth.tools.code_host import Mirror


def recency(window: list[Change]) -> list[str]:
    """Newest change first."""
    return [c.sha for c in sorted(window, key=lambda c: c.merged_at, reverse=True)]


def bm25(window: list[Change], incident: Incident) -> list[str]:
    """BM25 of the incident's text over each change's message and changed paths."""
    scores = message_scores(window, incident)
    order = sorted(range(len(window)), key=lambda i: (-scores[i], -window[i].merged_at.timestamp()))
    return [window[i].sha for i in order]


def blame(window: list[Change], incident: Incident, host: Mirror, ref: str) -> list[str]:
    """Changes that last touched a line a stack frame names, newest first; then the rest, newest first."""
    signals = map_frames(plan(incident), host.list_files(ref))
    in_window = {c.sha for c in window}
    blamed: set[str] = set()
    for frame in signals.app_frames():
        if frame.repo_path and frame.line:
            for sha, _ in host.blame(ref, frame.repo_path, frame.line, frame.line).values():
                if sha in in_window:
                    blamed.add(sha)
    newest = recency(window)
    return [sha for sha in newest if sha in blamed] + [sha for sha in newest if sha not in blamed]


def rank_of(order: list[str], culprit: str | None) -> int | None:
    """1-based rank of the culprit in an order; None when absent (or no culprit)."""
    if not culprit:
        return None
    for position, sha in enumerate(order, start=1):
        if sha.startswith(culprit) or culprit.startswith(sha):
            return position
    return None
