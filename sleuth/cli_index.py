"""`sleuth index …`: sync, inspect and search the change index."""

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from sleuth.cli_common import console, fail
from sleuth.errors import SleuthError

app = typer.Typer(help="The change index: every merged change, enriched and searchable.", no_args_is_help=True)
RepoOption = Annotated[
    list[str] | None,
    typer.Option(
        help="Repository: a path, github:OWNER/NAME or gitlab:GROUP/PROJECT (repeatable; default: configured)."
    ),
]
BranchOption = Annotated[str | None, typer.Option(help="Branch to index (default: the configured one, else HEAD).")]


@app.command()
def sync(
    repo: RepoOption = None,
    branch: BranchOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Index new merged changes (incremental: re-running adds nothing; an interrupted sync resumes)."""
    from sleuth import index_api
    from sleuth.config import load_settings
    from sleuth.tools.forge_sync import is_forge_spec

    def progress(name: str, done: int) -> None:
        if not as_json:
            console.print(f"[cyan]▸ {name}[/] {done} change(s) indexed", highlight=False)

    try:
        settings = load_settings()
        targets = [r if is_forge_spec(r) else str(Path(r).expanduser().resolve()) for r in repo] if repo else None
        results = index_api.sync(settings, targets, branch=branch, on_progress=progress)
    except SleuthError as exc:
        fail(str(exc))
    if as_json:
        sys.stdout.write(json.dumps([r.__dict__ for r in results], indent=2) + "\n")
        return
    for result in results:
        rate = result.added / result.seconds if result.seconds else 0.0
        console.print(
            f"[bold]{result.repo}[/]: {result.added} added, {result.skipped} already indexed"
            f" in {result.seconds:.1f}s ({rate:.0f}/s); cursor {result.cursor[:10]}",
            highlight=False,
        )
        for note in result.notes:
            console.print(f"  note: {escape(note)}", highlight=False)


@app.command()
def catalogue(
    sources: Annotated[
        list[str],
        typer.Argument(
            help="github: (the App installation's or token's repositories), github:OWNER, gitlab:, gitlab:GROUP."
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Catalogue a forge's repositories (description, topics, languages, README, merges in 30 days) without
    cloning them, so an incident narrows to the few worth mirroring."""
    from sleuth import index_api
    from sleuth.config import load_settings

    def progress(spec: str) -> None:
        if not as_json:
            console.print(f"[cyan]▸ {spec}[/] profiled", highlight=False)

    try:
        results = index_api.catalogue(load_settings(), sources, on_progress=progress)
    except SleuthError as exc:
        fail(str(exc))
    if as_json:
        sys.stdout.write(json.dumps([r.__dict__ for r in results], indent=2) + "\n")
        return
    for result in results:
        console.print(
            f"[bold]{result.source}[/]: {result.listed} listed, {result.profiled} profiled,"
            f" {result.unchanged} unchanged since the last run, {len(result.skipped)} skipped",
            highlight=False,
        )
        for note in result.skipped:
            console.print(f"  skipped: {escape(note)}", highlight=False)


@app.command()
def status(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Show each indexed repository: changes in the store and in Chroma, cursor, last sync."""
    from sleuth import index_api
    from sleuth.config import load_settings

    try:
        settings = load_settings()
        rows = index_api.status(settings)
    except SleuthError as exc:
        fail(str(exc))
    if as_json:
        sys.stdout.write(json.dumps([r.__dict__ for r in rows], indent=2, default=str) + "\n")
        return
    console.print(f"index: {settings.index_dir()} ({settings.index.backend})", highlight=False)
    table = Table("repo", "services", "changes", "in chroma", "cursor", "synced")
    for row in rows:
        drift = "" if row.in_chroma == row.changes else " [red](run sync to repair)[/]"
        table.add_row(
            row.name,
            ", ".join(row.services),
            str(row.changes),
            f"{row.in_chroma}{drift}",
            (row.cursor or "-")[:10],
            f"{row.synced_at:%Y-%m-%d %H:%M}" if row.synced_at else "-",
        )
    console.print(table)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What to look for, in words.")],
    since: Annotated[str, typer.Option(help="How far back: 30m, 12h, 7d, 2w.")] = "7d",
    service: Annotated[str | None, typer.Option(help="Only changes of this service's repositories.")] = None,
    limit: Annotated[int, typer.Option(help="How many results.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Search indexed changes by meaning (embeddings) and words (bm25), fused."""
    from sleuth import index_api
    from sleuth.config import load_settings
    from sleuth.inputs import parse_duration

    try:
        hits = index_api.search(load_settings(), query, since=parse_duration(since), service=service, limit=limit)
    except SleuthError as exc:
        fail(str(exc))
    if as_json:
        rows = [
            {"change": h.change.model_dump(mode="json"), "fused": h.fused, "dense": h.dense, "bm25": h.lexical}
            for h in hits
        ]
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return
    if not hits:
        console.print(f"no changes in the last {since} match")
    table = Table("score", "dense", "bm25", "repo", "change", "merged", "title")
    for hit in hits:
        change = hit.change
        table.add_row(
            f"{hit.fused:.2f}",
            f"{hit.dense:.2f}",
            f"{hit.lexical:.1f}",
            change.repo,
            change.short_sha,
            f"{change.merged_at:%Y-%m-%d %H:%M}",
            change.title,
        )
    console.print(table)


@app.command()
def reset(yes: Annotated[bool, typer.Option("--yes", help="Do not ask.")] = False) -> None:
    """Delete the local index (use when it is corrupted; `sleuth index sync` rebuilds it)."""
    from sleuth import index_api
    from sleuth.config import load_settings

    settings = load_settings()
    if not yes and not typer.confirm(f"delete {settings.index_dir()}?"):
        raise typer.Exit(1)
    console.print(f"deleted {index_api.reset(settings)}", highlight=False)
