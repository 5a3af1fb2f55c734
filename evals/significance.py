"""Is a difference in top-1, top-5 or MRR more than the luck of which cases a suite happens to hold?

Both sides of every comparison ranked the same cases, so the comparison is paired: per case, the
difference of the two scores (1/rank, or a hit at 1 or 5). The verdict is a two-sided sign-flip
permutation test on those differences (exact up to 13 cases, else 9,999 seeded resamples): it stays
honest on a suite of one or two cases, where any interval would be a point. The size comes with a
seeded 95% percentile-bootstrap interval for the mean difference. A suite of six cases where sleuth
is one case behind bm25 is a finding to report, but p = 1 says it is no evidence that bm25 ranks
that repository better. Both are scipy's; the seeds make a record reproducible.
"""

from dataclasses import asdict, dataclass
from typing import Any

from sleuth.evals.metrics import RANK_METRICS, CaseResult, case_scores

CONFIDENCE = 0.95
ALPHA = 0.05
_RESAMPLES = 9999
_SEED = 0


@dataclass(frozen=True)
class Difference:
    """Mean per-case difference (first minus second) over n paired cases: 95% interval and p-value."""

    mean: float
    low: float
    high: float
    p_value: float
    cases: int

    @property
    def verdict(self) -> str:
        if self.low == self.high == 0:
            return "tied"
        if self.p_value >= ALPHA:
            return "within noise"
        return "better" if self.mean > 0 else "worse"

    def cell(self) -> str:
        return f"{self.mean:+.2f} [{self.low:+.2f}, {self.high:+.2f}] p={self.p_value:.2g} {self.verdict}"


def paired_difference(first: list[float], second: list[float]) -> Difference:
    """The mean of first - second, case by case, with its bootstrap interval and sign-flip p-value."""
    import numpy as np
    from scipy.stats import bootstrap, permutation_test

    differences = np.asarray(first, dtype=float) - np.asarray(second, dtype=float)
    mean = round(float(differences.mean()), 4) if differences.size else 0.0
    if differences.size < 2 or not differences.any():  # nothing to resample
        return Difference(mean, mean, mean, 1.0, int(differences.size))
    p_value = permutation_test(
        (differences,), np.mean, permutation_type="samples", n_resamples=_RESAMPLES, rng=np.random.default_rng(_SEED)
    ).pvalue
    if np.ptp(differences) == 0:  # every case moved by the same amount: the interval is that amount
        low = high = mean
    else:
        interval = bootstrap(
            (differences,),
            np.mean,
            n_resamples=_RESAMPLES,
            confidence_level=CONFIDENCE,
            method="percentile",
            rng=np.random.default_rng(_SEED),
        ).confidence_interval
        low, high = round(float(interval.low), 4), round(float(interval.high), 4)
    return Difference(mean, low, high, round(float(p_value), 4), len(differences))


def versus_baselines(results: list[CaseResult], baselines: tuple[str, ...]) -> dict[str, dict[str, Difference]]:
    """sleuth minus each baseline, per metric, over the cases that have a culprit."""
    scored = [r for r in results if r.culprit]
    ours = [case_scores(r, "sleuth") for r in scored]
    table = {}
    for baseline in baselines:
        theirs = [case_scores(r, baseline) for r in scored]
        table[baseline] = {
            metric: paired_difference([o[metric] for o in ours], [t[metric] for t in theirs]) for metric in RANK_METRICS
        }
    return table


def between_runs(old_cases: list[dict[str, Any]], new_cases: list[dict[str, Any]]) -> dict[str, Difference]:
    """The new run's sleuth minus the old run's, per metric, over the culprit cases both ran."""
    old = {c["id"]: CaseResult.model_validate(c) for c in old_cases if c.get("culprit")}
    pairs = [(old[c["id"]], CaseResult.model_validate(c)) for c in new_cases if c.get("culprit") and c["id"] in old]
    before = [case_scores(a, "sleuth") for a, _ in pairs]
    after = [case_scores(b, "sleuth") for _, b in pairs]
    return {
        metric: paired_difference([a[metric] for a in after], [b[metric] for b in before]) for metric in RANK_METRICS
    }


def as_json(table: dict[str, dict[str, Difference]]) -> dict[str, dict[str, dict[str, Any]]]:
    return {
        baseline: {metric: {**asdict(d), "verdict": d.verdict} for metric, d in row.items()}
        for baseline, row in table.items()
    }
