"""The `crm` command: parse, open a session, call a service, render.

Only typer and light modules load at import time; Textual loads only when the app
starts, so `crm due` from cron costs little more than Python, typer and sqlmodel.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import typer
from typer._click.exceptions import ClickException, NoSuchOption, UsageError
from typer.core import TyperGroup

from crm_tui import __version__
from crm_tui.commands.runtime import (
    COMPLETE_VAR,
    MAX_LIMIT,
    REMINDER_DEFAULT_TIME,
    FormatOption,
    Runtime,
    failure,
    runtime,
    say_error,
)
from crm_tui.config import OPEN_SCREENS, Settings, resolve_settings, start_screen
from crm_tui.errors import CrmError


def _usage_error(exc: UsageError) -> typer.Exit:
    """Print a usage error on one line, like every other error, and exit 2."""
    where = exc.ctx.command_path if exc.ctx is not None else "crm"
    message = exc.format_message()
    if isinstance(exc, NoSuchOption) and exc.ctx is not None:
        message = unknown_option(exc.option_name, _option_names(exc.ctx))
    say_error(f"{message} (see '{where} --help')")
    return typer.Exit(2)


def _option_names(ctx: Any) -> list[str]:
    """The long options `ctx`'s command takes, in the order its help lists them."""
    names = [o for p in ctx.command.get_params(ctx) for o in p.opts if o.startswith("--")]
    return [n for n in names if n != "--help"]


def unknown_option(given: str, options: list[str]) -> str:
    """An unknown option's error: the one it is close to (`--tags`: --tag), else every option there is."""
    from difflib import get_close_matches

    from crm_tui.keys import visible

    name = given.split("=", 1)[0]
    prefixed = [o for o in options if o.startswith(name) or (name.startswith(o) and len(o) > 3)]
    close = prefixed or get_close_matches(name, options, n=1, cutoff=0.75)
    if len(close) == 1 or (close and not prefixed):
        return f"no such option {visible(name)}: did you mean {close[0]}?"
    listed = close or options
    return f"no such option {visible(name)} (options: {', '.join(listed)})" if listed else f"no such option {name}"


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
    "view": ("crm_tui.commands.segments", "view_app"),
    "tag": ("crm_tui.commands.segments", "tag_app"),
    "why": ("crm_tui.commands.segments", "why_app"),
    "rule": ("crm_tui.commands.rules", "rule_app"),
    "feedback": ("crm_tui.commands.feedback", "feedback_app"),
    "field": ("crm_tui.commands.fields", "field_app"),
    "dates": ("crm_tui.commands.fields", "dates_app"),
    "sync": ("crm_tui.commands.sync", "sync_app"),
    "interaction": ("crm_tui.commands.interactions", "interaction_app"),
    "config": ("crm_tui.commands.config", "config_app"),
    "undo": ("crm_tui.commands.undo", "undo_app"),
    "dedup": ("crm_tui.commands.dedup", "dedup_app"),
    "org": ("crm_tui.commands.orgs", "org_app"),
    "deal": ("crm_tui.commands.deals", "deal_app"),
    "pay": ("crm_tui.commands.payments", "pay_app"),
    "pipeline": ("crm_tui.commands.pipeline", "pipeline_app"),
    "forecast": ("crm_tui.commands.money", "forecast_app"),
    "value": ("crm_tui.commands.money", "value_app"),
    "report": ("crm_tui.commands.reports", "report_app"),
    "completion": ("crm_tui.commands.completion", "completion_app"),
}


def _prepared(command: Any) -> Any:
    """A built command tree with plain help (helptext.tidy_help) and lazy coercion (coercion.lazy_coercion)."""
    from crm_tui.commands.coercion import lazy_coercion
    from crm_tui.commands.helptext import tidy_help

    return lazy_coercion(tidy_help(command))


class CrmGroup(TyperGroup):
    """The root group: builds a command group when it is named, and turns every error a user
    can cause into one line and an exit status."""

    def list_commands(self, ctx: Any) -> list[str]:
        return sorted({*super().list_commands(ctx), *GROUPS})

    def get_params(self, ctx: Any) -> list[Any]:
        _prepared(self)  # the root's own options; its commands are prepared as they are built
        return super().get_params(ctx)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        found = GROUPS.get(cmd_name)
        if found is None:
            command = super().get_command(ctx, cmd_name)
        else:
            from importlib import import_module

            module, attribute = found
            command = typer.main.get_command(getattr(import_module(module), attribute))
            command.name = cmd_name
        if command is not None and os.environ.get(COMPLETE_VAR):  # a shell's tab (commands/completion.py)
            from crm_tui.commands.completion import attach

            attach(command, cmd_name)
        return None if command is None else _prepared(command)

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
            caret = getattr(exc, "caret", None)
            if caret is not None and sys.stderr.isatty():  # a query error: show where, for a person
                typer.echo(caret(), err=True)
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


ROOT_EXAMPLES = """\
Examples:

  crm                               open the app on your database
  crm --open dashboard              the app, opened on the Dashboard
  crm demo                          the app on a throwaway copy of a sample
  crm contact add "Ada Lovelace" --email ada@analytical.io --every 2w
  crm log ada call "Sent the proposal" --follow-up "next fri"
  crm due                           what is due today; nothing if nothing is
  crm search "o'brien proposal"     names, notes, interactions, phones

Every command has --help with an example: crm contact add --help"""

app = typer.Typer(
    cls=CrmGroup,
    help="A terminal CRM: contacts, interactions, follow-ups. Run `crm` alone to open the app.",
    epilog=ROOT_EXAMPLES,
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
    open_on: str | None = typer.Option(
        None,
        "--open",
        envvar="CRM_OPEN",
        show_envvar=False,
        metavar="SCREEN",
        help="The screen the app opens on: " + ", ".join(OPEN_SCREENS) + " (env CRM_OPEN; "
        "default: Today when something is due, else Contacts).",
    ),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """A terminal CRM: contacts, interactions, follow-ups."""
    ctx.obj = Runtime(resolve_settings(db, user, tz))
    if ctx.invoked_subcommand is None:
        _open_app(ctx.obj.settings, demo=False, screen=open_on)


def _open_app(settings: Settings, *, demo: bool, screen: str | None = None) -> None:
    """Run the Textual app; Textual is imported here and nowhere else on the CLI's paths."""
    from crm_tui.errors import InvalidInput

    start = start_screen(screen)
    if start is None:
        raise InvalidInput(f"--open: no screen called {screen!r}; one of {', '.join(OPEN_SCREENS)}")
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise InvalidInput("the app needs a terminal; for a plain list of what is due, run `crm due`")
    from crm_tui.app import run_app, run_demo

    if demo:
        run_demo(settings, start=start)
    else:
        run_app(settings, start=start)


@app.command("demo")
def demo(ctx: typer.Context) -> None:
    """Open the app on a throwaway copy of a sample CRM; your own database is not touched.

    The copy lives in a temporary directory and is deleted when you quit.

    Example: crm demo   or   crm --open dashboard demo
    """
    root = ctx.find_root().params
    _open_app(runtime(ctx).settings, demo=True, screen=root.get("open_on"))


@app.command("log")
def log(
    ctx: typer.Context,
    args: list[str] = typer.Argument(
        ...,
        metavar="REF KIND SUMMARY | SENTENCE",
        help="The contact, the kind and a summary; or one quoted sentence that says it all.",
    ),
    at: str | None = typer.Option(
        None, "--at", help="When it happened (default: now): yesterday 3pm, 2026-11-20 14:00."
    ),
    body: str | None = typer.Option(None, "--body", help="Longer text; '-' reads it from stdin."),
    direction: str | None = typer.Option(None, "--direction", help="in or out."),
    follow_up: str | None = typer.Option(None, "--follow-up", help="Also add a reminder due then: fri, in 2 weeks."),
    score: int | None = typer.Option(None, "--score", help="feedback: the 0-10 answer to 'would you recommend us?'"),
    rating: int | None = typer.Option(None, "--rating", help="feedback: a 1-5 rating."),
    yes: bool = typer.Option(False, "--yes", "-y", help="A sentence: log it without asking (a pipe never asks)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="A sentence: show how it reads; write nothing."),
    fmt: str | None = typer.Option(
        None, "--format", "-f", help="With --dry-run: table or plain (the readback), json, ndjson or csv."
    ),
) -> None:
    """Log an interaction; it resets the contact's stay-in-touch clock. A feedback takes a score.

    Example: crm log ada call "Discussed the Q3 proposal" --follow-up "next fri"
    Example: crm log ada feedback "Happy with the launch" --score 9

    Or one sentence: crm log "lunch with Ana yesterday 1pm about the renewal, follow up next fri"
    (on a terminal it shows what it read and asks; --yes or a pipe does not ask).
    """
    if len(args) not in (1, 3):
        raise typer.BadParameter(
            f"give REF KIND SUMMARY, or one quoted SENTENCE (got {len(args)} arguments)", param_hint="ARGS"
        )
    rt = runtime(ctx)
    if body == "-":
        from crm_tui.commands.runtime import read_stdin

        body = read_stdin("--body")
    if len(args) == 1:
        if at is not None or follow_up is not None or direction is not None or score is not None or rating is not None:
            raise typer.BadParameter(
                "a sentence says its own time and follow-up: --at, --follow-up, --direction, --score and"
                " --rating go with REF KIND SUMMARY",
                param_hint="--at/--follow-up/--direction/--score/--rating",
            )
        from crm_tui.commands.capture import log_sentence

        log_sentence(rt, args[0], body=body, yes=yes, dry_run=dry_run, fmt=fmt)
        return
    if dry_run or fmt is not None:
        raise typer.BadParameter("--dry-run and --format are for a sentence", param_hint="--dry-run/--format")
    ref, kind, summary = args
    from crm_tui.services.contacts.finding import find_contact
    from crm_tui.services.interactions import check_kind, check_score, log_interaction

    rt = runtime(ctx)
    kind = check_kind(kind)
    if score is not None and rating is not None:
        raise typer.BadParameter("give --score or --rating, not both", param_hint="--score/--rating")
    scale = 10 if score is not None else 5 if rating is not None else None
    score = score if score is not None else rating
    check_score(kind, score, scale)
    when = rt.when(at, option="--at") if at is not None else None
    due = None
    if follow_up is not None:
        due = rt.when(follow_up, option="--follow-up", default_time=REMINDER_DEFAULT_TIME)
    if body == "-":
        from crm_tui.commands.runtime import read_stdin

        body = read_stdin("--body")
    check_kind(kind)
    when = rt.when(at, option="--at") if at else None
    if when is not None and when > rt.now():  # as `interaction edit --at` and the sentence form refuse it
        from crm_tui.errors import InvalidDate

        raise InvalidDate(f"'{at}' is in the future: log what happened, --follow-up for what will (--at)")
    due = rt.when(follow_up, option="--follow-up", default_time=REMINDER_DEFAULT_TIME) if follow_up else None
    if due is not None:
        from crm_tui.services.interactions import check_follow_up

        with rt.about("--follow-up"):
            check_follow_up(due, now=rt.now(), tz=rt.tz, text=follow_up)
    if due is None:
        # The everyday path: a Core insert, no ORM to build.
        with rt.connection(write=True) as conn:
            contact = find_contact(conn, ref)
            interaction = log_interaction(
                conn, contact.id, kind=kind, summary=summary, author=rt.user, at=when, body=body, direction=direction,
                score=score, scale=scale,
            )  # fmt: skip
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
            score=score,
            scale=scale,
        )
        reminder = add_reminder(
            session, title=f"Follow up: {interaction.summary}", due_at=due, contact_id=contact.id, actor=rt.user
        )
    from crm_tui.output import human_value

    due_text = human_value(reminder.due_at, rt.tz)
    rt.done(
        f"Logged {interaction.kind} #{interaction.id} with {contact.name}; follow-up #{reminder.id} due {due_text}",
        interaction.id,
    )
    if not sys.stdout.isatty():
        # Piped, stdout is the interaction's id alone (`id=$(crm log ...)`); the follow-up's goes beside it.
        rt.note(f"follow-up #{reminder.id} due {due_text}")


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
    at_risk: int = typer.Option(10, "--at-risk", min=0, help="List this many at-risk contacts at the end (0: none)."),
) -> None:
    """What is due: reminders by the end of today and contacts going cold, most overdue first;
    then the contacts at risk of lapsing and those new in views saved with --notify. Rules run first.

    Prints nothing when nothing is due, so cron sends no mail: 0 8 * * * crm due

    Example: crm due --within 1w --mine
    """

    rt = runtime(ctx)
    if mine and owner:
        raise typer.BadParameter("give --mine or --owner, not both", param_hint="--mine/--owner")
    from crm_tui.commands.due_list import print_due

    print_due(rt, within=within, owner=rt.user if mine else owner, fmt=fmt, exit_status=exit_status, at_risk=at_risk)


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
    render(records, columns, fmt, tz=rt.tz, empty=f"no matches for {query!r}")


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
    import gc

    from crm_tui.commands import runtime as runtime_module
    from crm_tui.commands.runtime import clean_argv

    # What importing typer and the CLI made lives until the process exits: freezing it keeps
    # the collector from walking those objects again on every full collection a command's
    # rows trigger (a third of `crm remind list`'s own time on 10,000 reminders). The
    # database modules follow when the engine opens.
    gc.freeze()
    runtime_module.FREEZE_START_UP = True
    if os.environ.get(COMPLETE_VAR):  # a shell's tab: commands/completion.py answers it and exits
        from crm_tui.commands.completion import complete

        complete(app, [])
    try:
        argv = clean_argv(sys.argv[1:])
    except CrmError as exc:
        say_error(exc.message)
        sys.exit(exc.exit_code)
    app(args=hoist_global_options(argv), prog_name="crm")


__all__ = ["REMINDER_DEFAULT_TIME", "app", "main"]
