"""How far sleuth's confidence can be trusted: the share of named culprits that are right, per confidence band.

The verdict wording threshold is learned here: the lowest confidence from which the named culprit
was right in at least `PRECISION` of the cases at or above it. Below it, a report leads with "top
suspects", not "Culprit". `sleuth eval run` records the calibration of every run.
"""

from typing import Any

from sleuth.evals.metrics import CaseResult

PRECISION = 0.9
BANDS = [(0.0, 0.2), (0.2, 0.4), (0.4, 0.6), (0.6, 0.8), (0.8, 1.01)]


def calibration(results: list[CaseResult]) -> dict[str, Any]:
    """Per band: cases naming a culprit, how many were right; and the learned wording threshold."""
    named = [r for r in results if r.named_culprit and not r.error and r.culprit]
    bands = []
    for low, high in BANDS:
        inside = [r for r in named if low <= r.confidence < high]
        right = sum(1 for r in inside if r.named_culprit == r.culprit)
        bands.append({"from": low, "to": min(high, 1.0), "cases": len(inside), "right": right})
    threshold = None
    for candidate in sorted({round(r.confidence, 2) for r in named}):
        above = [r for r in named if r.confidence >= candidate]
        if above and sum(r.named_culprit == r.culprit for r in above) / len(above) >= PRECISION:
            threshold = candidate
            break
    return {"precision_target": PRECISION, "threshold": threshold, "cases": len(named), "bands": bands}


def wording_threshold(records: list[dict[str, Any]], floor: float = 0.3) -> dict[str, Any]:
    """The calibration over the cases of several eval records, and the threshold to ship (never below floor)."""
    results = [CaseResult.model_validate(case) for record in records for case in record["cases"]]
    measured = calibration(results)
    learned = measured["threshold"]
    return {
        "threshold": max(floor, learned) if learned is not None else floor,
        "learned_threshold": learned,
        "floor": floor,
        "measured_on": [{"suite": r["suite"], "mode": r["mode"], "sleuth": r["sleuth"].get("commit")} for r in records],
        "calibration": measured,
    }
