"""`crm config ...`: settings kept in the database, each key checked by its own rule."""

from __future__ import annotations

import typer

from crm_tui.commands.runtime import FormatOption, runtime

config_app = typer.Typer(help="Settings kept in the database: currency, tiers.", no_args_is_help=True)


@config_app.command("set")
def set_(
    ctx: typer.Context,
    key: str = typer.Argument(..., help="The setting (see `crm config list`)."),
    value: str = typer.Argument(..., help="Its new value."),
) -> None:
    """Set a setting; its value is checked first.

    Example: crm config set currency EUR   or   crm config set tiers "share 80,95; EUR 10000,2000"
    """
    from crm_tui.services.settings import set_setting

    rt = runtime(ctx)
    with rt.session() as session:
        stored = set_setting(session, key, value, actor=rt.user, now=rt.now())
    rt.done(f"{key.strip().lower()} = {stored}", stored)


@config_app.command("get")
def get(ctx: typer.Context, key: str = typer.Argument(..., help="The setting.")) -> None:
    """Print a setting's value (its default when not set).

    Example: crm config get currency
    """
    from crm_tui.services.settings import default_currency, get_setting, setting_key

    rt = runtime(ctx)
    known = setting_key(key)
    with rt.connection() as conn:
        value = default_currency(conn) if known.key == "currency" else get_setting(conn, known.key)
        if value is None and known.key == "tiers":
            from crm_tui.services.money.tiers import TierRule

            value = TierRule().text()
    typer.echo(value)


@config_app.command("unset")
def unset(ctx: typer.Context, key: str = typer.Argument(..., help="The setting.")) -> None:
    """Remove a setting, so its default applies again.

    Example: crm config unset currency
    """
    from crm_tui.services.settings import unset_setting

    rt = runtime(ctx)
    with rt.session() as session:
        unset_setting(session, key, actor=rt.user, now=rt.now())
    rt.done(f"{key.strip().lower()} unset", key.strip().lower())


@config_app.command("list")
def list_(ctx: typer.Context, fmt: str | None = FormatOption) -> None:
    """Every setting this crm knows: its value, where it comes from, and what it means.

    Example: crm config list
    """
    from crm_tui.output import render
    from crm_tui.services.money.tiers import TierRule
    from crm_tui.services.settings import SETTINGS, currency_source, default_currency, list_settings

    rt = runtime(ctx)
    fmt = rt.fmt(fmt)
    with rt.connection() as conn:
        stored = {s.key: s for s in list_settings(conn)}
        currency, source = default_currency(conn), currency_source(conn)
    records = []
    for key, known in sorted(SETTINGS.items()):
        row = stored.get(key)
        if row is not None:
            value, origin = row.value, "set"
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
                "updated_by": row.updated_by if row else None,
                "updated_at": row.updated_at if row else None,
                "about": known.help,
            }
        )
    columns = [("key", "Key"), ("value", "Value"), ("source", "From"), ("about", "About")]
    render(records, columns, fmt, tz=rt.tz)
