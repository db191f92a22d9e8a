"""Organizations: found or created by name, one per spelling (case and accents aside), listed, edited.

`organization_id` is shared by `crm contact add/edit`, the app's form and the importers, on
the caller's Core connection (an ORM session passes `session.connection()`). `crm org ...`
reads with `list_orgs`/`find_org` and changes through a session, recorded in the history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select
from sqlalchemy.engine import Connection

from crm_tui.backend import backend_for
from crm_tui.errors import Conflict, InvalidInput, NotFound
from crm_tui.keys import fast_name_key, label_name, name_key
from crm_tui.models import tables as t

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

o = t.organizations.c


def organization_id(conn: Connection, name: str | None, *, now: datetime) -> int | None:
    """The id of the organization called `name`, created if new; None for no name."""
    if name is None or not name.strip():
        return None
    clean = label_name(name)
    key = fast_name_key(clean)
    found = conn.execute(select(o.id).where(o.name_key == key)).scalar()
    if found is None:
        backend_for(conn).insert_ignore(conn, t.organizations, [{"name": clean, "name_key": key, "created_at": now}])
        found = conn.execute(select(o.id).where(o.name_key == key)).scalar_one()
    return int(found)


# ---------------------------------------------------------------- the organization as a record


@dataclass(frozen=True)
class OrgInfo:
    """An organization with how many live people and open deals it has."""

    id: int
    name: str
    domain: str | None
    notes: str | None
    owner: str | None
    created_at: datetime
    people: int = 0
    open_deals: int = 0


_ORG_COLUMNS = (o.id, o.name, o.domain, o.notes, o.owner, o.created_at)


def _people_count() -> Any:
    c = t.contacts.c
    return (
        select(func.count())
        .where(c.organization_id == o.id, c.deleted_at.is_(None))
        .correlate(t.organizations)
        .scalar_subquery()
    )


def _open_deals_count() -> Any:
    d = t.deals.c
    query = select(func.count()).where(d.organization_id == o.id, d.status == "open")
    return query.correlate(t.organizations).scalar_subquery()


def list_orgs(conn: Connection, query: str | None = None, *, limit: int | None = None) -> list[OrgInfo]:
    """Organizations by name; `query` keeps those whose name or domain holds every word."""
    select_ = select(*_ORG_COLUMNS, _people_count(), _open_deals_count()).order_by(o.name_key, o.id)
    for word in (query or "").split():
        select_ = select_.where(
            or_(o.name_key.contains(name_key(word), autoescape=True),
                func.lower(o.domain).contains(word.lower(), autoescape=True))
        )  # fmt: skip
    if limit is not None:
        select_ = select_.limit(limit)
    return [OrgInfo(*row) for row in conn.execute(select_)]


# How many names a form offers as you type (crm_tui.widgets.suggest): the most used ones when
# there are more (a database of 100,000 companies offers its 5,000 with the most people).
SUGGESTED_NAMES = 5000


def org_names_by_use(conn: Connection, *, limit: int = SUGGESTED_NAMES, starting: str | None = None) -> list[str]:
    """Organization names to complete as the user types: those with the most live people first, then by
    name; `starting`: only those starting with it (services.tags.names_by_use)."""
    from crm_tui.services.tags import names_by_use

    c = t.contacts.c
    people = select(c.organization_id, func.count().label("n")).where(
        c.organization_id.is_not(None), c.deleted_at.is_(None)
    )
    uses = people.group_by(c.organization_id)
    return names_by_use(conn, t.organizations, uses, "organization_id", limit=limit, starting=starting)


def find_org(conn: Connection, ref: str) -> OrgInfo:
    """The organization `ref` names: `#3`/`3`, its name or domain, or a part of one name."""
    text = ref.strip()
    if not text:
        raise InvalidInput("no organization given")
    base = select(*_ORG_COLUMNS, _people_count(), _open_deals_count())
    raw = text.lstrip("#")
    if raw.isascii() and raw.isdigit() and len(raw) < 19:
        found = conn.execute(base.where(o.id == int(raw))).first()
        if found is not None:
            return OrgInfo(*found)
    key = name_key(label_name(text))
    exact = conn.execute(base.where(or_(o.name_key == key, func.lower(o.domain) == text.lower())).limit(2)).all()
    if len(exact) == 1:
        return OrgInfo(*exact[0])
    partial = (
        exact
        or conn.execute(base.where(o.name_key.contains(key, autoescape=True)).order_by(o.name_key).limit(11)).all()
    )
    if len(partial) == 1:
        return OrgInfo(*partial[0])
    if not partial:
        raise NotFound(f"no organization matches '{text[:60]}'")
    listed = "; ".join(f"#{row.id} {row.name}" for row in partial[:10])
    many = len(partial) if len(partial) <= 10 else "more than 10"
    raise InvalidInput(f"'{text[:60]}' matches {many} organizations: {listed}")


# rapidfuzz token-sort similarity (0-100) of name keys from which a name is taken for a typo of another.
CLOSE_NAME = 85


def close_org_name(conn: Connection, name: str) -> str | None:
    """The organization whose name is closest to `name`, when it is close enough to be a typo of it."""
    from rapidfuzz import fuzz, process

    key = name_key(label_name(name))
    if not key:
        return None
    names = {str(row.name_key): str(row.name) for row in conn.execute(select(o.name_key, o.name))}
    found = process.extractOne(key, list(names), scorer=fuzz.token_sort_ratio, score_cutoff=CLOSE_NAME)
    return names[found[0]] if found else None


def org_for_record(session: Session, ref: str, *, actor: str, now: datetime) -> tuple[int, str | None]:
    """The organization `--org REF` names on a deal or payment: (its id, its name when it was created here).

    Found as `find_org` finds it (id, name, domain or a part of one name); a name that matches none
    is created, unless it is close to one there is (a typo would leave a stray organization): then
    NotFound names the close one. An id that matches none creates nothing.
    """
    text = ref.strip()
    try:
        return find_org(session.connection(), text).id, None
    except NotFound:
        raw = text.lstrip("#")
        if raw.isascii() and raw.isdigit():
            raise NotFound(f"no organization with id {raw[:20]}") from None
        near = close_org_name(session.connection(), text)
        if near is not None:
            raise NotFound(
                f"no organization matches '{text[:60]}'; did you mean '{near}'? (`crm org add` creates it)"
            ) from None
    org_id = add_org(session, text, actor=actor, now=now)
    name = session.connection().execute(select(o.name).where(o.id == org_id)).scalar_one()
    return org_id, str(name)


def _clean_domain(domain: str | None) -> str | None:
    if domain is None:
        return None
    value = domain.strip().lower().removeprefix("https://").removeprefix("http://").removeprefix("www.").rstrip("/")
    if not value:
        return None
    if " " in value or "." not in value or "@" in value:
        raise InvalidInput(f"'{domain[:60]}' is not a domain (e.g. analytical.io) (--domain)")
    return value


def _record_org(session: Session, org_id: int, action: str, actor: str, now: datetime, **details: Any) -> None:
    from crm_tui.services.history import record

    record(session, entity="organization", entity_id=org_id, action=action, actor=actor, at=now, **details)


def add_org(
    session: Session, name: str, *, actor: str, now: datetime, domain: str | None = None, notes: str | None = None,
    owner: str | None = None,
) -> int:  # fmt: skip
    """A new organization (one per spelling); its owner defaults to its creator."""
    from crm_tui.keys import clean_name
    from crm_tui.models import Organization

    clean = label_name(clean_name(name, field="the organization name"))
    key = fast_name_key(clean)
    if session.execute(select(Organization.id).where(Organization.name_key == key)).first() is not None:
        raise Conflict(f"an organization called '{clean}' exists already")
    org = Organization(name=clean, name_key=key, domain=_clean_domain(domain), notes=(notes or "").strip() or None,
                       owner=owner or actor, created_at=now)  # fmt: skip
    session.add(org)
    session.flush()
    assert org.id is not None
    _record_org(session, org.id, "create", actor, now, note=clean)
    return org.id


def edit_org(session: Session, org_id: int, values: dict[str, Any], *, actor: str, now: datetime) -> dict[str, Any]:
    """Change an organization's name, domain, notes or owner (a None value clears one but the name)."""
    from crm_tui.keys import clean_name
    from crm_tui.models import Organization
    from crm_tui.services.history import diff

    org = session.get(Organization, org_id)
    if org is None:
        raise NotFound(f"no organization with id {org_id}")
    before = {"name": org.name, "domain": org.domain, "notes": org.notes, "owner": org.owner}
    if values.get("name") is not None:
        org.name = label_name(clean_name(values["name"], field="the organization name"))
        key = fast_name_key(org.name)
        clash = session.execute(select(Organization.id).where(Organization.name_key == key, Organization.id != org_id))
        if clash.first() is not None:
            raise Conflict(f"an organization called '{org.name}' exists already")
        org.name_key = key
    if "domain" in values:
        org.domain = _clean_domain(values["domain"])
    if "notes" in values:
        org.notes = (values["notes"] or "").strip() or None
    if "owner" in values:
        org.owner = (values["owner"] or "").strip() or None
    changes = diff(before, {"name": org.name, "domain": org.domain, "notes": org.notes, "owner": org.owner})
    if changes:
        session.add(org)
        session.flush()
        _record_org(session, org_id, "update", actor, now, changes=changes)
    return changes


def remove_org(session: Session, org_id: int, *, actor: str, now: datetime) -> int:
    """Delete an organization; its people stay (without it), and so do its deals and payments. Returns the people."""
    from crm_tui.models import Contact, Organization
    from crm_tui.services.history import record

    org = session.get(Organization, org_id)
    if org is None:
        raise NotFound(f"no organization with id {org_id}")
    people = list(session.execute(select(Contact).where(Contact.organization_id == org_id)).scalars())
    for person in people:
        assert person.id is not None
        person.organization_id = None
        person.updated_at = now
        session.add(person)
        record(session, entity="contact", entity_id=person.id, action="update", actor=actor, at=now,
               changes={"organization": (org.name, None)})  # fmt: skip
    session.flush()  # the contacts' update trigger drops the name from their search rows
    _record_org(session, org_id, "delete", actor, now,
                changes={k: (v, None) for k, v in (("name", org.name), ("domain", org.domain), ("notes", org.notes),
                                                   ("owner", org.owner)) if v is not None})  # fmt: skip
    session.delete(org)
    session.flush()
    return len(people)


def close_to_new_name(conn: Connection, name: str) -> str | None:
    """For a name no organization is called (case, accents and spaces aside), the existing one it is
    close enough to be a typo of (`close_org_name`); None when one is called that or none is close.

    The app's contact form asks this of the name typed in it, which it otherwise creates: the same
    refusal as `org_for_record`'s, in the form's own words.
    """
    key = fast_name_key(label_name(name))
    if not key or conn.execute(select(o.id).where(o.name_key == key)).first() is not None:
        return None
    return close_org_name(conn, name)
