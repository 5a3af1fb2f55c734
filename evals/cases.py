"""Eval cases: the JSON Lines format of EVALS.md, validated strictly, with errors that name the line."""

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sleuth.errors import SleuthError
from sleuth.models import Deploy, ErrorClass, Incident, as_utc

MAX_CASES_BYTES = 200_000_000
_SHA = re.compile(r"^[0-9a-f]{7,40}$")


class _Strict(BaseModel):
    # Other people's datasets run through this unchanged: an unknown field is a typo, not noise.
    model_config = ConfigDict(extra="forbid", frozen=True)


class CaseIncident(_Strict):
    title: str = ""
    description: str = ""
    logs: str = ""
    started_at: datetime
    service: str | None = None

    @field_validator("started_at")
    @classmethod
    def _started_at_utc(cls, value: datetime) -> datetime:
        return as_utc(value)

    @model_validator(mode="after")
    def _has_text(self) -> "CaseIncident":
        if not (self.title.strip() or self.description.strip()):
            raise ValueError("the incident needs a title or a description")
        return self


class CaseDeploy(_Strict):
    service: str
    environment: str = "production"
    sha: str
    at: datetime

    @field_validator("at")
    @classmethod
    def _at_utc(cls, value: datetime) -> datetime:
        return as_utc(value)


class Truth(_Strict):
    culprit: str | None = Field(description="Full sha of a first-parent commit, or null when no change caused it.")
    files: list[str] = Field(default_factory=list)
    line: int | None = None
    category: ErrorClass | None = None
    failing_tests: list[str] = Field(default_factory=list)

    @field_validator("culprit")
    @classmethod
    def _sha(cls, value: str | None) -> str | None:
        if value is not None and not _SHA.match(value.lower()):
            raise ValueError(f"culprit must be a commit sha or null, got {value!r}")
        return value.lower() if value else None


class EvalCase(_Strict):
    id: str = Field(min_length=1)
    repo: str
    branch: str | None = None
    incident: CaseIncident
    window_days: int = Field(default=14, gt=0, le=3650)
    deploys: list[CaseDeploy] = Field(default_factory=list)
    truth: Truth
    tags: list[str] = Field(default_factory=list)

    def investigator_incident(self) -> Incident:
        """The incident as the investigator sees it: no truth, no id that could encode the answer."""
        i = self.incident
        return Incident(
            title=i.title, description=i.description, logs=i.logs, started_at=i.started_at, service=i.service
        )

    def visible_deploys(self) -> list[Deploy]:
        """Deploys made before the incident started; later ones are the future."""
        return [
            Deploy(service=d.service, environment=d.environment, sha=d.sha, at=d.at)
            for d in self.deploys
            if d.at < self.incident.started_at
        ]


def _error(path: Path, number: int, message: str) -> SleuthError:
    return SleuthError(f"{path}:{number}: {message}", hint="each line must be one case in the format of EVALS.md")


def _describe(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors()[:3]:
        where = ".".join(str(p) for p in error["loc"]) or "(case)"
        message = "unknown field (not in the case format)" if error["type"] == "extra_forbidden" else error["msg"]
        parts.append(f"{where}: {message}")
    return "; ".join(parts)


def parse_case(data: Any, path: Path, number: int) -> EvalCase:
    """Validate one decoded line into a case whose repo path is absolute."""
    if not isinstance(data, dict):
        raise _error(path, number, f"a case must be a JSON object, got {type(data).__name__}")
    try:
        case = EvalCase.model_validate(data)
    except ValidationError as exc:
        raise _error(path, number, f"invalid case: {_describe(exc)}") from None
    repo = Path(case.repo).expanduser()
    repo = repo if repo.is_absolute() else (path.parent / repo)
    if not repo.exists():
        raise _error(path, number, f"case {case.id!r}: repo not found: {repo}")
    return case.model_copy(update={"repo": str(repo.resolve())})


def load_cases(path: Path) -> list[EvalCase]:
    """Read a .jsonl file of cases; every problem names the file and line."""
    path = Path(path)
    if not path.is_file():
        raise SleuthError(f"cases file not found: {path}")
    if path.stat().st_size > MAX_CASES_BYTES:
        raise SleuthError(f"{path} is larger than {MAX_CASES_BYTES // 1_000_000} MB")
    data = path.read_bytes()
    if b"\x00" in data[:65536]:
        raise SleuthError(f"{path} is binary, not JSON Lines")
    cases: list[EvalCase] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            decoded = json.loads(line)
        except json.JSONDecodeError as exc:
            raise _error(path, number, f"not valid JSON: {exc.msg} (column {exc.colno})") from None
        case = parse_case(decoded, path, number)
        if case.id in seen:
            raise _error(path, number, f"duplicate case id {case.id!r} (first on line {seen[case.id]})")
        seen[case.id] = number
        cases.append(case)
    if not cases:
        raise SleuthError(f"{path} has no cases")
    return cases


def dump_cases(cases: list[dict[str, Any]], path: Path) -> None:
    """Write cases as JSON Lines (one object per line, keys in the documented order)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for case in cases:
            out.write(json.dumps(case, ensure_ascii=False, default=str) + "\n")
