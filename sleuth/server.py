"""`sleuth serve`: GitHub and GitLab webhooks in, changes and deploys indexed in the background.

A delivery is verified, stored in the durable queue and acknowledged; a worker thread drains the
queue into the index (a merged PR/MR or a default-branch push re-syncs that repository's mirror, a
successful deployment is stored as a deploy). The HTTP side does no git and no indexing, so it
answers in milliseconds whatever the worker is doing.
"""

import json
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sleuth.config import Settings, sleuth_home
from sleuth.errors import SleuthError
from sleuth.tools.webhook_queue import Delivery, DeliveryQueue
from sleuth.tools.webhooks import Job, github_job, github_signature_ok, gitlab_job, gitlab_token_ok

DEBOUNCE_SECONDS = 0.3  # a burst of deliveries is indexed as one batch, not one re-tie per deploy


def queue_path(settings: Settings) -> Path:
    if settings.webhooks.queue:
        return Path(settings.webhooks.queue).expanduser()
    return sleuth_home() / "webhooks.sqlite3"


class Indexer:
    """The worker that turns queued deliveries into index rows (one thread, one open index)."""

    def __init__(self, settings: Settings, queue: DeliveryQueue) -> None:
        self.settings = settings
        self.queue = queue
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="sleuth-indexer", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.wake.set()
        self.thread.join(timeout=30)

    def _loop(self) -> None:
        from sleuth.index_api import open_index

        index = open_index(self.settings)
        try:
            while not self.stopping.is_set():
                self.wake.wait(timeout=1.0)
                self.wake.clear()
                if self.stopping.wait(DEBOUNCE_SECONDS):
                    break
                while batch := self.queue.pending():
                    try:
                        self._index(index, batch)
                    except Exception:  # one bad delivery must not end the worker: find it, alone
                        for delivery in batch:
                            self._index_guarded(index, delivery)
        finally:
            index.close()

    def _index_guarded(self, index: Any, delivery: Delivery) -> None:
        try:
            self._index(index, [delivery])
        except Exception as exc:  # retried with backoff; the queue gives up after MAX_ATTEMPTS
            self.queue.finish([delivery.id], error=f"{type(exc).__name__}: {exc}", retry=True)

    def _index(self, index: Any, batch: list[Delivery]) -> None:
        """Index a batch: deploys stored together (one re-tie), each repository synced once.

        A SleuthError (an index locked by another sync, a fetch that failed, a repository not synced
        yet) leaves its deliveries pending behind a backoff; MAX_ATTEMPTS bounds the retries.
        """
        from sleuth import index_api
        from sleuth.models import Deploy

        mirrors = self._mirrors(index)
        deploys: dict[str, Deploy] = {}
        syncs: dict[str, list[str]] = {}
        for delivery in batch:
            job = delivery.job
            found = mirrors.get(job.repository) or mirrors.get(job.repository.rsplit("/", 1)[-1])
            if found is None:
                message = f"no repository configured or synced for {job.repository!r}"
                self.queue.finish([delivery.id], error=message, retry=True)
            elif job.kind == "deploy" and job.sha:
                at = job.at or datetime.now(UTC)
                deploys[delivery.id] = Deploy(service=found[1], environment=job.environment, sha=job.sha, at=at)
            elif job.kind == "sync":
                syncs.setdefault(found[0], []).append(delivery.id)
            else:
                self.queue.finish([delivery.id], error="a deploy without a commit sha")
        if deploys:
            try:
                index_api.ingest_deploys(self.settings, list(deploys.values()), index=index)
                self.queue.finish(list(deploys))
            except SleuthError as exc:
                self.queue.finish(list(deploys), error=str(exc), retry=True)
        for target, ids in syncs.items():
            try:
                index_api.sync(self.settings, [target], index=index)
                self.queue.finish(ids)
            except SleuthError as exc:
                self.queue.finish(ids, error=str(exc), retry=True)

    def _mirrors(self, index: Any) -> dict[str, tuple[str, str]]:
        """Repository -> (what to sync, service), keyed by full name where known, else by short name.

        A forge mirror (`$SLEUTH_HOME/mirrors/github/OWNER/NAME.git`, `…/gitlab/GROUP/…/NAME.git`) is
        keyed by its full name and syncs as `github:OWNER/NAME` (or `gitlab:…`), so the webhook's
        merge is fetched before it is indexed; a local clone is known by its directory name only. A
        short name two repositories share matches neither.
        """
        from sleuth.tools.forge_mirror import mirrors_root

        found: dict[str, tuple[str, str]] = {}
        short: dict[str, list[tuple[str, str]]] = {}
        for row in index.store.repos():
            path = Path(row["path"])
            name = path.name.removesuffix(".git")
            entry = (row["path"], row["services"][0])
            for provider in ("github", "gitlab"):
                if path.is_relative_to(mirrors_root() / provider):  # GitLab groups nest: keep the whole path
                    full = str(path.relative_to(mirrors_root() / provider)).removesuffix(".git")
                    found[full] = (f"{provider}:{full}", row["services"][0])
            short.setdefault(name, []).append(entry)
        for service, config in self.settings.services.items():
            name = Path(config.repo).expanduser().name.removesuffix(".git")
            short[name] = [(config.repo, service)]
        for name, entries in short.items():
            if len(set(entries)) == 1:
                found.setdefault(name, entries[0])
        return found


MAX_BODY_BYTES = 25 * 1024 * 1024  # GitHub caps webhook payloads at 25 MB


def _reply(status: str, code: int = 200, **extra: Any) -> JSONResponse:
    return JSONResponse({"status": status, **extra}, status_code=code)


def _receiver(
    provider: str,
    secret_of: Callable[[Settings], Any],
    verified: Callable[[str, bytes, Request], bool],
    prechecked: Callable[[str, Request], bool],
    delivery_of: Callable[[Request, bytes], str | None],
    job_of: Callable[[str, dict[str, Any]], Job | None],
    event_header: str,
) -> Callable[[Request], Any]:
    async def receive(request: Request) -> JSONResponse:
        settings: Settings = request.app.state.settings
        secret = secret_of(settings)
        if secret is None or not secret.get_secret_value():  # an empty key signs for anyone
            return _reply("error", 503, error=f"webhooks.{provider} secret is not configured")
        if not prechecked(secret.get_secret_value(), request):
            return _reply("error", 401, error="signature or token missing or wrong")
        body = await _capped_body(request)
        if body is None:
            return _reply("error", 413, error=f"body over {MAX_BODY_BYTES} bytes")
        if not verified(secret.get_secret_value(), body, request):
            return _reply("error", 401, error="signature does not match")
        event = request.headers.get(event_header, "")
        delivery = delivery_of(request, body)
        if not delivery:
            return _reply("error", 400, error="no delivery id")
        try:
            payload = json.loads(body)
        except ValueError:
            return _reply("error", 400, error="body is not JSON")
        job = job_of(event, payload) if isinstance(payload, dict) else None
        if job is None:
            return _reply("ignored", event=event)
        queue: DeliveryQueue = request.app.state.queue
        new = await run_in_threadpool(queue.put, delivery, provider, event, job, body)
        if new:
            request.app.state.indexer.wake.set()
        return _reply("queued", 202) if new else _reply("duplicate")

    return receive


def _gitlab_delivery(request: Request, body: bytes) -> str | None:
    import hashlib

    headers = request.headers
    return (
        headers.get("idempotency-key")
        or headers.get("x-gitlab-event-uuid")
        or headers.get("x-gitlab-webhook-uuid")
        or hashlib.sha256(body).hexdigest()
    )


async def _capped_body(request: Request) -> bytes | None:
    """The body, or None past MAX_BODY_BYTES (read no further: a huge POST costs no memory)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def _healthz(request: Request) -> JSONResponse:
    counts = await run_in_threadpool(request.app.state.queue.counts)
    if not request.app.state.indexer.thread.is_alive():
        return _reply("error", 503, error="the indexer is not running", queue=counts)
    return _reply("ok", queue=counts)


def build_app(settings: Settings) -> Starlette:
    """The ASGI app; the queue opens and the indexer starts with it, and stop with it."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.queue = DeliveryQueue(queue_path(settings))
        app.state.indexer = Indexer(settings, app.state.queue)
        app.state.indexer.start()
        app.state.indexer.wake.set()  # deliveries a crash left pending are indexed now
        try:
            yield
        finally:
            app.state.indexer.stop()
            app.state.queue.close()

    github = _receiver(
        "github_secret",
        lambda s: s.webhooks.github_secret,
        lambda secret, body, r: github_signature_ok(secret, body, r.headers.get("x-hub-signature-256")),
        lambda _, r: (r.headers.get("x-hub-signature-256") or "").startswith("sha256="),
        lambda r, _: r.headers.get("x-github-delivery"),
        github_job,
        "x-github-event",
    )
    gitlab = _receiver(
        "gitlab_token",
        lambda s: s.webhooks.gitlab_token,
        lambda secret, _, r: gitlab_token_ok(secret, r.headers.get("x-gitlab-token")),
        lambda secret, r: gitlab_token_ok(secret, r.headers.get("x-gitlab-token")),  # before reading the body
        _gitlab_delivery,
        gitlab_job,
        "x-gitlab-event",
    )
    routes = [
        Route("/webhooks/github", github, methods=["POST"]),
        Route("/webhooks/gitlab", gitlab, methods=["POST"]),
        Route("/healthz", _healthz, methods=["GET"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8787) -> None:
    """Run the webhook service until interrupted."""
    import uvicorn

    uvicorn.run(build_app(settings), host=host, port=port, log_level="warning", access_log=False)
