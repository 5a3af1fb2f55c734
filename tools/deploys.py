"""Deploy events: tie each deploy to the commits it carried, so every change knows when it shipped.

A deploy of sha S carries the first-parent commits between the previous successful deploy's sha (of
the same service and environment) and S. The first deploy on record carries everything before it.
A rollback (S already shipped) carries nothing; a change keeps the time it first shipped.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sleuth.errors import SleuthError
from sleuth.models import Deploy
from sleuth.tools.code_host import Mirror

CORRELATION_WINDOW = timedelta(minutes=30)


@dataclass
class TiedDeploy:
    """A deploy with the commits it carried (newest first); `sha` is None when git does not know it."""

    deploy: Deploy
    sha: str | None
    carried: list[str] = field(default_factory=list)
    first_on_record: bool = False


def deploys_of(deploys: list[Deploy], service: str | None, environment: str | None = None) -> list[Deploy]:
    """Return the successful deploys of a service (of every service when None), oldest first."""
    chosen = (
        d
        for d in deploys
        if d.status == "success"
        and (service is None or d.service == service)
        and (environment is None or d.environment == environment)
    )
    return sorted(chosen, key=lambda d: d.at)


def tie_deploys(host: Mirror, deploys: list[Deploy]) -> tuple[list[TiedDeploy], list[str]]:
    """Tie every successful deploy to the commits it carried, per service and environment.

    Deploys naming a sha the repository does not know are reported in the notes, not fatal.
    """
    tied: list[TiedDeploy] = []
    notes: list[str] = []
    streams = sorted({(d.service, d.environment) for d in deploys})
    for service, environment in streams:
        previous: str | None = None
        for deploy in deploys_of(deploys, service, environment):
            try:
                sha = host.resolve(deploy.sha)
            except SleuthError:  # an unknown sha is reported, not fatal
                notes.append(
                    f"deploy of {service}/{environment} at {deploy.at:%Y-%m-%d %H:%M} names sha {deploy.sha[:12]},"
                    f" which {host.name} does not have (skipped)"
                )
                tied.append(TiedDeploy(deploy, None))
                continue
            tied.append(TiedDeploy(deploy, sha, host.rev_list(previous, sha), first_on_record=previous is None))
            previous = sha
    return tied, notes


def first_shipped(tied: list[TiedDeploy], before: datetime | None = None) -> dict[str, datetime]:
    """Map each sha to the first time a deploy (before `before`, if given) carried it."""
    shipped: dict[str, datetime] = {}
    for record in sorted(tied, key=lambda t: t.deploy.at):
        if before is not None and record.deploy.at >= before:
            break
        for sha in record.carried:
            shipped.setdefault(sha, record.deploy.at)
    return shipped


def shipped_times(
    host: Mirror, deploys: list[Deploy], service: str | None, before: datetime
) -> tuple[dict[str, datetime], list[str]]:
    """Map each change sha to when it first shipped (deploys before `before`); also return notes."""
    relevant = [d for d in deploys_of(deploys, service) if d.at < before]
    tied, notes = tie_deploys(host, relevant)
    return first_shipped(tied, before), notes


def deployed_ref_at(
    host: Mirror, deploys: list[Deploy], service: str | None, moment: datetime
) -> tuple[str | None, list[str]]:
    """The resolved sha the service ran at a moment, skipping deploys of shas the repository lacks.

    A deploy record naming an unknown sha (a typo, another repository's commit) must never block an
    investigation: it is passed over, with a note, for the deploy before it.
    """
    notes: list[str] = []
    for deploy in reversed([d for d in deploys_of(deploys, service) if d.at <= moment]):
        try:
            return host.resolve(deploy.sha), notes
        except SleuthError:
            notes.append(
                f"deploy of {deploy.service} at {deploy.at:%Y-%m-%d %H:%M} names sha {deploy.sha[:12]}, which"
                f" {host.name} does not have: ignored"
                f" (remove it: `sleuth deploy remove {deploy.service} {deploy.sha[:12]}`)"
            )
    return None, notes


def near_anomaly(deploy: Deploy, anomaly_at: datetime, window: timedelta = CORRELATION_WINDOW) -> bool:
    """Return True when a deploy finished within `window` before the anomaly."""
    return anomaly_at - window <= deploy.at <= anomaly_at
