"""Declarative scenarios: a service, a history of PRs around a culprit (or none), and a command to run.

`build_case` writes the repository, deploys every PR that is meant to be live, runs the deployed code
(with a real loopback dependency when the scenario needs one) and turns what it printed into the
incident. Nothing in the incident is written by hand except its title.
"""

import http.server
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from sleuth.demo.gitwriter import run_service
from sleuth.errors import SleuthError
from sleuth.evals.scenarios import START, _History

Dependency = Literal["refused", "503", "429"]


@dataclass(frozen=True)
class Edit:
    """One PR: replacements (path -> (old, new)) and whole files (path -> text)."""

    title: str
    replace: dict[str, tuple[str, str]] = field(default_factory=dict)
    write: dict[str, str] = field(default_factory=dict)
    body: str = ""
    merge: bool = False


@dataclass(frozen=True)
class Spec:
    """A scenario: PRs before the culprit, the culprit (None: no change caused it), PRs after it."""

    name: str
    service: str
    language: str
    base: dict[str, str]
    command: list[str]
    title: str
    category: str
    culprit: Edit | None
    before: list[Edit] = field(default_factory=list)
    after: list[Edit] = field(default_factory=list)
    undeployed: list[Edit] = field(default_factory=list)
    """Merged after the last deploy: live in the branch, not in production."""
    fault_files: list[str] = field(default_factory=list)
    tests: list[str] = field(default_factory=list)
    """pytest targets whose failures (FAILED lines) join the incident logs."""
    dependency: Dependency | None = None
    env: dict[str, str] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    compile: list[str] = field(default_factory=list)
    """A build step run before the command (e.g. javac), in a scratch directory outside the repo."""


def spec_maker(prefix: str, **defaults: Any) -> Callable[..., Spec]:
    """A Spec constructor for one service: names get the service's prefix, fields default to its own."""

    def make(name: str, title: str, category: str, culprit: Edit | None, **fields: Any) -> Spec:
        return Spec(name=f"{prefix}_{name}", title=title, category=category, culprit=culprit, **{**defaults, **fields})

    return make


class _Responder(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"rates": {"EUR": 1.0}}')

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def loopback_dependency(kind: Dependency | None) -> Iterator[str]:
    """A dependency on 127.0.0.1: refusing connections, or answering with an error status."""
    if kind is None:
        yield ""
        return
    if kind == "refused":
        with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        yield f"http://127.0.0.1:{port}/rates"
        return
    handler = type("Handler", (_Responder,), {"status": int(kind)})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/rates"
    finally:
        server.shutdown()
        server.server_close()


class _Timeline(_History):
    """A scenario's first-parent history, landing Edits as PRs, with a deploy record for each."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, step_days=0.5)
        self.deploys: list[dict[str, str]] = []

    def land(self, edit: Edit) -> str:
        files: dict[str, str | None] = dict(edit.write)
        for relative, (old, new) in edit.replace.items():
            text = files.get(relative) or self.writer.read(relative)
            if old not in text:
                raise SleuthError(f"scenario edit {edit.title!r}: {old!r} not in {relative}")
            files[relative] = text.replace(old, new, 1)
        return self.pr(edit.title, files, edit.body, squash=not edit.merge)

    def deploy(self, service: str, sha: str) -> None:
        when = START + timedelta(days=self.day, minutes=20)
        self.deploys.append({"service": service, "environment": "production", "sha": sha, "at": _iso(when)})


def _iso(moment: Any) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _incident_output(spec: Spec, path: Path) -> tuple[str, list[str]]:
    """Run the deployed code (and its tests); return what it printed and the failing test ids."""
    with loopback_dependency(spec.dependency) as url:
        env = {**spec.env, **({"RATES_URL": url} if url else {})}
        build_dir = path.parent / f".{path.name}-build"

        def argv(template: list[str]) -> list[str]:
            return [part.replace("{build}", str(build_dir)) for part in template]

        if spec.compile:
            build_dir.mkdir(exist_ok=True)
            made = run_service(path, argv(spec.compile), env)
            if made.returncode != 0:
                raise SleuthError(f"scenario {spec.name}: build failed: {made.stderr[-500:]}")
        crash = run_service(path, argv(spec.command), env)
    if crash.returncode == 0:
        raise SleuthError(f"scenario {spec.name}: the deployed code did not fail: {crash.stdout[-300:]}")
    failing: list[str] = []
    lines = []
    if spec.tests:
        run = run_service(path, ["python", "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider", *spec.tests])
        lines = [line for line in run.stdout.splitlines() if line.startswith("FAILED")]
        failing = [line.split()[1] for line in lines]
        if not failing:
            raise SleuthError(f"scenario {spec.name}: its tests did not fail: {run.stdout[-300:]}")
    output = (crash.stderr or crash.stdout).rstrip() + "\n"
    return output + "".join(line + "\n" for line in lines), failing


def build_case(spec: Spec, root: Path) -> dict[str, Any]:
    """Write the scenario's repository under root and return its case (repo relative to root)."""
    path = root / spec.name
    timeline = _Timeline(path)
    timeline.initial(dict(spec.base))
    timeline.deploy(spec.service, timeline.shas[0])
    culprit = None
    for edit in [*spec.before, *([spec.culprit] if spec.culprit else []), *spec.after]:
        sha = timeline.land(edit)
        timeline.deploy(spec.service, sha)
        if edit is spec.culprit:
            culprit = sha
    output, failing = _incident_output(spec, path)
    for edit in spec.undeployed:
        timeline.land(edit)
    started = START + timedelta(days=timeline.day + 0.2)
    first_error = started - timedelta(minutes=3)
    logs = f"{_iso(first_error)} ERROR {spec.service}: request failed\n{output}"
    return {
        "id": spec.name,
        "repo": spec.name,
        "branch": "main",
        "incident": {"title": spec.title, "logs": logs, "started_at": _iso(started), "service": spec.service},
        "window_days": 14,
        "deploys": timeline.deploys,
        "truth": {
            "culprit": culprit,
            "files": spec.fault_files if culprit else [],
            "category": spec.category,
            "failing_tests": failing,
        },
        "tags": [spec.language, spec.category, *spec.tags, *(["no_culprit"] if culprit is None else [])],
    }
