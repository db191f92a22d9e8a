"""The whole person: dates, addresses, web addresses, relationships, custom fields (services, both databases)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from crm_tui.annual import keys_by_year, next_occurrence, parse_annual, years_on
from crm_tui.db import connection_scope, session_scope
from crm_tui.errors import Conflict, InvalidInput, NotFound
from crm_tui.models.schemas import ContactCreate
from crm_tui.services.contacts.lifecycle import merge_contacts
from crm_tui.services.contacts.writing import add_contact
from crm_tui.services.history import contact_history
from crm_tui.services.person.editing import PersonEdit, apply_person_edit, parse_address
from crm_tui.services.person.fields import add_field, city_condition, custom_condition, remove_field
from crm_tui.services.person.profile import person_info
from crm_tui.services.person.relations import link, relations_of, unlink
from crm_tui.services.person.upcoming import set_notice
from crm_tui.services.queue import due_items, today_queue
from tests.conftest import NOW

TODAY = NOW.date()  # Sunday 22 November 2026


def _people(engine: Engine) -> tuple[int, int]:
    with session_scope(engine) as session:
        ada = add_contact(session, ContactCreate(name="Ada Lovelace", emails=["ada@x.io"]), actor="t", now=NOW)
        bob = add_contact(session, ContactCreate(name="Bob Byron"), actor="t", now=NOW)
        assert ada.id and bob.id
        return ada.id, bob.id


def _edit(engine: Engine, cid: int, edit: PersonEdit) -> None:
    from crm_tui.services.contacts.finding import get_contact

    with session_scope(engine) as session:
        apply_person_edit(session, get_contact(session, cid), edit, actor="t", now=NOW)


def test_annual_dates_rules() -> None:
    assert parse_annual("04-12") == "--04-12" and parse_annual("1990-04-12") == "1990-04-12"
    assert parse_annual("--02-29") == "--02-29"
    with pytest.raises(InvalidInput):
        parse_annual("13-01")
    # 29 February falls on 28 February in other years.
    assert next_occurrence("2000-02-29", date(2027, 1, 1)) == date(2027, 2, 28)
    assert next_occurrence("2000-02-29", date(2028, 1, 1)) == date(2028, 2, 29)
    assert years_on("1990-11-25", date(2026, 11, 25)) == 36
    # A date with a year comes back from that year on.
    assert next_occurrence("2027-03-01", date(2026, 2, 1)) == date(2027, 3, 1)
    assert 229 in keys_by_year(date(2027, 2, 27), date(2027, 3, 1))[2027]


def test_dates_in_the_queue_with_the_age(engine: Engine) -> None:
    ada, bob = _people(engine)
    _edit(engine, ada, PersonEdit(birthday="1990-11-25", dates={"renewal": "2026-12-20"}))
    _edit(engine, bob, PersonEdit(birthday="11-22"))
    with connection_scope(engine) as conn:
        items = due_items(conn, now=NOW, until=NOW + timedelta(hours=1), tz=UTC)
    assert [(i.kind, i.contact_name, i.title) for i in items] == [
        ("date", "Bob Byron", "birthday"),
        ("date", "Ada Lovelace", "birthday (turns 36)"),
    ]
    assert items[1].due_at == datetime(2026, 11, 25, tzinfo=UTC)
    with connection_scope(engine, write=True) as conn:
        set_notice(conn, "renewal", 30)
    with connection_scope(engine) as conn:
        queue = today_queue(conn, now=NOW, today_end=NOW + timedelta(hours=14), upcoming_end=NOW, tz=UTC)
    assert [i.title for i in queue.dates.items] == ["birthday", "birthday (turns 36)", "renewal"]
    assert queue.dates.total == 3


def test_person_edit_is_recorded_and_shown(engine: Engine) -> None:
    ada, _ = _people(engine)
    with session_scope(engine) as session:
        add_field(session, "industry", type_="choice", choices=["retail", "finance"], actor="t", now=NOW)
        add_field(session, "seats", type_="number", actor="t", now=NOW)
    edit = PersonEdit(
        birthday="12-10",
        dates={"anniversary": "2010-06-12"},
        set_fields={"Industry": "RETAIL", "seats": "12"},
        add_addresses=[parse_address("home: 12 Main St, Springfield, IL, 62701, USA")],
        add_urls=[("https://www.linkedin.com/in/ada/", "linkedin")],
        nickname="Addy",
    )
    _edit(engine, ada, edit)
    with connection_scope(engine) as conn:
        info = person_info(conn, ada, today=TODAY)
        history = {c.field: (c.old_value, c.new_value) for c in contact_history(conn, ada)}
    assert [(d.label, d.value, d.years) for d in info.dates] == [("birthday", "--12-10", None),
                                                                  ("anniversary", "2010-06-12", 17)]  # fmt: skip
    assert info.addresses[0].locality == "Springfield" and info.urls[0].label == "linkedin"
    assert [(f.name, f.type, f.value) for f in info.fields] == [("industry", "choice", "retail"),
                                                                 ("seats", "number", "12")]  # fmt: skip
    assert history["birthday"] == (None, "--12-10") and history["custom.industry"] == (None, "retail")
    with pytest.raises(InvalidInput, match="not a number"):
        _edit(engine, ada, PersonEdit(set_fields={"seats": "many"}))
    with pytest.raises(NotFound, match="no custom field"):
        _edit(engine, ada, PersonEdit(set_fields={"shoe": "42"}))
    _edit(engine, ada, PersonEdit(birthday="", remove_addresses=["1"], unset_fields=["seats"]))
    with connection_scope(engine) as conn:
        info = person_info(conn, ada, today=TODAY)
    assert (info.birthday, info.addresses, [f.name for f in info.fields]) == (None, [], ["industry"])


def test_conditions_for_the_segments_language(engine: Engine) -> None:
    from sqlalchemy import select

    from crm_tui.models import tables as t

    ada, bob = _people(engine)
    with session_scope(engine) as session:
        add_field(session, "seats", type_="number", actor="t", now=NOW)
    _edit(engine, ada, PersonEdit(set_fields={"seats": "12"}, add_addresses=[parse_address("1 Rue X, Paris")]))
    _edit(engine, bob, PersonEdit(set_fields={"seats": "9"}))
    with connection_scope(engine) as conn:

        def ids(condition: object) -> list[int]:
            return sorted(conn.execute(select(t.contacts.c.id).where(condition)).scalars())

        assert ids(custom_condition(conn, "seats", ">", "10")) == [ada]  # numbers compare as numbers
        assert ids(custom_condition(conn, "seats", "<=", "9")) == [bob]
        assert ids(custom_condition(conn, "seats", "~", "2")) == [ada]
        assert ids(city_condition("paris")) == [ada]


def test_custom_field_definition_checks_held_values_and_rm_removes_them(engine: Engine) -> None:
    ada, _ = _people(engine)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE contacts SET custom = :c WHERE id = :i"), {"c": json.dumps({"size": "n/a"}), "i": ada}
        )
    with pytest.raises(InvalidInput, match=f"#{ada}"), session_scope(engine) as session:
        add_field(session, "size", type_="number", actor="t", now=NOW)
    with session_scope(engine) as session:
        add_field(session, "size", type_="text", actor="t", now=NOW)
    with pytest.raises(Conflict), session_scope(engine) as session:
        add_field(session, "SIZE", type_="text", actor="t", now=NOW)
    with session_scope(engine) as session:
        _, count = remove_field(session, "size", actor="t", now=NOW)
    assert count == 1
    with connection_scope(engine) as conn:
        assert person_info(conn, ada, today=TODAY).fields == []


def test_relationships_both_ways_and_through_merge(engine: Engine) -> None:
    from crm_tui.services.contacts.finding import get_contact

    ada, bob = _people(engine)
    with session_scope(engine) as session:
        carol = add_contact(session, ContactCreate(name="Carol Clay"), actor="t", now=NOW).id
        assert carol
        assert link(session, ada, bob, "manager", actor="t", now=NOW) == "manager"
        link(session, carol, bob, "godparent/godchild", actor="t", now=NOW)
    with connection_scope(engine) as conn:
        assert [(r.kind, r.other_name) for r in relations_of(conn, ada)] == [("manager", "Bob Byron")]
        assert [(r.kind, r.other_name) for r in relations_of(conn, bob)] == [("godchild", "Carol Clay"),
                                                                             ("report", "Ada Lovelace")]  # fmt: skip
    with pytest.raises(Conflict), session_scope(engine) as session:
        link(session, bob, ada, "report", actor="t", now=NOW)  # the same link, seen from Bob
    _edit(engine, bob, PersonEdit(birthday="1970-01-02", add_urls=[("https://b.example", None)]))
    with session_scope(engine) as session:  # Bob merged into Carol: his links and dates are hers now
        merge_contacts(session, get_contact(session, carol), get_contact(session, bob), actor="t", now=NOW)
    with connection_scope(engine) as conn:
        assert [(r.kind, r.other_name) for r in relations_of(conn, carol)] == [("report", "Ada Lovelace")]
        info = person_info(conn, carol, today=TODAY)
        assert (info.birthday.value if info.birthday else None, len(info.urls)) == ("1970-01-02", 1)
    with session_scope(engine) as session:
        assert unlink(session, carol, ada, actor="t", now=NOW) == 1
