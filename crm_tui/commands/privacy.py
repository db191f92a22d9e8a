"""`crm contact merge | unmerge | export-person | forget`: a person as a whole (registered on contact_app)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from crm_tui.commands.contacts import contact_app
from crm_tui.commands.runtime import FormatOption, runtime


@contact_app.command("merge")
def merge(
    ctx: typer.Context,
    keep: str = typer.Argument(..., help="The contact that stays."),
    other: str = typer.Argument(..., help="The duplicate: what points at it moves to KEEP, then it is trashed."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would move; change nothing."),
    fmt: str | None = FormatOption,
) -> None:
    """Merge a duplicate into another contact; `crm contact unmerge OTHER` reverses it.

    Every record pointing at OTHER (emails, phones, tags, interactions, reminders, and any
    other table's rows) moves to KEEP; a phone or tag KEEP already has is dropped; KEEP takes
    the fields it lacks; OTHER goes to the trash.

    Example: crm contact merge 12 31 --dry-run
    """
    from crm_tui.output import fields
    from crm_tui.services.contacts.finding import find_contact
    from crm_tui.services.contacts.merging import merge_plan

    rt = runtime(ctx)
    shown = rt.fmt(fmt)
    if dry_run:
        with rt.connection() as conn:
            plan = merge_plan(conn, find_contact(conn, keep).id, find_contact(conn, other).id)
        if shown in ("json", "ndjson", "csv"):
            fields(list(plan.as_record().items()), shown, tz=rt.tz)
        else:
            typer.echo("\n".join(plan.lines()))
        return
    from crm_tui.services.contacts.finding import resolve_contact
    from crm_tui.services.contacts.merging import merge_contacts

    with rt.session() as session:
        keep_contact, other_contact = resolve_contact(session, keep), resolve_contact(session, other)
        assert keep_contact.id is not None and other_contact.id is not None
        plan = merge_plan(session.connection(), keep_contact.id, other_contact.id)
        kept = merge_contacts(session, keep_contact, other_contact, actor=rt.user)
    rt.done(f"Merged #{plan.other_id} {plan.other_name} into #{kept.id} {kept.display_name} ({plan.moved()})", kept.id)


@contact_app.command("unmerge")
def unmerge(
    ctx: typer.Context,
    ref: str = typer.Argument(..., help="The contact that was merged into another (it is in the trash)."),
) -> None:
    """Take a merged contact back out: it is restored, and exactly what its merge moved moves back.

    Rows deleted or moved to a third contact since stay where they are; the fields the merge
    filled in on the kept contact go back unless someone edited them since.

    Example: crm contact unmerge 31
    """
    from crm_tui.services.contacts.finding import find_contact
    from crm_tui.services.contacts.unmerging import unmerge_contact

    rt = runtime(ctx)
    with rt.session() as session:
        found = find_contact(session.connection(), ref, deleted=None)
        summary = unmerge_contact(session, found.id, actor=rt.user)
    rt.done(summary.line(), summary.other_id)


@contact_app.command("export-person")
def export_person(
    ctx: typer.Context,
    ref: str = typer.Argument(..., help="The contact (trashed ones too)."),
    output: str = typer.Option("-", "--output", "-o", help="The JSON file to write (0600), or - for stdout."),
) -> None:
    """Everything held about one person, as JSON (a GDPR access request).

    The profile, emails, phones, tags, every record pointing at them (interactions,
    reminders, and whatever other tables hold), their change history and the imports
    that touched them.

    Example: crm contact export-person ada -o ada.json
    """
    from crm_tui.io.person_json import person_json, write_private_file
    from crm_tui.services.contacts.finding import find_contact
    from crm_tui.services.contacts.privacy import person_record

    rt = runtime(ctx)
    with rt.connection() as conn:
        found = find_contact(conn, ref, deleted=None)
        data = person_json(person_record(conn, found.id, now=rt.now()))
    if output == "-":
        sys.stdout.write(data.decode("utf-8"))
        return
    path = write_private_file(Path(output), data)
    rt.note(f"Wrote everything about #{found.id} {found.name} to {path}")


@contact_app.command("forget")
def forget(
    ctx: typer.Context,
    ref: str = typer.Argument(..., help="The contact to erase (trashed ones too)."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask (scripts)."),
) -> None:
    """Erase a person everywhere, for good (a GDPR erasure request): cannot be undone.

    Their contact, emails, phones, interactions, reminders and every other record pointing at
    them, their search entries, their change history, their values in the import log and in
    other records' history; only an anonymous count stays. See the README for what it cannot
    reach (backups, files already exported).

    Example: crm contact export-person ada -o ada.json && crm contact forget ada --yes
    """
    from crm_tui.errors import InvalidInput
    from crm_tui.services.contacts.finding import find_contact

    rt = runtime(ctx)
    with rt.connection() as conn:
        found = find_contact(conn, ref, deleted=None)
    if not yes:
        if not sys.stdin.isatty():
            raise InvalidInput(f"forgetting #{found.id} {found.name} cannot be undone: add --yes to confirm")
        typer.confirm(f"Erase #{found.id} {found.name} and everything about them, for good?", abort=True, err=True)
    from crm_tui.services.contacts.privacy import forget_contact, reclaim

    with rt.session() as session:
        summary = forget_contact(session, found.id, actor=rt.user)
    warning = reclaim(rt.engine)
    if warning:
        rt.note(f"crm: {warning}")
    rt.done(f"Forgot #{found.id} ({summary.line()} erased)", found.id)
