"""The segments language over deals: `crm deal list 'stage:proposal amount>5000 +ROTTING'`.

The same grammar, checks and errors as a query of contacts (`compiler.py`), with fields of
its own compiled to one WHERE clause over `deals`. A bare word or phrase is found in the
deal's title, its contact's name or its organization's name.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import false, func, or_, select

from crm_tui.errors import InvalidInput
from crm_tui.keys import fast_name_key, name_key
from crm_tui.models import tables as t
from crm_tui.services.money.segment_fields import Amount, amount_in, read_amount
from crm_tui.services.segments.compiler import Language, Segment, parse_segment
from crm_tui.services.segments.context import CompileContext, Day, number_condition, time_condition
from crm_tui.services.segments.fields import Field, VirtualTag

d, c, o, st, p = t.deals.c, t.contacts.c, t.organizations.c, t.stages.c, t.pipelines.c
STATUSES = ("open", "won", "lost")


def _any(conditions: list[Any]) -> Any:
    return or_(*conditions) if len(conditions) > 1 else conditions[0]


def _read_statuses(raw: str, values: tuple[str, ...]) -> tuple[str, ...]:
    statuses = tuple(v.lower() for v in values)
    for status in statuses:
        if status not in STATUSES:
            raise InvalidInput(f"unknown status '{status[:20]}' (use {', '.join(STATUSES)})")
    return statuses


def _stage(ctx: CompileContext, qualifier: str | None, op: str, values: tuple[str, ...]) -> Any:
    return d.stage_id.in_(select(st.id).where(st.name_key.in_([name_key(v) for v in values])))


def _status(ctx: CompileContext, qualifier: str | None, op: str, values: tuple[str, ...]) -> Any:
    return d.status.in_(list(values))


def _pipeline(ctx: CompileContext, qualifier: str | None, op: str, values: tuple[str, ...]) -> Any:
    return d.pipeline_id.in_(select(p.id).where(p.name_key.in_([name_key(v) for v in values])))


def _owner(ctx: CompileContext, qualifier: str | None, op: str, values: tuple[str, ...]) -> Any:
    parts = []
    for value in values:
        low = value.lower()
        parts.append(d.owner.is_(None) if low == "none" else d.owner == (ctx.user if low == "me" else value))
    return _any(parts)


def _org(ctx: CompileContext, qualifier: str | None, op: str, values: tuple[str, ...]) -> Any:
    names = or_(*(o.name_key.contains(fast_name_key(v), autoescape=True) for v in values))
    return d.organization_id.in_(select(o.id).where(names))


def _contact(ctx: CompileContext, qualifier: str | None, op: str, values: tuple[str, ...]) -> Any:
    names = or_(*(c.sort_name.contains(fast_name_key(v), autoescape=True) for v in values))
    return d.contact_id.in_(select(c.id).where(names))


def _tag(ctx: CompileContext, qualifier: str | None, op: str, values: tuple[str, ...]) -> Any:
    from crm_tui.services.segments.fields import FIELDS

    tagged = FIELDS["tag"].build
    assert tagged is not None
    return d.contact_id.in_(select(c.id).where(tagged(ctx, None, op, values)))


def _amount(ctx: CompileContext, qualifier: str | None, op: str, amount: Amount) -> Any:
    money = amount_in(ctx.conn, amount)
    return (d.currency == money.currency) & number_condition(d.amount, op, money.minor)


def _close(ctx: CompileContext, qualifier: str | None, op: str, value: Day) -> Any:
    day = value.day  # a day only (Field.ages False): the compiler refuses a duration with a hint
    by_op = {
        ":": d.expected_close == day,
        ">": d.expected_close > day,
        ">=": d.expected_close >= day,
        "<": d.expected_close < day,
        "<=": d.expected_close <= day,
    }
    return by_op[op]


def _won(ctx: CompileContext, qualifier: str | None, op: str, value: Any) -> Any:
    return time_condition(ctx, d.won_at, op, value)


def _created(ctx: CompileContext, qualifier: str | None, op: str, value: Any) -> Any:
    return time_condition(ctx, d.created_at, op, value)


def _rotting(ctx: CompileContext) -> Any:
    from crm_tui.services.money.conditions import deal_rotting_condition

    return deal_rotting_condition(ctx.conn, now=ctx.now)


def _text(ctx: CompileContext, text: str) -> Any:
    """A word or phrase in the deal's title, its contact's name or its organization's name."""
    key = fast_name_key(text)
    if not key and not text.strip():
        return false()
    return or_(
        func.lower(d.title).contains(text.lower(), autoescape=True),
        d.contact_id.in_(select(c.id).where(c.sort_name.contains(key, autoescape=True))),
        d.organization_id.in_(select(o.id).where(o.name_key.contains(key, autoescape=True))),
    )


DEAL_FIELDS: dict[str, Field] = {
    entry.name: entry
    for entry in (
        Field("stage", "text", "is in a stage of that name (any pipeline)", _stage, example="stage:proposal"),
        Field("status", "text", "is open, won or lost", _status, example="status:won", read=_read_statuses),
        Field("pipeline", "text", "is in that pipeline", _pipeline, example="pipeline:sales"),
        Field("owner", "text", "is owned by the user (`me`: you; `none`: nobody)", _owner, example="owner:me"),
        Field("org", "text", "its organization's name contains the text", _org, example="org:acme"),
        Field("contact", "text", "its contact's name contains the text", _contact, example="contact:ada"),
        Field("tag", "text", "its contact has the tag", _tag, example="tag:vip"),
        Field(
            "amount",
            "number",
            "its amount, in the default currency unless the value names one (other currencies never match)",
            _amount,
            example="amount>5000",
            read=read_amount,
        ),
        Field("close", "time", "its expected close day", _close, example="close:<2026-12-01", ages=False),
        Field("won", "time", "when it was won", _won, example="won:>30d"),
        Field("created", "time", "when it was added", _created, example="created:<30d"),
    )
}
DEAL_TAGS: dict[str, VirtualTag] = {
    "ROTTING": VirtualTag(
        "ROTTING",
        "open, with no stage move and no interaction with its contact or organization for its pipeline's rotten days",
        _rotting,
    ),
}
DEALS = Language("deals", DEAL_FIELDS, DEAL_TAGS, _text, views=False)


def parse_deal_query(text: str, *, now: datetime, tz: tzinfo, user: str | None) -> Segment:
    """Read and check a query of deals; QueryError names the column of the first problem."""
    return parse_segment(text, now=now, tz=tz, user=user, language=DEALS)


def names_status(segment: Segment) -> bool:
    """Whether the query says which statuses it wants (`status:`, or `won:`), so no default applies."""
    from crm_tui.services.segments.parser import FieldTerm, walk

    return any(isinstance(node, FieldTerm) and node.name in ("status", "won") for node in walk(segment.root))
