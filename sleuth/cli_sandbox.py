"""`sleuth sandbox run`: one command in a fresh sandbox over a clone, with investigation isolation."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from sleuth.cli_common import errors, fail
from sleuth.errors import SleuthError

app = typer.Typer(help="The isolated workspace investigations run repository code in.", no_args_is_help=True)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def run(
    ctx: typer.Context,
    repo: Annotated[Path, typer.Option(help="Local git repository to clone into the sandbox.")],
    ref: Annotated[str, typer.Option(help="Commit, branch or tag to check out.")] = "HEAD",
    timeout: Annotated[float | None, typer.Option(help="Seconds before the command is killed.")] = None,
) -> None:
    """Run `-- CMD …` in a fresh sandbox over a clone of the repo; print its output; exit with its code.

    No network, read-only system, only the workspace (and a private /tmp) writable, no host home,
    a scrubbed environment. Use it to check a test command, or to probe the isolation.
    """
    from sleuth.config import load_settings
    from sleuth.tools.local_git import LocalGitHost
    from sleuth.tools.sandbox import open_sandbox

    command = list(ctx.args)
    if not command:
        fail("give the command after --, e.g. -- python -m pytest -q")
    try:
        settings = load_settings()
        if timeout:
            settings.sandbox.timeout_seconds = timeout
        host = LocalGitHost(repo)
        sandbox = open_sandbox(settings)
        try:
            sandbox.clone(host.path, host.resolve(ref))
            result = sandbox.run(command)
        finally:
            sandbox.destroy()
    except SleuthError as exc:
        fail(str(exc))
    sys.stdout.write(result.output)
    if result.truncated:
        errors.print(f"(output truncated to its last {settings.sandbox.output_limit_bytes} bytes)", highlight=False)
    if result.timed_out:
        fail(f"timed out after {timeout or settings.sandbox.timeout_seconds:.0f}s", 124)
    errors.print(f"[dim]exit {result.exit_code} in {result.seconds:.2f}s[/]", highlight=False)
    raise typer.Exit(result.exit_code or 0)
