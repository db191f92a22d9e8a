"""Stay-in-touch cadences: a contact's own, else the shortest of its tags' defaults (`crm tag set`).

Every condition on a cadence here (lapsed, at risk) only grows true as the cadence shrinks,
so "true for the shortest tag cadence" is "true for some tag cadence": the inherited part
is a plain join over the tags that have a cadence, with no MIN() per contact.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.engine import Connection

from crm_tui.models import tables as t

c, ct, tg = t.contacts.c, t.contact_tags.c, t.tags.c

#: Builds a condition from a contact's last-contact column and a cadence (days) expression.
CadenceTest = Callable[[Any, Any], Any]


def tag_cadences_exist(conn: Connection) -> bool:
    """Whether any tag has a default cadence (a few rows: the tags table is small)."""
    return conn.execute(select(tg.id).where(tg.cadence_days.is_not(None)).limit(1)).first() is not None


def cadence_condition(conn: Connection, test: CadenceTest, *, inherited: bool | None = None) -> Any:
    """Contacts whose effective cadence passes `test(last_contact_at, cadence_days)`.

    `test` must only grow true as the cadence shrinks (see the module's note).
    """
    own = and_(c.cadence_days.is_not(None), test(c.last_contact_at, c.cadence_days))
    if inherited is None:
        inherited = tag_cadences_exist(conn)
    if not inherited:
        return own
    other = t.contacts.alias("tagged")
    through_tags = (
        select(ct.contact_id)
        .join(t.tags, tg.id == ct.tag_id)
        .join(other, other.c.id == ct.contact_id)
        .where(
            tg.cadence_days.is_not(None),
            other.c.cadence_days.is_(None),
            test(other.c.last_contact_at, tg.cadence_days),
        )
    )
    return or_(own, c.id.in_(through_tags))


def touch_awake(conn: Connection, at: datetime) -> Any:
    """Contacts whose stay-in-touch is not snoozed past `at` (`crm contact snooze`, `z` on Today)."""
    from crm_tui.backend import backend_for

    snoozed = c.touch_snoozed_until
    return or_(snoozed.is_(None), backend_for(conn).comparable_time(snoozed) <= at)


def has_cadence(conn: Connection) -> Any:
    """Contacts with an effective cadence at all."""
    return cadence_condition(conn, lambda last, cadence: True)


def inherited_cadence() -> Any:
    """The shortest cadence among the contact `c`'s tags (a correlated subquery: for result rows only)."""
    return (
        select(func.min(tg.cadence_days))
        .join(t.contact_tags, ct.tag_id == tg.id)
        .where(ct.contact_id == c.id, tg.cadence_days.is_not(None))
        .scalar_subquery()
    )


def effective_cadence(conn: Connection) -> Any:
    """The contact `c`'s own cadence, else its tags' shortest (an expression for result rows)."""
    if not tag_cadences_exist(conn):
        return c.cadence_days
    return func.coalesce(c.cadence_days, inherited_cadence())


@dataclass(frozen=True)
class CadenceSource:
    """A contact's effective cadence and where it comes from."""

    days: int | None
    source: str  # "own", "tag NAME", or "none"
    tags: tuple[tuple[str, int], ...] = ()  # every tag with a default cadence on the contact


def cadence_sources(conn: Connection, ids: Sequence[int]) -> dict[int, CadenceSource]:
    """Each contact's effective cadence and its source."""
    if not ids:
        return {}
    wanted = list(ids)
    own = dict(conn.execute(select(c.id, c.cadence_days).where(c.id.in_(wanted))).all())
    tagged: dict[int, list[tuple[str, int]]] = {}
    rows = conn.execute(
        select(ct.contact_id, tg.name, tg.cadence_days)
        .join(t.tags, tg.id == ct.tag_id)
        .where(ct.contact_id.in_(wanted), tg.cadence_days.is_not(None))
        .order_by(ct.contact_id, tg.cadence_days, tg.name_key)
    )
    for cid, name, days in rows:
        tagged.setdefault(cid, []).append((name, int(days)))
    out = {}
    for cid in wanted:
        tags = tuple(tagged.get(cid, []))
        if own.get(cid) is not None:
            out[cid] = CadenceSource(int(own[cid]), "own", tags)
        elif tags:
            out[cid] = CadenceSource(tags[0][1], f"tag {tags[0][0]}", tags)
        else:
            out[cid] = CadenceSource(None, "none", tags)
    return out
