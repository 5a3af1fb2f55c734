"""Stack-trace parsing for Python, Java, Go, JavaScript/TypeScript, Ruby and .NET.

Each language module finds traces by its own frame syntax; `parse_exceptions` runs them all over
the prepared lines and keeps the language whose parse explains the most frames.
"""

from sleuth.models import ParsedException
from sleuth.tools.stacktrace import dotnet, go, java, node, python, ruby
from sleuth.tools.stacktrace.common import prepare_lines

# Order breaks ties: the more specific syntaxes first.
_PARSERS = (
    ("python", python.parse),
    ("go", go.parse),
    ("ruby", ruby.parse),
    ("dotnet", dotnet.parse),
    ("java", java.parse),
    ("javascript", node.parse),
)


def parse_exceptions(text: str) -> tuple[str | None, list[ParsedException]]:
    """Return the language and the exceptions printed in text (empty when there is no trace)."""
    lines = prepare_lines(text)
    best: tuple[str | None, list[ParsedException]] = (None, [])
    best_key = (0, 0)
    for language, parse in _PARSERS:
        exceptions = parse(lines)
        key = (sum(len(exc.frames) for exc in exceptions), sum(1 for e in exceptions if e.type))
        if key > best_key:
            best, best_key = (language, exceptions), key
    return best


__all__ = ["parse_exceptions"]
