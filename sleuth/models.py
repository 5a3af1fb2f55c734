"""The domain model every part of sleuth shares: incidents, changes, evidence and the report.

Everything here is plain pydantic data so it round-trips through JSON, LangGraph checkpoints and
reports without custom serializers.
"""

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal
from uuid import uuid4

from pydantic import BaseModel, ConfigDict, Field, field_validator

REPORT_SCHEMA_VERSION = "1.0"


class ErrorClass(StrEnum):
    """What kind of failure an incident is; decides whether a code change is a plausible cause."""

    LOGIC_BUG = "logic_bug"
    CONFIG_ERROR = "config_error"
    DEPENDENCY_DOWN = "dependency_down"
    TRANSIENT = "transient"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


def as_utc(value: datetime) -> datetime:
    """Treat naive timestamps as UTC so comparisons never mix naive and aware datetimes."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Incident(_Model):
    """What the on-call engineer hands sleuth: the alert, its logs and when it started."""

    id: str | None = None
    title: str = ""
    description: str = ""
    logs: str = ""
    started_at: datetime
    service: str | None = None
    failing_tests: list[str] = Field(
        default_factory=list,
        description="Tests known to reproduce the incident (e.g. a failing post-deploy smoke test).",
    )

    @field_validator("started_at")
    @classmethod
    def _started_at_utc(cls, value: datetime) -> datetime:
        return as_utc(value)

    def text(self) -> str:
        """Return all free text of the incident, for lexical matching (a huge log as its excerpt)."""
        from sleuth.tools.log_excerpt import excerpt_text

        return "\n".join(part for part in (self.title, self.description, excerpt_text(self.logs).text) if part)


class StackFrame(_Model):
    """One frame of a stack trace, as printed, plus where it lives in the repository if known."""

    file: str | None = None
    line: int | None = None
    function: str | None = None
    in_app: bool = True
    repo_path: str | None = Field(
        default=None, description="The repository file this frame maps to (longest path suffix)."
    )


class ParsedException(_Model):
    """One exception printed in a log: its type, first message line and frames in printed order."""

    type: str | None = None
    message: str | None = None
    frames: list[StackFrame] = Field(default_factory=list)
    language: str | None = None
    innermost_first: bool = Field(
        default=True,
        description="False for Python and Ruby 2.5-2.7 'most recent call last' output.",
    )

    def frames_innermost_first(self) -> list[StackFrame]:
        """Return the frames with the raising frame first, whatever order they were printed in."""
        return list(self.frames) if self.innermost_first else list(reversed(self.frames))


class Signals(_Model):
    """What the plan node understood from an incident."""

    exceptions: list[ParsedException] = Field(default_factory=list)
    language: str | None = None
    error_class: ErrorClass = ErrorClass.LOGIC_BUG
    error_class_reason: str = ""
    first_error_at: datetime
    services: list[str] = Field(default_factory=list)
    failing_tests: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    questions: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list, description="What was not read, e.g. a cut log.")

    def app_frames(self) -> list[StackFrame]:
        """Return in-app frames, innermost first, across all exceptions (last printed first)."""
        frames: list[StackFrame] = []
        for exc in reversed(self.exceptions):
            frames.extend(f for f in exc.frames_innermost_first() if f.in_app)
        return frames


class ChangeEnrichment(_Model):
    """What a change does, derived from its title, body, paths and diff (extractive, no LLM)."""

    summary: str
    tags: list[str] = Field(default_factory=list, description="feature, bugfix, refactor, config, …")
    symbols: list[str] = Field(default_factory=list, description="Functions/classes the diff touches.")
    risks: list[str] = Field(default_factory=list, description="Risk signals, each a short sentence.")


class Change(_Model):
    """A merged change: a first-parent commit on the default branch (a PR/MR merge or squash)."""

    sha: str
    repo: str
    title: str
    body: str = ""
    author: str = ""
    author_email: str = ""
    committed_at: datetime
    merged_at: datetime
    number: int | None = Field(default=None, description="PR/MR number parsed from the message.")
    files: list[str] = Field(default_factory=list)
    additions: int = 0
    deletions: int = 0
    parents: list[str] = Field(default_factory=list)
    enrichment: ChangeEnrichment | None = None
    url: str | None = Field(default=None, description="The PR/MR on its forge (GitHub, GitLab), when synced from one.")
    reviewers: list[str] = Field(default_factory=list, description="Who approved or reviewed the PR/MR (forge only).")
    labels: list[str] = Field(default_factory=list, description="The PR/MR's labels (forge only).")

    @property
    def short_sha(self) -> str:
        """Return the 10-character abbreviation used in reports."""
        return self.sha[:10]


class RepoProfile(_Model):
    """A repository's entry in the catalogue: enough to tell which repos an incident concerns."""

    name: str
    path: str
    description: str = ""
    readme_summary: str = ""
    languages: dict[str, int] = Field(
        default_factory=dict, description="Language -> number of files (from a forge's catalogue: percent of the code)."
    )
    layout: list[str] = Field(default_factory=list, description="Top-level files and directories.")
    services: list[str] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list, description="The forge's topics (forge catalogue only).")
    url: str | None = Field(default=None, description="The repository's page on its forge.")
    changes_last_30_days: int = 0
    last_change_at: datetime | None = None


class Deploy(_Model):
    """A deploy of a service to an environment at a sha."""

    service: str
    environment: str = "production"
    sha: str
    at: datetime
    status: str = "success"

    @field_validator("at")
    @classmethod
    def _at_utc(cls, value: datetime) -> datetime:
        return as_utc(value)


TimingVerdict = Literal["shipped_before", "merged_before", "not_shipped", "after_incident"]


class Candidate(_Model):
    """A change considered as the cause, with every ranking feature kept for the report."""

    change: Change
    shipped_at: datetime | None = None
    timing: TimingVerdict
    features: dict[str, float] = Field(default_factory=dict)
    score: float = 0.0
    rank: int = 0
    reasons: list[str] = Field(default_factory=list)


class CodeExcerpt(_Model):
    """Lines read around a frame, with blame: the evidence that a change touched the failing code."""

    path: str
    start_line: int
    focus_line: int
    lines: list[str]
    blame: dict[int, str] = Field(
        default_factory=dict, description="Line number -> sha of the change that last touched it."
    )
    function: str | None = None


class Evidence(_Model):
    """One cited fact: a code excerpt, a blame hit, a log line or a timing fact."""

    kind: Literal["code", "blame", "log", "timing", "diff", "test"]
    summary: str
    id: str | None = Field(
        default=None, description="E1, E2, …: how a hypothesis cites it (set when reading gathers it)."
    )
    role: Literal["frame", "callee", "data", "caller", "raise_site", "suspect_change", "reproduction"] | None = Field(
        default=None, description="Where reading found it: a stack frame, or past the stack on the call path."
    )
    sha: str | None = None
    path: str | None = None
    line: int | None = None
    excerpt: CodeExcerpt | None = None


class Hypothesis(_Model):
    """A ranked explanation of the incident, with its calibrated confidence and citations."""

    rank: int
    confidence: float
    error_class: ErrorClass
    culprit_sha: str | None
    culprit_title: str | None = None
    file: str | None = None
    line: int | None = None
    explanation: str
    evidence: list[Evidence] = Field(default_factory=list)
    discounted: bool = False
    discounted_reason: str | None = Field(default=None, description="Why this theory was set aside, when known.")


class TestRun(_Model):
    """The outcome of running a repository's tests once."""

    command: list[str]
    exit_code: int | None
    passed: list[str] = Field(default_factory=list)
    failed: list[str] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list, description="Wanted tests the results do not name.")
    unjudged: str | None = Field(
        default=None, description="Why this run judges nothing (crashed, timed out, collected nothing); None if it can."
    )
    results_from: str = Field(default="", description="junit, go-json, text or exit code.")
    seconds: float = 0.0
    output_tail: str = ""


class CulpritConfirmation(_Model):
    """Reproduction of the incident's failing tests at the suspect and its parent, or a bisection."""

    method: Literal["suspect_and_parent", "bisect", "none"]
    culprit_sha: str | None
    confirmed: bool
    test_runs: int = Field(description="Test runs sleuth used.")
    plain_bisect_runs: int = Field(description="Test runs plain git bisect needs over the same window.")
    window_size: int
    reproducers: list[str] = Field(default_factory=list)
    summary: str


class FixProposal(_Model):
    """A drafted patch and the proof (or not) that it fixes the incident without breaking tests."""

    strategy: Literal["revert_hunks", "edit", "model_edit"]
    culprit_sha: str
    diff: str
    files: list[str]
    applied: bool
    validated: bool
    validation_summary: str
    reproducers: list[str] = Field(default_factory=list)
    test_files: list[str] = Field(default_factory=list, description="The affected test files the fix was judged on.")
    test_command: list[str] = Field(default_factory=list)
    test_command_source: str = Field(default="", description="Where the test command came from.")
    test_environment: str = Field(default="", description="Which environment ran the tests, and how it was built.")
    before: TestRun | None = None
    after: TestRun | None = None
    tried: list[str] = Field(default_factory=list, description="Each strategy attempted, in order, and its verdict.")


class Approval(_Model):
    """A person's go-ahead to write the fix: who, when, and whether they overrode a failed validation."""

    approver: str
    at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    override_unvalidated: bool = False


class Report(_Model):
    """The investigation's result; its JSON is the stable, documented machine-readable schema."""

    schema_version: str = REPORT_SCHEMA_VERSION
    investigation_id: str = Field(
        default_factory=lambda: uuid4().hex[:12], description="Names the fix branch (sleuth/fix-<id>) and the PR."
    )
    incident: Incident
    repo: str
    ref: str
    signals: Signals
    candidates: list[Candidate]
    hypotheses: list[Hypothesis]
    confirmation: CulpritConfirmation | None = None
    fix: FixProposal | None = None
    verdict: str
    notes: list[str] = Field(default_factory=list)
    timings: dict[str, float] = Field(default_factory=dict)
    llm_usage: dict[str, int] = Field(
        default_factory=dict,
        description="Model calls, tokens, milliseconds and cost (micro-USD); empty without a model.",
    )
    questions: list[str] = Field(default_factory=list, description="What the model's plan set out to answer.")
    findings: list[str] = Field(default_factory=list, description="The reading agent's summaries (its words).")
    approvals: list[Approval] = Field(
        default_factory=list, description="Who approved writing the fix, when, and whether they overrode validation."
    )
    published: str | None = Field(default=None, description="Where the approved fix went: a PR/MR URL or a branch.")
    repo_url: str | None = Field(default=None, description="The repository on its forge, when its remote is one.")
    rollback_to: Deploy | None = Field(
        default=None, description="The last deploy of the service before the culprit shipped: what to roll back to."
    )
    generated_at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    @property
    def top(self) -> Hypothesis | None:
        """Return the leading hypothesis, if any."""
        return self.hypotheses[0] if self.hypotheses else None

    def _repr_html_(self) -> str:
        """Jupyter's view: verdict, timeline plot, hypotheses, candidates and fix."""
        from sleuth.report_html import report_html

        return report_html(self)

    def to_json(self, **kwargs: Any) -> str:
        """Serialise to the stable JSON schema."""
        return self.model_dump_json(indent=2, **kwargs)
