"""Reading deals: lists with filters, one deal, a contact's or an organization's deals.

Core on a Connection over the light tables; every row comes back as a `DealInfo` with its
contact's, organization's, pipeline's and stage's names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.engine import Connection

from crm_tui.errors import InvalidInput, NotFound
from crm_tui.keys import name_key
from crm_tui.models import tables as t
from crm_tui.money import Money
from crm_tui.records import MAX_ID

d, c, o, st, p = t.deals.c, t.contacts.c, t.organizations.c, t.stages.c, t.pipelines.c
furthest = t.stages.alias("furthest")

DEAL_STATUSES = ("open", "won", "lost")
DEAL_SORTS = ("close", "amount", "created", "title", "stage")


@dataclass(slots=True)
class DealInfo:
    """A deal as lists, `crm deal show` and the app show it."""

    id: int
    title: str
    contact_id: int | None
    organization_id: int | None
    owner: str | None
    pipeline_id: int
    stage_id: int
    status: str
    amount: int
    currency: str
    probability: int | None  # set by hand; None follows the stage
    expected_close: date | None
    next_step: str | None
    next_step_due: datetime | None
    recurring_amount: int | None
    recurring_interval: str | None
    source: str | None
    lost_reason: str | None
    won_at: datetime | None
    lost_at: datetime | None
    furthest_stage_id: int | None
    stage_changed_at: datetime
    external_id: str | None
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    contact_name: str | None = None
    organization: str | None = None
    pipeline: str = ""
    stage: str = ""
    stage_probability: int = 0
    furthest_stage: str | None = None

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)

    @property
    def recurring(self) -> Money | None:
        return Money(self.recurring_amount, self.currency) if self.recurring_amount is not None else None

    @property
    def who(self) -> str:
        """Contact and organization, as one label."""
        return " · ".join(part for part in (self.contact_name, self.organization) if part)


_OWN = tuple(d[name] for name in list(DealInfo.__dataclass_fields__)[:26])
_JOINED = (c.display_name, o.name, p.name, st.name, st.probability, furthest.c.name)
_FROM = (
    t.deals.join(t.stages, st.id == d.stage_id)
    .join(t.pipelines, p.id == d.pipeline_id)
    .outerjoin(t.contacts, c.id == d.contact_id)
    .outerjoin(t.organizations, o.id == d.organization_id)
    .outerjoin(furthest, furthest.c.id == d.furthest_stage_id)
)


def deal_select() -> Select[Any]:
    """SELECT of every DealInfo field, to add conditions and an order to."""
    return select(*_OWN, *_JOINED).select_from(_FROM)


def deal_rows(conn: Connection, query: Select[Any]) -> list[DealInfo]:
    return [DealInfo(*row) for row in conn.execute(query)]


def parse_deal_id(ref: str | int) -> int:
    """A deal id typed as `7` or `#7`."""
    text = str(ref).strip().lstrip("#")
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_ID:
        raise NotFound(f"no deal with id {str(ref)[:40]}")
    return int(text)


def deal_info(conn: Connection, deal_id: int | str) -> DealInfo:
    """One deal by id."""
    wanted = parse_deal_id(deal_id)
    found = deal_rows(conn, deal_select().where(d.id == wanted))
    if not found:
        raise NotFound(f"no deal with id {wanted}")
    return found[0]


@dataclass(frozen=True)
class DealFilter:
    """Which deals a list keeps; None keeps all."""

    text: str | None = None  # words in the title, the contact's or the organization's name
    status: str | None = "open"  # open, won, lost, or None for all
    pipeline_id: int | None = None
    stage_id: int | None = None
    contact_id: int | None = None
    organization_id: int | None = None
    owner: str | None = None
    ids: Sequence[int] | None = None
    where: Any = None  # one more clause over `deals`: a query of the segments language (`deal_query.py`)


def deal_conditions(filters: DealFilter) -> list[Any]:
    """The WHERE clauses of `filters`, over the joined deal select."""
    where: list[Any] = []
    if filters.status is not None:
        if filters.status not in DEAL_STATUSES:
            raise InvalidInput(f"unknown status '{filters.status}' (use {', '.join(DEAL_STATUSES)} or all)")
        where.append(d.status == filters.status)
    if filters.pipeline_id is not None:
        where.append(d.pipeline_id == filters.pipeline_id)
    if filters.stage_id is not None:
        where.append(d.stage_id == filters.stage_id)
    if filters.contact_id is not None:
        where.append(d.contact_id == filters.contact_id)
    if filters.organization_id is not None:
        where.append(d.organization_id == filters.organization_id)
    if filters.owner is not None:
        where.append(d.owner == filters.owner)
    if filters.ids is not None:
        where.append(d.id.in_(list(filters.ids)))
    if filters.where is not None:
        where.append(filters.where)
    for word in (filters.text or "").split():
        key = name_key(word)
        where.append(
            or_(
                func.lower(d.title).contains(word.lower(), autoescape=True),
                c.sort_name.contains(key, autoescape=True),
                o.name_key.contains(key, autoescape=True),
            )
        )
    return where


def _order(sort: str) -> list[Any]:
    orders: dict[str, list[Any]]
    if sort not in DEAL_SORTS:
        raise InvalidInput(f"unknown sort '{sort}' (use {', '.join(DEAL_SORTS)})")
    orders = {
        "close": [d.expected_close.is_(None), d.expected_close, d.id],
        "amount": [d.currency, d.amount.desc(), d.id],
        "created": [d.created_at.desc(), d.id.desc()],
        "title": [func.lower(d.title), d.id],
        "stage": [d.pipeline_id, st.position, d.id],
    }
    return orders[sort]


def list_deals(
    conn: Connection, filters: DealFilter | None = None, *, sort: str = "close", limit: int | None = None
) -> list[DealInfo]:
    """Deals `filters` keeps, in the order `sort` names."""
    query = deal_select().where(*deal_conditions(filters or DealFilter())).order_by(*_order(sort))
    if limit is not None:
        query = query.limit(limit)
    return deal_rows(conn, query)


def count_deals(conn: Connection, filters: DealFilter | None = None) -> int:
    query = select(func.count()).select_from(_FROM).where(*deal_conditions(filters or DealFilter()))
    return int(conn.execute(query).scalar_one())


def deals_of(
    conn: Connection, *, contact_id: int | None = None, organization_id: int | None = None, limit: int = 200
) -> list[DealInfo]:
    """A contact's or an organization's deals (open first, then the newest closed), for their views."""
    where = d.contact_id == contact_id if contact_id is not None else d.organization_id == organization_id
    query = (
        deal_select()
        .where(where)
        .order_by((d.status != "open"), d.expected_close.is_(None), d.expected_close, d.updated_at.desc(), d.id)
        .limit(limit)
    )
    return deal_rows(conn, query)


def open_deal_condition() -> Any:
    """Open deals (the index on status leads every queue query)."""
    return and_(d.status == "open")
