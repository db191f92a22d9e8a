"""`crm config ...`: settings kept in the database, shared by everyone on it."""

from __future__ import annotations

import typer

from crm_tui.commands.runtime import FormatOption, runtime

config_app = typer.Typer(
    help="Settings kept in the database (me, currency, tiers): set, get, list, unset.", no_args_is_help=True
)


@config_app.command("set")
def set_(
    ctx: typer.Context,
    key: str = typer.Argument(..., help="The setting, e.g. me."),
    value: str = typer.Argument(..., help="Its value."),
) -> None:
    """Set a value.

    Example: crm config set me "ada@analytical.io, ada@home.example"   or   crm config set currency EUR
    """
    from crm_tui.services.config import set_config

    rt = runtime(ctx)
    with rt.session() as session:
        item = set_config(session, key, value, actor=rt.user)
    rt.done(f"{item.key} = {item.value}", item.value)


@config_app.command("get")
def get(ctx: typer.Context, key: str = typer.Argument(..., help="The setting.")) -> None:
    """Print a value: the default for currency and tiers when unset; exit 1 for another key not set.

    Example: crm config get currency
    """
    from crm_tui.errors import NotFound
    from crm_tui.services.config import check_key, config_value, default_currency

    rt = runtime(ctx)
    with rt.connection() as conn:
        value = config_value(conn, key)
        if value is None and check_key(key) == "currency":
            value = default_currency(conn)
    if value is None and check_key(key) == "tiers":
        from crm_tui.services.money.tiers import TierRule

        value = TierRule().text()
    if value is None:
        raise NotFound(f"'{key.strip().lower()}' is not set (see crm config list)")
    typer.echo(value)


@config_app.command("list")
def list_(ctx: typer.Context, fmt: str | None = FormatOption) -> None:
    """Every setting, where its value comes from, who set it and when (keys crm reads are listed even when unset).

    Example: crm config list --format json
    """
    from crm_tui.output import render
    from crm_tui.services.config import KNOWN_KEYS, config_items, currency_source, default_currency
    from crm_tui.services.money.tiers import TierRule

    rt = runtime(ctx)
    fmt = rt.fmt(fmt)
    with rt.connection() as conn:
        items = {item.key: item for item in config_items(conn)}
        currency, source = default_currency(conn), currency_source(conn)
    records = []
    for key in sorted({*items, *KNOWN_KEYS}):
        item = items.get(key)
        value: str | None
        if item is not None:
            value, origin = item.value, "set"
        elif key == "currency":
            value, origin = currency, {"locale": "the locale", "fallback": "default"}.get(source, source)
        elif key == "tiers":
            value, origin = TierRule().text(), "default"
        else:
            value, origin = None, "not set"
        records.append(
            {
                "key": key,
                "value": value,
                "source": origin,
                "updated_by": item.updated_by if item else None,
                "updated_at": item.updated_at if item else None,
                "about": KNOWN_KEYS.get(key),
            }
        )
    columns = [
        ("key", "Key"), ("value", "Value"), ("source", "From"), ("updated_by", "By"), ("updated_at", "When"),
        ("about", "About"),
    ]  # fmt: skip
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
