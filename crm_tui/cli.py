"""The `crm` command: parse, open a session, call a service, render.

Only typer and light modules load at import time; Textual loads only when the app
starts, so `crm due` from cron costs little more than Python, typer and sqlmodel.
"""

from __future__ import annotations

import sys
from typing import Any

import typer
from typer._click.exceptions import UsageError
from typer.core import TyperGroup

from crm_tui import __version__
from crm_tui.commands.runtime import REMINDER_DEFAULT_TIME, FormatOption, Runtime, runtime
from crm_tui.config import Settings, resolve_settings
from crm_tui.errors import CrmError


def _usage_error(exc: UsageError) -> typer.Exit:
    """Print a usage error on one line, like every other error, and exit 2."""
    where = exc.ctx.command_path if exc.ctx is not None else "crm"
    typer.echo(f"crm: {exc.format_message()} (see '{where} --help')", err=True)
    return typer.Exit(2)


# The command groups, built only when named: a cold `crm due` or `crm search` never pays for
# converting every other group's options (typer inspects each function's signature).
# name -> (module, Typer object, one-line help for `crm --help`)
GROUPS: dict[str, tuple[str, str]] = {
    "contact": ("crm_tui.commands.contacts", "contact_app"),
    "trash": ("crm_tui.commands.contacts", "trash_app"),
    "remind": ("crm_tui.commands.reminders", "remind_app"),
    "import": ("crm_tui.commands.io", "import_app"),
    "export": ("crm_tui.commands.io_export", "export_app"),
    "db": ("crm_tui.commands.database", "db_app"),
    "config": ("crm_tui.commands.config", "config_app"),
    "org": ("crm_tui.commands.orgs", "org_app"),
    "deal": ("crm_tui.commands.deals", "deal_app"),
    "pay": ("crm_tui.commands.payments", "pay_app"),
    "pipeline": ("crm_tui.commands.pipeline", "pipeline_app"),
    "forecast": ("crm_tui.commands.money", "forecast_app"),
    "value": ("crm_tui.commands.money", "value_app"),
}


class CrmGroup(TyperGroup):
    """The root group: builds a command group when it is named, and turns every error a user
    can cause into one line and an exit status."""

    def list_commands(self, ctx: Any) -> list[str]:
        return sorted({*super().list_commands(ctx), *GROUPS})

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        found = GROUPS.get(cmd_name)
        if found is None:
            return super().get_command(ctx, cmd_name)
        from importlib import import_module

        module, attribute = found
        group = typer.main.get_command(getattr(import_module(module), attribute))
        group.name = cmd_name
        return group

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except UsageError as exc:
            raise _usage_error(exc) from None

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except UsageError as exc:
            raise _usage_error(exc) from None
        except CrmError as exc:
            typer.echo(f"crm: {exc.message}", err=True)
            raise typer.Exit(exc.exit_code) from None
        except BrokenPipeError:
            # `crm contact list | head`: the reader left; that is not an error.
            sys.stderr.close()
            raise typer.Exit(0) from None
        except KeyboardInterrupt:
            typer.echo("crm: interrupted", err=True)
            raise typer.Exit(130) from None
        except Exception as exc:
            rt = ctx.obj if isinstance(ctx.obj, Runtime) else None
            if rt is not None and rt.has_engine:
                from crm_tui.db import user_error

                translated = user_error(exc, rt.settings.db_label, rt.engine)
                if translated is not None:
                    typer.echo(f"crm: {translated.message}", err=True)
                    raise typer.Exit(translated.exit_code) from None
            raise


app = typer.Typer(
    cls=CrmGroup,
    help="A terminal CRM: contacts, interactions, follow-ups. Run `crm` alone to open the app.",
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"crm-tui {__version__}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def root(
    ctx: typer.Context,
    db: str | None = typer.Option(None, "--db", help="Database path or SQLAlchemy URL (env CRM_DB)."),
    user: str | None = typer.Option(None, "--user", help="Who you are, for owners and authors (env CRM_USER)."),
    tz: str | None = typer.Option(None, "--tz", help="Time zone to show times in, e.g. Europe/Paris (env TZ)."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """A terminal CRM: contacts, interactions, follow-ups."""
    ctx.obj = Runtime(resolve_settings(db, user, tz))
    if ctx.invoked_subcommand is None:
        _open_app(ctx.obj.settings, demo=False)


def _open_app(settings: Settings, *, demo: bool) -> None:
    """Run the Textual app; Textual is imported here and nowhere else on the CLI's paths."""
    from crm_tui.errors import InvalidInput

    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise InvalidInput("the app needs a terminal; for a plain list of what is due, run `crm due`")
    from crm_tui.app import run_app, run_demo

    if demo:
        run_demo(settings)
    else:
        run_app(settings)


@app.command("demo")
def demo(ctx: typer.Context) -> None:
    """Open the app on a throwaway copy of the sample data in data/; your own database is not touched.

    The copy lives in a temporary directory and is deleted when you quit.
    """
    _open_app(runtime(ctx).settings, demo=True)


@app.command("log")
def log(
    ctx: typer.Context,
    ref: str = typer.Argument(..., help="The contact: 12, #12, an email, or part of a name."),
    kind: str = typer.Argument(..., help="call, email, meeting, message or note."),
    summary: str = typer.Argument(..., help="One line on what happened."),
    at: str | None = typer.Option(
        None, "--at", help="When it happened (default: now): yesterday 3pm, 2026-11-20 14:00."
    ),
    body: str | None = typer.Option(None, "--body", help="Longer text; '-' reads it from stdin."),
    direction: str | None = typer.Option(None, "--direction", help="in or out."),
    follow_up: str | None = typer.Option(None, "--follow-up", help="Also add a reminder due then: fri, in 2 weeks."),
) -> None:
    """Log an interaction; it resets the contact's stay-in-touch clock.

    Example: crm log ada call "Discussed the Q3 proposal" --follow-up "next fri"
    """
    from crm_tui.services.contacts.finding import find_contact
    from crm_tui.services.interactions import check_kind, log_interaction

    rt = runtime(ctx)
    check_kind(kind)
    when = rt.when(at, option="--at") if at else None
    due = rt.when(follow_up, option="--follow-up", default_time=REMINDER_DEFAULT_TIME) if follow_up else None
    if body == "-":
        body = sys.stdin.read()
    if due is None:
        # The everyday path: a Core insert, no ORM to build.
        with rt.connection(write=True) as conn:
            contact = find_contact(conn, ref)
            interaction = log_interaction(
                conn, contact.id, kind=kind, summary=summary, author=rt.user, at=when, body=body, direction=direction
            )
        rt.done(f"Logged {interaction.kind} #{interaction.id} with {contact.name}", interaction.id)
        return
    from crm_tui.services.reminders import add_reminder

    with rt.session() as session:
        contact = find_contact(session.connection(), ref)
        interaction = log_interaction(
            session.connection(),
            contact.id,
            kind=kind,
            summary=summary,
            author=rt.user,
            at=when,
            body=body,
            direction=direction,
        )
        reminder = add_reminder(
            session, title=f"Follow up: {interaction.summary}", due_at=due, contact_id=contact.id, actor=rt.user
        )
    rt.done(
        f"Logged {interaction.kind} #{interaction.id} with {contact.name}; follow-up #{reminder.id} added",
        interaction.id,
    )


DUE_COLUMNS = [("due_at", "Due"), ("kind", "Kind"), ("id", "ID"), ("contact", "Contact"), ("title", "What")]
# The heading of each `section` of `crm due` on a terminal; a section not named here shows its key.
DUE_SECTIONS = {
    "reminder": "Follow-ups",
    "touch": "Going cold",
    "deal-close": "Deals past their expected close",
    "next-step": "Next steps due",
    "rotting": "Rotting deals",
}


def _print_due(rt: Runtime, *, within: str | None, owner: str | None, fmt: str | None, exit_status: bool) -> None:
    from datetime import timedelta

    from crm_tui.services.queue import due_items, end_of_day

    ics = fmt == "ics"  # a calendar to subscribe to; icalendar loads only for it
    shown = "plain"
    if not ics:
        from crm_tui.errors import InvalidInput
        from crm_tui.output import FORMATS

        if fmt is not None and fmt not in FORMATS:
            raise InvalidInput(f"unknown format '{fmt}' (use {', '.join(FORMATS)}, ics) (--format)")
        shown = rt.fmt(fmt)
    now = rt.now()
    until = now + timedelta(days=rt.duration_days(within, option="--within")) if within else end_of_day(now, rt.tz)
    with rt.connection() as conn:
        items = due_items(conn, now=now, until=until, owner=owner, tz=rt.tz)
    if ics:
        from crm_tui.io.ics import due_calendar

        # Always a calendar, empty when nothing is due, so a subscribed calendar clears.
        sys.stdout.write(due_calendar(items, now=now).decode("utf-8"))
    elif items:
        from crm_tui.output import render

        records = [
            {
                "due_at": item.due_at,
                "kind": item.kind,
                "id": item.id,
                "contact_id": item.contact_id,
                "contact": item.contact_name,
                "title": item.title,
                "owner": item.owner,
                "overdue": item.due_at < now,
                "section": item.section or item.kind,
            }
            for item in items
        ]
        if shown != "table":
            render(records, DUE_COLUMNS, shown, tz=rt.tz)
        else:  # on a terminal, one table per section, in the order they first fall due
            sections: dict[str, list[dict[str, Any]]] = {}
            for record in records:
                sections.setdefault(str(record["section"]), []).append(record)
            for section, rows in sections.items():
                title = f"{DUE_SECTIONS.get(section, section)} ({len(rows)})"
                render(rows, [c for c in DUE_COLUMNS if c[0] != "kind"], shown, tz=rt.tz, title=title)
    if exit_status and not items:
        raise typer.Exit(1)


@app.command("due")
def due(
    ctx: typer.Context,
    within: str | None = typer.Option(
        None, "--within", help="Look ahead this far instead of to the end of today (3d, 2w)."
    ),
    mine: bool = typer.Option(False, "--mine", help="Only what you own."),
    owner: str | None = typer.Option(None, "--owner", help="Only what this user owns."),
    fmt: str | None = typer.Option(
        None, "--format", "-f", help="table, plain, json, ndjson, csv, or ics (VTODOs for a calendar)."
    ),
    exit_status: bool = typer.Option(False, "--exit-status", help="Exit 0 when something is due, 1 when nothing is."),
) -> None:
    """What is due: reminders by the end of today and contacts going cold, most overdue first.

    Prints nothing when nothing is due, so cron sends no mail: 0 8 * * * crm due
    """

    rt = runtime(ctx)
    if mine and owner:
        raise typer.BadParameter("give --mine or --owner, not both", param_hint="--mine/--owner")
    _print_due(rt, within=within, owner=rt.user if mine else owner, fmt=fmt, exit_status=exit_status)


@app.command("search")
def search(
    ctx: typer.Context,
    query: str = typer.Argument(..., help="Words to find (the last one may be a prefix), or a phone number."),
    limit: int = typer.Option(50, "--limit", "-n", min=1, help="At most this many contacts."),
    fmt: str | None = FormatOption,
) -> None:
    """Search names, emails, organizations, tags, notes, interaction text and phone numbers.

    Example: crm search "o'brien proposal"   or   crm search "020 7946 0000"
    """
    from crm_tui.output import render
    from crm_tui.services.search import search_contacts

    rt = runtime(ctx)
    fmt = rt.fmt(fmt)
    with rt.connection() as conn:
        hits = search_contacts(conn, query, limit=limit, now=rt.now())
    records = [
        {
            "id": h.row.id,
            "name": h.row.name,
            "organization": h.row.organization,
            "email": h.row.email,
            "tags": h.row.tags,
            "matched": h.matched,
            "score": round(h.score, 4),
        }
        for h in hits
    ]
    columns = [
        ("id", "ID"),
        ("name", "Name"),
        ("organization", "Organization"),
        ("email", "Email"),
        ("matched", "Matched"),
    ]
    render(records, columns, fmt, tz=rt.tz)


GLOBAL_OPTIONS = ("--db", "--user", "--tz")


def hoist_global_options(argv: list[str]) -> list[str]:
    """Move --db/--user/--tz to the front so `crm due --db x.db` works like `crm --db x.db due`."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            rest.extend(argv[i:])
            break
        name = arg.split("=", 1)[0]
        if name in GLOBAL_OPTIONS:
            if "=" in arg:
                front.append(arg)
            else:
                front.extend(argv[i : i + 2])
                i += 1
        else:
            rest.append(arg)
        i += 1
    return front + rest


def main() -> None:
    """Console-script entry point."""
    app(args=hoist_global_options(sys.argv[1:]), prog_name="crm")


__all__ = ["REMINDER_DEFAULT_TIME", "app", "main"]
