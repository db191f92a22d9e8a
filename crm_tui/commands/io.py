"""`crm import ...` (and `crm export ...`, from io_export): files and pipes in, files and pipes out.

The readers, writers and their libraries (csv, vobject, icalendar, rich) load
inside the commands, so `import crm_tui.cli` stays light.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import typer

from crm_tui.commands.io_export import check_choice as _check_choice
from crm_tui.commands.io_export import export_app
from crm_tui.commands.runtime import FormatOption, Runtime, runtime
from crm_tui.errors import InvalidInput, NotFound
from crm_tui.keys import one_line

if TYPE_CHECKING:
    from crm_tui.io.contacts_json import ContactJsonReader
    from crm_tui.io.vcard import CardProblem
    from crm_tui.services.imports.summary import ImportSummary, RowOutcome

import_app = typer.Typer(
    help="Bring contacts and interactions in from CSV, JSON and vCard files.", no_args_is_help=True
)

PROGRESS_MIN_BYTES = 1 << 20
__all__ = ["export_app", "import_app"]  # smaller files finish before a bar is worth drawing


@contextmanager
def open_input(path: str) -> Iterator[tuple[BinaryIO, str, int | None]]:
    """(binary stream, name for messages, size if known) for FILE or `-` (standard input)."""
    if path == "-":
        yield sys.stdin.buffer, "stdin", None
        return
    file = Path(path).expanduser()
    if file.is_dir():
        raise InvalidInput(f"{path}: is a directory, not a file")
    try:
        stream = open(file, "rb")  # noqa: SIM115 (closed below)
    except FileNotFoundError:
        raise NotFound(f"{path}: no such file") from None
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read it: {exc.strerror}") from None
    with stream:
        yield stream, file.name, file.stat().st_size


@contextmanager
def progress_bar(size: int | None, bytes_read: Callable[[], int]) -> Iterator[Callable[[], None] | None]:
    """A rich bar on a terminal for large files (an `advance` callable), else None."""
    if size is None or size < PROGRESS_MIN_BYTES or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    from crm_tui.output import make_console

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=make_console(sys.stderr),
        transient=True,
    ) as bar:
        task = bar.add_task("importing", total=size)
        yield lambda: bar.update(task, completed=bytes_read())


def print_outcome(outcome: RowOutcome) -> None:
    """One --dry-run line: what the row would do."""
    who = f"#{outcome.contact_id} {outcome.name}" if outcome.action != "created" else f"{outcome.name}"
    if outcome.action == "skipped":
        text = f"line {outcome.line}: skipped: {outcome.reason}"
    elif outcome.changes:
        text = f"line {outcome.line}: {outcome.action} {who}: {'; '.join(outcome.changes)}"
    else:
        text = f"line {outcome.line}: {outcome.action} {who}"
    typer.echo(one_line(text))


def report(rt: Runtime, summary: ImportSummary, *, dry_run: bool) -> None:
    """The one-line summary on stderr; the batch id on stdout for scripts."""
    line = summary.line()
    if dry_run:
        rt.note(f"dry run, nothing written: would be {line}")
        return
    if not summary.changed_anything:
        line += "; nothing changed"
    rt.note(f"import {summary.batch_id}: {line}")
    if not sys.stdout.isatty():
        typer.echo(str(summary.batch_id))


@import_app.command("contacts")
def import_contacts_command(
    ctx: typer.Context,
    file: str = typer.Argument(..., metavar="FILE|-", help="A CSV, JSON or NDJSON file, or - for standard input."),
    preset: str = typer.Option(
        "auto", "--preset", help="auto, generic, google, outlook, linkedin, hubspot or thunderbird."
    ),
    mapping: list[str] = typer.Option([], "--map", help="COLUMN=FIELD: read a column as a field (repeatable)."),
    on_duplicate: str = typer.Option("update", "--on-duplicate", help="update (default), skip or create."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what each row would do; write nothing."),
    skip_invalid: bool = typer.Option(False, "--skip-invalid", help="Import the good rows, skip the bad ones."),
    rejects: Path | None = typer.Option(None, "--rejects", help="With --skip-invalid: write skipped rows here."),
    encoding: str | None = typer.Option(None, "--encoding", help="Force an encoding: utf-8, utf-16, cp1252..."),
    delimiter: str | None = typer.Option(None, "--delimiter", help="Force a delimiter: , ; or tab."),
) -> None:
    """Import contacts from a CSV export (Google, Outlook, LinkedIn, HubSpot, Thunderbird, or any CSV).

    A file starting with [ is read as a JSON array, with { as NDJSON (as `crm export contacts` writes them).

    A row matches an existing contact by email, else by phone. The whole file goes in, or nothing does.

    Undo an import with `crm import revert BATCH` (see `crm import list`).

    Example: crm import contacts google.csv --dry-run
    """
    from crm_tui.io.contacts_csv import ContactCsvReader
    from crm_tui.io.jsonread import sniff_format
    from crm_tui.io.presets import PRESETS
    from crm_tui.services.imports.contacts import ON_DUPLICATE, import_contacts

    rt = runtime(ctx)
    _check_choice(preset, PRESETS, "--preset")
    _check_choice(on_duplicate, ON_DUPLICATE, "--on-duplicate")
    if rejects is not None and not skip_invalid:
        raise InvalidInput("--rejects needs --skip-invalid")
    with open_input(file) as (raw, name, size):
        fmt, stream = sniff_format(raw, encoding=encoding, name=name)
        reader: ContactCsvReader | ContactJsonReader
        if fmt == "csv":
            reader = ContactCsvReader(
                stream,
                name=name,
                tz=rt.tz,
                preset=preset,
                mapping=mapping,
                encoding=encoding,
                delimiter=delimiter,
                size=size,
                skip_invalid=skip_invalid,
            )
        elif delimiter is not None or preset not in ("auto", "generic"):
            raise InvalidInput(f"{name} is JSON: {'--delimiter' if delimiter else '--preset'} is for CSV files")
        else:
            from crm_tui.io.contacts_json import ContactJsonReader  # a CSV import need not load it

            reader = ContactJsonReader(
                stream, name=name, tz=rt.tz, mapping=mapping, encoding=encoding, size=size, skip_invalid=skip_invalid
            )
        if reader.guessed_encoding:
            rt.note(f"crm: {name} is not UTF-8: reading it as {reader.encoding} (use --encoding to choose)")
        options = {"preset": preset, "map": list(mapping), "on_duplicate": on_duplicate, "skip_invalid": skip_invalid}
        with (
            _rejects(rejects, reader.header) as on_reject,
            progress_bar(size, lambda: reader.bytes_read) as advance,
            rt.bulk_connection() as conn,
        ):
            summary = import_contacts(
                conn,
                reader,
                kind="contacts",
                source=name,
                actor=rt.user,
                preset=reader.preset if isinstance(reader, ContactCsvReader) else fmt,
                on_duplicate=on_duplicate,
                options=options,
                on_outcome=print_outcome if dry_run else None,
                on_reject=on_reject,
                progress=advance,
                share_read=(lambda: reader.bytes_read / size) if size else None,
            )
            if dry_run:
                conn.rollback()
    report(rt, summary, dry_run=dry_run)


@contextmanager
def _rejects(path: Path | None, header: list[str]) -> Iterator[Callable[[Any], None] | None]:
    if path is None:
        yield None
        return
    from crm_tui.io.csvwrite import RejectsWriter

    writer = RejectsWriter(path.expanduser(), header)
    try:
        yield lambda skipped: writer.write(skipped.cells, skipped.reason)
    except BaseException:
        writer.discard()  # the import failed: no rejects file, as no rows
        raise
    writer.close()


@import_app.command("list")
def import_list(ctx: typer.Context, fmt: str | None = FormatOption) -> None:
    """List past imports, newest first, with what each did.

    Example: crm import list
    """
    from crm_tui.output import render
    from crm_tui.services.imports.batches import list_batches

    rt = runtime(ctx)
    fmt = rt.fmt(fmt)
    with rt.session(write=False) as session:
        batches = list_batches(session)
    records = [
        {
            "id": b.id,
            "created_at": b.created_at,
            "kind": b.kind,
            "source": b.source,
            "preset": b.preset,
            "user": b.created_by,
            "rows": b.rows,
            "created": b.created,
            "updated": b.updated,
            "unchanged": b.unchanged,
            "skipped": b.skipped,
            "reverted_at": b.reverted_at,
        }
        for b in batches
    ]
    columns = [
        ("id", "Batch"), ("created_at", "When"), ("kind", "Kind"), ("source", "File"), ("user", "User"),
        ("created", "Created"), ("updated", "Updated"), ("unchanged", "Unchanged"), ("skipped", "Skipped"),
        ("reverted_at", "Reverted"),
    ]  # fmt: skip
    render(records, columns, fmt, tz=rt.tz, empty="no imports yet")


@import_app.command("revert")
def import_revert(
    ctx: typer.Context, batch: str = typer.Argument(..., help="The batch id from `crm import list`.")
) -> None:
    """Undo an import: contacts it created are removed, fields it changed are restored.

    Example: crm import revert 3
    """
    from crm_tui.services.imports.batches import revert_batch

    rt = runtime(ctx)
    with rt.session() as session:
        summary = revert_batch(session, batch, actor=rt.user, tz=rt.tz)
    rt.done(f"Reverted import {summary.batch_id}: {summary.line()}", summary.batch_id)


@import_app.command("vcard")
def import_vcard_command(
    ctx: typer.Context,
    path: str = typer.Argument(..., metavar="FILE|DIR|-", help="A .vcf file, a directory of them, or -."),
    on_duplicate: str = typer.Option("update", "--on-duplicate", help="update (default), skip or create."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what each card would do; write nothing."),
    skip_invalid: bool = typer.Option(
        False, "--skip-invalid", help="Import the good cards, leave out those naming no one or never closed."
    ),
    rejects: Path | None = typer.Option(
        None, "--rejects", help="Write the cards left out or that lost a property here (.vcf), with the reasons."
    ),
) -> None:
    """Import contacts from vCards (2.1, 3.0 or 4.0): one file, a khard/vdirsyncer directory, or stdin.

    A property that cannot be read (an email that is no address, a date that is no date) is left
    out of its card with a message naming the file, line and property; the rest of the card is imported.

    Example: crm import vcard ~/.contacts/personal/ --rejects rejected.vcf
    """
    from contextlib import ExitStack

    from crm_tui.io.vcard import VcardReader, vcf_files
    from crm_tui.services.imports.contacts import ON_DUPLICATE, import_contacts

    rt = runtime(ctx)
    _check_choice(on_duplicate, ON_DUPLICATE, "--on-duplicate")
    with ExitStack() as stack:
        target = Path(path).expanduser()
        if path != "-" and target.is_dir():
            files = vcf_files(target)
            if not files:
                raise NotFound(f"{path}: no .vcf files in this directory")
            sources: list[tuple[str, BinaryIO]] = [(f.name, stack.enter_context(open(f, "rb"))) for f in files]
            name = str(path)
        else:
            stream, name, _ = stack.enter_context(open_input(path))
            sources = [(name, stream)]
        problems = stack.enter_context(_CardProblems(rt, rejects))
        reader = VcardReader(sources, tz=rt.tz, skip_invalid=skip_invalid, on_problem=problems.report)
        options = {"on_duplicate": on_duplicate, "skip_invalid": skip_invalid}
        with rt.bulk_connection() as conn:
            summary = import_contacts(
                conn,
                reader,
                kind="vcard",
                source=name,
                actor=rt.user,
                preset="vcard",
                on_duplicate=on_duplicate,
                options=options,
                on_outcome=print_outcome if dry_run else None,
            )
            if dry_run:
                conn.rollback()
        problems.finish()
    report(rt, summary, dry_run=dry_run)


class _CardProblems:
    """Says what each card lost on stderr (the first few lines of it) and writes the --rejects file."""

    SHOWN = 20

    def __init__(self, rt: Runtime, rejects: Path | None) -> None:
        from crm_tui.io.vcard import VcardRejectsWriter
        from crm_tui.safewrite import check_target

        self.rt = rt
        if rejects is not None:  # before any card is read: a path it cannot write is the one error said
            check_target(rejects, option="--rejects")
        self.writer = VcardRejectsWriter(rejects) if rejects is not None else None
        self.lines = 0

    def report(self, problem: CardProblem) -> None:
        for message in problem.messages():
            self.lines += 1
            if self.lines <= self.SHOWN:
                self.rt.note(f"crm: {message}")
        if self.writer is not None:
            self.writer.write(problem)

    def finish(self) -> None:
        if self.lines > self.SHOWN:
            more = self.lines - self.SHOWN
            where = f" (all in {self.writer.path})" if self.writer is not None else " (--rejects FILE keeps them all)"
            self.rt.note(f"crm: {more:,} more left out{where}")

    def __enter__(self) -> _CardProblems:
        return self

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        if self.writer is not None:
            if kind is None:
                self.writer.close()
            else:
                self.writer.discard()  # the import failed: nothing was imported or left out


@import_app.command("interactions")
def import_interactions_command(
    ctx: typer.Context,
    file: str = typer.Argument(..., metavar="FILE|-", help="A CSV, JSON or NDJSON file, or - for standard input."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what each row would do; write nothing."),
    skip_invalid: bool = typer.Option(False, "--skip-invalid", help="Import the good rows, skip the bad ones."),
    rejects: Path | None = typer.Option(None, "--rejects", help="With --skip-invalid: write skipped rows here."),
    encoding: str | None = typer.Option(None, "--encoding", help="Force an encoding: utf-8, utf-16, cp1252..."),
    delimiter: str | None = typer.Option(None, "--delimiter", help="Force a delimiter: , ; or tab."),
) -> None:
    """Import interactions (columns: email or contact_id, occurred_at, kind, direction, summary, body).

    A file starting with [ is read as a JSON array, with { as NDJSON (as `crm export interactions` writes them).

    Each one joins its contact's timeline and resets the stay-in-touch clock.

    A row already imported (same contact, time, kind and summary) is not added twice.

    Example: crm import interactions calls.csv
    """
    from crm_tui.io.interactions_csv import InteractionCsvReader
    from crm_tui.io.interactions_json import InteractionJsonReader
    from crm_tui.io.jsonread import sniff_format
    from crm_tui.services.imports.interactions import import_interactions

    rt = runtime(ctx)
    if rejects is not None and not skip_invalid:
        raise InvalidInput("--rejects needs --skip-invalid")
    with open_input(file) as (raw, name, size):
        fmt, stream = sniff_format(raw, encoding=encoding, name=name)
        reader: InteractionCsvReader | InteractionJsonReader
        if fmt == "csv":
            reader = InteractionCsvReader(
                stream,
                name=name,
                tz=rt.tz,
                encoding=encoding,
                delimiter=delimiter,
                size=size,
                skip_invalid=skip_invalid,
            )
        elif delimiter is not None:
            raise InvalidInput(f"{name} is JSON: --delimiter is for CSV files")
        else:
            reader = InteractionJsonReader(
                stream, name=name, tz=rt.tz, encoding=encoding, size=size, skip_invalid=skip_invalid
            )
        options = {"skip_invalid": skip_invalid}
        with _rejects(rejects, reader.header) as on_reject, rt.connection(write=True) as conn:
            summary = import_interactions(
                conn,
                reader,
                source=name,
                actor=rt.user,
                options=options,
                on_outcome=print_outcome if dry_run else None,
                on_reject=on_reject,
                skip_invalid=skip_invalid,
            )
            if dry_run:
                conn.rollback()
    report(rt, summary, dry_run=dry_run)


# `crm import mail` and `crm import calendar` live beside, on the same group.
from crm_tui.commands import io_capture as _io_capture  # noqa: E402, F401


def _register_money() -> None:
    from crm_tui.commands.money_io import register_imports

    register_imports(import_app)


_register_money()  # `crm import deals|payments`
