"""Narrow an incident to the repository worth investigating, from the repository catalogue.

Used when the incident's service has no configured repository and several are configured: a
service mapping in a profile is decisive, then stack-frame paths that exist in a repository, then
how close the incident's text is to the repository's profile.
"""

from sleuth.errors import SleuthError
from sleuth.models import Incident
from sleuth.tools.catalogue import rank_repos
from sleuth.tools.change_index import ChangeIndex


def choose_repo(index: ChangeIndex, incident: Incident, frame_files: list[str]) -> tuple[str, list[str]]:
    """Return the best repository's path (or forge spec) for the incident and a note explaining the choice."""
    ranked = rank_repos(index, incident.text()[:4000], frame_files, incident.service)
    if not ranked:
        raise SleuthError(
            "several repositories are configured and none is catalogued",
            hint="build the catalogue (`sleuth index sync`, or `sleuth index catalogue github:ORG`), or pass --repo",
        )
    best, score, reasons = ranked[0]
    others = ", ".join(f"{p.name} ({s:.2f})" for p, s, _ in ranked[1:])
    note = f"repository chosen from the catalogue: {best.name} ({score:.2f}; {'; '.join(reasons)})"
    return best.path, [note + (f"; next: {others}" if others else "")]
