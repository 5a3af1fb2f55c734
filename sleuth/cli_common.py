"""What every `sleuth` command shares: the consoles and the one-line error exit."""

import typer
from rich.console import Console
from rich.markup import escape

console = Console()
errors = Console(stderr=True)


def fail(message: str, code: int = 2) -> None:
    """Print one `error:` line on stderr and exit non-zero."""
    errors.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)
