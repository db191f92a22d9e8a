"""`crm db ...`: where the database is, upgrade, check, backup."""

from __future__ import annotations

from pathlib import Path

import typer

from crm_tui.commands.runtime import FormatOption, runtime

db_app = typer.Typer(help="The database file: path, upgrade, check, backup.", no_args_is_help=True)


@db_app.command("path")
def path(ctx: typer.Context) -> None:
    """Print where the database is (a file path, or the URL without its password).

    Example: crm db path
    """
    from crm_tui.keys import visible

    typer.echo(visible(runtime(ctx).settings.db_label))


@db_app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Bring the schema to this version's head (opening a database does it too).

    Example: crm --db ~/old-crm.db db upgrade
    """
    from crm_tui.db import HEAD_REVISION, current_revision, open_engine
    from crm_tui.db import upgrade as run_upgrade

    rt = runtime(ctx)
    engine = open_engine(rt.settings, migrate=False)
    before = current_revision(engine, rt.settings.db_label)
    if before == HEAD_REVISION:
        rt.note(f"{rt.settings.db_label}: already at revision {HEAD_REVISION}")
        return
    run_upgrade(engine, rt.settings.db_label)
    rt.note(f"{rt.settings.db_label}: upgraded from {before or 'empty'} to {HEAD_REVISION}")


@db_app.command("check")
def check(ctx: typer.Context, fmt: str | None = FormatOption) -> None:
    """Run SQLite's integrity check and print the schema revision and row counts; exit 3 if not ok.

    Example: crm db check
    """
    from crm_tui.db import check as run_check
    from crm_tui.output import fields

    rt = runtime(ctx)
    fmt = rt.fmt(fmt)
    report = run_check(rt.engine, rt.settings.db_label)
    pairs: list[tuple[str, object]] = [
        ("database", rt.settings.db_label),
        ("integrity", report.integrity),
        ("revision", report.revision),
        *report.counts.items(),
    ]
    fields(pairs, "plain" if fmt == "table" else fmt, tz=rt.tz)
    if not report.ok:
        raise typer.Exit(3)


@db_app.command("backup")
def backup(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="Where to write the copy (mode 0600)."),
    force: bool = typer.Option(False, "--force", help="Overwrite FILE if it exists."),
) -> None:
    """Copy the database with SQLite's online backup API, safe while others write.

    Example: crm db backup ~/crm-backup.db
    """
    from crm_tui.db import backup as run_backup

    rt = runtime(ctx)
    rt.engine  # noqa: B018  (open, and upgrade, before copying)
    pages = run_backup(rt.settings, file, force=force)
    rt.note(f"Backed up {rt.settings.db_label} to {file} ({pages} pages)")


@db_app.command("copy")
def copy(
    ctx: typer.Context,
    to: str = typer.Option(..., "--to", help="Target database: postgresql+psycopg://user@host/db, or a path."),
) -> None:
    """Copy every row of this database into another, empty one, and check the counts.

    Example: crm --db ~/crm.db db copy --to postgresql+psycopg://crm@db.example/crm
    """
    from crm_tui.commands.runtime import hide_password
    from crm_tui.config import Settings, db_url_from
    from crm_tui.db import open_engine
    from crm_tui.services.transfer import copy_database

    rt = runtime(ctx)
    hide_password(to)
    target = Settings(db_url=db_url_from(to), user=rt.user, busy_timeout_ms=rt.settings.busy_timeout_ms)
    if target.db_url == rt.settings.db_url:
        from crm_tui.errors import InvalidInput

        raise InvalidInput("--to names the database being copied")
    counts = copy_database(rt.engine, open_engine(target))
    for table, count in counts.items():
        typer.echo(f"{table}\t{count}")
    rt.note(f"Copied {sum(counts.values()):,} rows to {target.db_label}; every table's count matches")
