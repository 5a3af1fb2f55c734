"""Run-scoped dependencies of an investigation: never checkpointed, never shown to a model."""

from dataclasses import dataclass, field

from sleuth.config import Settings
from sleuth.tools.change_index import ChangeIndex
from sleuth.tools.local_git import LocalGitHost
from sleuth.tools.sandbox import Sandbox


@dataclass
class InvestigationContext:
    """The code host, the workspace sandbox and the settings one investigation runs with."""

    host: LocalGitHost
    sandbox: Sandbox
    settings: Settings = field(default_factory=Settings)
    index: ChangeIndex | None = None
    max_read_rounds: int = 2
