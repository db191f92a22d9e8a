"""Tags: found or created by name (case-insensitive, a leading # dropped), linked set-based.

Shared by `crm contact add/edit`, merges, the app and the importers, on the caller's
Core connection. A contact may carry at most MAX_TAGS_PER_CONTACT tags.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Connection

from crm_tui.backend import backend_for
from crm_tui.errors import InvalidInput
from crm_tui.keys import MAX_TAGS_PER_CONTACT, fast_name_key, label_name
from crm_tui.models import tables as t

_CHUNK = 500

tg, ct = t.tags.c, t.contact_tags.c


@dataclass(frozen=True)
class TagCount:
    """A tag and how many live contacts carry it."""

    name: str
    count: int


def clean_tags(names: Iterable[str]) -> dict[str, str]:
    """Key -> name as stored, for the tags named (blank ones dropped, first spelling kept)."""
    out: dict[str, str] = {}
    for raw in names:
        clean = label_name(raw)
        if clean:
            out.setdefault(fast_name_key(clean), clean)
    return out


def tag_ids(conn: Connection, names: Iterable[str]) -> list[int]:
    """Ids of the tags named, created if new, in the order named: two statements a chunk, not two a tag."""
    wanted = clean_tags(names)
    keys = list(wanted)
    ids: dict[str, int] = {}
    backend = backend_for(conn)
    for start in range(0, len(keys), _CHUNK):
        part = keys[start : start + _CHUNK]
        found = dict(conn.execute(select(tg.name_key, tg.id).where(tg.name_key.in_(part))).all())
        missing = [{"name": wanted[k], "name_key": k} for k in part if k not in found]
        if missing:
            backend.insert_ignore(conn, t.tags, missing)
            found = dict(conn.execute(select(tg.name_key, tg.id).where(tg.name_key.in_(part))).all())
        ids.update(found)
    return [int(ids[k]) for k in keys]


def link_tags(conn: Connection, contact_id: int, names: Iterable[str]) -> None:
    """Give the contact these tags (those it has already stay as they are)."""
    ids = tag_ids(conn, names)
    if not ids:
        return
    have = int(
        conn.execute(select(func.count()).select_from(t.contact_tags).where(ct.contact_id == contact_id)).scalar_one()
    )
    if have + len(ids) > MAX_TAGS_PER_CONTACT:
        raise InvalidInput(f"a contact holds at most {MAX_TAGS_PER_CONTACT:,} tags")
    backend_for(conn).insert_ignore(conn, t.contact_tags, [{"contact_id": contact_id, "tag_id": i} for i in ids])


def unlink_tags(conn: Connection, contact_id: int, names: Iterable[str]) -> None:
    """Take these tags off the contact (tags it does not have are ignored)."""
    keys = list(clean_tags(names))
    for start in range(0, len(keys), _CHUNK):
        chosen = select(tg.id).where(tg.name_key.in_(keys[start : start + _CHUNK]))
        conn.execute(delete(t.contact_tags).where(ct.contact_id == contact_id, ct.tag_id.in_(chosen)))


def move_tags(conn: Connection, *, from_contact: int, to_contact: int) -> None:
    """Give `to_contact` every tag of `from_contact` and take them off the latter."""
    ids = list(conn.execute(select(ct.tag_id).where(ct.contact_id == from_contact)).scalars())
    union = select(func.count(func.distinct(ct.tag_id))).where(ct.contact_id.in_([from_contact, to_contact]))
    if int(conn.execute(union).scalar_one()) > MAX_TAGS_PER_CONTACT:
        raise InvalidInput(
            f"together they hold more than {MAX_TAGS_PER_CONTACT:,} tags: a contact holds at most that many"
        )
    backend_for(conn).insert_ignore(conn, t.contact_tags, [{"contact_id": to_contact, "tag_id": i} for i in ids])
    conn.execute(delete(t.contact_tags).where(ct.contact_id == from_contact))


def tag_counts(conn: Connection) -> list[TagCount]:
    """Every tag in use by a live contact, by name."""
    c = t.contacts.c
    rows = conn.execute(
        select(tg.name, func.count(ct.contact_id))
        .join(t.contact_tags, ct.tag_id == tg.id)
        .join(t.contacts, c.id == ct.contact_id)
        .where(c.deleted_at.is_(None))
        .group_by(tg.id, tg.name, tg.name_key)
        .order_by(tg.name_key)
    )
    return [TagCount(name, int(count)) for name, count in rows]


def names_by_use(
    conn: Connection, table: Any, uses: Any, key: Any, *, limit: int, starting: str | None = None
) -> list[str]:
    """The `name` of each row of `table` (organizations, tags), the most used first, then by name:
    `uses` selects (`key`: a row's id, `n`: its uses) for the rows in use. `starting`: only names
    that start with it, case and accents aside (their key starts with its key)."""
    counts = uses.subquery("uses")
    query = (
        select(table.c.name)
        .outerjoin(counts, counts.c[key] == table.c.id)
        .order_by(func.coalesce(counts.c.n, 0).desc(), table.c.name_key, table.c.id)
        .limit(limit)
    )
    if starting:
        query = query.where(table.c.name_key.startswith(fast_name_key(starting), autoescape=True))
    return list(conn.execute(query).scalars())


def tag_names_by_use(conn: Connection, *, limit: int = 5000, starting: str | None = None) -> list[str]:
    """Tag names to complete as the user types: those on the most live contacts first, then by name
    (tags on none last: a tag is kept when its last contact goes); `starting`: see names_by_use."""
    c = t.contacts.c
    live = select(ct.tag_id, func.count().label("n")).join(t.contacts, c.id == ct.contact_id)
    uses = live.where(c.deleted_at.is_(None)).group_by(ct.tag_id)
    return names_by_use(conn, t.tags, uses, "tag_id", limit=limit, starting=starting)


def tag_names(conn: Connection, ids: Sequence[int]) -> list[str]:
    """The names of these tags, by name."""
    return list(conn.execute(select(tg.name).where(tg.id.in_(list(ids))).order_by(tg.name_key)).scalars())


@dataclass(frozen=True)
class TagInfo:
    """A tag, how many live contacts carry it, and its default stay-in-touch cadence."""

    name: str
    count: int
    cadence_days: int | None


def tag_infos(conn: Connection) -> list[TagInfo]:
    """Every tag (those on no live contact too), by name."""
    c = t.contacts.c
    live = select(ct.tag_id, func.count().label("n")).join(t.contacts, c.id == ct.contact_id)
    counts = live.where(c.deleted_at.is_(None)).group_by(ct.tag_id).subquery("counts")
    rows = conn.execute(
        select(tg.name, func.coalesce(counts.c.n, 0), tg.cadence_days)
        .outerjoin(counts, counts.c.tag_id == tg.id)
        .order_by(tg.name_key)
    )
    return [TagInfo(name, int(count), cadence) for name, count, cadence in rows]


def set_tag_cadence(session: Any, name: str, days: int | None, *, actor: str) -> tuple[str, int | None]:
    """Give a tag (created if new) a default cadence, or none; its name and the cadence it had.

    Contacts with no cadence of their own inherit the shortest cadence of their tags.
    """
    from sqlalchemy import update

    from crm_tui.services.history import record

    if days is not None and days <= 0:
        raise InvalidInput("a cadence must be longer than zero")
    conn = session.connection()
    ids = tag_ids(conn, [name])
    if not ids:
        raise InvalidInput(f"'{name}' is not a tag name")
    tag_id = ids[0]
    stored, before = conn.execute(select(tg.name, tg.cadence_days).where(tg.id == tag_id)).one()
    if before != days:
        conn.execute(update(t.tags).where(tg.id == tag_id).values(cadence_days=days))
        record(session, entity="tag", entity_id=tag_id, action="update", actor=actor,
               changes={"cadence_days": (before, days)})  # fmt: skip
    return str(stored), before
