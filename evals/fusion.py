"""`sleuth eval fit`: learn the ranker's fusion weights from eval runs on training suites.

A listwise softmax model (ListNet's top-one loss with a linear scorer): in every case, the culprit
should take the probability mass among the shipped candidates, which is what top-1 and MRR reward.
Each case weighs the same however big its window, and a suite's cases weigh 1/sqrt(its size), so
one repository with hundreds of cases informs the weights more than one with five but does not
dictate them (leave-one-suite-out over 33 suites: pooled top-5 0.790 -> 0.796, and fish-shell's
strict split stops trailing recency). The weights are pulled toward the hand-set priors (a Gaussian
prior, `strength`), so a feature the training suites never exercise (no stack traces in mined
history, say) keeps its prior instead of collapsing to zero. scipy's L-BFGS-B does the fitting;
signs are bounded where the prior's sign is the feature's meaning (evidence can only count for a
change, docs/tests-only only against it).

A softmax model's weights have no fixed scale: the fit sharpens or flattens them all to match how
decisive the training evidence is. A feature that is zero on every training candidate is not
learned at all, so it keeps its prior *on the learned scale* (prior × the ratio of the learned to
the prior weights of the features that were exercised); otherwise learning would quietly demote
every unexercised signal (blame, call path on mined histories without stack traces) relative to
the learned ones.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sleuth.agents.ranking_weights import PRIOR
from sleuth.agents.search_changes import fused_score
from sleuth.errors import SleuthError
from sleuth.evals.metrics import CaseResult

# Features not fused by weight: reproduction overrides the ranking outright.
EXCLUDED = ("reproduced",)
DEFAULT_STRENGTH = 1.0


@dataclass
class Fit:
    """Learned weights, and how well the priors and the learned weights rank the training cases."""

    weights: dict[str, float]
    scale: float
    cases: int
    pairs: int
    train_mrr_prior: float
    train_mrr_learned: float


def _vector(features: dict[str, float], names: list[str]) -> list[float]:
    return [features.get(name, 0.0) for name in names]


def _case_matrices(suites: dict[str, list[CaseResult]], names: list[str]) -> list[tuple[list[list[float]], int, float]]:
    """Per usable case, the shipped candidates' feature rows, the culprit's row index and the case's weight."""
    cases = []
    for results in suites.values():
        usable = []
        for result in results:
            live = [c for c in result.ranking if c.timing != "not_shipped"]
            shas = [c.sha for c in live]
            if result.culprit in shas and len(live) >= 2:
                usable.append(([_vector(c.features, names) for c in live], shas.index(result.culprit)))
        cases.extend((rows, culprit, len(usable) ** -0.5) for rows, culprit in usable)
    total = sum(weight for *_, weight in cases)
    return [(rows, culprit, weight * len(cases) / total) for rows, culprit, weight in cases]  # mean weight 1


def _mrr(results: list[CaseResult], weights: dict[str, float]) -> float:
    """Mean reciprocal rank of the culprit among shipped candidates under these weights (ties: worst place)."""
    total, count = 0.0, 0
    for result in results:
        live = [c for c in result.ranking if c.timing != "not_shipped"]
        scores = {c.sha: fused_score(c.features, c.timing, weights) for c in live}
        if result.culprit not in scores:
            continue
        mine = scores[result.culprit]
        total += 1.0 / (1 + sum(1 for sha, s in scores.items() if sha != result.culprit and s >= mine))
        count += 1
    return round(total / count, 4) if count else 0.0


def fit_weights(suites: dict[str, list[CaseResult]], strength: float = DEFAULT_STRENGTH) -> Fit:
    """Fit the fusion weights to the training suites' results (MAP: listwise softmax loss, Gaussian prior)."""
    import numpy as np
    from scipy.optimize import minimize

    results = [result for results in suites.values() for result in results]
    names = sorted({name for r in results for c in r.ranking for name in c.features} - set(EXCLUDED) | set(PRIOR))
    per_case = _case_matrices(suites, names)
    if not per_case:
        raise SleuthError(
            "no training case has its culprit among two or more shipped candidates",
            hint="fit on eval runs of suites with culprits inside the window",
        )
    prior = np.array([PRIOR.get(name, 0.0) for name in names])
    blocks = [(np.array(rows), culprit, weight) for rows, culprit, weight in per_case]

    def loss(w: Any) -> tuple[float, Any]:
        value = 0.5 * strength * float(np.sum((w - prior) ** 2))
        gradient = strength * (w - prior)
        for rows, culprit, weight in blocks:  # -log P(culprit ranked first), softmax over the case's candidates
            scores = rows @ w
            top = scores.max()
            mass = np.exp(scores - top)
            total = mass.sum()
            value += weight * float(np.log(total) + top - scores[culprit])
            gradient += weight * (rows.T @ (mass / total) - rows[culprit])
        return value, gradient

    bounds = [(None, 0.0) if p < 0 else (0.0, None) if p > 0 else (None, None) for p in prior]
    solution = minimize(loss, prior, jac=True, method="L-BFGS-B", bounds=bounds)
    exercised = np.array([any(rows[:, i].any() for rows, *_ in blocks) for i in range(len(names))])
    scale = float(np.abs(solution.x[exercised]).sum() / (np.abs(prior[exercised]).sum() or 1.0)) or 1.0
    fitted = np.where(exercised, solution.x, prior * scale)
    learned = {name: round(float(w), 4) for name, w in zip(names, fitted, strict=True)}
    return Fit(
        weights=learned,
        scale=round(scale, 4),
        cases=len(per_case),
        pairs=sum(len(rows) - 1 for rows, *_ in per_case),
        train_mrr_prior=_mrr(results, PRIOR),
        train_mrr_learned=_mrr(results, learned),
    )


def fit_record(fit: Fit, suites: list[dict[str, Any]], strength: float) -> dict[str, Any]:
    """The JSON `ranking_weights.json` holds: the weights and what they were learned from."""
    return {
        "weights": fit.weights,
        "prior": dict(PRIOR),
        "prior_strength": strength,
        "unexercised_scale": fit.scale,
        "trained_on": suites,
        "training_cases": fit.cases,
        "training_pairs": fit.pairs,
        "train_mrr": {"prior": fit.train_mrr_prior, "learned": fit.train_mrr_learned},
    }


def training_suites(records: list[tuple[Path, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Which suites (name, cases, sleuth commit) a fit learned from, for the weights file's provenance."""
    return [
        {
            "suite": record.get("suite"),
            "cases": len(record.get("cases", [])),
            "sleuth": record.get("sleuth", {}),
            "record": path.name,
        }
        for path, record in records
    ]
