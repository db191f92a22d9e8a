"""`crm config ...`: settings kept in the database, shared by everyone on it."""

from __future__ import annotations

import typer

from crm_tui.commands.runtime import FormatOption, runtime

config_app = typer.Typer(help="Settings kept in the database: set, get, list, unset.", no_args_is_help=True)


@config_app.command("set")
def set_(
    ctx: typer.Context,
    key: str = typer.Argument(..., help="The setting, e.g. me."),
    value: str = typer.Argument(..., help="Its value."),
) -> None:
    """Set a value.

    Example: crm config set me "ada@analytical.io, ada@home.example"
    """
    from crm_tui.services.config import set_config

    rt = runtime(ctx)
    with rt.session() as session:
        item = set_config(session, key, value, actor=rt.user)
    rt.done(f"{item.key} = {item.value}", item.value)


@config_app.command("get")
def get(ctx: typer.Context, key: str = typer.Argument(..., help="The setting.")) -> None:
    """Print a value (exit 1 when it is not set).

    Example: crm config get me
    """
    from crm_tui.errors import NotFound
    from crm_tui.services.config import config_value

    rt = runtime(ctx)
    with rt.connection() as conn:
        value = config_value(conn, key)
    if value is None:
        raise NotFound(f"'{key.strip().lower()}' is not set (see crm config list)")
    typer.echo(value)


@config_app.command("list")
def list_(ctx: typer.Context, fmt: str | None = FormatOption) -> None:
    """Every setting, with who set it and when (keys crm reads are listed even when unset).

    Example: crm config list --format json
    """
    from crm_tui.output import render
    from crm_tui.services.config import KNOWN_KEYS, config_items

    rt = runtime(ctx)
    fmt = rt.fmt(fmt)
    with rt.connection() as conn:
        items = {item.key: item for item in config_items(conn)}
    records = []
    for key in sorted({*items, *KNOWN_KEYS}):
        item = items.get(key)
        records.append(
            {
                "key": key,
                "value": item.value if item else None,
                "updated_by": item.updated_by if item else None,
                "updated_at": item.updated_at if item else None,
                "about": KNOWN_KEYS.get(key),
            }
        )
    columns = [("key", "Key"), ("value", "Value"), ("updated_by", "By"), ("updated_at", "When"), ("about", "About")]
    render(records, columns, fmt, tz=rt.tz)


@config_app.command("unset")
def unset(ctx: typer.Context, key: str = typer.Argument(..., help="The setting.")) -> None:
    """Remove a setting.

    Example: crm config unset me
    """
    from crm_tui.services.config import unset_config

    rt = runtime(ctx)
    with rt.session() as session:
        unset_config(session, key, actor=rt.user)
    rt.done(f"{key.strip().lower()} unset", key.strip().lower())
