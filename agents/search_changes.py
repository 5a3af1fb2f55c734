"""search-changes: rank the changes in the window by timing, stack-frame blame, meaning and words.

With a change index, candidates come from it (window and repository filters), and dense similarity
plus bm25 over the stored message/paths/diff text join the structural features. Without one, the
window is read from git, bm25 runs over the diffs in memory, and the window's headlines are embedded
in memory with the index's model (unless `index.semantic_without_index` is off).
"""

from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime, timedelta

from sleuth.agents.diff_evidence import (
    changed_lines,
    diff_tokens,
    incident_terms,
    inert_features,
    mention_features,
    size_ranks,
)
from sleuth.agents.ranking_weights import fusion_weights
from sleuth.config import IndexSettings
from sleuth.errors import SleuthError
from sleuth.models import Candidate, Change, Deploy, Incident, Signals, StackFrame
from sleuth.tools.change_index import ChangeIndex
from sleuth.tools.change_store import change_id
from sleuth.tools.code_host import Mirror
from sleuth.tools.deploys import shipped_times
from sleuth.tools.lexical import bm25_scores
from sleuth.tools.path_mapping import RepoPathIndex, path_parts
from sleuth.tools.reverts import reverted_in_window

NOT_SHIPPED_FACTOR = 0.1
NEAR_LINES = 3
MAX_FRAMES = 10
FRAME_DECAY = 0.6
DIFF_CHARS_FOR_TEXT = 20_000


@dataclass
class SearchResult:
    """The ranked candidates, the frames mapped to repository files, and notes for the report."""

    candidates: list[Candidate]
    signals: Signals
    notes: list[str]
    # The clone's history is cut (shallow) after the window starts: the culprit may be unseen.
    history_cut: bool = False


def map_frames(signals: Signals, repo_files: list[str]) -> Signals:
    """Return signals whose frames carry the repository file they map to."""
    index = RepoPathIndex(repo_files)
    mapped = signals.model_copy(deep=True)
    for exc in mapped.exceptions:
        for frame in exc.frames:
            frame.repo_path = index.lookup(frame.file)
            if not frame.in_app and frame.repo_path and _shared_tail(frame.file, frame.repo_path) >= 2:
                # `site-packages/requests/adapters.py` while investigating requests: its own code, installed.
                frame.in_app = True
    return mapped


def _shared_tail(printed: str | None, repo_path: str) -> int:
    """How many trailing path components (package directory and file) the two paths share."""
    shared = 0
    for mine, theirs in zip(reversed(path_parts(printed or "")), reversed(repo_path.split("/")), strict=False):
        if mine != theirs:
            break
        shared += 1
    return shared


def _weighted_frames(signals: Signals) -> list[tuple[StackFrame, float]]:
    frames = [f for f in signals.app_frames() if f.repo_path and f.line]
    unique: list[StackFrame] = []
    seen: set[tuple[str, int]] = set()
    for frame in frames:
        key = (frame.repo_path or "", frame.line or 0)
        if key not in seen:
            seen.add(key)
            unique.append(frame)
    return [(frame, FRAME_DECAY**i) for i, frame in enumerate(unique[:MAX_FRAMES])]


def _change_text(change: Change, diff: str) -> str:
    diff_lines = [line[1:] for line in changed_lines(diff)]
    return "\n".join([change.title, change.body, " ".join(change.files), *diff_lines])


def message_scores(changes: list[Change], incident: Incident) -> list[float]:
    """bm25 of the incident's text over each change's message and changed paths (also the bm25 baseline)."""
    documents = [f"{c.title}\n{c.body}\n{' '.join(c.files)}" for c in changes]
    return bm25_scores(documents, incident.text(), max_terms=256)


def _message_lexical(changes: list[Change], incident: Incident) -> list[float]:
    """`message_scores` scaled to the window's best.

    The whole-change `lexical` feature is dominated by diff text; what a change *says* it does is a
    separate, often sharper signal (reverts and fixes describe the behaviour the culprit announced).
    """
    scores = message_scores(changes, incident)
    top = max(scores, default=0.0) or 1.0
    return [score / top for score in scores]


def _window_semantic(embedding: IndexSettings, changes: list[Change], query: str, notes: list[str]) -> list[float]:
    from sleuth.tools.window_semantic import window_similarity

    try:
        return window_similarity(embedding, changes, query)
    except SleuthError as exc:  # e.g. an API embedding without its key: rank on the other signals
        notes.append(f"ranking without semantic similarity: {exc}")
        return []


def _recency_ranks(live_since: list[datetime]) -> list[float]:
    """`recency_rank`: 1 for the newest change of the window, 0 for the oldest, whatever the gaps."""
    if len(live_since) < 2:
        return [1.0] * len(live_since)
    ordered = sorted(live_since)  # changes shipped by one deploy share a rank
    return [1.0 - (len(ordered) - bisect_right(ordered, when)) / (len(ordered) - 1) for when in live_since]


def _query(incident: Incident, signals: Signals) -> str:
    # signals.keywords already names the in-app frame functions; add where those frames live.
    parts = [incident.title, incident.description, *signals.keywords]
    for exc in signals.exceptions:
        parts.extend(f.repo_path or "" for f in exc.frames if f.in_app)
    return "\n".join(parts)


def search_changes(
    host: Mirror,
    incident: Incident,
    signals: Signals,
    ref: str,
    branch: str | None,
    window_days: int,
    deploys: list[Deploy],
    index: ChangeIndex | None = None,
    weights: dict[str, float] | None = None,
    embedding: IndexSettings | None = None,
) -> SearchResult:
    """Return the candidate changes of the window, ranked, each with its feature values.

    `embedding`: without an index, embed the window's headlines with this model for the semantic feature.
    """
    signals = map_frames(signals, host.list_files(ref))
    cutoff = signals.first_error_at
    since = incident.started_at - timedelta(days=window_days)
    until = min(cutoff, incident.started_at)
    gaps = host.gaps()
    notes: list[str] = gaps.notes()
    query = _query(incident, signals)
    # Changes come from the branch (some may not have shipped yet); blame reads the running ref.
    if index is not None:
        ids = index.store.ids_in_window([host.name], since, until)
        stored = index.store.get_many(ids)
        ids = [i for i in ids if stored[i].sha not in gaps.boundary]
        changes = [stored[i] for i in ids]
        dense, bm25 = index.scores(query, [host.name], since, until, limit=max(1, len(changes)), window=ids)
        top_dense = max(dense.values(), default=0.0) or 1.0
        top_bm25 = max(bm25.values(), default=0.0) or 1.0
        semantic = [dense.get(change_id(host.name, c.sha), 0.0) / top_dense for c in changes]
        lexical = [bm25.get(change_id(host.name, c.sha), 0.0) / top_bm25 for c in changes]
    else:
        changes = [c for c in host.changes(branch, since, until) if c.sha not in gaps.boundary]
    diffs = [host.diff(c.sha)[:DIFF_CHARS_FOR_TEXT] for c in changes]  # read once: bm25 and diff evidence
    if index is None:
        raw = bm25_scores([_change_text(c, diff) for c, diff in zip(changes, diffs, strict=True)], query)
        top_raw = max(raw, default=0.0) or 1.0
        lexical = [score / top_raw for score in raw]
        semantic = _window_semantic(embedding, changes, query, notes) if embedding is not None else []
    service_deploys = [d for d in deploys if incident.service in (None, d.service)]
    shipped, deploy_notes = shipped_times(host, deploys, incident.service, cutoff)
    notes.extend(deploy_notes)

    weighted = _weighted_frames(signals)
    total_weight = sum(weight for _, weight in weighted) or 1.0
    line_hits: dict[str, float] = {}
    near_hits: dict[str, float] = {}
    for frame, weight in weighted:
        start = max(1, (frame.line or 1) - NEAR_LINES)
        blamed = host.blame(ref, frame.repo_path or "", start, (frame.line or 1) + NEAR_LINES)
        if frame.line in blamed:
            sha = blamed[frame.line][0]
            line_hits[sha] = line_hits.get(sha, 0.0) + weight
        for sha, _ in blamed.values():
            near_hits[sha] = near_hits.get(sha, 0.0) + weight / (2 * NEAR_LINES + 1)

    mentions = mention_features([diff_tokens(diff) for diff in diffs], incident_terms(incident, signals))
    sizes = size_ranks(changes)
    said = _message_lexical(changes, incident)
    live_since = [shipped.get(c.sha) or c.merged_at for c in changes]
    newest = _recency_ranks(live_since)
    weights = weights or fusion_weights()
    reverted = _reverted_before(reverted_in_window(changes), shipped, cutoff, bool(service_deploys))
    candidates = []
    for position, change in enumerate(changes):
        shipped_at = shipped.get(change.sha)
        if service_deploys:
            timing = "shipped_before" if shipped_at and shipped_at < cutoff else "not_shipped"
        else:
            timing = "merged_before"
        hours_live = max(0.0, (cutoff - live_since[position]).total_seconds() / 3600)
        touched = set(change.files)
        features = {
            "blame_frame_line": line_hits.get(change.sha, 0.0) / total_weight,
            "blame_near_frames": near_hits.get(change.sha, 0.0) / total_weight,
            "frame_file_overlap": sum(w for f, w in weighted if f.repo_path in touched) / total_weight,
            "lexical": lexical[position],
            "message_lexical": said[position],
            "recency": 1.0 / (1.0 + hours_live / 24.0),
            "recency_rank": newest[position],
            **mentions[position],
            "size": sizes[position],
            **inert_features(change, runs_through_repo=bool(weighted)),
            "reverted_before": 1.0 if change.sha in reverted else 0.0,
        }
        if semantic:
            features["semantic"] = semantic[position]
        score = fused_score(features, timing, weights)
        candidates.append(
            Candidate(
                change=change,
                shipped_at=shipped_at,
                timing=timing,
                features={k: round(v, 4) for k, v in features.items()},
                score=round(score, 4),
                reasons=_reasons(features, timing, shipped_at, cutoff, reverted.get(change.sha)),
            )
        )
    history_cut = gaps.cuts_into(since)
    if not candidates and history_cut:
        raise SleuthError(
            f"no changes in the {window_days}-day window before the incident: {notes[0]}",
            hint="deepen the clone, then investigate again",
        )
    return SearchResult(candidates=rank_candidates(candidates), signals=signals, notes=notes, history_cut=history_cut)


def fused_score(features: dict[str, float], timing: str, weights: dict[str, float]) -> float:
    """The ranking score: the weighted sum of the features, a tenth of it for a change not yet shipped."""
    score = sum(weights.get(name, 0.0) * value for name, value in features.items())
    return score * NOT_SHIPPED_FACTOR if timing == "not_shipped" else score


def with_feature(candidate: Candidate, name: str, value: float, weight: float, reason: str) -> Candidate:
    """The candidate with a feature found after search (reading, a model) set, its score and reasons updated."""
    previous = candidate.features.get(name, 0.0)
    bonus = weight * (value - previous) * (NOT_SHIPPED_FACTOR if candidate.timing == "not_shipped" else 1)
    return candidate.model_copy(
        update={
            "features": {**candidate.features, name: value},
            "score": round(candidate.score + bonus, 4),
            "reasons": [*candidate.reasons, reason],
        }
    )


def rank_candidates(candidates: list[Candidate]) -> list[Candidate]:
    """Order best first (a change the reproducer proved, then score, then newest) and number the ranks."""
    ordered = sorted(
        candidates,
        key=lambda c: (-c.features.get("reproduced", 0.0), -c.score, -c.change.merged_at.timestamp()),
    )
    return [c.model_copy(update={"rank": rank}) for rank, c in enumerate(ordered, start=1)]


def _reverted_before(
    reverted: dict[str, Change], shipped: dict[str, datetime], cutoff: datetime, by_deploys: bool
) -> dict[str, Change]:
    """The reverted changes whose revert was live before the first error (deployed, when deploys are known)."""
    if not by_deploys:
        return reverted  # the window ends at the cutoff: every revert in it merged before
    return {sha: r for sha, r in reverted.items() if (at := shipped.get(r.sha)) is not None and at < cutoff}


def _reasons(
    features: dict[str, float],
    timing: str,
    shipped_at: datetime | None,
    cutoff: datetime,
    reverted_by: Change | None = None,
) -> list[str]:
    reasons = []
    if reverted_by is not None:
        reasons.append(f"reverted by {reverted_by.short_sha} before the first error, so its code was not running")
    if features["blame_frame_line"] > 0:
        reasons.append("last changed a line named in the stack trace")
    elif features["blame_near_frames"] > 0:
        reasons.append("changed lines next to a stack-frame line")
    if features["frame_file_overlap"] > 0:
        reasons.append("touches a file in the stack trace")
    if features["removed_error_names"] >= 0.5:
        reasons.append("removed a name or value the error message names")
    elif features["removed_mentions"] >= 0.5:
        reasons.append("removed a name or value the incident mentions")
    elif features["diff_mentions"] >= 0.5:
        reasons.append("its changed lines hold a name or value the error mentions")
    elif features["context_mentions"] >= 0.5:
        reasons.append("edits right next to a name the incident mentions")
    if features["docs_under_stack"]:
        reasons.append("touches only documentation, which cannot raise the error in the stack trace")
    elif features["docs_only"] or features["tests_only"]:
        reasons.append("touches only " + ("documentation" if features["docs_only"] else "tests"))
    if features["size"] >= 0.9:
        reasons.append("one of the largest changes in the window")
    if features["message_lexical"] >= 0.5:
        reasons.append("its title or description shares terms with the incident")
    elif features["lexical"] >= 0.5:
        reasons.append("its text shares terms with the incident")
    if features.get("semantic", 0.0) >= 0.9:
        reasons.append("its summary is among the closest in meaning to the incident")
    if timing == "not_shipped":
        reasons.append("ruled out on timing: not deployed before the first error")
    elif shipped_at is not None:
        reasons.append(f"shipped {_ago(cutoff - shipped_at)} before the first error")
    return reasons


def _ago(delta: timedelta) -> str:
    minutes = delta.total_seconds() / 60
    if minutes < 120:
        return f"{minutes:.0f} min"
    if minutes < 48 * 60:
        return f"{minutes / 60:.0f} h"
    return f"{minutes / 1440:.0f} days"
