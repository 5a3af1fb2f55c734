"""GitHub and GitLab webhook deliveries: verifying them, and what each asks sleuth to index.

Verification is the providers' own: GitHub signs the raw body with HMAC-SHA256 of the webhook
secret (`X-Hub-Signature-256: sha256=<hex>`); GitLab sends the secret token itself
(`X-Gitlab-Token`). Both are compared in constant time. An event sleuth does not index maps to no
job, so the server acknowledges it and moves on.
"""

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

Provider = Literal["github", "gitlab"]


@dataclass(frozen=True)
class Job:
    """What one delivery asks for: re-sync a repository's mirror, or record a deploy."""

    kind: Literal["sync", "deploy"]
    repository: str
    """The repository's full name (`Codertocat/Hello-World`; GitLab: `group/project`)."""
    sha: str | None = None
    environment: str | None = None
    at: datetime | None = None


def github_signature_ok(secret: str, body: bytes, header: str | None) -> bool:
    """Whether `X-Hub-Signature-256` is the HMAC-SHA256 of the body under the secret."""
    if not header or not header.startswith("sha256="):
        return False
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.strip().encode())


def gitlab_token_ok(secret: str, header: str | None) -> bool:
    """Whether `X-Gitlab-Token` is the configured secret token."""
    return bool(header) and hmac.compare_digest(secret.encode(), (header or "").encode())


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    text = value.strip().replace(" UTC", "+00:00").replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _sha(value: Any) -> str | None:
    """A full commit id, or None: a payload field of any other shape never reaches git or the index."""
    return value if isinstance(value, str) and _SHA.fullmatch(value) else None


def github_job(event: str, payload: dict[str, Any]) -> Job | None:
    """The job a GitHub event asks for: merged PRs and default-branch pushes re-sync; successful deploys record."""
    repository = _text((payload.get("repository") or {}).get("full_name"))
    if repository is None:
        return None
    if event == "pull_request":
        pull = payload.get("pull_request") or {}
        if payload.get("action") == "closed" and pull.get("merged"):
            return Job("sync", repository, sha=_sha(pull.get("merge_commit_sha")))
    elif event == "push":
        branch = (payload.get("repository") or {}).get("default_branch")
        if branch and payload.get("ref") == f"refs/heads/{branch}" and not payload.get("deleted"):
            return Job("sync", repository, sha=_sha(payload.get("after")))
    elif event == "deployment_status":
        status = payload.get("deployment_status") or {}
        deployment = payload.get("deployment") or {}
        if status.get("state") == "success" and (sha := _sha(deployment.get("sha"))):
            return Job(
                "deploy",
                repository,
                sha=sha,
                environment=_text(status.get("environment")) or _text(deployment.get("environment")) or "production",
                at=_time(status.get("created_at")),
            )
    return None


def gitlab_job(event: str, payload: dict[str, Any]) -> Job | None:
    """The job a GitLab event asks for: merged MRs re-sync; successful deployments record."""
    project = payload.get("project") or {}
    repository = _text(project.get("path_with_namespace"))
    if repository is None:
        return None
    kind = payload.get("object_kind")
    if event == "Merge Request Hook" and kind == "merge_request":
        attributes = payload.get("object_attributes") or {}
        if attributes.get("action") == "merge" or attributes.get("state") == "merged":
            return Job("sync", repository, sha=_sha(attributes.get("merge_commit_sha")))
    elif (
        event == "Deployment Hook"
        and kind == "deployment"
        and payload.get("status") == "success"
        and (sha := _sha(payload.get("sha")))
    ):
        environment = _text(payload.get("environment")) or "production"
        return Job("deploy", repository, sha=sha, environment=environment, at=_time(payload.get("status_changed_at")))
    return None
