"""Checkpoints that hold no secret: every value is scrubbed of the configured secrets before it is stored.

An investigation's state carries what it read (logs, commit messages, code); a checkpoint writes it
to disk. The serializer walks each value (strings, lists, dicts, pydantic models) and replaces the
exact values of the run's secrets, so a token quoted in a commit or a log never lands in SQLite.
Incidents are already redacted (keyword and shape) when they enter the graph.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretStr

from sleuth.redact import scrub_values


def scrubbed(value: Any, secrets: list[str]) -> Any:
    """A copy of `value` with every string scrubbed of the secrets (models copied field by field)."""
    if isinstance(value, Enum):
        return value  # a str enum (ErrorClass) is a label, never a secret
    if isinstance(value, str):
        return scrub_values(value, secrets)
    if isinstance(value, BaseModel):
        return value.model_copy(update={name: scrubbed(field, secrets) for name, field in value})
    if isinstance(value, dict):
        return {key: scrubbed(item, secrets) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return type(value)(scrubbed(item, secrets) for item in value)
    return value


def domain_types() -> list[type]:
    """The state's own types (sleuth.models' models and enums): registered, so a checkpoint loads them
    without LangGraph's "unregistered type" warning and strict mode still allows them."""
    import inspect

    from sleuth import models

    return [
        value
        for value in vars(models).values()
        if inspect.isclass(value) and value.__module__ == models.__name__ and issubclass(value, BaseModel | Enum)
    ]


class ScrubbingSerializer:
    """LangGraph's serializer (knowing sleuth's domain types), fed values with the configured secrets taken out."""

    def __init__(self, secrets: Iterable[SecretStr | str | None], inner: Any = None) -> None:
        from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

        self.secrets = [s.get_secret_value() if isinstance(s, SecretStr) else s for s in secrets if s is not None]
        self.inner = inner or JsonPlusSerializer(allowed_msgpack_modules=domain_types())

    def dumps_typed(self, obj: Any) -> tuple[str, bytes]:
        return self.inner.dumps_typed(scrubbed(obj, self.secrets) if self.secrets else obj)

    def loads_typed(self, data: tuple[str, bytes]) -> Any:
        return self.inner.loads_typed(data)


@contextmanager
def sqlite_checkpointer(path: Path, secrets: Iterable[SecretStr | str | None]) -> Iterator[Any]:
    """A SqliteSaver at `path` whose checkpoints hold none of `secrets` (`with … as saver:`)."""
    import sqlite3

    from langgraph.checkpoint.sqlite import SqliteSaver

    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(str(path), check_same_thread=False)
    try:
        yield SqliteSaver(connection, serde=ScrubbingSerializer(secrets))
    finally:
        connection.close()
