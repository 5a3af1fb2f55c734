"""The run journal: each finished case of `sleuth eval run`, on disk the moment it finishes.

A mined suite can take half an hour (haproxy's 180 cases). Interrupted by Ctrl-C, a reboot or a CI
time limit, the run would lose every finished case; with the journal, `--resume` runs only the rest.
A journal line is reused only when everything that decides its result is unchanged: the case as
written, the mode and model, the ranking weights, and sleuth's commit. Lines are appended and fsynced
one at a time, so an interruption costs at most the line being written, which is then skipped.
A case that ended in an error is run again. The journal is deleted once the record is written.
"""

import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Any

from sleuth.evals.cases import EvalCase
from sleuth.evals.metrics import CaseResult


def run_key(*, mode: str, model: str | None, weights: dict[str, float], version: dict[str, Any]) -> str:
    """What a run's results depend on besides each case: mode, model, weights, sleuth's commit."""
    settings = {"mode": mode, "model": model, "weights": weights, "commit": version.get("commit")}
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()


def case_key(case: EvalCase, run: str) -> str:
    return hashlib.sha256(f"{run}\n{case.model_dump_json()}".encode()).hexdigest()


class RunJournal:
    """Append-only JSON Lines of {"key": …, "result": …}; thread-safe, as cases finish in parallel."""

    def __init__(self, path: Path, run: str) -> None:
        self.path = path
        self.run = run
        self._lock = threading.Lock()

    def finished(self, cases: list[EvalCase]) -> dict[str, CaseResult]:
        """Results in the journal for these cases as they are now (by case id); torn or stale lines are skipped."""
        if not self.path.exists():
            return {}
        wanted = {case_key(case, self.run): case.id for case in cases}
        found: dict[str, CaseResult] = {}
        for line in self.path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                entry = json.loads(line)
                result = CaseResult.model_validate(entry["result"])
            except (ValueError, KeyError, TypeError):
                continue  # the line an interruption cut short
            case_id = wanted.get(entry.get("key"))
            if case_id == result.id and not result.error:
                found[case_id] = result
        return found

    def append(self, case: EvalCase, result: CaseResult) -> None:
        line = json.dumps({"key": case_key(case, self.run), "result": result.model_dump(mode="json")})
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as journal:
                if _ends_torn(self.path):
                    journal.write("\n")  # end the line an interruption cut short, so this one stands alone
                journal.write(line + "\n")
                journal.flush()
                os.fsync(journal.fileno())

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


def _ends_torn(path: Path) -> bool:
    """Whether the file's last line lacks its newline (a write cut off mid-line)."""
    with path.open("rb") as journal:
        if journal.seek(0, os.SEEK_END) == 0:
            return False
        journal.seek(-1, os.SEEK_END)
        return journal.read(1) != b"\n"
