"""Rules: a query and the follow-up it creates for each contact that enters it.

A rule fires at most once per contact (`rule_firings`, keyed by rule and contact): running
it again adds nothing, so at most one of its reminders is open per contact. Once that
reminder is done (or deleted) and the contact has left the segment, the firing is removed:
the rule is armed again and fires when the contact re-enters. Every reminder a rule creates
is recorded in the history with the rule's name. `crm due` and `crm rule run` evaluate rules.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.engine import Connection

from crm_tui.backend import backend_for
from crm_tui.dates import utcnow
from crm_tui.errors import Conflict, InvalidInput, NotFound
from crm_tui.keys import fast_name_key, label_name
from crm_tui.models import tables as t
from crm_tui.services.segments.parser import QueryError, nearest

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from crm_tui.models import Rule

ru, rf, r, c = t.rules.c, t.rule_firings.c, t.reminders.c, t.contacts.c
PLACEHOLDERS = ("name", "first")


@dataclass(frozen=True)
class RuleInfo:
    id: int
    name: str
    query: str
    remind: str
    due: str | None
    owner: str | None
    created_by: str | None
    created_at: datetime
    updated_at: datetime


_COLUMNS = tuple(ru[name] for name in RuleInfo.__dataclass_fields__)


def rule_infos(conn: Connection) -> list[RuleInfo]:
    return [RuleInfo(*row) for row in conn.execute(select(*_COLUMNS).order_by(ru.name_key))]


def rule_info(conn: Connection, name: str) -> RuleInfo:
    row = conn.execute(select(*_COLUMNS).where(ru.name_key == fast_name_key(name.strip()))).first()
    if row is None:
        hint = nearest(name, list(conn.execute(select(ru.name)).scalars()))
        raise NotFound(f"no rule named '{name}'" + (f" (did you mean '{hint}'?)" if hint else ""))
    return RuleInfo(*row)


def check_template(remind: str) -> str:
    """The reminder title, its placeholders checked: {name} and {first}."""
    text = " ".join(remind.split())
    if not text:
        raise InvalidInput("the reminder text must not be empty (--remind)")
    try:
        for _, field, spec, conversion in string.Formatter().parse(text):
            if field is not None and (field not in PLACEHOLDERS or spec or conversion):
                raise InvalidInput(f"unknown placeholder '{{{field}}}' (use {{name}} or {{first}}) (--remind)")
    except ValueError:
        raise InvalidInput("unbalanced { or } in the reminder text (write {{ or }} for a brace) (--remind)") from None
    return text


def title_for(template: str, name: str, given: str | None) -> str:
    first = given or (name.split()[0] if name.split() else name)
    return template.format(name=name, first=first)


def add_rule(
    session: Session,
    *,
    name: str,
    query: str,
    remind: str,
    actor: str,
    tz: tzinfo,
    due: str | None = None,
    owner: str | None = None,
    now: datetime | None = None,
) -> Rule:
    """A new rule; its query, template and due delay are checked first."""
    from crm_tui.dates import parse_duration
    from crm_tui.models import Rule
    from crm_tui.services.history import record
    from crm_tui.services.segments.compiler import parse_segment

    now = now or utcnow()
    clean = label_name(name)
    if not clean:
        raise InvalidInput("a rule needs a name")
    segment = parse_segment(query, now=now, tz=tz, user=actor)
    template = check_template(remind)
    if due is not None:
        parse_duration(due)
    conn = session.connection()
    segment.condition(conn, now=now)  # views it names must exist
    if conn.execute(select(ru.id).where(ru.name_key == fast_name_key(clean))).first() is not None:
        raise Conflict(f"a rule named '{clean}' exists (remove it first: crm rule rm {clean})")
    rule = Rule(name=clean, name_key=fast_name_key(clean), query=query, remind=template, due=due, owner=owner,
                created_by=actor, created_at=now, updated_at=now)  # fmt: skip
    session.add(rule)
    session.flush()
    assert rule.id is not None
    fields = {"name": clean, "query": query, "remind": template, "due": due, "owner": owner}
    record(session, entity="rule", entity_id=rule.id, action="create", actor=actor, at=now,
           changes={k: (None, val) for k, val in fields.items()})  # fmt: skip
    return rule


def remove_rule(session: Session, name: str, *, actor: str) -> RuleInfo:
    """Delete a rule; the reminders it created stay."""
    from crm_tui.services.history import record

    conn = session.connection()
    info = rule_info(conn, name)
    conn.execute(delete(t.rules).where(ru.id == info.id))
    record(session, entity="rule", entity_id=info.id, action="delete", actor=actor,
           changes={"name": (info.name, None), "query": (info.query, None)})  # fmt: skip
    return info


# ---------------------------------------------------------------- running


@dataclass(frozen=True)
class Fired:
    """A reminder a rule created (or, in a dry run, would create)."""

    rule: str
    contact_id: int
    contact_name: str
    title: str
    due_at: datetime
    reminder_id: int | None  # None in a dry run


@dataclass(frozen=True)
class RuleProblem:
    rule: str
    message: str


def run_rules(
    session: Session,
    *,
    now: datetime,
    tz: tzinfo,
    actor: str,
    dry_run: bool = False,
    only: str | None = None,
) -> tuple[list[Fired], list[RuleProblem]]:
    """Evaluate the rules (or one): create the reminders they owe; what fired, and rules that could not run."""
    from crm_tui.dates import parse_duration
    from crm_tui.services.contacts.rows import live_condition
    from crm_tui.services.history import record
    from crm_tui.services.reminders import add_reminder
    from crm_tui.services.segments.compiler import parse_segment

    conn = session.connection()
    rules = [rule_info(conn, only)] if only else rule_infos(conn)
    if not rules:
        return [], []
    if not dry_run:
        # One evaluation at a time (SQLite's BEGIN IMMEDIATE already serializes writers).
        backend_for(conn).lock_for_new_ids(conn, "rule_firings")
    fired: list[Fired] = []
    problems: list[RuleProblem] = []
    for rule in rules:
        try:
            condition = parse_segment(rule.query, now=now, tz=tz, user=actor).condition(conn, now=now)
        except (QueryError, InvalidInput) as exc:
            problems.append(RuleProblem(rule.name, exc.message))
            continue
        members = select(c.id).where(live_condition(conn), condition)
        if not dry_run:
            _rearm(conn, rule.id, members)
        already = select(rf.contact_id).where(rf.rule_id == rule.id)
        entering = conn.execute(
            select(c.id, c.display_name, c.given_name)
            .where(live_condition(conn), condition, c.id.not_in(already))
            .order_by(c.id)
        ).all()
        delay = timedelta(days=parse_duration(rule.due).total_days()) if rule.due else timedelta()
        for cid, name, given in entering:
            title = title_for(rule.remind, name, given)
            if dry_run:
                fired.append(Fired(rule.name, cid, name, title, now + delay, None))
                continue
            reminder = add_reminder(session, title=title, due_at=now + delay, contact_id=cid, actor=actor,
                                    owner=rule.owner or rule.created_by or actor, now=now)  # fmt: skip
            assert reminder.id is not None
            record(session, entity="reminder", entity_id=reminder.id, contact_id=cid, action="rule", actor=actor,
                   at=now, changes={"rule": (None, rule.name)})  # fmt: skip
            conn.execute(
                insert(t.rule_firings).values(rule_id=rule.id, contact_id=cid, reminder_id=reminder.id, fired_at=now)
            )
            fired.append(Fired(rule.name, cid, name, title, now + delay, reminder.id))
    return fired, problems


def _rearm(conn: Connection, rule_id: int, members: Any) -> None:
    """Forget firings of contacts that left the segment and whose reminder is no longer open."""
    still_open = select(r.id).where(r.done_at.is_(None))
    conn.execute(
        delete(t.rule_firings).where(
            rf.rule_id == rule_id,
            rf.contact_id.not_in(members),
            or_(rf.reminder_id.is_(None), rf.reminder_id.not_in(still_open)),
        )
    )


def firing_count(conn: Connection, rule_id: int) -> tuple[int, int]:
    """(contacts it has fired for and not re-armed, of which with an open reminder)."""
    from sqlalchemy import func

    total = conn.execute(select(func.count()).select_from(t.rule_firings).where(rf.rule_id == rule_id)).scalar_one()
    open_ = conn.execute(
        select(func.count())
        .select_from(t.rule_firings)
        .join(t.reminders, r.id == rf.reminder_id)
        .where(rf.rule_id == rule_id, r.done_at.is_(None))
    ).scalar_one()
    return int(total), int(open_)
