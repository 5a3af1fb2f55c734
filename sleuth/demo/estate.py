"""Build the demo estate: three service repos with a month of history, deploys and a real incident.

The incident's logs are produced by running the payments code as deployed: a real traceback, and
the real output of the post-deploy smoke test that caught it.
"""

import json
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sleuth.demo.gitwriter import HistoryWriter, run_python
from sleuth.demo.history import CULPRIT_KEY, PlannedChange, filler_changes, payments_storyline
from sleuth.demo.services import AUTHORS, INVENTORY, NOTIFICATIONS, PAYMENTS
from sleuth.models import Deploy, Incident

HISTORY_START = datetime(2026, 10, 1, tzinfo=UTC)
INCIDENT_DAY = 28
DEPLOY_HOUR = 9
FILLERS_PER_SERVICE = 34
APP_ROOT = "/app"


@dataclass
class Estate:
    """Where the demo put things, and the ground truth the demo checks itself against."""

    root: Path
    repos: dict[str, Path]
    incident_path: Path
    deploys_path: Path
    culprit_sha: str
    incident: Incident
    deploys: list[Deploy]


def _at(day: float) -> datetime:
    return HISTORY_START + timedelta(days=day)


def _build_repo(
    path: Path, files: dict[str, str], planned: list[PlannedChange]
) -> tuple[HistoryWriter, list[tuple[datetime, str]], dict[str, str]]:
    writer = HistoryWriter(path)
    writer.write(files)
    timeline = [(_at(-10), writer.commit_direct("Initial import", _at(-10), AUTHORS[0]))]
    keyed: dict[str, str] = {}
    for change in sorted(planned, key=lambda c: c.day):
        change.edit(writer)
        when = _at(change.day)
        sha = writer.merge_pr(change.title, change.body, when, AUTHORS[change.author], change.squash)
        timeline.append((when, sha))
        if change.key:
            keyed[change.key] = sha
    return writer, timeline, keyed


def _daily_deploys(service: str, timeline: list[tuple[datetime, str]], last_day: int) -> list[Deploy]:
    deploys = []
    for day in range(1, last_day + 1):
        at = _at(day) + timedelta(hours=DEPLOY_HOUR)
        if at.weekday() >= 5:
            continue  # no deploys at weekends
        shipped = [sha for when, sha in timeline if when < at]
        if shipped:
            deploys.append(Deploy(service=service, sha=shipped[-1], at=at))
    # Collapse deploys that shipped nothing new.
    unique: list[Deploy] = []
    for deploy in deploys:
        if not unique or unique[-1].sha != deploy.sha:
            unique.append(deploy)
    return unique


def _log_lines(text: str, start: datetime, repo: Path) -> list[str]:
    text = text.replace(str(repo), APP_ROOT)
    return [
        f"{(start + timedelta(milliseconds=3 * i)).isoformat(timespec='milliseconds').replace('+00:00', 'Z')} {line}"
        for i, line in enumerate(text.rstrip().splitlines())
    ]


def _incident(writer: HistoryWriter, deployed_sha: str, first_error: datetime) -> Incident:
    writer.checkout(deployed_sha)
    try:
        crash = run_python(
            writer.path,
            "-m",
            "payments.cli",
            "checkout",
            "--currency",
            "eur",
            "--item",
            "sku-espresso:2",
        )
        smoke = run_python(writer.path, "-m", "pytest", "-q", "-rf", "-p", "no:cacheprovider", "tests/smoke")
    finally:
        writer.checkout("main")
    if crash.returncode == 0 or "Traceback" not in crash.stderr:
        raise RuntimeError("demo: the deployed payments code did not crash as planned")
    failed = [line for line in smoke.stdout.splitlines() if line.startswith("FAILED")]
    logs = [
        *_log_lines(
            f"[INFO] payments worker booted release={deployed_sha[:7]}",
            first_error - timedelta(minutes=4),
            writer.path,
        ),
        *_log_lines(
            "[ERROR] POST /v1/checkout -> 500 request_id=9f2c1ab4 storefront=eu-web",
            first_error,
            writer.path,
        ),
        *_log_lines(crash.stderr, first_error + timedelta(milliseconds=1), writer.path),
        *_log_lines(
            "post-deploy smoke tests:\n" + "\n".join(failed),
            first_error + timedelta(minutes=2),
            writer.path,
        ),
    ]
    return Incident(
        id="INC-2043",
        title="Checkout returns 500 for EU shoppers",
        description="Error rate on POST /v1/checkout jumped to 31% after this morning's deploy. "
        "Only orders from the EU storefront fail; US checkout looks fine.",
        logs="\n".join(logs),
        started_at=first_error + timedelta(minutes=3),
        service="payments",
    )


def build_estate(root: Path) -> Estate:
    """Create the estate under root (replacing an earlier one) and return where everything is."""
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    incident_start = _at(INCIDENT_DAY) + timedelta(hours=DEPLOY_HOUR)
    first_error = incident_start + timedelta(minutes=12)
    repos: dict[str, Path] = {}
    all_deploys: list[Deploy] = []
    culprit = ""
    incident: Incident | None = None
    for seed, (service, files) in enumerate(
        (("payments", PAYMENTS), ("inventory", INVENTORY), ("notifications", NOTIFICATIONS))
    ):
        planned = filler_changes(service, FILLERS_PER_SERVICE, INCIDENT_DAY - 0.2, seed)
        if service == "payments":
            planned += payments_storyline(INCIDENT_DAY + DEPLOY_HOUR / 24)
        writer, timeline, keyed = _build_repo(root / service, files, planned)
        deploys = _daily_deploys(service, timeline, INCIDENT_DAY)
        all_deploys += deploys
        repos[service] = writer.path
        if service == "payments":
            culprit = keyed[CULPRIT_KEY]
            incident = _incident(writer, deploys[-1].sha, first_error)
        # History goes on after the incident; investigations must not look at it.
        for extra in filler_changes(service, 2, 1.0, seed + 3):
            extra.edit(writer)
            writer.merge_pr(
                extra.title,
                extra.body,
                _at(INCIDENT_DAY + 0.5 + extra.day),
                AUTHORS[extra.author],
                True,
            )
    assert incident is not None
    incident_path = root / "incident.json"
    incident_path.write_text(incident.model_dump_json(indent=2, exclude_none=True), encoding="utf-8")
    deploys_path = root / "deploys.json"
    deploys_path.write_text(json.dumps([d.model_dump(mode="json") for d in all_deploys], indent=2), encoding="utf-8")
    config = "\n".join(f'[services.{name}]\nrepo = "{path}"\n' for name, path in repos.items())
    (root / "sleuth.toml").write_text(config, encoding="utf-8")
    return Estate(root, repos, incident_path, deploys_path, culprit, incident, all_deploys)
