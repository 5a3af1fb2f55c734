"""search-changes with an LLM: the model reads the deterministic top-k and their diffs, and judges each.

Retrieve-then-rank: the fused features pick the shortlist, the model judges how likely each change
caused the incident, and that judgement joins the fusion as the `llm_judgement` feature, so strong
structural evidence (blame of the failing line, a reproduction) still counts. Everything the prompt
holds is redacted first. A model that fails or answers out of schema leaves the ranking as it was.
"""

from collections.abc import Iterable
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field, SecretStr

from sleuth.agents.diff_evidence import changed_lines
from sleuth.agents.search_changes import rank_candidates, with_feature
from sleuth.llm import StructuredMethod
from sleuth.llm_budget import LLMBudget
from sleuth.llm_calls import ask_structured
from sleuth.models import Candidate, Incident, Signals

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

TOP_K = 8
DIFF_LINES = 40
INCIDENT_CHARS = 3000
SHA_CHARS = 10

SYSTEM = """You are an on-call engineer finding which code change caused an incident.
You get the incident and a shortlist of changes merged before it, each with its files, what an
automatic ranker noticed, and an excerpt of its diff. For every change, judge how likely it is
that this change caused the incident (0-100), from the evidence only: a change whose diff touches
the code, names or values the incident shows is likely; one that only touches docs, tests or
unrelated code is not. Say why in one sentence citing the evidence. Judge every listed change
and only those; the incident may have no code cause at all, so low numbers for all are allowed."""


class _Judgement(BaseModel):
    sha: str = Field(description="the change's sha exactly as listed")
    likelihood: int = Field(ge=0, le=100, description="how likely this change caused the incident, 0-100")
    why: str = Field(description="one sentence citing the evidence")


class _Judgements(BaseModel):
    """How likely each listed change is to have caused the incident."""

    judgements: list[_Judgement]


def _incident_block(incident: Incident, signals: Signals) -> str:
    lines = [f"Incident: {incident.title or ''}".rstrip(), f"Error class (parsed): {signals.error_class}"]
    for exc in signals.exceptions[-3:]:
        lines.append(f"Exception: {exc.type or 'error'}: {exc.message or ''}")
        for frame in [f for f in exc.frames if f.in_app][-5:]:
            lines.append(f"  at {frame.repo_path or frame.file}:{frame.line or '?'} in {frame.function or '?'}")
    if incident.description.strip():
        lines.append("Description:\n" + incident.description.strip()[:INCIDENT_CHARS])
    logs = incident.logs.strip()
    if len(logs) > INCIDENT_CHARS:  # the first lines say what started, the last ones what finally broke
        half = INCIDENT_CHARS // 2
        logs = f"{logs[:half]}\n… {len(logs) - 2 * half} characters left out …\n{logs[-half:]}"
    if logs:
        lines.append("Logs:\n" + logs)
    return "\n".join(lines)


def _diff_excerpt(diff: str) -> str:
    changed = changed_lines(diff)
    more = f"\n… {len(changed) - DIFF_LINES} more changed lines" if len(changed) > DIFF_LINES else ""
    return "\n".join(line[:200] for line in changed[:DIFF_LINES]) + more


def _candidate_block(candidate: Candidate, diff: str) -> str:
    change = candidate.change
    files = ", ".join(change.files[:8]) + (f" (+{len(change.files) - 8} more)" if len(change.files) > 8 else "")
    when = candidate.shipped_at or change.merged_at
    return "\n".join(
        [
            f"## {change.sha[:SHA_CHARS]} ({'shipped' if candidate.shipped_at else 'merged'} {when:%Y-%m-%d %H:%M} UTC,"
            f" +{change.additions}/-{change.deletions})",
            f"Title: {change.title}",
            f"Description: {change.body[:600]}" if change.body.strip() else "",
            f"Files: {files}",
            f"Ranker noticed: {'; '.join(candidate.reasons) or 'nothing in particular'}",
            "Diff excerpt:",
            _diff_excerpt(diff),
        ]
    )


def prompt(incident: Incident, signals: Signals, shortlist: list[Candidate], diffs: dict[str, str]) -> str:
    """The user message: the incident and the shortlisted changes with their diffs (not yet redacted)."""
    blocks = [_candidate_block(c, diffs.get(c.change.sha, "")) for c in shortlist]
    return _incident_block(incident, signals) + "\n\n# Changes\n\n" + "\n\n".join(blocks)


def llm_rerank(
    model: "BaseChatModel",
    incident: Incident,
    signals: Signals,
    candidates: list[Candidate],
    diffs: dict[str, str],
    weight: float,
    budget: LLMBudget,
    method: StructuredMethod = "function_calling",
    secrets: Iterable[SecretStr | str | None] = (),
) -> list[Candidate]:
    """Re-rank with the model's judgement of the top `TOP_K` shipped candidates; unchanged on failure."""
    shortlist = [c for c in candidates if c.timing != "not_shipped"][:TOP_K]
    if len(shortlist) < 2:
        return candidates
    text = prompt(incident, signals, shortlist, diffs)
    parsed = ask_structured(
        model, _Judgements, SYSTEM, text, budget, method=method, what="LLM re-rank", secrets=secrets
    )
    if parsed is None:
        return candidates
    by_prefix = {c.change.sha[:SHA_CHARS]: c for c in shortlist}
    judged: dict[str, _Judgement] = {}
    for judgement in parsed.judgements:
        match = by_prefix.get(judgement.sha.strip()[:SHA_CHARS])
        if match is not None and match.change.sha not in judged:
            judged[match.change.sha] = judgement
    budget.note(f"LLM re-rank: the model judged {len(judged)} of the top {len(shortlist)} changes")
    return rank_candidates([_with_judgement(c, judged.get(c.change.sha), weight) for c in candidates])


def _with_judgement(candidate: Candidate, judgement: _Judgement | None, weight: float) -> Candidate:
    if judgement is None:
        return candidate
    reason = f"the model judged it {judgement.likelihood}% likely: {judgement.why.strip()[:240]}"
    return with_feature(candidate, "llm_judgement", judgement.likelihood / 100, weight, reason)
