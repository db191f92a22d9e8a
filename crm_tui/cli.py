"""The `crm` command: parse, open a session, call a service, render.

Only typer and light modules load at import time; Textual loads only when the app
starts, so `crm due` from cron costs little more than Python, typer and sqlmodel.
"""

from __future__ import annotations

import sys
from typing import Any

import typer
from typer._click.exceptions import ClickException, UsageError
from typer.core import TyperGroup

from crm_tui import __version__
from crm_tui.commands.contacts import contact_app, trash_app
from crm_tui.commands.database import db_app
from crm_tui.commands.io import export_app, import_app
from crm_tui.commands.reminders import REMINDER_DEFAULT_TIME, create_reminder, remind_app
from crm_tui.commands.runtime import MAX_LIMIT, FormatOption, Runtime, failure, runtime, say_error
from crm_tui.config import Settings, resolve_settings
from crm_tui.errors import CrmError


def _usage_error(exc: UsageError) -> typer.Exit:
    """Print a usage error on one line, like every other error, and exit 2."""
    where = exc.ctx.command_path if exc.ctx is not None else "crm"
    say_error(f"{exc.format_message()} (see '{where} --help')")
    return typer.Exit(2)


class CrmGroup(TyperGroup):
    """The root group: turns every error a user can cause into one line and an exit status."""

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
            say_error(exc.message)
            raise typer.Exit(exc.exit_code) from None
        except BrokenPipeError:
            # `crm contact list | head`: the reader left; that is not an error.
            sys.stderr.close()
            raise typer.Exit(0) from None
        except KeyboardInterrupt:
            say_error("interrupted")
            raise typer.Exit(130) from None
        except (typer.Exit, typer.Abort, ClickException):
            raise
        except Exception as exc:
            # Whatever else a user can cause (a full disk, a database that cannot be used,
            # a file that cannot be written) is one line and an exit status, never a traceback.
            error = failure(exc, ctx.obj.settings if isinstance(ctx.obj, Runtime) else None)
            say_error(error.message)
            raise typer.Exit(error.exit_code) from None


app = typer.Typer(
    cls=CrmGroup,
    help="A terminal CRM: contacts, interactions, follow-ups. Run `crm` alone to open the app.",
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(contact_app, name="contact")
app.add_typer(trash_app, name="trash")
app.add_typer(remind_app, name="remind")
app.add_typer(db_app, name="db")
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")


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
    from crm_tui.services.contacts import resolve_contact
    from crm_tui.services.interactions import check_kind, log_interaction

    rt = runtime(ctx)
    check_kind(kind)
    when = rt.when(at, option="--at") if at is not None else None
    if body == "-":
        from crm_tui.commands.runtime import read_stdin

        body = read_stdin("--body")
    with rt.session() as session:
        contact = resolve_contact(session, ref)
        interaction = log_interaction(
            session, contact, kind=kind, summary=summary, author=rt.user, at=when, body=body, direction=direction
        )
        if follow_up is not None:
            create_reminder(
                rt,
                session,
                title=f"Follow up: {interaction.summary}",
                due=follow_up,
                contact=contact,
                every=None,
                owner=None,
                due_option="--follow-up",
            )
    rt.done(f"Logged {interaction.kind} #{interaction.id} with {contact.display_name}", interaction.id)


DUE_COLUMNS = [("due_at", "Due"), ("kind", "Kind"), ("id", "ID"), ("contact", "Contact"), ("title", "What")]


def _print_due(rt: Runtime, *, within: str | None, owner: str | None, fmt: str | None, exit_status: bool) -> None:
    from datetime import datetime, timedelta

    from crm_tui.services.due import due_items

    fmt = rt.fmt(fmt)
    now = rt.now()
    if within is not None:
        until = now + timedelta(days=rt.duration_days(within, option="--within"))
    else:
        local_now = now.astimezone(rt.tz)
        midnight = datetime.combine(local_now.date() + timedelta(days=1), datetime.min.time())
        from crm_tui.dates import to_utc

        until = to_utc(midnight, rt.tz)
    with rt.connection() as conn:
        items = due_items(conn, now=now, until=until, owner=owner)
    if items:
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
            }
            for item in items
        ]
        render(records, DUE_COLUMNS, fmt, tz=rt.tz)
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
    fmt: str | None = FormatOption,
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
    limit: int = typer.Option(50, "--limit", "-n", min=1, max=MAX_LIMIT, help="At most this many contacts."),
    fmt: str | None = FormatOption,
) -> None:
    """Search names, emails, organizations, tags, notes, interaction text and phone numbers.

    Example: crm search "o'brien proposal"   or   crm search "020 7946 0000"
    """
    from crm_tui.output import render
    from crm_tui.services.search import search_contacts

    rt = runtime(ctx)
    fmt = rt.fmt(fmt)
    with rt.session(write=False) as session:
        hits = search_contacts(session, query, limit=limit)
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
    from crm_tui.commands.runtime import clean_argv

    try:
        argv = clean_argv(sys.argv[1:])
    except CrmError as exc:
        say_error(exc.message)
        sys.exit(exc.exit_code)
    app(args=hoist_global_options(argv), prog_name="crm")


__all__ = ["REMINDER_DEFAULT_TIME", "app", "main"]
