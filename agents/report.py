"""report: assemble the stable, machine-readable Report from the final state."""

from typing import Any

from sleuth.models import Report


def verdict(state: dict[str, Any]) -> str:
    """Summarise the investigation in one line."""
    top = state["hypotheses"][0]
    if top.culprit_sha is None:
        return f"No code change caused this (confidence {top.confidence:.2f}): {top.explanation}"
    fix = state.get("fix")
    fixed = f"; fix {'validated' if fix.validated else 'NOT validated'}" if fix else ""
    confirmation = state.get("confirmation")
    if confirmation and confirmation.confirmed and confirmation.culprit_sha == top.culprit_sha:
        fixed = f"; reproduced ({confirmation.test_runs} test runs)" + fixed
    return (
        f'Culprit {top.culprit_sha[:10]} "{top.culprit_title}" at '
        f"{top.file}:{top.line} (confidence {top.confidence:.2f}){fixed}"
    )


def build_report(state: dict[str, Any]) -> Report:
    """Build the report from the final investigation state."""
    return Report(
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
    )
