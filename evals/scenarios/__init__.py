"""Generated incidents over real git histories: the scenario suite's builders.

Each builder writes a small service repository with a history of merged PRs, runs the code as
deployed to produce the incident (a real traceback and the real failing-test output), and returns
the ground truth beside it. Builders are deterministic: the same name and seed give the same
history, shas included.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sleuth.demo.gitwriter import HistoryWriter, run_python
from sleuth.models import Incident

START = datetime(2026, 9, 1, tzinfo=UTC)
AUTHORS = [
    ("Ada Lovelace", "ada@acme.example"),
    ("Grace Hopper", "grace@acme.example"),
    ("Alan Kay", "alan@acme.example"),
]


@dataclass
class Scenario:
    """One generated incident and its ground truth."""

    name: str
    repo: Path
    incident: Incident
    culprit_sha: str | None
    good_sha: str
    """The last change before the window: where the reproducer still passes."""
    window: list[str]
    """The window's first-parent changes, oldest first."""
    reproducers: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


class _History:
    """A HistoryWriter that keeps the first-parent timeline."""

    def __init__(self, path: Path, step_days: float = 0.5) -> None:
        self.writer = HistoryWriter(path)
        self.path = path
        self.shas: list[str] = []
        self.day = 0.0
        self.step_days = step_days

    def initial(self, files: dict[str, str]) -> str:
        self.writer.write(files)
        # Long before the window: the code the frames run through is old.
        sha = self.writer.commit_direct("Initial import", START - timedelta(days=60), AUTHORS[0])
        self.shas.append(sha)
        return sha

    def pr(self, title: str, files: dict[str, str | None], body: str = "", squash: bool = True) -> str:
        self.day += self.step_days
        self.writer.write(files)
        author = AUTHORS[len(self.shas) % len(AUTHORS)]
        sha = self.writer.merge_pr(title, body or title + ".", START + timedelta(days=self.day), author, squash)
        self.shas.append(sha)
        return sha

    def edit(self, path: str, old: str, new: str) -> dict[str, str | None]:
        text = self.writer.read(path)
        assert old in text, (path, old)
        return {path: text.replace(old, new, 1)}

    def incident(self, title: str, command: str, test: str, service: str) -> tuple[Incident, list[str]]:
        """Run the deployed code and the test suite; the traceback and the failing tests are the incident."""
        crash = run_python(self.path, "-c", command)
        tests = run_python(self.path, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider", test)
        failing = [line for line in tests.stdout.splitlines() if line.startswith("FAILED")]
        assert crash.returncode != 0 and failing, (crash.stderr, tests.stdout)
        when = START + timedelta(days=self.day + 0.25)
        logs = f"{when:%Y-%m-%dT%H:%M:%SZ} ERROR request failed\n{crash.stderr}\n" + "\n".join(failing) + "\n"
        incident = Incident(title=title, logs=logs, started_at=when, service=service)
        return incident, [line.split()[1] for line in failing]


WORKER = """from app.settings import load, retry_delay


def attempts_per_second(settings, attempts):
    return attempts / retry_delay(settings)


def handle(job):
    settings = load()
    rate = attempts_per_second(settings, job["attempts"])
    return {"job": job["id"], "rate": rate}
"""

SETTINGS = '''DEFAULTS = {"batch_size": 50, "retry_delay": 2.0}


def load(overrides=None):
    settings = dict(DEFAULTS)
    settings.update(overrides or {})
    return settings


def retry_delay(settings):
    """Seconds to wait between retries."""
    return float(settings.get("retry_delay", 2.0))
'''

WORKER_TESTS = """from app.worker import handle


def test_rate():
    assert handle({"id": 1, "attempts": 4})["rate"] == 2.0


def test_job_id():
    assert handle({"id": 9, "attempts": 2})["job"] == 9
"""

SETTINGS_TESTS = """from app.settings import load


def test_load_defaults():
    assert load()["batch_size"] == 50
"""


def _worker_service(path: Path, step_days: float = 0.5) -> _History:
    history = _History(path, step_days)
    history.initial(
        {
            "app/__init__.py": "",
            "app/settings.py": SETTINGS,
            "app/worker.py": WORKER,
            "tests/__init__.py": "",
            "tests/test_worker.py": WORKER_TESTS,
            "tests/test_settings.py": SETTINGS_TESTS,
            "README.md": "# worker\n",
        }
    )
    return history


def _worker_crash(h: _History, tests: str) -> tuple[Incident, list[str]]:
    """The worker crashing on a job as deployed, and `tests` failing in CI."""
    return h.incident(
        "Worker jobs crash with ZeroDivisionError",
        "from app.worker import handle; handle({'id': 7, 'attempts': 3})",
        tests,
        "worker",
    )


def fault_outside_the_frames(root: Path) -> Scenario:
    """The crash is in worker.py; the fault is retry_delay() in settings.py, which no frame names.

    Distractors touch the frame file (one next to a failing line) and the newest change is unrelated.
    """
    h = _worker_service(root / "worker-call-path")
    good = h.pr(
        "Log the batch size at startup",
        h.edit("app/worker.py", "def handle(job):", "def describe():\n    return 'worker'\n\n\ndef handle(job):"),
    )
    culprit = h.pr(
        "Read the retry delay in milliseconds",
        h.edit(
            "app/settings.py",
            'return float(settings.get("retry_delay", 2.0))',
            'return float(settings.get("retry_delay_ms", 0)) / 1000',
        ),
        body="Operators configure retry_delay_ms; convert to seconds.",
    )
    h.pr(
        "Return the job id as given",
        h.edit(
            "app/worker.py", 'return {"job": job["id"], "rate": rate}', 'return {"job": job.get("id"), "rate": rate}'
        ),
    )
    h.pr("Document the worker", {"README.md": "# worker\n\nRuns jobs with retries.\n"})
    incident, failing = _worker_crash(h, "tests/test_worker.py")
    window = h.shas[h.shas.index(good) :]
    return Scenario("fault_outside_the_frames", h.path, incident, culprit, h.shas[0], window, failing, ["call_path"])


def revert_breaks_a_test(root: Path) -> Scenario:
    """The culprit changed a default and added a test that pins the new default in the same PR:
    undoing it fixes the incident but breaks that test, so no fix can be validated."""
    h = _worker_service(root / "worker-pinned")
    h.pr("Document the worker", {"README.md": "# worker\n\nRuns jobs.\n"})
    culprit = h.pr(
        "Default the retry delay to zero for fast retries",
        {
            **h.edit("app/settings.py", '"retry_delay": 2.0}', '"retry_delay": 0.0}'),
            "tests/test_settings.py": SETTINGS_TESTS
            + '\n\ndef test_fast_retries_by_default():\n    assert load()["retry_delay"] == 0.0\n',
        },
    )
    h.pr("Mention retries in the README", {"README.md": "# worker\n\nRuns jobs with retries.\n"})
    incident, failing = _worker_crash(h, "tests/test_worker.py::test_rate")
    return Scenario("revert_breaks_a_test", h.path, incident, culprit, h.shas[0], h.shas[1:], failing, ["pinned"])


def regression_in_long_window(
    root: Path, changes: int, culprit_at: int, seed: int = 0, decoy: bool = False
) -> Scenario:
    """`changes` PRs in the window, each touching its own module; the one at `culprit_at` breaks a test.

    With `decoy`, the newest change talks about the same setting without touching code: the ranking's
    favourite is wrong, and only reproduction (bisection) can find the culprit.
    """
    name = f"worker-long-{changes}-{culprit_at}-{seed}{'-decoy' if decoy else ''}"
    # The whole window fits in the 14-day investigation window.
    h = _worker_service(root / name, step_days=min(0.5, 10 / changes))
    culprit = ""
    for position in range(changes):
        if position == culprit_at:
            culprit = h.pr(
                "Tune retry delay parsing",
                h.edit("app/settings.py", '"retry_delay": 2.0}', '"retry_delay": 0.0}'),
                body="Retry at once by default.",
            )
            continue
        module = f"app/module_{(position * 7 + seed) % (changes + 3)}.py"
        existing = (h.path / module).read_text() if (h.path / module).exists() else ""
        h.pr(
            f"Add helper {position} to {module}",
            {module: existing + f"\n\ndef helper_{position}():\n    return {position}\n"},
        )
    if decoy:
        h.pr(
            "Explain the retry delay parsing of retry_delay",
            {"README.md": "# worker\n\nretry_delay: seconds between retries (ZeroDivisionError if zero).\n"},
        )
    incident, failing = _worker_crash(h, "tests/test_worker.py::test_rate")
    return Scenario(
        name.replace("worker-long", "long_window").replace("-", "_"),
        h.path,
        incident,
        culprit,
        h.shas[0],
        h.shas[1:],
        failing,
        ["bisect", *(["decoy"] if decoy else [])],
    )


BUILDERS: dict[str, Callable[[Path], Scenario]] = {
    "fault_outside_the_frames": fault_outside_the_frames,
    "revert_breaks_a_test": revert_breaks_a_test,
}
