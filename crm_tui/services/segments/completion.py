"""The words a query can use, for the app's filter bar to complete as they are typed.

Field names (`tag:`, `last:`, `custom.`), virtual tags (`+STALE`), saved views (`@hot-leads`)
and the values of the fields that name things the database holds: tags, organizations,
owners and stages, the most used first. Read once when the filter bar opens
(crm_tui.widgets.suggest.QuerySuggester completes from them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from crm_tui.models import tables as t


@dataclass(frozen=True)
class QueryWords:
    """What the filter bar completes: field names with their `:` (or `.` for a field that needs a
    qualifier), `+` virtual tags, `@` views, and values by field name."""

    fields: list[str]
    flags: list[str]
    views: list[str]
    values: dict[str, list[str]] = field(default_factory=dict)
    partial: frozenset[str] = frozenset()  # the fields of `values` that match a part of a name


# `org:lark` finds Larkspur Studio (fields.py: _org matches a part of the name); tag:, owner: and
# stage: match a whole value, so a name with a space there completes only inside quotes.
PARTIAL_FIELDS = frozenset({"org"})


def owner_names(conn: Connection, *, limit: int = 5000) -> list[str]:
    """The owners of live contacts, those with the most first."""
    c = t.contacts.c
    owners = (
        select(c.owner)
        .where(c.owner.is_not(None), c.deleted_at.is_(None))
        .group_by(c.owner)
        .order_by(func.count().desc(), c.owner)
        .limit(limit)
    )
    return [str(o) for o in conn.execute(owners).scalars()]


def stage_names(conn: Connection, *, limit: int = 5000) -> list[str]:
    """The stages' names, in pipeline order (a name several pipelines share, once)."""
    s = t.stages.c
    stages = select(s.name).group_by(s.name).order_by(func.min(s.position), s.name).limit(limit)
    return [str(n) for n in conn.execute(stages).scalars()]


def query_words(conn: Connection, *, limit: int = 5000) -> QueryWords:
    """The contacts language's words, with the tags, organizations, owners and stages in use."""
    from crm_tui.services.organizations import org_names_by_use
    from crm_tui.services.segments.compiler import CONTACTS  # every feature's fields registered
    from crm_tui.services.segments.views import view_infos
    from crm_tui.services.tags import tag_names_by_use

    return QueryWords(
        fields=[f"{name}." if f.qualifier == "required" else f"{name}:" for name, f in CONTACTS.fields.items()],
        flags=[f"+{name}" for name in CONTACTS.tags],
        views=[f"@{view.name}" for view in view_infos(conn)],
        values={
            "tag": tag_names_by_use(conn, limit=limit),
            "org": org_names_by_use(conn, limit=limit),
            "owner": owner_names(conn, limit=limit),
            "stage": stage_names(conn, limit=limit),
        },
        partial=PARTIAL_FIELDS,
    )
