"""The field registry: every field and virtual tag of the segments language, one entry each.

An entry names the field, the kind of value it takes, its help (the README's definition),
and how it compiles to a WHERE clause over `contacts` (`build`). A field whose data does
not exist yet has `build=None`: it parses, and running it says "field X is not available
yet". Another feature plugs its fields in with `register(...)` from a module of its own
listed in `FEATURES` (imported with this registry), e.g. `services/money/segment_fields.py`:
`register(Field("tier", "text", "...", build=_tier))`. Such a module also fills the hooks of
other segments modules (`atrisk.VALUE_EXPRESSION`, `why.WHY_EXTRAS`, `feedback.GROUPINGS`)
through `plug(...)`, without importing them: each hook's module calls `plugged(...)` when it loads.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from types import ModuleType
from typing import Any

from sqlalchemy import and_, false, func, not_, or_, select

from crm_tui.keys import fast_name_key, label_name
from crm_tui.models import tables as t
from crm_tui.services.segments.context import CompileContext, number_condition, time_condition

c, i, r = t.contacts.c, t.interactions.c, t.reminders.c

TEXT_OPS = frozenset({":", "!="})
ORDER_OPS = frozenset({":", "!=", ">", ">=", "<", "<="})
TIME_OPS = ORDER_OPS

#: (context, qualifier, op, typed value) -> a condition on contacts `c`; a quoted qualifier keeps its quote
FieldBuilder = Callable[[CompileContext, "str | None", str, Any], Any]
TagBuilder = Callable[[CompileContext], Any]
#: (the value as typed, its comma-separated parts) -> the typed value; InvalidInput when it does not fit
ValueReader = Callable[[str, "tuple[str, ...]"], Any]


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # text (one or more values, any of them), number, time (a date or a duration ago), cadence
    help: str
    build: FieldBuilder | None
    qualifier: str = "none"  # none | optional | required: `last.call`, `custom.industry`
    example: str = ""
    read: ValueReader | None = None  # reads the value instead of the kind's rules (`value>"EUR 5000"`)
    operators: frozenset[str] | None = None  # instead of the kind's (`custom.seats>10` compares text fields)
    ages: bool = True  # a time field that also takes a duration ago (`last:>30d`); False: days only (`close`)

    @property
    def ops(self) -> frozenset[str]:
        if self.operators is not None:
            return self.operators
        return TEXT_OPS if self.kind == "text" else ORDER_OPS


@dataclass(frozen=True)
class VirtualTag:
    name: str
    help: str  # its exact definition
    build: TagBuilder | None


FIELDS: dict[str, Field] = {}
VIRTUAL_TAGS: dict[str, VirtualTag] = {}


def register(entry: Field | VirtualTag) -> None:
    """Add or replace a field or virtual tag (how a feature plugs its data into the language)."""
    if isinstance(entry, Field):
        FIELDS[entry.name] = entry
    else:
        VIRTUAL_TAGS[entry.name.upper()] = entry


#: The modules of other features that register fields and fill hooks, imported with this registry.
FEATURES = ("crm_tui.services.money.segment_fields", "crm_tui.services.person.segment_fields")
_PLUGS: dict[str, list[Callable[[ModuleType], None]]] = {}


def plug(module: str, install: Callable[[ModuleType], None]) -> None:
    """Have `install` fill a hook of `module` (a dotted name) once that module has loaded.

    The feature never imports the module itself, so registering costs nothing at start-up:
    `crm contact list` loads no at-risk ranking, `crm due` no `crm why`.
    """
    _PLUGS.setdefault(module, []).append(install)
    loaded = sys.modules.get(module)
    if loaded is not None and getattr(loaded, "_plugged", False):
        install(loaded)


def plugged(module: str) -> None:
    """Called by a module with hooks as the last line it runs: the features fill them now."""
    loaded = sys.modules[module]
    loaded._plugged = True
    for install in _PLUGS.get(module, []):
        install(loaded)


def _any_of(conditions: list[Any], op: str) -> Any:
    found = or_(*conditions) if len(conditions) > 1 else conditions[0]
    return not_(found) if op == "!=" else found


# ---------------------------------------------------------------- text fields


def _tag(ctx: CompileContext, qualifier: str | None, op: str, values: tuple[str, ...]) -> Any:
    keys = [fast_name_key(label_name(v)) for v in values]
    tagged = (
        select(t.contact_tags.c.contact_id)
        .join(t.tags, t.tags.c.id == t.contact_tags.c.tag_id)
        .where(t.tags.c.name_key.in_(keys))
    )
    return _any_of([c.id.in_(tagged)], op)


def _org(ctx: CompileContext, qualifier: str | None, op: str, values: tuple[str, ...]) -> Any:
    o = t.organizations.c
    names = or_(*(o.name_key.contains(fast_name_key(v), autoescape=True) for v in values))
    return _any_of([c.organization_id.in_(select(o.id).where(names))], op)


def _owner(ctx: CompileContext, qualifier: str | None, op: str, values: tuple[str, ...]) -> Any:
    parts = []
    for value in values:
        low = value.lower()
        if low == "none":
            parts.append(c.owner.is_(None))
        else:
            parts.append(c.owner == (ctx.user if low == "me" else value))
    return _any_of(parts, op)


def _name(ctx: CompileContext, qualifier: str | None, op: str, values: tuple[str, ...]) -> Any:
    return _any_of([c.sort_name.contains(fast_name_key(v), autoescape=True) for v in values], op)


def _email(ctx: CompileContext, qualifier: str | None, op: str, values: tuple[str, ...]) -> Any:
    e = t.contact_emails.c
    found = or_(*(e.email_key.contains(v.strip().lower(), autoescape=True) for v in values))
    return _any_of([c.id.in_(select(e.contact_id).where(found))], op)


def _title(ctx: CompileContext, qualifier: str | None, op: str, values: tuple[str, ...]) -> Any:
    return _any_of([func.lower(c.title).contains(v.lower(), autoescape=True) for v in values], op)


def _source(ctx: CompileContext, qualifier: str | None, op: str, values: tuple[str, ...]) -> Any:
    return _any_of([func.lower(c.source) == v.lower() for v in values], op)


def _kind(ctx: CompileContext, qualifier: str | None, op: str, values: tuple[str, ...]) -> Any:
    from crm_tui.services.segments.rhythm import live_interactions

    ev = live_interactions().add_columns(i.kind).subquery("kinds")
    wanted = [v.lower() for v in values]
    return _any_of([c.id.in_(select(ev.c.contact_id).where(ev.c.kind.in_(wanted)))], op)


# ---------------------------------------------------------------- times and numbers


def _last(ctx: CompileContext, qualifier: str | None, op: str, value: Any) -> Any:
    """The latest interaction (of a kind, or whose text matches), compared."""
    if qualifier is None:
        return time_condition(ctx, c.last_contact_at, op, value)
    from crm_tui.services.segments.rhythm import live_interactions

    ev = live_interactions().add_columns(i.id.label("interaction_id"), i.kind).subquery("qualified")
    if not qualifier.startswith('"'):
        which = ev.c.kind == qualifier.lower()
    else:
        matching = ctx.backend.contacts_matching(qualifier[1:], interactions=True)
        if matching is None:
            return false()  # nothing searchable: no interaction matches
        which = ev.c.interaction_id.in_(select(matching.subquery().c.doc_id))
    latest = func.max(ev.c.at)
    per_contact = select(ev.c.contact_id).where(which).group_by(ev.c.contact_id)
    return c.id.in_(per_contact.having(time_condition(ctx, latest, op, value)))


def _created(ctx: CompileContext, qualifier: str | None, op: str, value: Any) -> Any:
    return time_condition(ctx, c.created_at, op, value)


def _every(ctx: CompileContext, qualifier: str | None, op: str, days: int) -> Any:
    from crm_tui.services.segments.cadence import effective_cadence

    return number_condition(effective_cadence(ctx.conn), op, days)


def _latest_score(scale: int) -> Any:
    """Each contact's latest feedback on `scale`, as (contact_id, score)."""
    later = t.interactions.alias("later")
    newer = (
        select(later.c.id)
        .where(
            later.c.contact_id == i.contact_id,
            later.c.scale == scale,
            or_(later.c.occurred_at > i.occurred_at, and_(later.c.occurred_at == i.occurred_at, later.c.id > i.id)),
        )
        .exists()
    )
    return select(i.contact_id, i.score).where(i.scale == scale, i.score.is_not(None), not_(newer))


def _score(scale: int) -> FieldBuilder:
    def build(ctx: CompileContext, qualifier: str | None, op: str, value: float) -> Any:
        latest = _latest_score(scale).subquery("latest")
        return c.id.in_(select(latest.c.contact_id).where(number_condition(latest.c.score, op, value)))

    return build


# ---------------------------------------------------------------- virtual tags


def _open_reminders(condition: Any) -> Any:
    from crm_tui.services.queue import effective_due

    return c.id.in_(
        select(r.contact_id).where(r.done_at.is_(None), r.contact_id.is_not(None), condition(effective_due()))
    )


def _overdue(ctx: CompileContext) -> Any:
    return _open_reminders(lambda due: due < ctx.now)


def _due_today(ctx: CompileContext) -> Any:
    start = ctx.local_midnight(ctx.today)
    end = ctx.local_midnight(ctx.today + timedelta(days=1))
    return _open_reminders(lambda due: and_(due >= start, due < end))


def _week(ctx: CompileContext) -> Any:
    start = ctx.local_midnight(ctx.today)
    end = ctx.local_midnight(ctx.today + timedelta(days=8))
    return _open_reminders(lambda due: and_(due >= start, due < end))


def _stale(ctx: CompileContext) -> Any:
    from crm_tui.services.contacts.rows import stale_condition

    return stale_condition(ctx.conn, ctx.now)


def _rhythms(ctx: CompileContext) -> Any:
    from crm_tui.services.segments.rhythm import current_rhythms, day_number

    # Only the events up to the query's day count: a later one counts from its day on.
    return ctx.once("rhythms", lambda: current_rhythms(ctx.conn, today=day_number(ctx.now)))


def _atrisk(ctx: CompileContext) -> Any:
    from crm_tui.services.segments.rhythm import atrisk_condition

    return atrisk_condition(ctx.conn, ctx.now, rhythms=_rhythms(ctx))


def _lapsed(ctx: CompileContext) -> Any:
    from crm_tui.services.segments.rhythm import lapsed_condition

    return lapsed_condition(ctx.conn, ctx.now, rhythms=_rhythms(ctx))


def _new(ctx: CompileContext) -> Any:
    return c.created_at > ctx.now - timedelta(days=30)


def _never(ctx: CompileContext) -> Any:
    return c.last_contact_at.is_(None)


for _entry in (
    Field("tag", "text", "has the tag (any of several: tag:a,b)", _tag, example="tag:vip"),
    Field("org", "text", "its organization's name contains the text", _org, example='org:"Acme Corp"'),
    Field("owner", "text", "owned by the user (`me`: you; `none`: nobody)", _owner, example="owner:me"),
    Field("name", "text", "its name contains the text (any case and accents)", _name, example="name:ada"),
    Field("email", "text", "one of its email addresses contains the text", _email, example="email:@acme.com"),
    Field("title", "text", "its job title contains the text", _title, example="title:cto"),
    Field("source", "text", "its source is the text (any case)", _source, example="source:linkedin"),
    Field("kind", "text", "has an interaction of that kind", _kind, example="kind:meeting"),
    Field(
        "last",
        "time",
        'its latest interaction (`last.KIND`: of that kind; `last."words"`: whose text holds them)',
        _last,
        qualifier="optional",
        example="last:>30d",
    ),
    Field("created", "time", "when it was added", _created, example="created:<2026-01-01"),
    Field(
        "every", "cadence", "its stay-in-touch cadence (its own, else its tags' shortest)", _every, example="every:<=2w"
    ),
    Field("score", "number", "its latest feedback score, 0-10 (NPS)", _score(10), example="score>=9"),
    Field("rating", "number", "its latest feedback rating, 1-5", _score(5), example="rating<=2"),
    VirtualTag("OVERDUE", "has an open follow-up whose due time (or the end of its snooze) has passed", _overdue),
    VirtualTag("DUE", "has an open follow-up due today (your zone)", _due_today),
    VirtualTag("WEEK", "has an open follow-up due from today through the 7th day after today", _week),
    VirtualTag(
        "STALE",
        "its stay-in-touch cadence (its own, else its tags' shortest) has run out since its last "
        "interaction, or it was never contacted",
        _stale,
    ),
    VirtualTag(
        "ATRISK",
        "days since its last interaction exceed the smaller of its 80th-percentile gap and 1.5x its "
        "median gap (with fewer than 3 gaps: 1.5x its cadence)",
        _atrisk,
    ),
    VirtualTag(
        "LAPSED",
        "days since its last interaction exceed the smaller of its longest gap and 3x its median gap "
        "(with fewer than 3 gaps: 3x its cadence)",
        _lapsed,
    ),
    VirtualTag("NEW", "added in the last 30 days", _new),
    VirtualTag("NEVER", "no interaction ever logged", _never),
):
    register(_entry)

for _feature in FEATURES:
    importlib.import_module(_feature)
