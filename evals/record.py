"""The run record: one JSON file per eval run, its Markdown table, and the comparison of two runs."""

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sleuth.errors import SleuthError
from sleuth.evals.calibration import calibration
from sleuth.evals.metrics import SYSTEMS, CaseResult, beats_baselines, summarize, summarize_by_tag
from sleuth.evals.significance import Difference, as_json, between_runs, versus_baselines

RECORD_VERSION = "1"
# Splits whose paired differences to the baselines are recorded beside the whole suite's.
_SIGNIFICANCE_SPLITS = ("strict",)
_SOURCE = Path(__file__).resolve().parents[1]


def sleuth_version() -> dict[str, Any]:
    """The git commit of the sleuth source that ran, and whether it had uncommitted changes."""

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", "-C", str(_SOURCE), *args], capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no") if commit else None
    return {"commit": commit, "dirty": bool(status) if status is not None else None}


def build_record(
    suite: str,
    cases_file: Path,
    mode: str,
    model: str | None,
    workers: int,
    results: list[CaseResult],
    started_at: datetime,
    seconds: float,
    version: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """`version`: sleuth_version() read when the run started (the tree may change while a long run goes on)."""
    overall = summarize(results)
    return {
        "record_version": RECORD_VERSION,
        "suite": suite,
        "cases_file": str(cases_file),
        "sleuth": version or sleuth_version(),
        "mode": mode,
        "model": model,
        "workers": workers,
        "started_at": started_at.isoformat(),
        "seconds": round(seconds, 2),
        "metrics": overall,
        "beats_baselines": beats_baselines(overall),
        "significance": _significance(results),
        "tags": summarize_by_tag(results),
        "calibration": calibration(results),
        "cases": [r.model_dump(mode="json") for r in results],
    }


def _significance(results: list[CaseResult]) -> dict[str, Any]:
    """sleuth minus each baseline with 95% intervals: for the suite, and for the strict split if it has cases."""
    table = {"all": as_json(versus_baselines(results, SYSTEMS[1:]))}
    for split in _SIGNIFICANCE_SPLITS:
        if members := [r for r in results if split in r.tags and r.culprit]:
            table[split] = as_json(versus_baselines(members, SYSTEMS[1:]))
    return table


def load_record(path: Path) -> dict[str, Any]:
    try:
        record = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SleuthError(f"run record not found: {path}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise SleuthError(f"{path} is not a run record (not JSON: {exc})") from None
    if not isinstance(record, dict) or "metrics" not in record or "cases" not in record:
        raise SleuthError(f"{path} is not a run record of `sleuth eval run`")
    return record


def _fmt(value: float | None, percent: bool = True) -> str:
    if value is None:
        return "–"
    return f"{value:.2f}" if percent else f"{value:g}"


def ranking_cell(values: dict[str, Any]) -> str:
    """A system's top-1 / top-5 / MRR in one table cell ("–" where a metric has no cases)."""
    return " / ".join(_fmt(values.get(metric)) for metric in ("top1", "top5", "mrr"))


def _ranking_rows(summary: dict[str, Any]) -> list[str]:
    rows = []
    for system in SYSTEMS:
        values = summary["sleuth"] if system == "sleuth" else summary["baselines"][system]
        rows.append(f"| {system} | {_fmt(values['top1'])} | {_fmt(values['top5'])} | {_fmt(values['mrr'])} |")
    return rows


_SLEUTH_ROWS = [
    ("file@1", "file_at_1"),
    ("abstain precision", "abstain_precision"),
    ("abstain recall", "abstain_recall"),
    ("class accuracy", "class_accuracy"),
    ("diagnosis score (mean)", "diagnosis_score"),
    ("bullseye share", "bullseye_share"),
    ("fix validated", "fix_validated"),
    ("test runs to confirmed culprit", "test_runs"),
    ("plain git bisect runs, same windows", "bisect_runs"),
    ("seconds per case (median)", "seconds_median"),
    ("seconds per case excl. test runs (median)", "seconds_excluding_tests_median"),
    ("LLM calls per case", "llm_calls_per_case"),
    ("tokens per case", "tokens_per_case"),
]


def markdown(record: dict[str, Any]) -> str:
    """The run as Markdown: ranking table with baselines, sleuth's other metrics, and per-tag rankings."""
    m = record["metrics"]
    version = record["sleuth"]
    lines = [
        f"# Eval run: {record['suite']} ({record['mode']})",
        "",
        f"sleuth {(version.get('commit') or 'unknown')[:12]}{' (dirty)' if version.get('dirty') else ''}"
        f" · model {record.get('model') or 'none'} · {m['cases']} cases ({m['with_culprit']} with a culprit,"
        f" {m['culprit_in_window']} of them in the window; {m['no_culprit']} with none) · {m['errors']} errors"
        f" · {record['seconds']:.0f} s with {record['workers']} workers",
        "",
        "| ranking | top-1 | top-5 | MRR |",
        "|---|---|---|---|",
        *_ranking_rows(m),
        "",
        "| sleuth | value |",
        "|---|---|",
        *(f"| {label} | {_fmt(m['sleuth'][key], percent=False)} |" for label, key in _SLEUTH_ROWS),
        "",
    ]
    verdict = record.get("beats_baselines", {})
    lost = [metric for metric, won in verdict.items() if not won]
    lines.append(
        "sleuth beats every baseline on top-1, top-5 and MRR."
        if not lost
        else f"**sleuth does not beat every baseline on: {', '.join(lost)}.** " + _behind(record)
    )
    if weights := record.get("ranking_weights"):
        learned_on = ", ".join(map(str, weights.get("trained_on") or [])) or "nothing (hand-set priors)"
        held = "held out" if weights.get("held_out") else "**not held out: the weights were fit on this suite**"
        lines.append(f"Ranking weights learned on {learned_on}; this suite is {held}.")
    lines.append("")
    lines += _significance_rows(record)
    if record.get("tags"):
        lines += ["## Per tag", "", "| tag | cases | " + " | ".join(f"{s} top-1 / top-5 / MRR" for s in SYSTEMS) + " |"]
        lines.append("|---|---|" + "---|" * len(SYSTEMS))
        for tag, summary in record["tags"].items():
            cells = [
                ranking_cell(summary["sleuth"] if system == "sleuth" else summary["baselines"][system])
                for system in SYSTEMS
            ]
            lines.append(f"| {tag} | {summary['cases']} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


_METRIC_LABELS = {"top1": "top-1", "top5": "top-5", "mrr": "MRR"}


def _cell(difference: dict[str, Any]) -> str:
    return Difference(**{key: difference[key] for key in ("mean", "low", "high", "p_value", "cases")}).cell()


def _behind(record: dict[str, Any]) -> str:
    """Which baselines are ahead of sleuth by more than noise on the whole suite, if any."""
    table = record.get("significance", {}).get("all", {})
    if not table:
        return ""
    worse = [
        f"{baseline} on {_METRIC_LABELS[metric]}"
        for baseline, row in table.items()
        for metric, difference in row.items()
        if difference["verdict"] == "worse"
    ]
    if worse:
        return f"Behind by more than noise (paired sign-flip test, p < 0.05): {', '.join(worse)}."
    return "No baseline is ahead by more than noise (paired sign-flip test, p < 0.05)."


def _significance_rows(record: dict[str, Any]) -> list[str]:
    splits = record.get("significance") or {}
    if not splits:
        return []
    lines = [
        "## sleuth minus each baseline",
        "",
        "Mean per-case difference, its 95% bootstrap interval and the p-value of a paired sign-flip test;"
        " *within noise* when p ≥ 0.05.",
        "",
        "| split | baseline | top-1 | top-5 | MRR |",
        "|---|---|---|---|---|",
    ]
    for split, table in splits.items():
        for baseline, row in table.items():
            lines.append(f"| {split} | {baseline} | " + " | ".join(_cell(row[m]) for m in _METRIC_LABELS) + " |")
    return [*lines, ""]


def comparison(old: dict[str, Any], new: dict[str, Any]) -> str:
    """Markdown: each metric of two runs side by side with the change."""
    keys = [("top-1", "top1"), ("top-5", "top5"), ("MRR", "mrr"), *_SLEUTH_ROWS]
    header = (
        f"| metric | {old['suite']} @ {(old['sleuth'].get('commit') or '?')[:8]} "
        f"| {new['suite']} @ {(new['sleuth'].get('commit') or '?')[:8]} | change |"
    )
    lines = ["# Comparison", "", header, "|---|---|---|---|"]
    for label, key in keys:
        a, b = old["metrics"]["sleuth"].get(key), new["metrics"]["sleuth"].get(key)
        delta = f"{b - a:+.3f}" if a is not None and b is not None else "–"
        lines.append(f"| {label} | {_fmt(a, False)} | {_fmt(b, False)} | {delta} |")
    shared = between_runs(old["cases"], new["cases"])
    cases = next(iter(shared.values())).cases
    if not cases:
        lines += ["", "No culprit case is in both runs: nothing to pair."]
    else:
        lines += [
            "",
            f"Paired over the {cases} culprit case(s) both runs hold (new minus old; 95% interval, sign-flip p):",
            "",
            "| metric | change |",
            "|---|---|",
            *(f"| {label} | {shared[metric].cell()} |" for metric, label in _METRIC_LABELS.items()),
        ]
    old_cases = {c["id"]: c for c in old["cases"]}
    changed = []
    for case in new["cases"]:
        before = old_cases.get(case["id"])
        if before and before["ranks"].get("sleuth") != case["ranks"].get("sleuth"):
            changed.append(f"- {case['id']}: rank {before['ranks'].get('sleuth')} → {case['ranks'].get('sleuth')}")
    lines += ["", f"{len(changed)} case(s) changed rank" + (":" if changed else "."), *changed, ""]
    return "\n".join(lines)


def write_record(record: dict[str, Any], out_dir: Path) -> tuple[Path, Path]:
    """Write `<suite>-<mode>-<time>.json` and `.md` into out_dir; return both paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    base = out_dir / f"{record['suite']}-{record['mode']}-{stamp}"
    json_path, md_path = base.with_suffix(".json"), base.with_suffix(".md")
    temporary = json_path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(record, indent=2), encoding="utf-8")
    temporary.replace(json_path)  # never a half-written record
    md_path.write_text(markdown(record), encoding="utf-8")
    return json_path, md_path
