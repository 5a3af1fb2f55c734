"""The scenario suite: every scenario built into one directory, with its cases.jsonl (`make eval`)."""

import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

from sleuth.evals.cases import dump_cases
from sleuth.evals.scenarios import (
    Scenario,
    fault_outside_the_frames,
    java_ledger,
    node_catalog,
    python_checkout,
    regression_in_long_window,
    revert_breaks_a_test,
)
from sleuth.evals.scenarios.spec import Edit, Spec, build_case

CASES_FILE = "cases.jsonl"


def fillers(count: int, seed: int) -> list[Edit]:
    """Ordinary PRs for a busy window: helpers in modules of their own, docs, a test."""
    edits = []
    for position in range(count):
        kind = (position + seed) % 3
        module = f"app/feature_{(position * 5 + seed) % 11}.py"
        if kind == 0:
            edits.append(
                Edit(
                    f"Add helper {position} for reporting",
                    write={module: f"def report_{position}():\n    return {position}\n"},
                )
            )
        elif kind == 1:
            edits.append(
                Edit(
                    f"Write runbook section {position}",
                    write={f"docs/runbook_{position}.md": f"# Runbook {position}\n"},
                )
            )
        else:
            edits.append(
                Edit(
                    f"Add feature flag {position}", write={f"app/flags_{position}.py": f"ENABLED_{position} = False\n"}
                )
            )
    return edits


def _busy(spec: Spec, before: int, after: int, seed: int) -> Spec:
    """A spec whose window is crowded: `before` fillers ahead of the culprit, `after` behind it."""
    return replace(
        spec,
        name=f"{spec.name}_busy{before + after}",
        before=[*fillers(before, seed), *spec.before],
        after=[*spec.after, *fillers(after, seed + 100)],
        tags=[*spec.tags, "busy_window"],
    )


def _specs() -> list[Spec]:
    py = {spec.name: spec for spec in python_checkout.SPECS}
    busy = [
        _busy(py["py_region_removed"], 12, 14, 1),
        _busy(py["py_per_item_zero"], 8, 18, 2),
        _busy(py["py_timeout_string"], 15, 10, 3),
        _busy(py["py_rates_refused"], 10, 15, 4),
    ]
    return [*python_checkout.SPECS, *busy, *node_catalog.SPECS, *java_ledger.SPECS]


def _legacy_case(scenario: Scenario, root: Path, files: list[str]) -> dict[str, Any]:
    incident = scenario.incident
    return {
        "id": scenario.name,
        "repo": str(scenario.repo.relative_to(root)),
        "branch": "main",
        "incident": {
            "title": incident.title,
            "logs": incident.logs,
            "started_at": incident.started_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "service": incident.service,
        },
        "window_days": 14,
        "truth": {
            "culprit": scenario.culprit_sha,
            "files": files,
            "category": "logic_bug",
            "failing_tests": scenario.reproducers,
        },
        "tags": ["python", "logic_bug", *scenario.tags],
    }


def build_suite(out: Path) -> tuple[Path, int]:
    """(Re)build every scenario under out and write out/cases.jsonl; return it and the case count."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    cases = [build_case(spec, out) for spec in _specs()]
    legacy = [
        (fault_outside_the_frames(out), ["app/settings.py"]),
        (revert_breaks_a_test(out), ["app/settings.py"]),
        (regression_in_long_window(out, 12, 3, seed=5, decoy=True), ["app/settings.py"]),
    ]
    cases += [_legacy_case(scenario, out, files) for scenario, files in legacy]
    path = out / CASES_FILE
    dump_cases(cases, path)
    return path, len(cases)
