"""The one error boundary of a forge client: every API call, and every page of a paginated list."""

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sleuth.errors import SleuthError


class ForgeCalls:
    """Mixed into a forge reader: `_failure` turns the client library's errors into a SleuthError."""

    def _failure(self, what: str, exc: Exception) -> SleuthError | None:
        """The error to raise for the library's exception, or None to let it through."""
        raise NotImplementedError

    def _call(self, what: str, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except Exception as exc:
            failure = self._failure(what, exc)
            if failure is None:
                raise
            raise failure from None

    def _each(self, what: str, items: Iterable[Any]) -> Iterator[Any]:
        """Iterate a paginated list, each page's request behind the same error boundary."""
        iterator = iter(items)
        while True:
            try:
                yield self._call(what, lambda: next(iterator))
            except StopIteration:
                return
