"""`crm interaction ...`: list the timeline across contacts, fix an interaction, delete and restore it."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import typer

from crm_tui.commands.runtime import MAX_LIMIT, FormatOption, runtime

if TYPE_CHECKING:
    from crm_tui.services.interactions import InteractionRow

interaction_app = typer.Typer(
    help="Interactions: list, show, edit, remove (to the trash) and restore.", no_args_is_help=True
)

COLUMNS = [
    ("id", "ID"),
    ("occurred_at", "When"),
    ("kind", "Kind"),
    ("contact", "Contact"),
    ("summary", "Summary"),
    ("author", "By"),
]


def interaction_record(row: InteractionRow) -> dict[str, Any]:
    """The stable keys of an interaction in machine formats."""
    i = row.info
    return {
        "id": i.id,
        "contact_id": i.contact_id,
        "contact": row.contact_name,
        "kind": i.kind,
        "direction": i.direction,
        "occurred_at": i.occurred_at,
        "summary": i.summary,
        "body": i.body,
        "author": i.author,
        "score": i.score,  # a feedback's, on `scale` (10: 0-10, 5: 1-5)
        "scale": i.scale,
        "created_at": i.created_at,
        "deleted_at": i.deleted_at,
        "external_id": i.external_id,
    }


@interaction_app.command("list")
def list_(
    ctx: typer.Context,
    query: str | None = typer.Argument(
        None, help="Words in the summary or body, or in the contact's name, emails, organization or tags."
    ),
    contact: str | None = typer.Option(None, "--contact", "-c", help="Only this contact's (12, an email, a name)."),
    kind: str | None = typer.Option(None, "--kind", "-k", help="Only this kind: call, email, meeting, message, note."),
    since: str | None = typer.Option(None, "--from", help="Only from this time on: 2026-11-01, 2 weeks ago."),
    until: str | None = typer.Option(None, "--to", help="Only before this time."),
    deleted: bool = typer.Option(False, "--deleted", help="The deleted ones (the trash), most recently deleted first."),
    limit: int = typer.Option(50, "--limit", "-n", min=0, max=MAX_LIMIT, help="At most this many rows (0: all)."),
    fmt: str | None = FormatOption,
) -> None:
    """List interactions, newest first.

    Example: crm interaction list "renewal" --contact ada --kind call --format json
    """
    from crm_tui.output import render
    from crm_tui.services.contacts.finding import find_contact
    from crm_tui.services.interactions import list_interactions

    rt = runtime(ctx)
    fmt = rt.fmt(fmt)
    start = rt.when(since, option="--from") if since else None
    end = rt.when(until, option="--to") if until else None
    with rt.connection() as conn:
        contact_id = find_contact(conn, contact).id if contact else None
        rows = list_interactions(
            conn, query=query, contact_id=contact_id, kind=kind, since=start, until=end, deleted=deleted,
            limit=limit + 1 if limit else None,
        )  # fmt: skip
    rows = rt.first(rows, limit, "interactions")
    columns = [*COLUMNS, ("deleted_at", "Deleted")] if deleted else COLUMNS
    render([interaction_record(r) for r in rows], columns, fmt, tz=rt.tz)


@interaction_app.command("show")
def show(
    ctx: typer.Context,
    ref: str = typer.Argument(..., help="The interaction id (12 or #12)."),
    fmt: str | None = FormatOption,
) -> None:
    """Show one interaction, its body included (a deleted one too).

    Example: crm interaction show 12 --format json
    """
    from crm_tui.output import fields
    from crm_tui.services.interactions import interaction_row

    rt = runtime(ctx)
    fmt = rt.fmt(fmt)
    with rt.connection() as conn:
        row = interaction_row(conn, ref, deleted=None)
    fields(list(interaction_record(row).items()), fmt, tz=rt.tz)


@interaction_app.command("edit")
def edit(
    ctx: typer.Context,
    ref: str = typer.Argument(..., help="The interaction id (12 or #12)."),
    kind: str | None = typer.Option(None, "--kind", "-k", help="call, email, meeting, message or note."),
    at: str | None = typer.Option(None, "--at", help="When it happened: yesterday 3pm, 2026-11-20 14:00."),
    summary: str | None = typer.Option(None, "--summary", "-s", help="The one-line summary."),
    body: str | None = typer.Option(None, "--body", help="The longer text ('' clears it, '-' reads stdin)."),
    direction: str | None = typer.Option(None, "--direction", help="in, out or none."),
    contact: str | None = typer.Option(None, "--contact", "-c", help="Move it to this contact."),
) -> None:
    """Fix an interaction; the stay-in-touch clocks follow (they count from the remaining interactions).

    Every change is in the history (crm contact history REF).

    Example: crm interaction edit 12 --kind meeting --at "yesterday 1pm" --summary "Lunch: the renewal"
    """
    from crm_tui.errors import InvalidInput
    from crm_tui.services.contacts.finding import find_contact
    from crm_tui.services.interaction_edits import edit_interaction, get_interaction

    rt = runtime(ctx)
    if all(v is None for v in (kind, at, summary, body, direction, contact)):
        raise InvalidInput("nothing to change: give --kind, --at, --summary, --body, --direction or --contact")
    when = rt.when(at, option="--at") if at else None
    if body == "-":
        body = sys.stdin.read()
    with rt.session() as session:
        interaction = get_interaction(session, ref)
        contact_id = find_contact(session.connection(), contact).id if contact else None
        changes = edit_interaction(
            session,
            interaction,
            kind=kind,
            at=when,
            summary=summary,
            body=body,
            direction=direction,
            contact_id=contact_id,
            actor=rt.user,
            now=rt.now(),
        )
        interaction_id = interaction.id
    what = ", ".join(changes) if changes else "nothing changed"
    rt.done(f"Interaction #{interaction_id}: {what}", interaction_id)


@interaction_app.command("rm")
def rm(ctx: typer.Context, ref: str = typer.Argument(..., help="The interaction id (12 or #12).")) -> None:
    """Remove an interaction to the trash: it leaves the timeline, search and the stay-in-touch clock.

    Bring it back with `crm interaction restore ID` (`crm interaction list --deleted` lists them);
    `crm trash purge --older-than 30d` removes it for good.

    Example: crm interaction rm 12
    """
    from crm_tui.services.interaction_edits import delete_interaction, get_interaction

    rt = runtime(ctx)
    with rt.session() as session:
        interaction = delete_interaction(session, get_interaction(session, ref), actor=rt.user, now=rt.now())
        interaction_id = interaction.id
    rt.done(f"Removed interaction #{interaction_id} (crm interaction restore {interaction_id} brings it back)",
            interaction_id)  # fmt: skip


@interaction_app.command("restore")
def restore(ctx: typer.Context, ref: str = typer.Argument(..., help="A removed interaction's id.")) -> None:
    """Bring a removed interaction back to its contact's timeline.

    Example: crm interaction restore 12
    """
    from crm_tui.services.interaction_edits import get_interaction, restore_interaction

    rt = runtime(ctx)
    with rt.session() as session:
        interaction = restore_interaction(
            session, get_interaction(session, ref, deleted=True), actor=rt.user, now=rt.now()
        )
        interaction_id = interaction.id
    rt.done(f"Restored interaction #{interaction_id}", interaction_id)
