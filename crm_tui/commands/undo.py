"""`crm undo [--list | ID]`: undo your latest change, or a chosen one."""

from __future__ import annotations

import typer

from crm_tui.commands.runtime import FormatOption, runtime

undo_app = typer.Typer(help="Undo your latest change, or one chosen from `crm undo --list`.")


@undo_app.command("undo")
def undo(
    ctx: typer.Context,
    entry: str | None = typer.Argument(
        None, metavar="[ID]", help="The change to undo (an id from --list); default: your latest."
    ),
    list_: bool = typer.Option(False, "--list", "-l", help="List your latest changes and whether each can be undone."),
    everyone: bool = typer.Option(False, "--all", help="With --list: everyone's changes, not only yours."),
    limit: int = typer.Option(20, "--limit", "-n", min=1, help="With --list: at most this many."),
    fmt: str | None = FormatOption,
) -> None:
    """Undo your latest change (contact add/edit/trash/merge, log, reminder add/edit/done/snooze...).

    It refuses, saying why, when a later change touched the same record or the record changed
    since. A merge is reversed even after later edits with `crm contact unmerge`.

    Example: crm undo --list && crm undo 42
    """
    from crm_tui.errors import InvalidInput
    from crm_tui.records import MAX_ID

    rt = runtime(ctx)
    if list_:
        if entry is not None:
            raise typer.BadParameter("give --list or an ID, not both", param_hint="--list")
        _list(rt, everyone=everyone, limit=limit, fmt=rt.fmt(fmt))
        return
    entry_id = None
    if entry is not None:
        text = entry.strip().lstrip("#")
        if not (text.isascii() and text.isdigit()) or int(text) > MAX_ID:
            raise InvalidInput(f"'{entry}' is not a change id (see `crm undo --list`)")
        entry_id = int(text)
    from crm_tui.services.undo import undo_change

    with rt.session() as session:
        undone = undo_change(session, actor=rt.user, entry_id=entry_id)
    rt.done(f"Undid #{undone.id}: {undone.summary}", undone.id)


def _list(rt: object, *, everyone: bool, limit: int, fmt: str) -> None:
    from crm_tui.commands.runtime import Runtime
    from crm_tui.output import render
    from crm_tui.services.undo import journal_entries, why_not

    assert isinstance(rt, Runtime)
    with rt.connection() as conn:
        entries = journal_entries(conn, actor=None if everyone else rt.user, limit=limit)
        records = []
        for e in entries:
            reason = why_not(conn, e, actor=rt.user)
            records.append(
                {
                    "id": e.id,
                    "at": e.at,
                    "actor": e.actor,
                    "entity": e.entity,
                    "entity_id": e.entity_id,
                    "contact_id": e.contact_id,
                    "action": e.action,
                    "summary": e.summary,
                    "undoable": reason is None,
                    "why_not": reason,
                    "undone_at": e.undone_at,
                    "undo_of": e.undo_of,
                }
            )
    columns = [("id", "ID"), ("at", "When"), ("actor", "Who"), ("summary", "Change"), ("why_not", "Cannot undo")]
    render(records, columns, fmt, tz=rt.tz)
