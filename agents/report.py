"""report: assemble the stable, machine-readable Report from the final state."""

import json
from functools import cache
from pathlib import Path
from typing import Any

from sleuth.models import Report

CALIBRATION = Path(__file__).with_name("verdict_calibration.json")


@cache
def verdict_threshold() -> float:
    """The confidence from which the named culprit was right in 90% of the eval cases (evals/calibration.py)."""
    return float(json.loads(CALIBRATION.read_text())["threshold"])


def _where(top: Any) -> str:
    return f"{top.file}:{top.line}" if top.file and top.line else (top.file or "an unknown location")


def verdict(state: dict[str, Any]) -> str:
    """Summarise the investigation in one line; below the calibrated threshold, suspects, not a culprit."""
    top = state["hypotheses"][0]
    if top.culprit_sha is None:
        return f"No code change caused this (confidence {top.confidence:.2f})"
    if top.confidence < verdict_threshold():
        suspects = [h for h in state["hypotheses"] if h.culprit_sha and not h.discounted][:3]
        listed = ", ".join(f"{h.culprit_sha[:10]} ({h.confidence:.2f})" for h in suspects)
        return (
            f"Top suspects: {listed} — the evidence is not strong enough to name a culprit"
            f" (below {verdict_threshold():.2f}); read the leading one at {_where(top)}"
        )
    fix = state.get("fix")
    fixed = f"; fix {'validated' if fix.validated else 'NOT validated'}" if fix else ""
    confirmation = state.get("confirmation")
    if confirmation and confirmation.confirmed and confirmation.culprit_sha == top.culprit_sha:
        fixed = f"; reproduced ({confirmation.test_runs} test runs)" + fixed
    named = f'Culprit {top.culprit_sha[:10]} "{top.culprit_title}" at {_where(top)}'
    return f"{named} (confidence {top.confidence:.2f}){fixed}"


def rollback_target(state: dict[str, Any], is_ancestor: Any) -> Any:
    """The service's last deploy that did not hold the culprit: the one to roll back to."""
    top = state["hypotheses"][0]
    if not top.culprit_sha:
        return None
    service = state["incident"].service
    deploys = sorted(
        (
            d
            for d in state.get("deploys", [])
            if service in (None, d.service) and d.at <= state["signals"].first_error_at
        ),
        key=lambda d: d.at,
    )
    for deploy in reversed(deploys):
        try:
            if not is_ancestor(top.culprit_sha, deploy.sha):
                return deploy
        except Exception:  # a deploy of a sha the repository lacks says nothing
            continue
    return None


def build_report(state: dict[str, Any], repo_url: str | None = None, rollback_to: Any = None) -> Report:
    """Build the report from the final investigation state."""
    return Report(
        repo_url=repo_url,
        rollback_to=rollback_to,
        incident=state["incident"],
        repo=state["repo"],
        ref=state["ref"],
        signals=state["signals"],
        candidates=state["candidates"],
        hypotheses=state["hypotheses"],
        confirmation=state.get("confirmation"),
        fix=state.get("fix"),
        verdict=verdict(state),
        notes=state.get("notes", []),
        timings=state.get("timings", {}),
        llm_usage=state.get("llm_usage", {}),
        questions=state.get("questions", []),
        findings=state.get("findings", []),
    )
