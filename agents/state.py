"""The investigation graph's state schemas: what goes in, what nodes share, what a node returns, what comes out."""

import operator
from typing import Annotated, NotRequired, TypedDict

from sleuth.models import (
    Candidate,
    CulpritConfirmation,
    Deploy,
    Evidence,
    FixProposal,
    Hypothesis,
    Incident,
    Report,
    Signals,
)


def merge_timings(left: dict[str, float], right: dict[str, float]) -> dict[str, float]:
    """Accumulate seconds per node across rounds."""
    merged = dict(left)
    for name, seconds in right.items():
        merged[name] = round(merged.get(name, 0.0) + seconds, 3)
    return merged


def add_counts(left: dict[str, int], right: dict[str, int]) -> dict[str, int]:
    """Accumulate counters (LLM calls, tokens) across nodes and rounds."""
    return {name: left.get(name, 0) + right.get(name, 0) for name in left.keys() | right.keys()}


class InvestigationInput(TypedDict):
    """What a caller provides to start an investigation."""

    incident: Incident
    """The alert: title, description, logs, start time, service."""
    repo: str | None
    """The repository: a local path (working tree or bare), `github:owner/name`, `gitlab:group/project`, or
    None for the service's configured one (or the catalogue's best match). locate-code sets its local path."""
    branch: str | None
    """Branch whose first-parent chain holds the changes; None means HEAD."""
    deploys: list[Deploy]
    """Known deploy events; empty when unknown (timing then uses merge times)."""
    window_days: int
    """How far back before the incident to look for changes."""
    notes: NotRequired[Annotated[list[str], operator.add]]
    """Things the report should mention (index use, unknown deploy shas, skipped steps); accumulates."""


class InvestigationState(InvestigationInput, total=False):
    """Everything the nodes share while investigating."""

    ref: str
    """The sha the branch pointed to when the incident started: the code that was running."""
    indexed: bool
    """The change index holds this repository, brought up to date by locate-code."""
    signals: Signals
    """What plan understood; search-changes adds the repository path of each frame."""
    candidates: list[Candidate]
    """Changes in the window, ranked, with their feature values."""
    history_cut: bool
    """The clone is shallow and its cut falls inside the window: confidence is capped."""
    questions: list[str]
    """What the model's plan says is worth answering (empty without a model)."""
    findings: Annotated[list[str], operator.add]
    """The reading agent's own summary of each round (its words, not evidence; accumulates)."""
    model_theories: list[dict]
    """The model's accepted theories from the latest hypothesize round (JSON; empty without a model)."""
    evidence: Annotated[list[Evidence], operator.add]
    """Cited facts gathered by every reading round (accumulates)."""
    hypotheses: list[Hypothesis]
    """Ranked explanations from the latest hypothesize round."""
    read_round: int
    """How many reading rounds have run; bounds the hypothesize -> read loop."""
    confirmation: CulpritConfirmation | None
    """The reproduction (or bisection) that confirmed or replaced the leading suspect."""
    fix: FixProposal | None
    """The drafted, tested fix, if a culprit was named."""
    timings: Annotated[dict[str, float], merge_timings]
    """Seconds spent per node."""
    llm_usage: Annotated[dict[str, int], add_counts]
    """LLM calls and tokens spent (empty in deterministic mode)."""
    report: Report
    """The final report."""


class InvestigationOutput(TypedDict):
    """What an investigation returns."""

    report: Report


class InvestigationUpdate(TypedDict, total=False):
    """What a node returns: any of the state's keys (reducers merge the annotated ones)."""

    incident: Incident
    repo: str
    deploys: list[Deploy]
    notes: list[str]
    ref: str
    indexed: bool
    signals: Signals
    candidates: list[Candidate]
    history_cut: bool
    evidence: list[Evidence]
    hypotheses: list[Hypothesis]
    read_round: int
    confirmation: CulpritConfirmation | None
    fix: FixProposal | None
    timings: dict[str, float]
    llm_usage: dict[str, int]
    report: Report
