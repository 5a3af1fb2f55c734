"""`sleuth eval fit --leave-one-out`: what learned weights do on a suite they never saw, for every suite.

Weights learned on every suite at once can only be reported on suites mined later. Leaving each
suite out in turn, learning on the others and ranking it with those weights gives a held-out figure
for every suite from the same runs. The ranking is a linear score of the recorded features, so the
held-out ranks are re-scored from the record, not re-investigated: exact for every feature that
search-changes computes; a reading-round feature (`call_path`) keeps the value recorded for the run's
own top suspects. Score ties keep the run's order.
"""

from dataclasses import dataclass

from sleuth.agents.search_changes import fused_score
from sleuth.evals.fusion import fit_weights
from sleuth.evals.metrics import CaseResult, summarize


@dataclass
class HeldOut:
    """One suite ranked by weights learned on all the others, next to its baselines from the same run."""

    suite: str
    results: list[CaseResult]

    @property
    def summary(self) -> dict:
        return summarize(self.results)

    @property
    def strict(self) -> dict | None:
        strict = [r for r in self.results if "strict" in r.tags]
        return summarize(strict) if strict else None


def rescored_rank(result: CaseResult, weights: dict[str, float]) -> int | None:
    """The culprit's rank under other weights (pushed down by one if the run abstained, as the metrics do)."""
    if not result.culprit:
        return None
    ranking = result.ranking
    order = sorted(
        range(len(ranking)),
        key=lambda i: (
            -ranking[i].features.get("reproduced", 0.0),
            -round(fused_score(ranking[i].features, ranking[i].timing, weights), 4),
            i,
        ),
    )
    shas = [result.ranking[i].sha for i in order]
    if result.culprit not in shas:
        return None
    return shas.index(result.culprit) + 1 + (1 if result.abstained else 0)


def leave_one_out(suites: dict[str, list[CaseResult]], strength: float) -> list[HeldOut]:
    """For each suite: learn on the others and re-rank it (sleuth's held-out ranks, the run's baselines)."""
    held_out = []
    for name, results in suites.items():
        weights = fit_weights({other: rs for other, rs in suites.items() if other != name}, strength).weights
        reranked = [
            r.model_copy(update={"ranks": {**r.ranks, "sleuth": rescored_rank(r, weights)}}) if r.ranking else r
            for r in results
        ]
        held_out.append(HeldOut(name, reranked))
    return held_out
