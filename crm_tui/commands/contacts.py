"""`crm contact ...` and `crm trash ...`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from crm_tui.commands.runtime import MAX_LIMIT, FormatOption, runtime

if TYPE_CHECKING:
    from crm_tui.services.contacts.rows import ContactRow

contact_app = typer.Typer(help="Add, find, edit, merge and trash contacts.", no_args_is_help=True)
trash_app = typer.Typer(help="Contacts sent to the trash: list them or purge them.", no_args_is_help=True)

LIST_COLUMNS = [
    ("id", "ID"),
    ("name", "Name"),
    ("organization", "Organization"),
    ("email", "Email"),
    ("tags", "Tags"),
    ("last_contact_at", "Last contact"),
    ("next_due_at", "Next follow-up"),
]


def one_line_field(value: str | None) -> str | None:
    """A one-line field typed on the command line: tabs and newlines become spaces (the input rule)."""
    return None if value is None else " ".join(value.split())


def row_record(row: ContactRow) -> dict[str, Any]:
    """A contact list row as a record for the renderers."""
    from crm_tui.dates import format_duration_days

    return {
        "id": row.id,
        "name": row.name,
        "organization": row.organization,
        "email": row.email,
        "phone": row.phone,
        "tags": row.tags,
        "owner": row.owner,
        "every": format_duration_days(row.cadence_days) if row.cadence_days else None,
        "last_contact_at": row.last_contact_at,
        "next_due_at": row.next_due_at,
        "created_at": row.created_at,
    }


@contact_app.command("add")
def add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help='Display name, e.g. "Ada Lovelace".'),
    email: list[str] = typer.Option([], "--email", "-e", help="Email address (repeat for more; the first is primary)."),
    phone: list[str] = typer.Option([], "--phone", "-p", help="Phone number, kept as text (repeatable)."),
    org: str | None = typer.Option(
        None, "--org", help="Organization: 3, a name or part of one; created if new, unless close to one."
    ),
    title: str | None = typer.Option(None, "--title", help="Job title."),
    tag: list[str] = typer.Option([], "--tag", "-t", help="Tag (repeatable)."),
    note: str | None = typer.Option(None, "--note", help="Free-text notes."),
    every: str | None = typer.Option(None, "--every", help="Stay-in-touch cadence: 2w, 3m, 90 days."),
    owner: str | None = typer.Option(None, "--owner", help="Owner (default: you)."),
) -> None:
    """Add a contact.

    Example: crm contact add "Ada Lovelace" --email ada@analytical.io --org "Analytical Engines" --tag client --every 2w
    """
    from crm_tui.keys import check_tag_count
    from crm_tui.models.schemas import ContactCreate
    from crm_tui.services.contacts.writing import add_contact, typed_organization

    rt = runtime(ctx)
    check_tag_count(tag)
    title, owner = one_line_field(title), one_line_field(owner)
    cadence = rt.duration_days(every, option="--every") if every is not None else None
    with rt.session() as session:
        organization, created = typed_organization(session, org, actor=rt.user, now=rt.now())
        data = ContactCreate(
            name=name,
            emails=email,
            phones=phone,
            organization=organization,
            title=title,
            tags=tag,
            notes=note,
            cadence_days=cadence,
            owner=owner,
        )
        contact = add_contact(session, data, actor=rt.user)
        holders = same_phone_holders(session.connection(), phone, contact.id)
    say_new_org(rt, created)
    rt.done(f"Added #{contact.id} {contact.display_name}", contact.id)
    for holder in holders:
        rt.note(
            f"crm: #{holder.id} {holder.name} has this number too ({holder.phone}); "
            f"if they are one person: crm contact merge {holder.id} {contact.id}"
        )


def say_new_org(rt: Any, created: str | None) -> None:
    """Say on stderr, once the change is saved, that `--org` created an organization (stdout stays the id)."""
    if created is not None:
        rt.note(f"crm: new organization '{created}'")


def same_phone_holders(conn: Any, phones: list[str], contact_id: int | None) -> list[Any]:
    """Other contacts with one of `phones` in any form (none looked up when no phone was given)."""
    if not phones:
        return []
    from crm_tui.services.contacts.finding import contacts_with_phones

    return contacts_with_phones(conn, phones, exclude=contact_id)


@contact_app.command("list")
def list_(
    ctx: typer.Context,
    query: str | None = typer.Argument(
        None, help="A query: tag:vip -tag:friend +STALE last:>30d 'free text' (see the README), or @VIEW."
    ),
    tag: str | None = typer.Option(None, "--tag", "-t", help="Only contacts with this tag."),
    org: str | None = typer.Option(None, "--org", help="Only contacts whose organization contains this."),
    search: str | None = typer.Option(
        None, "--search", "-s", help="Full-text search (names, emails, notes, interactions)."
    ),
    stale: bool = typer.Option(False, "--stale", help="Only contacts whose stay-in-touch cadence has lapsed."),
    owner: str | None = typer.Option(None, "--owner", help="Only contacts owned by this user."),
    sort: str | None = typer.Option(
        None, "--sort", help="name (default), last-contact, created, or lapse (going cold longest first)."
    ),
    columns: str | None = typer.Option(None, "--columns", help="Columns for table, plain and csv: id,name,tags..."),
    limit: int = typer.Option(100, "--limit", "-n", min=0, max=MAX_LIMIT, help="At most this many rows (0: all)."),
    fmt: str | None = FormatOption,
) -> None:
    """List contacts by name, last contact or newest, filtered by tag, organization, owner or words.

    Example: crm contact list --tag client --sort last-contact --limit 20
    Example: crm contact list 'tag:vip +STALE last:>30d'    or    crm contact list @quiet-vips
    """
    from crm_tui.output import render
    from crm_tui.services.contacts.rows import ContactFilter, list_contacts

    rt = runtime(ctx)
    fmt = rt.fmt(fmt)
    segment = None
    shown = LIST_COLUMNS
    with rt.connection() as conn:
        if query is not None:
            from crm_tui.commands.segments import segment as read_query
            from crm_tui.commands.segments import view_columns

            segment = read_query(rt, query)
            sort, shown = view_columns(conn, query, sort=sort, columns=columns, default=LIST_COLUMNS)
        elif columns is not None:
            from crm_tui.commands.segments import view_columns

            sort, shown = view_columns(conn, "", sort=sort, columns=columns, default=LIST_COLUMNS)
    sort = sort or "name"
    filters = ContactFilter(tag=tag, organization=org, owner=owner, stale=stale, segment=segment)
    with rt.connection() as conn:
        if search is not None:
            from crm_tui.services.search import search_contacts

            # The search's own filters: its ranking, cut to the page (the best `limit`), in SQL.
            hits = search_contacts(conn, search, filters, limit=limit + 1 if limit else 1000, now=rt.now())
            filters = ContactFilter(ids=[hit.row.id for hit in rt.first(hits, limit, "matches")])
            rows = list_contacts(conn, filters, sort=sort, limit=None, now=rt.now())
        else:
            rows = list_contacts(conn, filters, sort=sort, limit=limit + 1 if limit else None, now=rt.now())
            rows = rt.first(rows, limit, "contacts")
    records = [row_record(r) for r in rows]
    if fmt == "csv" and shown is not LIST_COLUMNS:
        records = [{key: record[key] for key, _ in shown} for record in records]
    narrowed = tag or org or owner or stale or search is not None or query is not None
    render(
        records,
        shown,
        fmt,
        tz=rt.tz,
        empty="no contacts match" if narrowed else "no contacts yet: crm contact add NAME, or crm import contacts FILE",
        keep={"last-contact": ["last_contact_at"]}.get(sort, []),
    )


@contact_app.command("snooze")
def snooze(
    ctx: typer.Context,
    ref: str = typer.Argument(..., metavar="REF", help="The contact: id, email or name."),
    until: str = typer.Argument(..., metavar="WHEN", help="1w, mon, tomorrow 9am, 2026-12-01."),
) -> None:
    """Keep a contact going cold off Today and `crm due` until WHEN (its cadence stays; crm undo reverses it).

    Example: crm contact snooze ada 2w
    """
    from datetime import time

    from crm_tui.output import human_value
    from crm_tui.services.contacts.finding import find_contact, get_contact
    from crm_tui.services.contacts.writing import snooze_touch

    rt = runtime(ctx)
    when = rt.when(until, option="WHEN", default_time=time(9, 0))
    with rt.session() as session:
        contact = get_contact(session, find_contact(session.connection(), ref).id)
        contact = snooze_touch(session, contact, when, actor=rt.user, now=rt.now())
    rt.done(f"{contact.display_name}: stay in touch snoozed until {human_value(when, rt.tz)}", contact.id)


@contact_app.command("edit")
def edit(
    ctx: typer.Context,
    ref: str = typer.Argument(..., help="12, #12, an email, or part of a name."),
    name: str | None = typer.Option(None, "--name", help="New display name."),
    add_email: list[str] = typer.Option([], "--add-email", help="Add an email (repeatable)."),
    remove_email: list[str] = typer.Option([], "--remove-email", help="Remove an email (repeatable)."),
    primary_email: str | None = typer.Option(None, "--primary-email", help="Make this email the primary one."),
    add_phone: list[str] = typer.Option([], "--add-phone", help="Add a phone (repeatable)."),
    remove_phone: list[str] = typer.Option([], "--remove-phone", help="Remove a phone (repeatable)."),
    org: str | None = typer.Option(
        None, "--org", help='Organization, as for add ("" clears it); created if new, unless close to one.'
    ),
    title: str | None = typer.Option(None, "--title", help='Job title ("" clears it).'),
    note: str | None = typer.Option(None, "--note", help='Replace the notes ("" clears them).'),
    tag: list[str] = typer.Option([], "--tag", "-t", help="Add a tag (repeatable)."),
    untag: list[str] = typer.Option([], "--untag", help="Remove a tag (repeatable)."),
    every: str | None = typer.Option(None, "--every", help="Stay-in-touch cadence (2w, 3m); 'off' removes it."),
    owner: str | None = typer.Option(None, "--owner", help="Reassign to this user."),
    birthday: str | None = typer.Option(None, "--birthday", help="MM-DD or YYYY-MM-DD; 'none' removes it."),
    date: list[str] = typer.Option([], "--date", help='A yearly date: "renewal=2027-03-01" (repeatable).'),
    remove_date: list[str] = typer.Option([], "--remove-date", help="Remove the date of this label (repeatable)."),
    set_: list[str] = typer.Option([], "--set", help="A custom field's value: industry=retail (repeatable)."),
    unset: list[str] = typer.Option([], "--unset", help="Remove a custom field's value (repeatable)."),
    add_address: list[str] = typer.Option(
        [], "--add-address", help='"home: 12 Main St, Springfield, IL, 62701, USA" (repeatable).'
    ),
    remove_address: list[str] = typer.Option(
        [], "--remove-address", help="Remove an address: its number in `crm contact show`, or its text."
    ),
    url: list[str] = typer.Option([], "--url", help="Add a web address, labelled or not: linkedin=https://..."),
    remove_url: list[str] = typer.Option([], "--remove-url", help="Remove a web address (repeatable)."),
    nickname: str | None = typer.Option(None, "--nickname", help='Nickname ("" clears it).'),
    department: str | None = typer.Option(None, "--department", help='Department ("" clears it).'),
) -> None:
    """Change a contact, its dates, addresses, web addresses and custom fields.

    Example: crm contact edit "ada" --add-email ada@home.example --tag vip --every 1m
    Example: crm contact edit ada --birthday 12-10 --date "renewal=2027-03-01" --set industry=retail
    """
    from crm_tui.commands.person import person_edit
    from crm_tui.errors import InvalidInput
    from crm_tui.keys import check_tag_count
    from crm_tui.models.schemas import ContactUpdate
    from crm_tui.services.contacts.finding import resolve_contact
    from crm_tui.services.contacts.writing import typed_organization
    from crm_tui.services.person.editing import edit_contact_and_person

    rt = runtime(ctx)
    given = (name, primary_email, org, title, note, every, owner, birthday, nickname, department)
    lists = (add_email, remove_email, add_phone, remove_phone, tag, untag, date, remove_date, set_, unset,
             add_address, remove_address, url, remove_url)  # fmt: skip
    if all(value is None for value in given) and not any(lists):
        raise InvalidInput("nothing to change: give at least one option (see `crm contact edit --help`)")
    check_tag_count(tag)
    title, owner = one_line_field(title), one_line_field(owner)
    clear = every is not None and every.strip().lower() in ("off", "none", "never")
    cadence = rt.duration_days(every, option="--every") if every is not None and not clear else None
    data = ContactUpdate(
        name=name,
        add_emails=add_email,
        remove_emails=remove_email,
        primary_email=primary_email,
        add_phones=add_phone,
        remove_phones=remove_phone,
        title=title,
        notes=note,
        add_tags=tag,
        remove_tags=untag,
        cadence_days=cadence,
        clear_cadence=clear,
        owner=owner,
    )
    more = person_edit(
        birthday=birthday, dates=date, remove_dates=remove_date, set_fields=set_, unset_fields=unset,
        add_addresses=add_address, remove_addresses=remove_address, urls=url, remove_urls=remove_url,
        nickname=nickname, department=department,
    )  # fmt: skip
    with rt.session() as session:
        contact = resolve_contact(session, ref)
        data.organization, created = typed_organization(session, org, actor=rt.user, now=rt.now())  # "" clears it
        contact = edit_contact_and_person(session, contact, data, more, actor=rt.user, now=rt.now(), tz=rt.tz)
    say_new_org(rt, created)
    rt.done(f"Updated #{contact.id} {contact.display_name}", contact.id)


@contact_app.command("rm")
def rm(ctx: typer.Context, ref: str = typer.Argument(..., help="The contact to send to the trash.")) -> None:
    """Send a contact to the trash (undo with `crm contact restore`).

    Example: crm contact rm 31
    """
    from crm_tui.services.contacts.finding import resolve_contact
    from crm_tui.services.contacts.lifecycle import trash_contact

    rt = runtime(ctx)
    with rt.session() as session:
        contact = trash_contact(session, resolve_contact(session, ref), actor=rt.user)
    rt.done(f"Moved #{contact.id} {contact.display_name} to the trash", contact.id)


@contact_app.command("restore")
def restore(ctx: typer.Context, ref: str = typer.Argument(..., help="A contact in the trash.")) -> None:
    """Bring a contact back from the trash, with its interactions and follow-ups.

    Example: crm contact restore 31
    """
    from crm_tui.errors import InvalidInput, NotFound
    from crm_tui.services.contacts.finding import resolve_contact
    from crm_tui.services.contacts.lifecycle import restore_contact

    rt = runtime(ctx)
    with rt.session() as session:
        try:
            found = resolve_contact(session, ref, deleted=True)
        except NotFound:
            try:  # not in the trash: say so of a live contact, rather than that none matches
                live = resolve_contact(session, ref)
            except NotFound:
                live = None
            if live is not None:
                raise InvalidInput(f"#{live.id} {live.display_name} is not in the trash: nothing to restore") from None
            raise
        contact = restore_contact(session, found, actor=rt.user)
    rt.done(f"Restored #{contact.id} {contact.display_name}", contact.id)


@contact_app.command("history")
def history(
    ctx: typer.Context,
    ref: str = typer.Argument(..., help="12, #12, an email, or part of a name (trashed contacts too)."),
    limit: int = typer.Option(200, "--limit", "-n", min=0, max=MAX_LIMIT, help="At most this many changes (0: all)."),
    fmt: str | None = FormatOption,
) -> None:
    """Who changed what on a contact and its reminders, newest first.

    Example: crm contact history ada
    """
    from crm_tui.output import render
    from crm_tui.services.contacts.finding import find_contact
    from crm_tui.services.history import contact_history

    rt = runtime(ctx)
    fmt = rt.fmt(fmt)
    with rt.connection() as conn:
        changes = contact_history(conn, find_contact(conn, ref, deleted=None).id, limit=limit + 1 if limit else None)
    changes = rt.first(changes, limit, "changes")
    records = [
        {
            "at": c.at,
            "actor": c.actor,
            "entity": c.entity,
            "entity_id": c.entity_id,
            "action": c.action,
            "field": c.field,
            "old": c.old_value,
            "new": c.new_value,
        }
        for c in changes
    ]
    columns = [
        ("at", "When"),
        ("actor", "Who"),
        ("entity", "What"),
        ("entity_id", "ID"),
        ("action", "Action"),
        ("field", "Field"),
        ("old", "Before"),
        ("new", "After"),
    ]
    render(records, columns, fmt, tz=rt.tz, empty="no changes recorded")


@trash_app.command("list")
def trash_list(ctx: typer.Context, fmt: str | None = FormatOption) -> None:
    """List contacts in the trash, most recently trashed first.

    Example: crm trash list
    """
    from crm_tui.output import render
    from crm_tui.services.contacts.rows import trashed_contacts

    rt = runtime(ctx)
    fmt = rt.fmt(fmt)
    with rt.connection() as conn:
        trashed = trashed_contacts(conn)
    records = [{"id": cid, "name": name, "deleted_at": when} for cid, name, when in trashed]
    columns = [("id", "ID"), ("name", "Name"), ("deleted_at", "Trashed")]
    render(records, columns, fmt, tz=rt.tz, empty="the trash is empty")


@trash_app.command("purge")
def trash_purge(
    ctx: typer.Context,
    older_than: str | None = typer.Option(
        None, "--older-than", help="Only those trashed longer ago than this (30d, 6m)."
    ),
) -> None:
    """Delete trashed contacts for good, with their interactions, reminders and history; and removed interactions.

    Interactions removed with `crm interaction rm` are purged by the same rule (deleted longer ago than --older-than).

    Example: crm trash purge --older-than 30d
    """
    from datetime import timedelta

    from crm_tui.services.contacts.lifecycle import purge_trash
    from crm_tui.services.interaction_edits import purge_deleted_interactions

    rt = runtime(ctx)
    age = timedelta(days=rt.duration_days(older_than, option="--older-than")) if older_than is not None else None
    with rt.session() as session:
        count = purge_trash(session, older_than=age)
        interactions = purge_deleted_interactions(session, older_than=age)
    if count:
        from crm_tui.services.contacts.privacy import reclaim

        warning = reclaim(rt.engine)
        if warning:
            rt.note(f"crm: {warning}")
    extra = f" and {interactions} deleted interaction{'s' if interactions != 1 else ''}" if interactions else ""
    rt.done(f"Purged {count} contact{'s' if count != 1 else ''}{extra}", count)


# The contact commands kept in their own modules; importing them registers them: link and unlink,
# merge, unmerge, export-person and forget.
from crm_tui.commands import contact_show as _show  # noqa: E402, F401
from crm_tui.commands import person as _person  # noqa: E402, F401
from crm_tui.commands import privacy as _privacy  # noqa: E402, F401
