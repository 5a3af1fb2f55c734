"""Run-scoped dependencies of an investigation: never checkpointed, never shown to a model."""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sleuth.config import Settings
from sleuth.tools.change_index import ChangeIndex
from sleuth.tools.code_host import Mirror
from sleuth.tools.sandbox import Sandbox

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel


@dataclass
class InvestigationContext:
    """The code host, the workspace sandbox, the settings and the chat model (if any) one investigation runs with."""

    host: Mirror
    sandbox: Sandbox
    settings: Settings = field(default_factory=Settings)
    index: ChangeIndex | None = None
    max_read_rounds: int = 2
    llm: "BaseChatModel | None" = None
