"""Deploy events: tie each deploy to the commits it carried, so every change knows when it shipped."""

from datetime import datetime

from sleuth.errors import SleuthError
from sleuth.models import Deploy
from sleuth.tools.local_git import LocalGitHost


def deploys_of(deploys: list[Deploy], service: str | None) -> list[Deploy]:
    """Return the successful deploys of a service (of every service when None), oldest first."""
    chosen = (d for d in deploys if d.status == "success" and (service is None or d.service == service))
    return sorted(chosen, key=lambda d: d.at)


def shipped_times(
    host: LocalGitHost, deploys: list[Deploy], service: str | None, before: datetime
) -> tuple[dict[str, datetime], list[str]]:
    """Map each change sha to when it first shipped (deploys before `before`); also return notes.

    A deploy carries the first-parent commits between the previous deploy's sha and its own.
    Deploys naming a sha the repository does not know are reported and skipped, not fatal.
    """
    relevant = deploys_of(deploys, service)
    shipped: dict[str, datetime] = {}
    notes: list[str] = []
    previous: str | None = None
    for deploy in relevant:
        if deploy.at >= before:
            break
        try:
            sha = host.resolve(deploy.sha)
        except SleuthError:  # an unknown sha is reported, not fatal
            notes.append(
                f"deploy of {deploy.service} at {deploy.at:%Y-%m-%d %H:%M} names unknown sha {deploy.sha[:12]}"
            )
            continue
        for carried in host.rev_list(previous, sha):
            shipped.setdefault(carried, deploy.at)
        previous = sha
    return shipped, notes


def deployed_sha_at(deploys: list[Deploy], service: str | None, moment: datetime) -> str | None:
    """Return the sha the service was running at a moment (its last successful deploy before it)."""
    before = [d for d in deploys_of(deploys, service) if d.at <= moment]
    return before[-1].sha if before else None
