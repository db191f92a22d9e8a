"""Reading contacts: pages of list rows, counts behind them, and the 360° view of one contact.

Reads run on a Core connection over the light tables in `crm_tui.models.tables` and
return plain dataclasses, so a cold `crm contact list` never builds the ORM.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.engine import Connection

from crm_tui.backend import backend_for
from crm_tui.dates import utcnow
from crm_tui.errors import InvalidInput
from crm_tui.keys import label_name, name_key
from crm_tui.models import tables as t
from crm_tui.models.types import aware_utc

if TYPE_CHECKING:
    from crm_tui.services.interactions import InteractionInfo
    from crm_tui.services.reminders import ReminderInfo
    from crm_tui.services.segments.compiler import Segment

SORT_KEYS: tuple[str, ...] = ("name", "last-contact", "created", "lapse")

c = t.contacts.c


@dataclass(frozen=True)
class ContactRow:
    """One line of a contact list."""

    id: int
    name: str
    organization: str | None
    email: str | None
    phone: str | None
    tags: list[str]
    owner: str | None
    cadence_days: int | None
    last_contact_at: datetime | None
    next_due_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class ContactInfo:
    """A contact's own fields, as stored."""

    id: int
    display_name: str
    given_name: str | None
    family_name: str | None
    organization_id: int | None
    title: str | None
    notes: str | None
    source: str | None
    owner: str | None
    cadence_days: int | None
    custom: str | None
    nickname: str | None
    department: str | None
    uid: str | None
    last_contact_at: datetime | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


@dataclass(frozen=True)
class EmailInfo:
    email: str
    label: str | None
    is_primary: bool


@dataclass(frozen=True)
class PhoneInfo:
    phone: str
    label: str | None
    is_primary: bool


@dataclass(frozen=True)
class ContactDetail:
    """Everything the contact screen and `crm contact show` need."""

    contact: ContactInfo
    organization: str | None
    emails: list[EmailInfo]
    phones: list[PhoneInfo]
    tags: list[str]
    interactions: list[InteractionInfo]
    reminders: list[ReminderInfo]
    custom: dict[str, Any] = field(default_factory=dict)

    @property
    def primary_email(self) -> str | None:
        return next((e.email for e in self.emails if e.is_primary), None)


@dataclass(frozen=True)
class ContactFilter:
    """Which live contacts a list, a count or a search keeps.

    `tag` and `organization` match by name (the organization as a part of its name),
    `stale` keeps contacts whose stay-in-touch cadence has lapsed (by `stale_by` when given,
    else by now), `ids` a given set.
    """

    tag: str | None = None
    organization: str | None = None
    owner: str | None = None
    stale: bool = False
    # Lapsed by when: None is now (`--stale`); the app's going cold filter gives the end of today,
    # as `crm due` and Today count going cold, so its list and Today's count agree.
    stale_by: datetime | None = None
    ids: Sequence[int] | None = None
    segment: Segment | None = None  # a query of the segments language
    tier: str | None = None  # A, B or C: clients of that value tier (services/money/value.py)

    @property
    def narrows(self) -> bool:
        """Whether it keeps fewer than every live contact."""
        segment = self.segment is not None and not self.segment.is_empty
        narrowed = self.tag or self.organization or self.owner or self.stale or self.ids is not None or self.tier
        return bool(narrowed or segment)


# ---------------------------------------------------------------- conditions


def stale_condition(conn: Connection, now: datetime) -> Any:
    """Contacts whose stay-in-touch cadence (their own, else their tags' shortest) has lapsed
    at `now` (never contacted counts), unless the touch is snoozed past `now`."""
    from crm_tui.services.segments.cadence import cadence_condition, touch_awake

    backend = backend_for(conn)
    lapsed = cadence_condition(conn, lambda last, cadence: or_(last.is_(None), backend.plus_days(last, cadence) <= now))
    return and_(lapsed, touch_awake(conn, now))


def live_condition(conn: Connection) -> Any:
    """Contacts not in the trash, kept off the deleted_at index (nearly every row is live)."""
    return backend_for(conn).unindexed_null(c.deleted_at, "contacts.deleted_at")


def contact_conditions(conn: Connection, filters: ContactFilter, *, now: datetime | None = None) -> list[Any]:
    """The WHERE clauses that pick the live contacts `filters` keeps."""
    where: list[Any] = [live_condition(conn)]
    if filters.tag:
        tagged = (
            select(t.contact_tags.c.contact_id)
            .join(t.tags, t.tags.c.id == t.contact_tags.c.tag_id)
            .where(t.tags.c.name_key == name_key(label_name(filters.tag)))
        )
        where.append(c.id.in_(tagged))
    if filters.organization:
        orgs = select(t.organizations.c.id).where(
            t.organizations.c.name_key.contains(name_key(filters.organization), autoescape=True)
        )
        where.append(c.organization_id.in_(orgs))
    if filters.owner:
        where.append(c.owner == filters.owner)
    if filters.stale:
        where.append(stale_condition(conn, filters.stale_by or now or utcnow()))
    if filters.ids is not None:
        where.append(c.id.in_(list(filters.ids)))
    if filters.segment is not None and not filters.segment.is_empty:
        where.append(filters.segment.condition(conn, now=now or utcnow()))
    if filters.tier:
        from crm_tui.services.money.conditions import contact_tier_condition

        where.append(contact_tier_condition(conn, filters.tier, today=(now or utcnow()).date()))
    return where


# ---------------------------------------------------------------- lists


def list_contacts(
    conn: Connection,
    filters: ContactFilter | None = None,
    *,
    sort: str = "name",
    limit: int | None = 50,
    offset: int = 0,
    now: datetime | None = None,
) -> list[ContactRow]:
    """A page of live contacts; the page is cut in SQL so 100,000 rows cost no more than 50."""
    query = select(c.id).where(*contact_conditions(conn, filters or ContactFilter(), now=now))
    if sort == "name":
        query = query.order_by(c.sort_name, c.id)
    elif sort == "last-contact":
        query = query.order_by(c.last_contact_at.desc().nulls_last(), c.id)
    elif sort == "created":
        query = query.order_by(c.created_at.desc(), c.id.desc())
    elif sort == "lapse":
        # Longest gone cold first: when the stay-in-touch cadence ran out (never contacted:
        # from when the contact was added, as the queue counts it); no cadence last.
        lapsed_at = func.coalesce(backend_for(conn).plus_days(c.last_contact_at, c.cadence_days), c.created_at)
        query = query.order_by(c.cadence_days.is_(None), lapsed_at, c.id)
    else:
        raise InvalidInput(f"unknown sort '{sort}' (use {', '.join(SORT_KEYS)})")
    if limit is not None:
        query = query.limit(limit)
    if offset:
        query = query.offset(offset)
    return rows_for(conn, list(conn.execute(query).scalars()))


def contacts_after(
    conn: Connection,
    after: tuple[str, int],
    filters: ContactFilter | None = None,
    *,
    limit: int = 100,
    now: datetime | None = None,
) -> list[ContactRow]:
    """The next page by name after the contact `after` = (name, id): a keyset page, as fast deep as on top."""
    key, after_id = name_key(after[0]), after[1]
    where = contact_conditions(conn, filters or ContactFilter(), now=now)
    where.append(or_(c.sort_name > key, and_(c.sort_name == key, c.id > after_id)))
    ids = conn.execute(select(c.id).where(*where).order_by(c.sort_name, c.id).limit(limit)).scalars()
    return rows_for(conn, list(ids))


def count_contacts(
    conn: Connection,
    filters: ContactFilter | None = None,
    *,
    now: datetime | None = None,
) -> int:
    """How many live contacts `list_contacts` would page through with these filters."""
    filters = filters or ContactFilter()
    if not filters.narrows:
        # Every row less the trashed ones: two counts an index answers, where counting the rows
        # whose deleted_at is NULL reads the whole table (SQLite, 100,000 contacts: 3 ms, not 25).
        everyone = select(func.count()).select_from(t.contacts).scalar_subquery()
        trashed = select(func.count()).select_from(t.contacts).where(c.deleted_at.is_not(None)).scalar_subquery()
        return int(conn.execute(select(everyone - trashed)).scalar_one())
    where = contact_conditions(conn, filters, now=now)
    return int(conn.execute(select(func.count()).select_from(t.contacts).where(*where)).scalar_one())


def keep_matching(
    conn: Connection,
    ids: Sequence[int],
    filters: ContactFilter,
    *,
    now: datetime | None = None,
) -> list[int]:
    """Those of `ids`, in their order, that are live and kept by `filters` (one query)."""
    if not ids:
        return []
    where = contact_conditions(conn, filters, now=now)
    kept = set(conn.execute(select(c.id).where(c.id.in_(list(ids)), *where)).scalars())
    return [i for i in ids if i in kept]


def trashed_contacts(conn: Connection) -> list[tuple[int, str, datetime]]:
    """(id, name, trashed at) of every contact in the trash, most recently trashed first."""
    rows = conn.execute(
        select(c.id, c.display_name, c.deleted_at).where(c.deleted_at.is_not(None)).order_by(c.deleted_at.desc(), c.id)
    ).all()
    return [(int(i), str(name), when) for i, name, when in rows]


def primary_emails(conn: Connection, ids: Sequence[int]) -> dict[int, str]:
    """Each contact's primary (else first) email."""
    if not ids:
        return {}
    e = t.contact_emails.c
    out: dict[int, str] = {}
    rows = conn.execute(
        select(e.contact_id, e.email)
        .where(e.contact_id.in_(list(ids)))
        .order_by(e.contact_id, e.is_primary.desc(), e.id)
    )
    for cid, email in rows:
        out.setdefault(cid, email)
    return out


def tags_of(conn: Connection, ids: Sequence[int]) -> dict[int, list[str]]:
    """Tag names per contact, sorted."""
    if not ids:
        return {}
    ct, tg = t.contact_tags.c, t.tags.c
    out: dict[int, list[str]] = {}
    rows = conn.execute(
        select(ct.contact_id, tg.name)
        .join(t.tags, tg.id == ct.tag_id)
        .where(ct.contact_id.in_(list(ids)))
        .order_by(tg.name_key)
    )
    for cid, name in rows:
        out.setdefault(cid, []).append(name)
    return out


def rows_for(conn: Connection, ids: Sequence[int]) -> list[ContactRow]:
    """ContactRows for these contact ids, in their order, with a few batched queries."""
    if not ids:
        return []
    wanted = list(ids)
    contacts = {
        row.id: row
        for row in conn.execute(
            select(
                c.id, c.display_name, c.organization_id, c.owner, c.cadence_days, c.last_contact_at, c.created_at
            ).where(c.id.in_(wanted))
        )
    }
    emails = primary_emails(conn, wanted)
    p = t.contact_phones.c
    phones: dict[int, str] = {}
    for cid, phone in conn.execute(
        select(p.contact_id, p.phone).where(p.contact_id.in_(wanted)).order_by(p.contact_id, p.is_primary.desc(), p.id)
    ):
        phones.setdefault(cid, phone)
    org_ids = {row.organization_id for row in contacts.values() if row.organization_id}
    o = t.organizations.c
    orgs: dict[int, str] = dict(conn.execute(select(o.id, o.name).where(o.id.in_(org_ids))).all()) if org_ids else {}
    r = t.reminders.c
    # A snoozed follow-up is next due when its snooze ends; min() over a custom type comes back raw.
    effective = case((r.snoozed_until > r.due_at, r.snoozed_until), else_=r.due_at)
    next_due: dict[int, Any] = dict(
        conn.execute(
            select(r.contact_id, func.min(effective))
            .where(r.contact_id.in_(wanted), backend_for(conn).unindexed_null(r.done_at, "reminders.done_at"))
            .group_by(r.contact_id)
        ).all()
    )
    tags = tags_of(conn, wanted)
    out = []
    for cid in wanted:
        row = contacts.get(cid)
        if row is None:
            continue
        due = next_due.get(cid)
        out.append(
            ContactRow(
                id=cid,
                name=row.display_name,
                organization=orgs.get(row.organization_id) if row.organization_id else None,
                email=emails.get(cid),
                phone=phones.get(cid),
                tags=tags.get(cid, []),
                owner=row.owner,
                cadence_days=row.cadence_days,
                last_contact_at=row.last_contact_at,
                next_due_at=aware_utc(due) if due is not None else None,
                created_at=row.created_at,
            )
        )
    return out


# ---------------------------------------------------------------- one contact


def contact_info(conn: Connection, contact_id: int) -> ContactInfo | None:
    """The contact's own fields (trashed ones too), or None."""
    row = conn.execute(
        select(*(c[name] for name in ContactInfo.__dataclass_fields__)).where(c.id == contact_id)
    ).first()
    return ContactInfo(**row._mapping) if row is not None else None


def contact_detail(
    conn: Connection, contact_id: int, *, timeline_limit: int | None = 200, deleted: bool | None = False
) -> ContactDetail:
    """The 360° view: profile, timeline newest first, open reminders.

    `deleted` False refuses a trashed contact, None accepts it, True accepts only one.
    """
    from crm_tui.errors import ContactNotFound
    from crm_tui.services.interactions import interaction_infos
    from crm_tui.services.reminders import reminder_infos

    info = contact_info(conn, contact_id)
    if info is None or (deleted is False and info.deleted_at is not None) or (deleted and info.deleted_at is None):
        raise ContactNotFound(f"#{contact_id}")
    o, e, p = t.organizations.c, t.contact_emails.c, t.contact_phones.c
    org = (
        conn.execute(select(o.name).where(o.id == info.organization_id)).scalar()
        if info.organization_id is not None
        else None
    )
    emails = [
        EmailInfo(email, label, bool(primary))
        for email, label, primary in conn.execute(
            select(e.email, e.label, e.is_primary).where(e.contact_id == contact_id).order_by(e.is_primary.desc(), e.id)
        )
    ]
    phones = [
        PhoneInfo(phone, label, bool(primary))
        for phone, label, primary in conn.execute(
            select(p.phone, p.label, p.is_primary).where(p.contact_id == contact_id).order_by(p.is_primary.desc(), p.id)
        )
    ]
    return ContactDetail(
        contact=info,
        organization=org,
        emails=emails,
        phones=phones,
        tags=tags_of(conn, [contact_id]).get(contact_id, []),
        interactions=interaction_infos(conn, contact_id, limit=timeline_limit),
        reminders=reminder_infos(conn, contact_id=contact_id),
        custom=json.loads(info.custom) if info.custom else {},
    )
