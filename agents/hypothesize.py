"""hypothesize: ranked, cited explanations with calibrated confidence, including "no code change"."""

import re

from sleuth.agents.ranking_weights import fusion_weights
from sleuth.agents.search_changes import rank_candidates, with_feature
from sleuth.models import Candidate, ErrorClass, Evidence, Hypothesis, Signals
from sleuth.tools.test_runner import is_test_file

LOW_CONFIDENCE = 0.5
# A shallow clone cut inside the window may hide the culprit: no verdict from it is better than a guess.
HISTORY_CUT_CONFIDENCE = 0.45
MAX_CODE_HYPOTHESES = 3
# Reading past the stack: last touching the definition of something the failing line calls or reads
# is strong evidence (its weight is the fusion's `call_path`); touching a caller, half as strong.
_ROLE_STRENGTH = {"callee": 1.0, "data": 1.0, "caller": 0.5}
_NO_CODE_CLASSES = (ErrorClass.DEPENDENCY_DOWN, ErrorClass.TRANSIENT)


def confidence(candidate: Candidate, runner_up: Candidate | None) -> float:
    """Turn a candidate's features and its lead over the next one into a probability-like score."""
    f = candidate.features
    value = (
        0.12
        + 0.45 * min(1.0, f.get("blame_frame_line", 0.0) * 2)
        + 0.12 * min(1.0, f.get("blame_near_frames", 0.0) * 3)
        + 0.08 * f.get("frame_file_overlap", 0.0)
        + 0.10 * f.get("lexical", 0.0)
        + 0.30 * f.get("call_path", 0.0)
        + 0.60 * f.get("reproduced", 0.0)
    )
    if runner_up is not None and candidate.score > 0:
        value += 0.15 * (candidate.score - runner_up.score) / candidate.score
    if candidate.timing == "not_shipped" or f.get("reverted_before"):
        value *= 0.2  # its code was not running when the incident started
    if f.get("reproduced"):
        value = max(value, 0.9)  # the failing test proved it, whatever the other features say
    return round(max(0.01, min(0.97, value)), 2)


def rerank_by_reading(
    candidates: list[Candidate], evidence: list[Evidence], weights: dict[str, float] | None = None
) -> list[Candidate]:
    """Add the call-path feature reading found (changes that last touched code the failing lines reach) and re-rank."""
    strength: dict[str, float] = {}
    where: dict[str, str] = {}
    for item in evidence:
        role_strength = _ROLE_STRENGTH.get(item.role or "", 0.0) if item.kind == "diff" and item.sha else 0.0
        if item.sha and role_strength > strength.get(item.sha, 0.0):
            strength[item.sha] = role_strength
            where[item.sha] = f"{item.path}:{item.line}"
    weight = (weights or fusion_weights())["call_path"]
    updated = []
    for candidate in candidates:
        value = strength.get(candidate.change.sha, 0.0)
        if value == candidate.features.get("call_path", 0.0):
            updated.append(candidate)
            continue
        reason = f"last changed {where[candidate.change.sha]}, on the failing line's call path"
        updated.append(with_feature(candidate, "call_path", value, weight, reason))
    return rank_candidates(updated)


def promote_reproduced(candidates: list[Candidate], sha: str) -> list[Candidate]:
    """Put the change a reproduction proved first, marked with the `reproduced` feature."""
    marked = [
        c.model_copy(
            update={
                "features": {**c.features, "reproduced": 1.0},
                "reasons": [*c.reasons, "the reproducer fails at it and passes at its parent"],
            }
        )
        if c.change.sha == sha
        else c
        for c in candidates
    ]
    return rank_candidates(marked)


_NOT_LOGIC = re.compile(
    r"^\s*(?:$|#(?!include)|//|/\*|\*|--|\"\"\"|'''|import\s|from\s+\S+\s+import\s|using\s+[\w.]+;|package\s"
    r"|#include|require\(|const\s+\w+\s*=\s*require\()"
)


def _is_logic(text: str | None) -> bool:
    """A line whose change could produce an error: not blank, not a comment, not an import."""
    return text is not None and not _NOT_LOGIC.match(text)


def _is_code_path(path: str | None) -> bool:
    """Library code, not a test or a document: where a defect the culprit introduced usually sits."""
    if not path:
        return False
    name = path.rsplit("/", 1)[-1].lower()
    docs = f"/{path}".startswith(("/docs/", "/doc/")) or name.endswith((".md", ".rst", ".txt", ".adoc"))
    return not docs and not is_test_file(path)


def _excerpt_line(item: Evidence, line: int) -> str | None:
    excerpt = item.excerpt
    if excerpt is None or not excerpt.start_line <= line < excerpt.start_line + len(excerpt.lines):
        return None
    return excerpt.lines[line - excerpt.start_line]


def _faulty_location(candidate: Candidate, signals: Signals, evidence: list[Evidence]) -> tuple[str | None, int | None]:
    """The culprit's line most likely at fault: a logic line of library code it changed, unless only
    tests or docs are left."""
    sha = candidate.change.sha
    found: list[tuple[str | None, int | None]] = []
    for item in evidence:
        if item.kind == "blame" and item.sha == sha:
            found.append((item.path, item.line))
    for item in evidence:
        if item.excerpt and item.kind == "code":
            hits = [
                n for n, blamed in item.excerpt.blame.items() if blamed == sha and _is_logic(_excerpt_line(item, n))
            ]
            if hits:
                found.append((item.path, min(hits, key=lambda n: abs(n - item.excerpt.focus_line))))  # type: ignore[union-attr]
    found += [(f.repo_path, f.line) for f in signals.app_frames() if f.repo_path in candidate.change.files]
    found += [(e.path, e.line) for e in evidence if e.kind == "diff" and e.sha == sha]
    for path, line in found:
        if _is_code_path(path):
            return path, line
    code_files = [f for f in candidate.change.files if _is_code_path(f)]
    if code_files:
        return code_files[0], None
    return found[0] if found else ((candidate.change.files[0] if candidate.change.files else None), None)


def _citations(candidate: Candidate, signals: Signals, evidence: list[Evidence]) -> list[Evidence]:
    sha = candidate.change.sha
    cited = [e for e in evidence if e.sha == sha]
    for item in evidence:
        if item.kind == "code" and item.excerpt and sha in item.excerpt.blame.values():
            cited.append(item)
    for exc in signals.exceptions[-1:]:
        cited.append(Evidence(kind="log", summary=f"{exc.type or 'error'}: {exc.message or ''}".strip()))
    when = candidate.shipped_at or candidate.change.merged_at
    verb = "shipped" if candidate.shipped_at else "merged"
    cited.append(
        Evidence(
            kind="timing",
            sha=sha,
            summary=f"{verb} {when:%Y-%m-%d %H:%M} UTC, first error {signals.first_error_at:%Y-%m-%d %H:%M} UTC",
        )
    )
    return cited


def _explain(candidate: Candidate, path: str | None, line: int | None, signals: Signals) -> str:
    change = candidate.change
    where = f"{path}:{line}" if path and line else path or "the code it touched"
    error = signals.exceptions[-1] if signals.exceptions else None
    symptom = f"{error.type}: {error.message}" if error and error.type else "the reported failure"
    because = "; ".join(candidate.reasons) or "it is the best textual match"
    # "where X is raised" only of the line that raises it: the innermost in-app frame.
    raised = next(iter(signals.app_frames()), None)
    raise_site = f"{raised.repo_path or raised.file}:{raised.line}" if raised and raised.line else None
    if raise_site and raise_site == where:
        said = f"changed {where}, where {symptom} is raised"
    elif raise_site:
        said = f"changed {where}; {symptom} is raised at {raise_site}"
    else:
        said = f"changed {where}; the error is {symptom}"
    return f'{change.short_sha} "{change.title}" by {change.author} {said}. Evidence: {because}.'


def hypothesize(candidates: list[Candidate], signals: Signals, evidence: list[Evidence]) -> list[Hypothesis]:
    """Rank hypotheses: code changes by evidence, and "no code change" when the evidence is weak."""
    live = [c for c in candidates if c.timing != "not_shipped"]
    ruled_out = [c for c in candidates if c.timing == "not_shipped"]
    hypotheses: list[Hypothesis] = []
    for index, candidate in enumerate(live[:MAX_CODE_HYPOTHESES]):
        runner_up = live[index + 1] if index + 1 < len(live) else None
        path, line = _faulty_location(candidate, signals, evidence)
        hypotheses.append(
            Hypothesis(
                rank=0,
                confidence=confidence(candidate, runner_up)
                if index == 0
                else round(confidence(candidate, runner_up) * 0.5, 2),
                error_class=signals.error_class,
                culprit_sha=candidate.change.sha,
                culprit_title=candidate.change.title,
                file=path,
                line=line,
                explanation=_explain(candidate, path, line, signals),
                evidence=_citations(candidate, signals, evidence),
                discounted=index > 0,
            )
        )
    for candidate in ruled_out[:2]:
        hypotheses.append(
            Hypothesis(
                rank=0,
                confidence=0.01,
                error_class=signals.error_class,
                culprit_sha=candidate.change.sha,
                culprit_title=candidate.change.title,
                explanation=f'{candidate.change.short_sha} "{candidate.change.title}" was merged '
                "but not deployed before the first error, so it cannot have caused it.",
                discounted=True,
            )
        )
    top = hypotheses[0] if hypotheses and not hypotheses[0].discounted else None
    strong_code_evidence = bool(live) and live[0].features.get("blame_frame_line", 0.0) > 0
    if top is None or (signals.error_class in _NO_CODE_CLASSES and not strong_code_evidence):
        no_change = Hypothesis(
            rank=0,
            confidence=0.75 if signals.error_class in _NO_CODE_CLASSES else 0.4,
            error_class=signals.error_class,
            culprit_sha=None,
            explanation="No code change caused this: "
            + (
                signals.error_class_reason
                if signals.error_class in _NO_CODE_CLASSES
                else "no change in the window is tied to the failing code"
            )
            + ", and no change in the window last touched a line in the stack trace.",
            evidence=[Evidence(kind="log", summary=f"{e.type}: {e.message}") for e in signals.exceptions[-1:]],
        )
        for hypothesis in hypotheses:
            hypothesis.discounted = True
        hypotheses.insert(0, no_change)
    for rank, hypothesis in enumerate(hypotheses, start=1):
        hypothesis.rank = rank
    return hypotheses


def capped(hypotheses: list[Hypothesis], ceiling: float) -> list[Hypothesis]:
    """The same hypotheses with no confidence above `ceiling` (the evidence may be incomplete)."""
    return [h.model_copy(update={"confidence": min(h.confidence, ceiling)}) for h in hypotheses]
