"""`crm export ...`: contacts, interactions and reminders out to files or stdout, files 0600.

The writers and their libraries (vobject, icalendar) load inside the commands.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer

from crm_tui.commands.runtime import Runtime, runtime
from crm_tui.errors import InvalidInput, NotFound

export_app = typer.Typer(
    help="Write contacts, interactions and reminders out as CSV, JSON, vCard or iCalendar.", no_args_is_help=True
)


def check_choice(value: str, choices: tuple[str, ...], option: str) -> str:
    """`value`, or InvalidInput naming the option and its choices."""
    if value not in choices:
        raise InvalidInput(f"unknown {option} '{value}' (use {', '.join(choices)})")
    return value


@contextmanager
def open_output(path: str | None) -> Iterator[tuple[Any, str | None]]:
    """(text stream, file name or None for stdout) for `-o FILE`, `-o -` or no -o."""
    if path is None or path == "-":
        yield sys.stdout, None
        return
    from crm_tui.safewrite import safe_write

    target = Path(path).expanduser()
    if target.is_dir() and not target.is_symlink():
        raise InvalidInput(f"{path}: is a directory (only --format vcard and ics write one file per record)")
    if not target.parent.is_dir():
        raise NotFound(f"{target.parent}: no such directory (-o)")
    with safe_write(target, option="-o") as out:
        yield out, str(target)


def _count(n: int, what: str) -> str:
    return f"{n:,} {what}{'' if n == 1 else 's'}"


@export_app.command("contacts")
def export_contacts(
    ctx: typer.Context,
    fmt: str = typer.Option("csv", "--format", "-f", help="csv (default), json, ndjson or vcard."),
    output: str | None = typer.Option(
        None, "--output", "-o", help="FILE, or DIR for one .vcf per contact; - or none: stdout."
    ),
) -> None:
    """Export every contact (not the trash) with all its emails, phones, tags and custom fields.

    The CSV reads back with `crm import contacts`; a directory gets one .vcf per contact (khard, vdirsyncer).

    Example: crm export contacts --format vcard -o ~/.contacts/crm/
    """
    from crm_tui.services.exporting import custom_keys, iter_contacts

    rt = runtime(ctx)
    check_choice(fmt, ("csv", "json", "ndjson", "vcard"), "--format")
    if fmt == "vcard" and _is_directory(output):
        assert output is not None
        with rt.session(write=False) as session:
            count = _vcard_directory(rt, iter_contacts(session), Path(output).expanduser())
        rt.note(f"Exported {_count(count, 'contact')} to {output}")
        return
    with rt.session(write=False) as session, open_output(output) as (out, name):
        if fmt == "csv":
            from crm_tui.io.contacts_out import write_contacts_csv

            count = write_contacts_csv(out, iter_contacts(session), custom_keys(session), rt.tz)
        elif fmt == "vcard":
            from crm_tui.io.vcard_out import contact_vcard

            count = sum(out.write(contact_vcard(c, rt.tz)) > 0 for c in iter_contacts(session))
        else:
            from crm_tui.io.contacts_out import contact_object
            from crm_tui.io.jsonout import write_json

            count = write_json(out, (contact_object(c, rt.tz) for c in iter_contacts(session)), lines=fmt == "ndjson")
    if name:
        rt.note(f"Exported {_count(count, 'contact')} to {name}")


def _is_directory(output: str | None) -> bool:
    """`-o DIR/` or an existing directory: one file per record (a vdir, as khard, todoman and vdirsyncer read)."""
    return output not in (None, "-") and (output.endswith(("/", os.sep)) or Path(output).expanduser().is_dir())


def _vcard_directory(rt: Runtime, contacts: Any, directory: Path) -> int:
    """One UID.vcf per contact, files 0600 in a directory created 0700 (its new parents too)."""
    from crm_tui.io.vcard_out import contact_vcard, file_name

    return _write_directory(directory, ((file_name(c), contact_vcard(c, rt.tz)) for c in contacts))


def _write_directory(directory: Path, files: Iterator[tuple[str, str]]) -> int:
    """Write each (name, text) into `directory`; returns how many.

    Every file is written under a temporary name first; only when all are written are they
    renamed into place, so a failure (a full disk, a planted link) leaves no file behind.
    """
    from crm_tui.safewrite import PendingFile, check_target, make_private_dirs, write_failed

    if directory.is_symlink() and not directory.is_dir():
        raise InvalidInput(f"{directory}: is a symbolic link to no directory (-o)")
    make_private_dirs(directory)
    pending: list[PendingFile] = []
    try:
        for name, text in files:
            item = PendingFile(directory / name, option="-o")
            pending.append(item)
            try:
                item.file.write(text)
            except OSError as exc:
                raise write_failed(item.target, exc) from None
            item.finish()
        for item in pending:  # every target checked before the first rename
            check_target(item.target, option="-o")
        for item in pending:
            item.commit()
    except BaseException:
        for item in pending:
            item.discard()
        raise
    return len(pending)


INTERACTION_COLUMNS = (
    "id", "contact_id", "contact", "email", "kind", "direction", "occurred_at", "summary", "body", "author",
    "created_at", "score", "scale",
)  # fmt: skip
REMINDER_COLUMNS = (
    "id", "contact_id", "contact", "email", "title", "due_at", "every", "rule", "snoozed_until", "done_at",
    "owner", "created_at",
)  # fmt: skip


def _write_records(out: Any, fmt: str, columns: tuple[str, ...], records: Iterator[dict[str, Any]], tz: Any) -> int:
    from crm_tui.output import machine_value

    if fmt == "csv":
        from crm_tui.io.csvwrite import SafeCsvWriter

        writer = SafeCsvWriter(out, columns)
        count = 0
        for record in records:
            writer.row(machine_value(record.get(c), tz) for c in columns)
            count += 1
        return count
    from crm_tui.io.jsonout import write_json

    return write_json(out, ({k: machine_value(v, tz) for k, v in r.items()} for r in records), lines=fmt == "ndjson")


@export_app.command("interactions")
def export_interactions(
    ctx: typer.Context,
    fmt: str = typer.Option("csv", "--format", "-f", help="csv (default), json or ndjson."),
    output: str | None = typer.Option(None, "--output", "-o", help="FILE; - or none: stdout."),
) -> None:
    """Export the timeline: every interaction, oldest first (the CSV reads back with `crm import interactions`).

    Example: crm export interactions -o timeline.csv
    """
    from dataclasses import asdict

    from crm_tui.services.exporting import iter_interactions

    rt = runtime(ctx)
    if fmt == "ics":
        raise InvalidInput("--format ics is for reminders; interactions export as csv, json or ndjson")
    check_choice(fmt, ("csv", "json", "ndjson"), "--format")
    with rt.session(write=False) as session, open_output(output) as (out, name):
        count = _write_records(out, fmt, INTERACTION_COLUMNS, (asdict(i) for i in iter_interactions(session)), rt.tz)
    if name:
        rt.note(f"Exported {_count(count, 'interaction')} to {name}")


@export_app.command("reminders")
def export_reminders(
    ctx: typer.Context,
    fmt: str = typer.Option("csv", "--format", "-f", help="csv (default), json, ndjson or ics."),
    output: str | None = typer.Option(None, "--output", "-o", help="FILE; - or none: stdout."),
) -> None:
    """Export reminders; `--format ics` gives VTODOs with due time, repeat rule and alarm for a calendar.

    With `-o DIR/` (or an existing directory), ics writes one VTODO per UID.ics file, as todoman
    and vdirsyncer read them.

    Example: crm export reminders --format ics -o ~/calendars/follow-ups.ics
    """
    from crm_tui.services.exporting import iter_reminders

    rt = runtime(ctx)
    check_choice(fmt, ("csv", "json", "ndjson", "ics"), "--format")
    if fmt == "ics" and _is_directory(output):
        assert output is not None
        with rt.session(write=False) as session:
            count = _ics_directory(iter_reminders(session), Path(output).expanduser())
        rt.note(f"Exported {_count(count, 'reminder')} to {output}")
        return
    with rt.session(write=False) as session, open_output(output) as (out, name):
        reminders = list(iter_reminders(session)) if fmt == "ics" else iter_reminders(session)
        if fmt == "ics":
            from crm_tui.io.ics import reminders_calendar

            out.write(reminders_calendar(reminders).decode("utf-8"))
            count = len(reminders)  # type: ignore[arg-type]
        else:
            count = _write_records(out, fmt, REMINDER_COLUMNS, (_reminder_record(r) for r in reminders), rt.tz)
    if name:
        rt.note(f"Exported {_count(count, 'reminder')} to {name}")


def _ics_directory(reminders: Any, directory: Path) -> int:
    """One UID.ics (a VCALENDAR of one VTODO) per reminder, files 0600 in a directory created 0700."""
    from crm_tui.io.ics import reminder_calendars

    return _write_directory(directory, ((name, data.decode("utf-8")) for name, data in reminder_calendars(reminders)))


def _reminder_record(r: Any) -> dict[str, Any]:
    from crm_tui.dates import Recurrence

    return {
        "id": r.id,
        "contact_id": r.contact_id,
        "contact": r.contact,
        "email": r.email,
        "title": r.title,
        "due_at": r.due_at,
        "every": Recurrence(r.rule, r.after_completion).describe() if r.rule else None,
        "rule": r.rule,
        "snoozed_until": r.snoozed_until,
        "done_at": r.done_at,
        "owner": r.owner,
        "created_at": r.created_at,
    }


def _register_money() -> None:
    from crm_tui.commands.money_io import register_exports

    register_exports(export_app)


_register_money()  # `crm export deals|payments`
