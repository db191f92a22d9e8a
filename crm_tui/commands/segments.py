"""`crm view ...`, `crm tag ...` and `crm why REF`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from crm_tui.commands.runtime import FormatOption, Runtime, runtime

if TYPE_CHECKING:
    from crm_tui.services.segments.compiler import Segment

view_app = typer.Typer(help="Saved views: a name for a query of the segments language.", no_args_is_help=True)
tag_app = typer.Typer(help="Tags: list them, give one a default stay-in-touch cadence.", no_args_is_help=True)
why_app = typer.Typer(help="Explain a contact's standing: cadence, rhythm, follow-ups, views.")


def segment(rt: Runtime, text: str) -> Segment:
    """A query typed by the user, checked (QueryError names the column)."""
    from crm_tui.services.segments.compiler import parse_segment

    return parse_segment(text, now=rt.now(), tz=rt.tz, user=rt.user)


HEADERS = {
    "id": "ID", "name": "Name", "organization": "Organization", "email": "Email", "phone": "Phone", "tags": "Tags",
    "owner": "Owner", "every": "Every", "last_contact_at": "Last contact", "next_due_at": "Next follow-up",
    "created_at": "Created",
}  # fmt: skip


def view_columns(
    conn: Any, query: str, *, sort: str | None, columns: str | None, default: list[tuple[str, str]]
) -> tuple[str | None, list[tuple[str, str]]]:
    """The sort and columns of a listing: those given, else the view's when the query is one `@VIEW`."""
    from crm_tui.services.segments.views import view_info

    keys = _columns(columns)
    text = query.strip()
    if text.startswith("@") and " " not in text and (sort is None or not keys):
        view = view_info(conn, text)
        sort = sort or view.sort
        keys = keys or view.columns
    return sort, ([(key, HEADERS[key]) for key in keys] if keys else default)


def _columns(value: str | None) -> list[str]:
    from crm_tui.services.segments.views import check_columns

    return check_columns(value.split(",")) if value else []


@view_app.command("save")
def view_save(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The view's name (then: crm contact list @NAME)."),
    query: str = typer.Argument(..., help="A query: tag:vip +STALE last:>30d (see the README)."),
    sort: str | None = typer.Option(None, "--sort", help="name, last-contact or created."),
    columns: str | None = typer.Option(None, "--columns", help="Columns to show: id,name,tags,last_contact_at..."),
    notify: bool = typer.Option(False, "--notify", help="crm due lists contacts that join the view."),
) -> None:
    """Save a query under a name, or change the view of that name.

    Example: crm view save quiet-vips 'tag:vip last:>30d' --sort last-contact --notify
    """
    from crm_tui.services.segments.views import save_view

    rt = runtime(ctx)
    with rt.session() as session:
        view, created = save_view(session, name=name, query=query, actor=rt.user, tz=rt.tz, sort=sort,
                                  columns=_columns(columns), notify=notify, now=rt.now())  # fmt: skip
        view_id, view_name = view.id, view.name
    rt.done(f"{'Saved' if created else 'Updated'} view @{view_name}", view_id)


def _view_record(view: Any) -> dict[str, Any]:
    return {
        "id": view.id,
        "name": view.name,
        "query": view.query,
        "sort": view.sort,
        "columns": view.columns,
        "notify": view.notify,
        "created_by": view.created_by,
        "updated_at": view.updated_at,
    }


@view_app.command("list")
def view_list(ctx: typer.Context, fmt: str | None = FormatOption) -> None:
    """List the saved views.

    Example: crm view list --format json
    """
    from crm_tui.output import render
    from crm_tui.services.segments.views import view_infos

    rt = runtime(ctx)
    fmt = rt.fmt(fmt)
    with rt.connection() as conn:
        views = view_infos(conn)
    columns = [("name", "Name"), ("query", "Query"), ("sort", "Sort"), ("notify", "Notify")]
    render([_view_record(v) for v in views], columns, fmt, tz=rt.tz)


@view_app.command("show")
def view_show(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The view's name."),
    fmt: str | None = FormatOption,
) -> None:
    """Show a view and how many contacts it holds now.

    Example: crm view show quiet-vips
    """
    from crm_tui.output import fields
    from crm_tui.services.contacts.rows import ContactFilter, count_contacts
    from crm_tui.services.segments.views import view_info

    rt = runtime(ctx)
    fmt = rt.fmt(fmt)
    with rt.connection() as conn:
        view = view_info(conn, name)
        members = count_contacts(conn, ContactFilter(segment=segment(rt, view.query)), now=rt.now())
    fields([*_view_record(view).items(), ("members", members)], fmt, tz=rt.tz)


@view_app.command("rm")
def view_rm(ctx: typer.Context, name: str = typer.Argument(..., help="The view to delete.")) -> None:
    """Delete a saved view (its contacts are not touched).

    Example: crm view rm quiet-vips
    """
    from crm_tui.services.segments.views import remove_view

    rt = runtime(ctx)
    with rt.session() as session:
        info = remove_view(session, name, actor=rt.user)
    rt.done(f"Deleted view @{info.name}", info.id)


# ---------------------------------------------------------------- tags


@tag_app.command("set")
def tag_set(
    ctx: typer.Context,
    tag: str = typer.Argument(..., help="The tag (created if new)."),
    every: str = typer.Option(..., "--every", help="Default cadence: 2w, 1m, 90 days; 'off' removes it."),
) -> None:
    """Give a tag a default stay-in-touch cadence: its contacts without their own inherit it
    (the shortest, when they have several such tags).

    Example: crm tag set vip --every 2w
    """
    from crm_tui.dates import format_duration_days
    from crm_tui.services.tags import set_tag_cadence

    rt = runtime(ctx)
    clear = every.strip().lower() in ("off", "none", "never")
    days = None if clear else rt.duration_days(every, option="--every")
    with rt.session() as session:
        name, _ = set_tag_cadence(session, tag, days, actor=rt.user)
    shown = format_duration_days(days) if days else "no default cadence"
    rt.done(f"Tag {name}: {shown}", name)


@tag_app.command("list")
def tag_list(ctx: typer.Context, fmt: str | None = FormatOption) -> None:
    """List tags with their contacts and default cadences.

    Example: crm tag list
    """
    from crm_tui.dates import format_duration_days
    from crm_tui.output import render
    from crm_tui.services.tags import tag_infos

    rt = runtime(ctx)
    fmt = rt.fmt(fmt)
    with rt.connection() as conn:
        tags = tag_infos(conn)
    records = [
        {"name": tag.name, "contacts": tag.count,
         "every": format_duration_days(tag.cadence_days) if tag.cadence_days else None}
        for tag in tags
    ]  # fmt: skip
    render(records, [("name", "Tag"), ("contacts", "Contacts"), ("every", "Every")], fmt, tz=rt.tz)


# ---------------------------------------------------------------- why


@why_app.command("why")
def why(
    ctx: typer.Context,
    ref: str = typer.Argument(..., help="The contact: 12, #12, an email, or part of a name."),
    fmt: str | None = FormatOption,
) -> None:
    """Explain a contact's standing: its cadence and where it comes from, its rhythm, its last
    interaction, open follow-ups, feedback, the views and rules it is in, and its tier and value.

    Example: crm why ada
    """
    from crm_tui.commands.why_render import why_pairs
    from crm_tui.output import fields
    from crm_tui.services.contacts.finding import find_contact
    from crm_tui.services.segments.why import explain_contact

    rt = runtime(ctx)
    fmt = rt.fmt(fmt)
    with rt.connection() as conn:
        found = find_contact(conn, ref)
        why_ = explain_contact(conn, found.id, now=rt.now(), tz=rt.tz, user=rt.user)
    fields(why_pairs(why_, machine=fmt in ("json", "ndjson", "csv"), tz=rt.tz), fmt, tz=rt.tz)
