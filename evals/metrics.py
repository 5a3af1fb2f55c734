"""Per-case results and the metrics of EVALS.md, for sleuth and each baseline.

Ranks are 1-based positions of the true culprit; None when the culprit is not among the ranked
changes (then it counts as a miss, reciprocal rank 0). When sleuth's leading answer is "no code
change", the culprit's rank is pushed down by one: saying "no change" first is a wrong first answer.
"""

import statistics
from typing import Any

from pydantic import BaseModel, Field

SYSTEMS = ("sleuth", "random", "recency", "bm25", "blame")
RANK_METRICS = ("top1", "top5", "mrr")
HIGH_CONFIDENCE = 0.5


class RankedCandidate(BaseModel):
    """One candidate as sleuth ranked it: the features the fusion weights are learned from."""

    sha: str
    timing: str
    features: dict[str, float]
    score: float


class CaseResult(BaseModel):
    """What one case produced: the culprit's rank for every system, and sleuth's other outputs."""

    id: str
    tags: list[str] = Field(default_factory=list)
    culprit: str | None
    truth_files: list[str] = Field(default_factory=list)
    truth_category: str | None = None
    truth_failing_tests: list[str] = Field(default_factory=list)
    candidates: int = 0
    culprit_in_window: bool = False
    ranks: dict[str, int | None] = Field(default_factory=dict)
    sleuth_top: list[str] = Field(default_factory=list, description="sleuth's first five candidates, best first.")
    ranking: list[RankedCandidate] = Field(default_factory=list, description="Every candidate, best first.")
    abstained: bool = False
    confidence: float = 0.0
    named_culprit: str | None = None
    named_file: str | None = None
    predicted_class: str | None = None
    fix_validated: bool | None = None
    test_runs: int | None = None
    bisect_runs: int | None = None
    seconds: float = 0.0
    seconds_excluding_tests: float = 0.0
    llm_calls: int = 0
    tokens: int = 0
    error: str | None = None


def _mean(values: list[float]) -> float | None:
    return round(statistics.fmean(values), 4) if values else None


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 3) if values else None


def random_expectation(n: int, in_window: bool) -> tuple[float, float, float]:
    """Expected top-1, top-5 and reciprocal rank of a uniformly random order of n candidates."""
    if not in_window or n == 0:
        return 0.0, 0.0, 0.0
    harmonic = sum(1.0 / k for k in range(1, n + 1))
    return 1.0 / n, min(5, n) / n, harmonic / n


def case_scores(result: CaseResult, system: str) -> dict[str, float]:
    """One case's top-1, top-5 and reciprocal rank for a system (random: its analytic expectation)."""
    if system == "random":
        return dict(zip(RANK_METRICS, random_expectation(result.candidates, result.culprit_in_window), strict=True))
    rank = result.ranks.get(system)
    return {"top1": float(rank == 1), "top5": float(bool(rank) and rank <= 5), "mrr": 1.0 / rank if rank else 0.0}


def _rank_metrics(results: list[CaseResult], system: str) -> dict[str, float | None]:
    scores = [case_scores(r, system) for r in results if r.culprit]
    return {metric: _mean([s[metric] for s in scores]) for metric in RANK_METRICS}


def file_hit(result: CaseResult) -> bool:
    return bool(result.named_file and result.named_file in result.truth_files)


def diagnosis_score(result: CaseResult) -> int:
    """incident.io-style: 100 bullseye (culprit first and its file), 65 culprit first, 35 top-5 or file, else 0."""
    rank = result.ranks.get("sleuth")
    if rank == 1:
        return 100 if file_hit(result) else 65
    return 35 if (rank and rank <= 5) or file_hit(result) else 0


def summarize(results: list[CaseResult]) -> dict[str, Any]:
    """Every metric of EVALS.md over these cases: sleuth's, and each baseline's ranking metrics."""
    # A case whose investigation failed is a miss for sleuth, not a case left out.
    with_culprit = [r for r in results if r.culprit]
    no_culprit = [r for r in results if not r.culprit]
    with_files = [r for r in with_culprit if r.truth_files]
    abstained = [r for r in results if r.abstained]
    classified = [r for r in results if r.truth_category]
    fixable = [r for r in with_culprit if r.truth_failing_tests]
    confirmed = [r for r in results if r.test_runs is not None]
    scores = [diagnosis_score(r) for r in with_culprit]
    sleuth = {
        **_rank_metrics(results, "sleuth"),
        "file_at_1": _mean([1.0 if file_hit(r) else 0.0 for r in with_files]),
        "abstain_precision": _mean([0.0 if r.culprit else 1.0 for r in abstained]),
        "abstain_recall": _mean(
            [0.0 if r.named_culprit and r.confidence >= HIGH_CONFIDENCE else 1.0 for r in no_culprit]
        ),
        "class_accuracy": _mean([1.0 if r.predicted_class == r.truth_category else 0.0 for r in classified]),
        "diagnosis_score": _mean([float(s) for s in scores]),
        "bullseye_share": _mean([1.0 if s == 100 else 0.0 for s in scores]),
        "fix_validated": _mean([1.0 if r.fix_validated else 0.0 for r in fixable]),
        "test_runs": _mean([float(r.test_runs or 0) for r in confirmed]),
        "bisect_runs": _mean([float(r.bisect_runs or 0) for r in confirmed]),
        "seconds_median": _median([r.seconds for r in results]),
        "seconds_excluding_tests_median": _median([r.seconds_excluding_tests for r in results]),
        "seconds_mean": _mean([r.seconds for r in results]),
        "llm_calls_per_case": _mean([float(r.llm_calls) for r in results]),
        "tokens_per_case": _mean([float(r.tokens) for r in results]),
    }
    return {
        "cases": len(results),
        "errors": sum(1 for r in results if r.error),
        "with_culprit": len(with_culprit),
        "culprit_in_window": sum(1 for r in with_culprit if r.culprit_in_window),
        "no_culprit": len(no_culprit),
        "mean_candidates": _mean([float(r.candidates) for r in results]),
        "sleuth": sleuth,
        "baselines": {system: _rank_metrics(results, system) for system in SYSTEMS[1:]},
    }


def summarize_by_tag(results: list[CaseResult]) -> dict[str, dict[str, Any]]:
    tags = sorted({tag for r in results for tag in r.tags})
    return {tag: summarize([r for r in results if tag in r.tags]) for tag in tags}


def beats_baselines(summary: dict[str, Any]) -> dict[str, bool]:
    """Whether sleuth is better than the best baseline on top-1, top-5 and MRR (a tie counts only at 1.0)."""
    verdict = {}
    for metric in ("top1", "top5", "mrr"):
        ours = summary["sleuth"].get(metric)
        best = max((b.get(metric) or 0.0 for b in summary["baselines"].values()), default=0.0)
        verdict[metric] = ours is not None and (ours > best or ours == 1.0)
    return verdict
