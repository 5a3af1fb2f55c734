"""The webhook receiver in process (Starlette's TestClient): what an attacker's or a broken sender's
requests get, and that one bad delivery cannot stop the indexer."""

import hashlib
import hmac
import json
import time
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from sleuth.config import Settings
from sleuth.server import MAX_BODY_BYTES, build_app
from sleuth.tools.webhook_queue import DeliveryQueue
from sleuth.tools.webhooks import Job, github_job, gitlab_job

SECRET = "receiver-secret-0042"


def _settings(tmp_path: Path, secret: str = SECRET, **extra: object) -> Settings:
    return Settings.model_validate(
        {
            "index": {"path": str(tmp_path / "index")},
            "webhooks": {"github_secret": secret, "gitlab_token": secret, "queue": str(tmp_path / "q.sqlite3")},
            **extra,
        }
    )


def _signed(payload: dict, delivery: str, event: str = "push", secret: str = SECRET) -> tuple[bytes, dict]:
    body = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return body, {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery, "X-Hub-Signature-256": signature}


PUSH = {
    "ref": "refs/heads/main",
    "after": "a" * 40,
    "repository": {"name": "svc", "full_name": "acme/svc", "default_branch": "main"},
}


def test_an_empty_secret_verifies_nothing(tmp_path: Path) -> None:
    with TestClient(build_app(_settings(tmp_path, secret=""))) as client:
        body, headers = _signed(PUSH, "d-1", secret="")
        assert client.post("/webhooks/github", content=body, headers=headers).status_code == 503


def test_unsigned_and_oversized_bodies_are_refused_before_they_are_read(tmp_path: Path) -> None:
    with TestClient(build_app(_settings(tmp_path))) as client:
        unsigned = client.post("/webhooks/github", content=b"x" * 1000, headers={"X-GitHub-Event": "push"})
        assert unsigned.status_code == 401
        big = {"X-GitHub-Event": "push", "X-Hub-Signature-256": "sha256=" + "0" * 64}
        huge = client.post("/webhooks/github", content=b"x" * (MAX_BODY_BYTES + 1), headers=big)
        assert huge.status_code == 413
        assert client.post("/webhooks/gitlab", content=b"{}", headers={"X-Gitlab-Token": "nope"}).status_code == 401
        assert client.get("/healthz").json()["queue"] == {}


def test_the_same_signed_body_under_a_new_delivery_id_is_a_replay(tmp_path: Path) -> None:
    with TestClient(build_app(_settings(tmp_path))) as client:
        body, headers = _signed(PUSH, "d-1")
        assert client.post("/webhooks/github", content=body, headers=headers).status_code == 202
        again = client.post("/webhooks/github", content=body, headers={**headers, "X-GitHub-Delivery": "d-2"})
        assert again.json() == {"status": "duplicate"}


def test_payload_fields_of_the_wrong_shape_never_become_jobs() -> None:
    deployment = {
        "deployment_status": {"state": "success", "environment": ["x"]},
        "deployment": {"sha": 123},
        "repository": {"full_name": "acme/svc"},
    }
    assert github_job("deployment_status", deployment) is None
    gitlab = {
        "object_kind": "deployment",
        "status": "success",
        "sha": "--upload-pack=x",
        "project": {"path_with_namespace": "a/b"},
    }
    assert gitlab_job("Deployment Hook", gitlab) is None
    assert github_job("push", {**PUSH, "repository": {"name": "svc"}}) is None  # no full name: no job


def test_a_delivery_that_crashes_the_indexer_is_kept_for_a_retry_and_the_worker_lives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sleuth import index_api

    calls: list[int] = []

    def explode(*args: object, **kwargs: object) -> None:
        calls.append(1)
        raise RuntimeError("boom")

    monkeypatch.setattr(index_api, "sync", explode)
    settings = _settings(tmp_path, services={"svc": {"repo": str(tmp_path / "svc")}})
    with TestClient(build_app(settings)) as client:
        body, headers = _signed(PUSH, "d-1")
        assert client.post("/webhooks/github", content=body, headers=headers).status_code == 202
        deadline = time.monotonic() + 10
        while not calls and time.monotonic() < deadline:
            time.sleep(0.1)
        assert calls, "the indexer took the delivery"
        health = client.get("/healthz")
        assert health.status_code == 200 and health.json()["queue"] == {"pending": 1}  # retried later, not lost


def test_the_queue_gives_up_on_a_delivery_after_its_attempts(tmp_path: Path) -> None:
    queue = DeliveryQueue(tmp_path / "q.sqlite3")
    assert queue.put("d-1", "github", "push", Job("sync", "acme/svc"), b"body")
    for _ in range(5):
        (delivery,) = queue.pending()
        queue.finish([delivery.id], error="locked", retry=True)
        queue.db.execute("UPDATE deliveries SET not_before = 0")  # skip the backoff
    assert queue.pending() == [] and queue.counts() == {"failed": 1}
