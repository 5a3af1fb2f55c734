"""`sleuth auth …`: API keys for the people who may approve fixes."""

from typing import Annotated

import typer

from sleuth.cli_common import console, fail
from sleuth.errors import SleuthError

app = typer.Typer(help="API keys and roles: who may approve a fix.", no_args_is_help=True)


@app.command("add-key")
def add_key(
    subject: Annotated[str, typer.Option(help="Who holds the key (a person or a bot).")],
    role: Annotated[str, typer.Option(help="oncall or sre-lead (both may approve fixes).")],
) -> None:
    """Make a key, print it once, and store only its SHA-256 under [auth] api_keys in $SLEUTH_HOME/config.toml."""
    from sleuth.auth import add_key as make_key
    from sleuth.config import sleuth_home

    try:
        key = make_key(subject, role)
    except SleuthError as exc:
        fail(str(exc))
    console.print(f"key for {subject} ({role}), shown once — keep it secret:", highlight=False)
    print(key)
    console.print(
        f"stored: its SHA-256 only, in {sleuth_home() / 'config.toml'}; present it as SLEUTH_API_KEY", highlight=False
    )
