"""The fusion weights of the deterministic ranker: hand-set priors, and weights learned from past incidents.

`ranking_weights.json` (next to this module) is written by `sleuth eval fit` from eval runs on
training suites; it records which suites it learned from, so a report can say it never tuned on the
suite it reports. Features missing from the file keep their prior. The `ranking_weights` setting
(or `sleuth eval run --weights`) swaps in another learned file without touching the shipped one.
"""

import json
from functools import cache
from pathlib import Path

from sleuth.errors import SleuthError

# Priors: blame of the failing line is the strongest evidence a change is involved; reading past the
# stack (call_path) next, and a model's judgement of the diff when one is configured; removing a
# name the error says is missing is close behind; editing right next to a name the incident says,
# much less so. Shared files, words (in the whole change, and in what it says it does) and recency
# break ties; big changes are riskier than small ones; changes to docs or tests alone cannot change
# what production runs, and docs cannot raise the exception a stack trace shows; a change whose revert
# went live before the first error was not running at all (timing, as decisive as not being deployed).
PRIOR = {
    "blame_frame_line": 3.0,
    "blame_near_frames": 1.5,
    "call_path": 2.0,
    "llm_judgement": 3.0,
    "llm_hypothesis": 3.0,
    "frame_file_overlap": 1.0,
    "removed_error_names": 1.5,
    "removed_mentions": 1.0,
    "diff_mentions": 1.0,
    "context_mentions": 0.4,
    "lexical": 1.2,
    "message_lexical": 0.6,
    "semantic": 0.8,
    "recency": 0.6,
    "recency_rank": 0.3,
    "size": 0.3,
    "docs_only": -1.0,
    "docs_under_stack": -3.0,
    "tests_only": -0.5,
    "reverted_before": -3.0,
}
SHIPPED_WEIGHTS = Path(__file__).with_name("ranking_weights.json")


def fusion_weights(path: Path | None = None) -> dict[str, float]:
    """The weights in force: the learned file's (`path`, else the shipped one) over the priors."""
    return dict(_load(path or SHIPPED_WEIGHTS))


def weights_source(path: Path | None = None) -> dict[str, object]:
    """Which weights are in force and the suites they were learned from (none: the priors)."""
    path = path or SHIPPED_WEIGHTS
    fusion_weights(path)  # a broken file fails here, with its hint
    if not path.exists():
        return {"file": None, "trained_on": []}
    trained_on = json.loads(path.read_text()).get("trained_on", [])
    return {"file": str(path), "trained_on": [s.get("suite") for s in trained_on if isinstance(s, dict)]}


@cache
def _load(path: Path) -> tuple[tuple[str, float], ...]:
    if not path.exists():
        if path == SHIPPED_WEIGHTS:
            return tuple(PRIOR.items())
        raise SleuthError(
            f"ranking weights file {path} does not exist", hint="fix the ranking_weights setting or --weights"
        )
    try:
        learned = json.loads(path.read_text())["weights"]
        merged = {**PRIOR, **{str(k): float(v) for k, v in learned.items()}}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise SleuthError(
            f"ranking weights file {path} is not a `sleuth eval fit` output ({exc})",
            hint="regenerate it with `sleuth eval fit RUN.json --out FILE`",
        ) from None
    return tuple(merged.items())
