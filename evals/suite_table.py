"""Many suites in one table: each suite's full and strict splits next to bm25 and recency, then pooled.

EVALS.md asks sleuth to beat every baseline on every suite and to report a suite where it does not.
"Beats" is read off the means; whether a baseline's lead is more than which cases a suite happens to
hold is read off the paired sign-flip test (significance.py). Both go in the table, so a five-case
suite where bm25 is one case ahead is reported as what it is.
"""

from sleuth.evals.metrics import CaseResult, beats_baselines, summarize
from sleuth.evals.record import ranking_cell
from sleuth.evals.significance import Difference, versus_baselines

COMPARED = ("bm25", "recency")
_HEADER = (
    "| suite | split | cases | sleuth | bm25 | recency | beats every baseline | a baseline ahead beyond noise |\n"
    "|---|---|---|---|---|---|---|---|"
)


def _splits(results: list[CaseResult]) -> list[tuple[str, list[CaseResult]]]:
    culprits = [r for r in results if r.culprit]
    strict = [r for r in culprits if "strict" in r.tags]
    return [("full", culprits), *([("strict", strict)] if strict else [])]


def _row(suite: str, split: str, results: list[CaseResult], paired: dict[str, dict[str, Difference]]) -> str:
    """`paired`: versus_baselines(results, COMPARED), which the pooled rows also list in full."""
    summary = summarize(results)
    verdict = "yes" if all(beats_baselines(summary).values()) else "no"
    behind = [
        f"{baseline} {metric}"
        for baseline, row in paired.items()
        for metric, difference in row.items()
        if difference.verdict == "worse"
    ]
    base = summary["baselines"]
    return (
        f"| {suite} | {split} | {summary['with_culprit']} | {ranking_cell(summary['sleuth'])} |"
        f" {ranking_cell(base['bm25'])} | {ranking_cell(base['recency'])} | {verdict} | {', '.join(behind) or 'none'} |"
    )


def suite_table(suites: dict[str, list[CaseResult]]) -> str:
    """Markdown: a row per suite and split, a pooled row per split, and the pooled paired differences."""
    rows = [
        _row(name, split, chosen, versus_baselines(chosen, COMPARED))
        for name, results in suites.items()
        for split, chosen in _splits(results)
    ]
    pooled = [
        (split, chosen, versus_baselines(chosen, COMPARED))
        for split, chosen in _splits([r for results in suites.values() for r in results])
    ]
    rows += [_row(f"all {len(suites)} suites", split, chosen, paired) for split, chosen, paired in pooled]
    lines = [_HEADER, *rows, "", "Pooled, sleuth minus each baseline (mean [95% interval] sign-flip p):", ""]
    for split, _, paired in pooled:
        for baseline, row in paired.items():
            cells = "; ".join(f"{metric} {difference.cell()}" for metric, difference in row.items())
            lines.append(f"- {split}, vs {baseline}: {cells}")
    return "\n".join(lines)
