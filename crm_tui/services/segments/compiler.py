"""A query of the segments language, checked against the field registry and compiled to SQL.

`parse_segment` reads and checks a query without touching the database, so the app can
show an error on the keystroke that made it; `Segment.condition` turns it into one WHERE
clause over `contacts` for a moment in time. Rows are never filtered in Python. The same
grammar and checks serve another `Language` (its fields, tags and words): deals
(`deal_query.py`) compile to a WHERE clause over `deals`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import and_, exists, false, func, not_, or_, select, true
from sqlalchemy.engine import Connection

from crm_tui.errors import InvalidDate, InvalidInput
from crm_tui.models import tables as t
from crm_tui.models.kinds import INTERACTION_KINDS
from crm_tui.services.segments.context import Age, CompileContext, Day
from crm_tui.services.segments.fields import FIELDS, VIRTUAL_TAGS, Field, VirtualTag
from crm_tui.services.segments.parser import (
    And,
    Empty,
    FieldTerm,
    Node,
    Not,
    Or,
    QueryError,
    TextTerm,
    ViewTerm,
    VirtualTerm,
    nearest,
    parse,
    walk,
)

c = t.contacts.c
_SEARCHABLE = re.compile(r"[^\W_]", re.UNICODE)
_DURATION = re.compile(r"^\d+ ?[a-z]+$", re.IGNORECASE | re.ASCII)
MAX_VIEW_DEPTH = 8
# Matching interactions from which a word is checked contact by contact rather than as a set of
# contacts: on 100,000 contacts, 10,000 matching interactions cost about 40 ms either way for a
# page (more as a set, less contact by contact); a count costs more contact by contact.
SPREAD_DOCUMENTS = 10_000


@dataclass(frozen=True)
class Language:
    """What a query is about: its fields, its virtual tags, what a bare word finds, and whether `@VIEW` is one."""

    name: str  # contacts, deals
    fields: Mapping[str, Field]
    tags: Mapping[str, VirtualTag]
    text: Callable[[CompileContext, str], Any]
    views: bool = True


@dataclass(frozen=True)
class Segment:
    """A checked query: its terms and their typed values, ready to compile at any moment."""

    text: str
    root: Node
    values: Mapping[FieldTerm, Any]
    tz: tzinfo
    user: str | None
    language: Language = dataclasses.field(default_factory=lambda: _contacts())

    @property
    def is_empty(self) -> bool:
        return isinstance(self.root, Empty)

    def views(self) -> list[str]:
        """The saved views this query names (`@name`)."""
        return [node.name for node in walk(self.root) if isinstance(node, ViewTerm)]

    def condition(self, conn: Connection, *, now: datetime, views_seen: tuple[str, ...] = ()) -> Any:
        """One WHERE clause over `contacts` (the language's table) keeping what this query matches at `now`."""
        ctx = CompileContext(conn=conn, now=now, tz=self.tz, user=self.user, views_seen=views_seen)
        return _compile(self, self.root, ctx)


def parse_segment(
    text: str, *, now: datetime, tz: tzinfo, user: str | None, language: Language | None = None
) -> Segment:
    """Read and check `text` (a query of contacts unless `language` says otherwise); QueryError names the column."""
    language = language or CONTACTS
    root = parse(text)
    values: dict[FieldTerm, Any] = {}
    for node in walk(root):
        if isinstance(node, FieldTerm):
            values[node] = _check_field(node, text, language, now=now, tz=tz)
        elif isinstance(node, VirtualTerm):
            _check_virtual(node, text, language)
        elif isinstance(node, TextTerm) and not _SEARCHABLE.search(node.text):
            raise QueryError(
                f"'{node.text[:30]}' holds no letter or digit to search for", query=text, column=node.column
            )
        elif isinstance(node, ViewTerm) and not language.views:
            raise QueryError(
                f"a saved view ('@{node.name}') is a query of contacts, not of {language.name}",
                query=text,
                column=node.column,
            )
    return Segment(text=text, root=root, values=values, tz=tz, user=user, language=language)


def _check_virtual(node: VirtualTerm, text: str, language: Language) -> None:
    tag = language.tags.get(node.name)
    if tag is None:
        suggestion = nearest(node.name.lower(), [name.lower() for name in language.tags])
        raise QueryError(
            f"unknown virtual tag '+{node.name}'",
            query=text,
            column=node.column,
            suggestion=f"+{suggestion.upper()}" if suggestion else None,
        )
    if tag.build is None:
        raise QueryError(f"virtual tag '+{node.name}' is not available yet", query=text, column=node.column)


def _check_field(node: FieldTerm, text: str, language: Language, *, now: datetime, tz: tzinfo) -> Any:
    field = language.fields.get(node.name)
    if field is None:
        raise QueryError(
            f"unknown field '{node.name}'",
            query=text,
            column=node.column,
            suggestion=nearest(node.name, language.fields),
        )
    if field.qualifier == "none" and node.qualifier is not None:
        raise QueryError(f"field '{node.name}' takes no '.{node.qualifier}'", query=text, column=node.column)
    if field.qualifier == "required" and not node.qualifier:
        raise QueryError(f"field '{node.name}' needs a name: {node.name}.NAME", query=text, column=node.column)
    if field.build is None:
        raise QueryError(f"field '{node.name}' is not available yet", query=text, column=node.column)
    if node.op not in field.ops:
        allowed = " or ".join(f"'{op}'" for op in sorted(field.ops))
        raise QueryError(f"field '{node.name}' takes {allowed}, not '{node.op}'", query=text, column=node.column)
    if node.qualifier and node.name == "last":
        if node.quoted and not _SEARCHABLE.search(node.qualifier):
            raise QueryError(
                f"'{node.qualifier}' holds no letter or digit to search for", query=text, column=node.column
            )
        if not node.quoted and node.qualifier.lower() not in INTERACTION_KINDS:
            raise QueryError(
                f"unknown kind '{node.qualifier}' (use {', '.join(INTERACTION_KINDS)}, or quote words: last.\"words\")",
                query=text,
                column=node.column,
                suggestion=nearest(node.qualifier, INTERACTION_KINDS),
            )
    where = node.value_column
    if field.read is not None:
        try:
            return field.read(node.raw.strip(), tuple(v.strip() for v in node.values))
        except InvalidInput as exc:
            raise QueryError(exc.message, query=text, column=where) from None
    if field.kind == "text":
        values = tuple(v.strip() for v in node.values)
        if not all(values):
            raise QueryError(f"field '{node.name}' needs a value", query=text, column=where)
        return values
    raw = node.raw.strip()
    if field.kind == "number":
        try:
            number = float(raw.replace(",", "").replace("_", ""))
        except ValueError:
            raise QueryError(f"'{raw[:30]}' is not a number", query=text, column=where) from None
        if number != number or number in (float("inf"), float("-inf")):
            raise QueryError(f"'{raw[:30]}' is not a number", query=text, column=where)
        return number
    if field.kind == "cadence":
        return _duration_days(raw, text, where)
    if not field.ages:
        return _day_value(node, raw, text, where, now=now, tz=tz)
    return _time_value(node, raw, text, where, now=now, tz=tz)


def _duration_days(raw: str, text: str, column: int) -> int:
    from crm_tui.dates import parse_duration

    try:
        return parse_duration(raw).total_days()
    except InvalidDate as exc:
        raise QueryError(exc.message, query=text, column=column) from None


def _day_value(node: FieldTerm, raw: str, text: str, column: int, *, now: datetime, tz: tzinfo) -> Day:
    """A field that takes a day only (`close`): a duration is refused with the day it may mean."""

    if _DURATION.match(raw) and not raw.isdigit():
        op = ">" if node.op in (">", ">=") else "<"  # `close:30d` most likely means closing within them
        raise QueryError(
            f'{node.name} takes a day (2026-12-01, eom, next fri), not a duration: try {node.name}:{op}"in {raw}"',
            query=text,
            column=column,
        )
    return _day(raw, text, column, now=now, tz=tz, hint='is not a day (try 2026-12-01, eom, next fri, "in 30d")')


def _day(raw: str, text: str, column: int, *, now: datetime, tz: tzinfo, hint: str) -> Day:
    """The day `raw` names; QueryError `'raw' hint` when it names none."""
    from crm_tui.dates import parse_date

    try:
        return Day(parse_date(raw, now=now, tz=tz))
    except InvalidDate:
        raise QueryError(f"'{raw[:30]}' {hint}", query=text, column=column) from None
    except (OverflowError, ValueError):
        raise QueryError(f"'{raw[:30]}' is out of range", query=text, column=column) from None


def _time_value(node: FieldTerm, raw: str, text: str, column: int, *, now: datetime, tz: tzinfo) -> Any:

    if _DURATION.match(raw) and not raw.isdigit():
        if node.op in (":", "!="):
            raise QueryError(
                f"a duration needs > or <: {node.name}:>{raw} (longer ago) or {node.name}:<{raw} (within)",
                query=text,
                column=node.column,
            )
        return Age(_duration_days(raw, text, column))
    hint = "is not a date or a duration (try 30d, 2w, 2026-01-01, yesterday)"
    return _day(raw, text, column, now=now, tz=tz, hint=hint)


# ---------------------------------------------------------------- compiling


def _negate(condition: Any) -> Any:
    # NULL (no owner, no title, a NOT IN over nothing) counts as "does not match", so the
    # negation keeps those contacts: -owner:bob includes contacts with no owner.
    return not_(func.coalesce(condition, false()))


def _compile(segment: Segment, node: Node, ctx: CompileContext) -> Any:
    if isinstance(node, Empty):
        return true()
    if isinstance(node, And):
        return and_(*(_compile(segment, part, ctx) for part in node.parts))
    if isinstance(node, Or):
        return or_(*(_compile(segment, part, ctx) for part in node.parts))
    if isinstance(node, Not):
        return _negate(_compile(segment, node.part, ctx))
    if isinstance(node, FieldTerm):
        field = segment.language.fields[node.name]
        assert field.build is not None
        value = segment.values[node]
        qualifier = f'"{node.qualifier}' if node.quoted and node.qualifier else node.qualifier
        try:
            if node.op == "!=":
                return _negate(field.build(ctx, qualifier, ":", value))
            return field.build(ctx, qualifier, node.op, value)
        except QueryError:
            raise
        except InvalidInput as exc:  # a value only the database can judge (a custom field's type)
            raise QueryError(exc.message, query=segment.text, column=node.value_column) from None
    if isinstance(node, VirtualTerm):
        tag = segment.language.tags[node.name]
        assert tag.build is not None
        return tag.build(ctx)
    if isinstance(node, TextTerm):
        return segment.language.text(ctx, node.text)
    if isinstance(node, ViewTerm):
        return _view(segment, node, ctx)
    raise AssertionError(node)  # pragma: no cover


def _text(ctx: CompileContext, text: str) -> Any:
    """A word or phrase: in the contact's own record or in one of its interactions.

    The interactions' documents name their interaction (`doc_id`), whose row gives the contact:
    reading `contact_id` back from the search index costs a read of each document's stored text
    (SQLite: 65,000 documents of "ta*", 285 ms against 7 ms for their ids). Few matching documents
    are the set of contacts they belong to; many (a word being typed: two letters match tens of
    thousands of interactions) are checked contact by contact against the matching ids, so a page
    in name order walks the name index and stops after its rows instead of reading every contact
    of every matching interaction and sorting them (`SPREAD_DOCUMENTS`).
    """
    own = ctx.backend.contacts_matching(text, interactions=False)
    said = ctx.backend.contacts_matching(text, interactions=True)
    if own is None or said is None:
        return false()
    docs = said.subquery()
    mine = c.id.in_(select(own.subquery().c.contact_id))
    if ctx.once(f"spread:{text}", lambda: _spread(ctx.conn, docs)):
        with_text = t.interactions.alias("said_text")
        # The unary plus (SQLite) keeps the planner from driving the check from the list of ids.
        listed = ctx.backend.unindexed(with_text.c.id, "said_text.id").in_(select(docs.c.doc_id))
        return or_(mine, exists().where(with_text.c.contact_id == c.id, listed))
    i = t.interactions.c
    return or_(mine, c.id.in_(select(i.contact_id).where(i.id.in_(select(docs.c.doc_id)))))


def _spread(conn: Connection, docs: Any) -> bool:
    """Whether at least SPREAD_DOCUMENTS interactions match (reads at most that many ids)."""
    first = select(docs.c.doc_id).limit(SPREAD_DOCUMENTS).subquery()
    return int(conn.execute(select(func.count()).select_from(first)).scalar_one()) >= SPREAD_DOCUMENTS


def _view(segment: Segment, node: ViewTerm, ctx: CompileContext) -> Any:
    from crm_tui.keys import fast_name_key

    v = t.saved_views.c
    key = fast_name_key(node.name)
    if key in ctx.views_seen or len(ctx.views_seen) >= MAX_VIEW_DEPTH:
        raise QueryError(f"view '@{node.name}' refers to itself", query=segment.text, column=node.column)
    query = ctx.conn.execute(select(v.query).where(v.name_key == key)).scalar()
    if query is None:
        names = list(ctx.conn.execute(select(v.name)).scalars())
        raise QueryError(
            f"no view named '@{node.name}'",
            query=segment.text,
            column=node.column,
            suggestion=nearest(node.name, names),
        )
    try:
        inner = parse_segment(query, now=ctx.now, tz=segment.tz, user=segment.user)
    except QueryError as exc:
        raise QueryError(f"view '@{node.name}': {exc.what}", query=segment.text, column=node.column) from None
    return inner.condition(ctx.conn, now=ctx.now, views_seen=(*ctx.views_seen, key))


CONTACTS = Language("contacts", FIELDS, VIRTUAL_TAGS, _text)


def _contacts() -> Language:
    return CONTACTS
