"""Loading incidents and deploy files, with errors that name the file and the problem."""

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sleuth.errors import SleuthError
from sleuth.models import Deploy, Incident

MAX_INPUT_BYTES = 50_000_000


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise SleuthError(f"file not found: {path}")
    if path.stat().st_size > MAX_INPUT_BYTES:
        raise SleuthError(f"{path} is larger than {MAX_INPUT_BYTES // 1_000_000} MB", hint="trim the logs")
    data = path.read_bytes()
    if b"\x00" in data[:8192]:
        raise SleuthError(f"{path} is binary, not an incident file")
    return data.decode("utf-8", errors="replace")


def _first_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "(top level)"
    return f"{where}: {first['msg']}"


def parse_incident(data: Any, source: str = "incident") -> Incident:
    """Validate incident data (a mapping) into an Incident."""
    if not isinstance(data, dict):
        raise SleuthError(f"{source}: an incident must be a JSON/YAML object, got {type(data).__name__}")
    try:
        incident = Incident.model_validate(data)
    except ValidationError as exc:
        raise SleuthError(f"{source}: invalid incident: {_first_error(exc)}") from None
    if not (incident.title or incident.description or incident.logs):
        raise SleuthError(f"{source}: the incident needs a title, description or logs")
    return incident


def load_incident(path: Path) -> Incident:
    """Read an incident from a .json or .yaml/.yml file."""
    import yaml

    text = _read_text(path)
    kind = "YAML" if path.suffix.lower() in (".yaml", ".yml") else "JSON"
    try:
        data = yaml.safe_load(text) if kind == "YAML" else json.loads(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        hint = "indent with spaces, not tabs" if "\t" in text else "check the file's syntax"
        raise SleuthError(f"{path}: not valid YAML{where}: {exc.problem or exc}", hint=hint) from None
    except (ValueError, yaml.YAMLError) as exc:
        raise SleuthError(f"{path}: not valid {kind}: {str(exc).splitlines()[0]}") from None
    except RecursionError:
        raise SleuthError(f"{path}: nested too deeply to be an incident", hint="an incident is a flat object") from None
    return parse_incident(data, str(path))


def load_deploys(path: Path, text: str | None = None) -> list[Deploy]:
    """Read deploy events from JSON (a list), JSON Lines or CSV (service,environment,sha,at,status).

    With `text`, parse that (a feed piped on stdin) and use `path` only to name it and, by its
    suffix, pick the format; a feed without a .csv name is JSON or JSON Lines.
    """
    text = _read_text(path) if text is None else text
    rows: list[tuple[int, Any]] = []
    if path.suffix.lower() == ".csv" or (text.startswith("service,") and "\n" in text):
        rows = list(enumerate(csv.DictReader(text.splitlines()), start=2))
    elif text.lstrip().startswith("["):
        try:
            rows = list(enumerate(json.loads(text), start=1))
        except (ValueError, RecursionError) as exc:
            raise SleuthError(f"{path}: not valid JSON: {exc or 'nested too deeply'}") from None
    else:
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    rows.append((number, json.loads(line)))
                except (ValueError, RecursionError) as exc:
                    raise SleuthError(f"{path}:{number}: not valid JSON: {exc}") from None
    deploys = []
    for number, row in rows:
        try:
            deploys.append(Deploy.model_validate({k: v for k, v in row.items() if v not in (None, "")}))
        except (ValidationError, AttributeError) as exc:
            detail = _first_error(exc) if isinstance(exc, ValidationError) else "not an object"
            raise SleuthError(f"{path}:{number}: invalid deploy: {detail}") from None
    return deploys


_DURATION_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> timedelta:
    """Parse `30m`, `12h`, `7d` or `2w` into a timedelta."""
    value, unit = text.strip()[:-1], text.strip()[-1:].lower()
    if unit not in _DURATION_UNITS or not value.isdigit():
        raise SleuthError(f"invalid duration {text!r}", hint="use a number and a unit: 30m, 12h, 7d, 2w")
    return timedelta(seconds=int(value) * _DURATION_UNITS[unit])


def parse_time(text: str) -> datetime:
    """Parse an ISO 8601 time (naive means UTC)."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise SleuthError(f"invalid time {text!r}", hint="use ISO 8601, e.g. 2026-10-28T09:30:00Z") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
