"""What an investigation runs with: plain descriptors, and the live handles built from them on first use.

The context is never checkpointed. It holds settings and limits (what a server, a chat session or a
resumed run can rebuild from JSON) plus, for in-process callers only, a mirror or model to use
instead of the configured ones (the evals' view of the past, a test's scripted model). The live
handles — the mirror, the workspace sandbox, the change index, the chat model — are built by
`RunResources` from those descriptors when a node first asks, so a run resumed in a fresh process
(a new sandbox, no clone yet) rebuilds exactly what its next node needs.
"""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sleuth.config import Settings
from sleuth.tools.code_host import Mirror

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from sleuth.tools.change_index import ChangeIndex
    from sleuth.tools.sandbox import Sandbox


class RunResources:
    """The live handles of one run, each built once, on first use, and released by `close()`."""

    def __init__(self) -> None:
        self._mirrors: dict[str, Mirror] = {}
        self._sandbox: Sandbox | None = None
        self._workspace_at: str | None = None
        self._index: ChangeIndex | None = None
        self._llm: Any = None
        self._llm_built = False
        self._environment: Any = None

    def mirror(self, context: "InvestigationContext", repo: str) -> Mirror:
        if context.mirror is not None:
            return context.mirror
        if repo not in self._mirrors:
            from sleuth.tools.local_git import LocalGitHost

            self._mirrors[repo] = LocalGitHost(repo)
        return self._mirrors[repo]

    def workspace(self, context: "InvestigationContext", repo: str, ref: str) -> "Sandbox":
        """The sandbox workspace, a clone of the repository checked out at `ref` (cloned on first use).

        Idempotent: every node that reads or runs code calls it, so a run resumed in a new process
        (or on a new sandbox) clones again at the checkpointed ref before its next node.
        """
        if self._sandbox is None:
            from sleuth.tools.sandbox import open_sandbox

            self._sandbox = open_sandbox(context.settings)
        if not self._sandbox.cloned:
            self._sandbox.clone(self.mirror(context, repo).path, ref)
            self._workspace_at = ref
        elif self._workspace_at != ref:
            self._sandbox.run(["git", "checkout", "--quiet", "--force", "--detach", ref], timeout=120)
            self._workspace_at = ref
        return self._sandbox

    @property
    def environment(self) -> Any:
        """The test environment this run set up, if any."""
        return self._environment

    def test_environment(self, context: "InvestigationContext", sandbox: "Sandbox", service: str | None) -> Any:
        """The repository's own Python test environment, set on the workspace (built once per run).

        A configured `[services.X] test_env` is used as is; else the clone's declared dependencies
        are built into a cached virtualenv. None when sleuth's own interpreter was asked for.
        """
        if self._environment is not None or not hasattr(sandbox, "use_environment"):
            return self._environment
        from pathlib import Path

        from sleuth.config import sleuth_home
        from sleuth.tools.test_env import (
            TestEnvironment,
            declared_requirements,
            ensure_environment,
            write_project_metadata,
        )

        settings = context.settings
        configured = settings.service_settings(service)
        if configured and configured.test_env:
            self._environment = TestEnvironment(Path(configured.test_env), [], ["[services] test_env"], cached=True)
        elif settings.sandbox.test_env == "sleuth":
            return None
        else:
            listing = sandbox.run(["git", "ls-files"], timeout=60)
            files = listing.output.splitlines() if listing.exit_code == 0 else []
            if not any(f.endswith(".py") for f in files):
                return None  # not a Python repository: its runner (go, npm) brings its own toolchain
            requirements, sources = declared_requirements(sandbox, files)
            cache = Path(settings.sandbox.env_cache) if settings.sandbox.env_cache else sleuth_home() / "envs"
            self._environment = ensure_environment(requirements, sources, cache)
            write_project_metadata(sandbox, sandbox.read_text("pyproject.toml") if "pyproject.toml" in files else None)
        sandbox.use_environment(self._environment.path)
        # A build that failed judges nothing: its runs must not fall back to sleuth's interpreter.
        sandbox.environment_error = self._environment.describe() if self._environment.error else None
        return self._environment

    def index(self, context: "InvestigationContext") -> "ChangeIndex":
        if self._index is None:
            from sleuth.tools.change_index import ChangeIndex

            self._index = ChangeIndex(context.settings)
        return self._index

    def llm(self, context: "InvestigationContext") -> "BaseChatModel | None":
        if context.llm is not None:
            return context.llm
        if not self._llm_built:
            from sleuth.llm import chat_model

            self._llm, self._llm_built = chat_model(context.settings.llm), True
        return self._llm

    def close(self) -> None:
        """Destroy the workspace and close the index (idempotent)."""
        sandbox, self._sandbox, self._workspace_at = self._sandbox, None, None
        self._environment = None
        index, self._index = self._index, None
        try:
            if sandbox is not None:
                sandbox.destroy()
        finally:
            if index is not None:
                index.close()


def _configured() -> Settings:
    from sleuth.config import load_settings

    return load_settings()


@dataclass
class InvestigationContext:
    """Descriptors of one investigation's run: settings, index use, limits (and in-process overrides)."""

    settings: Settings = field(default_factory=lambda: _configured())
    """Default: the configured settings (user and project files, environment), as a server run gets them."""
    use_index: bool | None = None
    """None: use the change index when the repository is in it; True: require it; False: read git."""
    max_read_rounds: int = 2
    mirror: Mirror | None = None
    """In-process only: read this mirror instead of the state's repo (the evals' view of the past)."""
    llm: "BaseChatModel | None" = None
    """In-process only: this model instead of the configured one (tests' scripted models)."""
    resources: RunResources = field(default_factory=RunResources, repr=False, compare=False)

    def __post_init__(self) -> None:
        # A server hands the context over as JSON: settings arrive as a mapping (or not at all).
        if isinstance(self.settings, dict):
            from sleuth.config import load_settings

            base = load_settings()
            self.settings = Settings.model_validate(base.model_dump() | self.settings)
        elif self.settings is None:
            from sleuth.config import load_settings

            self.settings = load_settings()
