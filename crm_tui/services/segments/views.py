"""Saved views: a name for a query, with its sort, its columns, and whether `crm due` lists new members."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection

from crm_tui.backend import backend_for
from crm_tui.dates import utcnow
from crm_tui.errors import Conflict, InvalidInput, NotFound
from crm_tui.keys import fast_name_key, label_name
from crm_tui.models import tables as t
from crm_tui.services.segments.parser import nearest

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from crm_tui.models import SavedView

v, vm, c = t.saved_views.c, t.view_members.c, t.contacts.c

#: The columns a view may show: the keys of `crm contact list`'s machine formats.
LIST_FIELDS = (
    "id", "name", "organization", "email", "phone", "tags", "owner", "every", "last_contact_at", "next_due_at",
    "created_at",
)  # fmt: skip
SORT_KEYS = ("name", "last-contact", "created")


@dataclass(frozen=True)
class ViewInfo:
    id: int
    name: str
    query: str
    sort: str | None
    columns: list[str]
    notify: bool
    created_by: str | None
    created_at: datetime
    updated_at: datetime


def _info(row: Any) -> ViewInfo:
    m = row._mapping
    return ViewInfo(
        id=m["id"],
        name=m["name"],
        query=m["query"],
        sort=m["sort"],
        columns=[x for x in (m["columns"] or "").split(",") if x],
        notify=bool(m["notify"]),
        created_by=m["created_by"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
    )


_COLUMNS = tuple(v[name] for name in ViewInfo.__dataclass_fields__)


def view_infos(conn: Connection) -> list[ViewInfo]:
    """Every saved view, by name."""
    return [_info(row) for row in conn.execute(select(*_COLUMNS).order_by(v.name_key))]


def view_info(conn: Connection, name: str) -> ViewInfo:
    """The view named `name` (any case, a leading @ allowed); NotFound suggests the nearest."""
    wanted = name.strip().lstrip("@")
    row = conn.execute(select(*_COLUMNS).where(v.name_key == fast_name_key(wanted))).first()
    if row is None:
        names = list(conn.execute(select(v.name)).scalars())
        hint = nearest(wanted, names)
        raise NotFound(f"no view named '{wanted}'" + (f" (did you mean '{hint}'?)" if hint else ""))
    return _info(row)


def check_columns(columns: Sequence[str]) -> list[str]:
    """Column keys as given, each one known; InvalidInput names the first unknown and the nearest."""
    out = []
    for raw in columns:
        key = raw.strip().lower().replace("-", "_")
        if not key:
            continue
        if key not in LIST_FIELDS:
            hint = nearest(key, LIST_FIELDS)
            raise InvalidInput(
                f"unknown column '{raw}'"
                + (f" (did you mean '{hint}'?)" if hint else f" (use {', '.join(LIST_FIELDS)})")
            )
        out.append(key)
    return out


def _check_name(name: str) -> str:
    clean = label_name(name).lstrip("@")
    if not clean or any(ch.isspace() or ch in '(),"' for ch in clean):
        raise InvalidInput(f"'{name}' cannot name a view: use letters, digits, - or _ (no spaces)")
    return clean


def save_view(
    session: Session,
    *,
    name: str,
    query: str,
    actor: str,
    tz: tzinfo,
    sort: str | None = None,
    columns: Sequence[str] = (),
    notify: bool = False,
    now: datetime | None = None,
) -> tuple[SavedView, bool]:
    """Create the view, or replace the query, sort, columns and notify of the one with that name.

    Returns it and whether it is new. A notifying view takes its current members as seen,
    so `crm due` lists only those who join from now on.
    """
    from crm_tui.models import SavedView
    from crm_tui.services.history import diff, record
    from crm_tui.services.segments.compiler import parse_segment

    now = now or utcnow()
    clean = _check_name(name)
    segment = parse_segment(query, now=now, tz=tz, user=actor)
    if sort is not None and sort not in SORT_KEYS:
        raise InvalidInput(f"unknown sort '{sort}' (use {', '.join(SORT_KEYS)})")
    checked = ",".join(check_columns(columns)) or None
    conn = session.connection()
    # Checked against the database now: a view naming a missing view, or itself, is refused.
    segment.condition(conn, now=now, views_seen=(fast_name_key(clean),))
    existing = session.execute(select(SavedView).where(SavedView.name_key == fast_name_key(clean))).scalar_one_or_none()
    after = {"name": clean, "query": query, "sort": sort, "columns": checked, "notify": notify}
    if existing is None:
        view = SavedView(name_key=fast_name_key(clean), created_by=actor, created_at=now, updated_at=now, **after)
        session.add(view)
        session.flush()
        assert view.id is not None
        record(session, entity="view", entity_id=view.id, action="create", actor=actor, at=now,
               changes={k: (None, val) for k, val in after.items()})  # fmt: skip
    else:
        view = existing
        before = {k: getattr(view, k) for k in after}
        changes = diff(before, after)
        if not changes:
            return view, False
        for key, value in after.items():
            setattr(view, key, value)
        view.updated_at = now
        session.flush()
        assert view.id is not None
        record(session, entity="view", entity_id=view.id, action="update", actor=actor, at=now, changes=changes)
        if "query" in changes:
            conn.execute(delete(t.view_members).where(vm.view_id == view.id))
    if notify:
        assert view.id is not None
        refresh_members(conn, view.id, segment.condition(conn, now=now), now=now)
    elif existing is not None:
        conn.execute(delete(t.view_members).where(vm.view_id == view.id))
    return view, existing is None


def remove_view(session: Session, name: str, *, actor: str) -> ViewInfo:
    """Delete a view (its memberships go with it)."""
    from crm_tui.services.history import record

    conn = session.connection()
    info = view_info(conn, name)
    conn.execute(delete(t.saved_views).where(v.id == info.id))
    record(session, entity="view", entity_id=info.id, action="delete", actor=actor,
           changes={"name": (info.name, None), "query": (info.query, None)})  # fmt: skip
    return info


# ---------------------------------------------------------------- members


def live(conn: Connection) -> Any:
    from crm_tui.services.contacts.rows import live_condition

    return live_condition(conn)


def refresh_members(conn: Connection, view_id: int, condition: Any, *, now: datetime) -> list[tuple[int, str]]:
    """Record the view's members now: (id, name) of those who joined since the last time."""
    backend_for(conn).lock_for_new_ids(conn, "view_members")  # PostgreSQL: one process at a time
    seen = select(vm.contact_id).where(vm.view_id == view_id)
    joined = [
        (int(cid), str(name))
        for cid, name in conn.execute(
            select(c.id, c.display_name).where(live(conn), condition, c.id.not_in(seen)).order_by(c.sort_name, c.id)
        )
    ]
    members = select(c.id).where(live(conn), condition)
    conn.execute(delete(t.view_members).where(vm.view_id == view_id, vm.contact_id.not_in(members)))
    if joined:
        conn.execute(
            insert(t.view_members), [{"view_id": view_id, "contact_id": cid, "joined_at": now} for cid, _ in joined]
        )
    return joined


def views_containing(conn: Connection, contact_id: int, *, now: datetime, tz: tzinfo, user: str | None) -> list[str]:
    """The names of the saved views this contact belongs to now (one query per view)."""
    from crm_tui.services.segments.compiler import parse_segment
    from crm_tui.services.segments.parser import QueryError

    names = []
    for view in view_infos(conn):
        try:
            condition = parse_segment(view.query, now=now, tz=tz, user=user).condition(conn, now=now)
        except QueryError:
            continue  # a view gone stale (it names a deleted view): it holds no one
        if conn.execute(select(c.id).where(c.id == contact_id, condition)).first() is not None:
            names.append(view.name)
    return names


def saved_view_in(conn: Connection, name: str) -> ViewInfo | None:
    """The view, or None (no error)."""
    try:
        return view_info(conn, name)
    except NotFound:
        return None


def ensure_unique_name(conn: Connection, name: str) -> None:
    if saved_view_in(conn, name) is not None:
        raise Conflict(f"a view named '{name}' exists")
