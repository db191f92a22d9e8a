"""`crm import mail` and `crm import calendar`: a mailbox and a calendar into the timeline.

Registered on `import_app` by commands/io.py; the readers (email, icalendar) load inside the commands.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import typer

from crm_tui.commands.io import import_app, progress_bar
from crm_tui.commands.runtime import runtime

if TYPE_CHECKING:
    from crm_tui.safewrite import PendingFile  # loaded by the mail import alone: every `crm import` registers it

T = TypeVar("T")


@import_app.command("mail")
def import_mail_command(
    ctx: typer.Context,
    path: str = typer.Argument(
        ..., metavar="PATH|-", help="An mbox file, a Maildir (or a folder of them), .eml files, or - for stdin."
    ),
    me: list[str] = typer.Option(
        [], "--me", help="One of your own addresses: mail from it is outgoing (repeatable; see crm config set me)."
    ),
    unknown: Path | None = typer.Option(
        None, "--unknown", help="Write the people mail was with who are not contacts here (CSV: name, email...)."
    ),
    create_contacts: bool = typer.Option(
        False, "--create-contacts", help="Add them as contacts (never robots, mailing lists or bulk mail)."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Count what would be imported; write nothing."),
) -> None:
    """Import mail: each message with a contact in From, To or Cc joins that contact's timeline as an email.

    The subject is the summary, the text part the body (HTML made text, attachments named); the
    Date is when. Importing the same mail again adds nothing (each message is known by its Message-ID).
    One transaction: all of it or nothing. Undo with `crm import revert BATCH`.

    Example: crm import mail ~/Mail/work --me ada@analytical.io --unknown unknown.csv
    """
    from crm_tui.io.mail import MailReader, find_mail
    from crm_tui.services.config import my_addresses, split_addresses
    from crm_tui.services.imports.mail import MailImporter

    rt = runtime(ctx)
    mine = [address for value in me for address in split_addresses(value, field="--me")]
    files = find_mail(path, sys.stdin.buffer)
    size = None if path == "-" else sum(f.path.stat().st_size for f in files if f.path is not None)
    options = {"me": mine, "create_contacts": create_contacts}
    # --unknown is written whole before the import commits, and put in place after: a path that cannot be
    # written fails the import with nothing changed (it failed after the commit, the mail imported).
    pending = None
    if unknown is not None and not dry_run:
        from crm_tui.safewrite import PendingFile

        pending = PendingFile(unknown.expanduser(), option="--unknown")
    try:
        with rt.connection(write=True) as conn:
            mine = mine or my_addresses(conn)
            importer = MailImporter(
                conn, me=mine, create_contacts=create_contacts, actor=rt.user, source=path, options=options,
                now=rt.now(),
            )  # fmt: skip
            reader = MailReader(files, now=rt.now(), wanted=importer.wants)
            with progress_bar(size, lambda: reader.bytes_read) as advance:
                summary = importer.run(_advancing(reader, advance))
            if dry_run:
                conn.rollback()
            if pending is not None:
                _write_unknown(pending, summary)
    except BaseException:
        if pending is not None:
            pending.discard()
        raise
    if pending is not None:
        pending.commit()
    if not mine:
        rt.note("crm: no address of yours is known (--me or crm config set me): directions are only 'in' or none")
    if dry_run:
        rt.note(f"dry run, nothing written: would be {summary.line()}")
        return
    rt.note(f"import {summary.batch_id}: {summary.line()}")
    if not sys.stdout.isatty():
        typer.echo(str(summary.batch_id))


def _advancing(records: Iterable[T], advance: Callable[[], None] | None) -> Iterator[T]:
    """The records, moving the progress bar every 200."""
    for n, record in enumerate(records):
        if advance is not None and n % 200 == 0:
            advance()
        yield record


def _write_unknown(pending: PendingFile, summary: object) -> None:
    """The people mail was with who are not contacts, into `pending` (flushed, not yet in place)."""
    from crm_tui.io.csvwrite import SafeCsvWriter
    from crm_tui.services.imports.mail import MailSummary

    assert isinstance(summary, MailSummary)
    people = sorted(summary.unknown.values(), key=lambda c: (-c.messages, c.address))
    writer = SafeCsvWriter(pending.file, ["name", "email", "messages", "last_seen", "contact_id"])
    for c in people:
        last = c.last.isoformat() if c.last else ""
        writer.row([c.name or "", c.address, c.messages, last, c.created or ""])
    pending.finish()


@import_app.command("calendar")
def import_calendar_command(
    ctx: typer.Context,
    path: str = typer.Argument(
        ..., metavar="FILE.ics|DIR|-", help="An .ics file, a directory of them (vdirsyncer, khal), or - for stdin."
    ),
    future: str | None = typer.Option(
        None, "--future", help="What to do with events still to come: 'reminders' (default: leave them out)."
    ),
    me: list[str] = typer.Option(
        [], "--me", help="One of your own addresses: never matched as a contact (repeatable; see crm config set me)."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Count what would be imported; write nothing."),
) -> None:
    """Import a calendar: each event with a contact among its attendees or organizer becomes a meeting.

    Repeating events count every occurrence up to now (moved and cancelled ones as the calendar
    says), never beyond; with --future reminders each event still to come (a repeating one: its
    next occurrence, within a year) becomes a follow-up on its start. Importing again adds nothing.

    Example: crm import calendar ~/.calendars/work/ --future reminders
    """
    from crm_tui.io.calendar import CalendarReader, find_calendars
    from crm_tui.services.config import my_addresses, split_addresses
    from crm_tui.services.imports.calendar import CalendarImporter

    rt = runtime(ctx)
    if future not in (None, "reminders"):
        raise typer.BadParameter(f"'{future}' is not a choice (use reminders)", param_hint="--future")
    mine = [address for value in me for address in split_addresses(value, field="--me")]
    files = find_calendars(path, sys.stdin.buffer)
    reader = CalendarReader(files, now=rt.now(), tz=rt.tz, future=future == "reminders", note=rt.note)
    options = {"future": future, "me": mine}
    with rt.connection(write=True) as conn:
        importer = CalendarImporter(
            conn, me=mine or my_addresses(conn), future_reminders=future == "reminders", actor=rt.user,
            source=path, options=options, now=rt.now(),
        )  # fmt: skip
        summary = importer.run(reader)
        if dry_run:
            conn.rollback()
    if dry_run:
        rt.note(f"dry run, nothing written: would be {summary.line()}")
        return
    rt.note(f"import {summary.batch_id}: {summary.line()}")
    if not sys.stdout.isatty():
        typer.echo(str(summary.batch_id))
