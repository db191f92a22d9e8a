"""The fixed dataset the segments tests run their queries on (both databases), at tests.conftest.NOW.

| contact | tags (cadence) | org | interactions (days before NOW) | reminders | notes |
|---|---|---|---|---|---|
| 1 Ada Lovelace | vip, client (client 21d) | Analytical Engines | calls -150 -120 -90 -60; 9/10 at -60 | -1d | CTO |
| 2 Bob Byron | friend; own cadence 14d | - | none | due -2d, snoozed to +1d | owner sam, created -10d |
| 3 Carla Cruz | client | Cruz Consulting | emails -28 -21 -14 "Proposal sent" -7; rating 4/5 at -7 | due today +2h | |
| 4 Dan Dorsey | vip; own cadence 30d | - | feedback 3/10 at -100; note "asked for a referral" -50 | | |
| 5 Eve Evans | client | Analytical Engines | meeting -5 | due +3d | created 2025-12-15 |
| 6 Finn Flynn | vip | - | call -3 | | in the trash |
| 7 Gus Grey | - | - | none | | no owner, created -200d |
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.engine import Engine

from crm_tui.db import session_scope
from crm_tui.models import tables as t
from crm_tui.models.schemas import ContactCreate
from crm_tui.services.contacts.finding import get_contact
from crm_tui.services.contacts.lifecycle import trash_contact
from crm_tui.services.contacts.writing import add_contact
from crm_tui.services.interactions import log_interaction
from crm_tui.services.reminders import add_reminder, get_reminder, snooze_reminder
from crm_tui.services.tags import set_tag_cadence
from tests.conftest import NOW

NAMES = {1: "Ada Lovelace", 2: "Bob Byron", 3: "Carla Cruz", 4: "Dan Dorsey", 5: "Eve Evans", 6: "Finn Flynn",
         7: "Gus Grey"}  # fmt: skip


def days(n: float) -> datetime:
    return NOW - timedelta(days=n)


def build(engine: Engine) -> None:
    with session_scope(engine) as s:

        def add(name: str, created: datetime, **kw: object) -> int:
            contact = add_contact(s, ContactCreate(name=name, **kw), actor="tester", now=created)  # type: ignore[arg-type]
            assert contact.id is not None
            return contact.id

        ada = add(
            "Ada Lovelace",
            days(400),
            tags=["vip", "client"],
            organization="Analytical Engines",
            emails=["ada@engines.example"],
            title="CTO",
            source="linkedin",
        )
        bob = add("Bob Byron", days(10), tags=["friend"], cadence_days=14, owner="sam")
        carla = add(
            "Carla Cruz", days(300), tags=["client"], organization="Cruz Consulting", emails=["carla@cruz.example"]
        )
        dan = add("Dan Dorsey", days(300), tags=["vip"], cadence_days=30)
        eve = add(
            "Eve Evans", datetime(2025, 12, 15, 12, tzinfo=UTC), tags=["client"], organization="Analytical Engines"
        )
        finn = add("Finn Flynn", days(300), tags=["vip"])
        gus = add("Gus Grey", days(200))
        conn = s.connection()
        conn.execute(update(t.contacts).where(t.contacts.c.id == gus).values(owner=None))
        set_tag_cadence(s, "client", 21, actor="tester")

        def log(cid: int, kind: str, summary: str, ago: float, **kw: object) -> None:
            log_interaction(conn, cid, kind=kind, summary=summary, author="tester", at=days(ago), now=NOW, **kw)  # type: ignore[arg-type]

        for ago in (150, 120, 90, 60):
            log(ada, "call", f"catch-up call {ago}", ago)
        log(ada, "feedback", "Loves the new reports", 60, score=9, scale=10)
        for ago in (28, 21, 14):
            log(carla, "email", f"weekly note {ago}", ago)
        log(carla, "email", "Proposal sent", 7)
        log(carla, "feedback", "Good, could be faster", 7, score=4, scale=5)
        log(dan, "feedback", "Not convinced yet", 100, score=3, scale=10)
        log(dan, "note", "asked for a referral", 50)
        log(eve, "meeting", "Kick-off meeting", 5)
        log(finn, "call", "quick call", 3)
        add_reminder(s, title="Send Ada the invoice", due_at=days(1), contact_id=ada, actor="tester", now=days(5))
        snoozed = add_reminder(s, title="Call Bob back", due_at=days(2), contact_id=bob, actor="tester", now=days(5))
        assert snoozed.id is not None
        snooze_reminder(s, get_reminder(s, snoozed.id), NOW + timedelta(days=1), actor="tester", now=days(1))
        add_reminder(
            s, title="Carla: contract", due_at=NOW + timedelta(hours=2), contact_id=carla, actor="tester", now=days(1)
        )
        add_reminder(
            s, title="Eve: agenda", due_at=NOW + timedelta(days=3), contact_id=eve, actor="tester", now=days(1)
        )
        trash_contact(s, get_contact(s, finn), actor="tester", now=days(1))


MONEY_AND_PERSON = """
What `build_money_and_person` adds (default currency EUR; the 12 months end at NOW; Ada's -60 payment falls on
the day of her last call, so it leaves her rhythm as it was). Expected
closes: Reports upgrade 2026-12-15, Workshop 2026-11-30, Audit 2026-11-01.

| contact | payments (days ago) | tier | deals | city | custom | dates |
|---|---|---|---|---|---|---|
| 1 Ada | EUR 8,000 -60, 2,000 -400 | A | Proposal EUR 12,000; won EUR 2,000 -10 | Paris | retail, seats 12 | bd 11-25 |
| 2 Bob | - | - | - | - | - | bd 12-10 |
| 3 Carla | EUR 1,500 -60 | B | won EUR 4,000 -40; Proposal USD 6,000 | London | finance | bd 11-21 |
| 4 Dan | EUR 500 -200 | C | Negotiation EUR 3,000 since -60 (rotting, sam's) | paris | seats 3 | bd 1980-11-29 |
| 5 Eve | USD 9,000 -10 | A (USD) | - | - | legacy Gold (untyped) | anniversary 11-23 |
| 7 Gus | EUR 300 -500 | C (earlier) | lost EUR 1,000 -100 | - | - | - |
"""


def build_money_and_person(engine: Engine) -> dict[str, int]:
    """Payments, deals, addresses, custom fields and dates on top of `build`; returns the deals' ids by title."""
    import json
    from datetime import date

    from crm_tui.money import parse_money
    from crm_tui.services.config import set_config
    from crm_tui.services.money.deal_changes import DealFields, add_deal, close_deal, get_deal
    from crm_tui.services.money.payments import add_payment
    from crm_tui.services.money.pipelines import find_pipeline, find_stage, pipeline_of
    from crm_tui.services.person.editing import PersonEdit, apply_person_edit, parse_address
    from crm_tui.services.person.fields import add_field

    today = NOW.date()
    with session_scope(engine) as s:
        set_config(s, "currency", "EUR", actor="tester", now=days(500))
    for cid, amount, ago in [(1, "EUR 8000", 60), (1, "EUR 2000", 400), (3, "EUR 1500", 60), (4, "EUR 500", 200),
                             (5, "USD 9000", 10), (7, "EUR 300", 500)]:  # fmt: skip
        with session_scope(engine) as s:
            money = parse_money(amount, default_currency="EUR")
            add_payment(s, money, paid_on=today - timedelta(days=ago), actor="tester", now=days(ago), contact_id=cid)
    deals: dict[str, int] = {}
    for title, cid, amount, stage, created, closed, close in [
        ("Reports upgrade", 1, "EUR 12000", "proposal", 10, None, date(2026, 12, 15)),
        ("Training", 1, "EUR 2000", "proposal", 20, ("won", 10), None),
        ("Retainer", 3, "EUR 4000", "negotiation", 90, ("won", 40), None),
        ("Workshop", 3, "USD 6000", "proposal", 2, None, date(2026, 11, 30)),
        ("Audit", 4, "EUR 3000", "negotiation", 60, None, date(2026, 11, 1)),
        ("Old deal", 7, "EUR 1000", "lead", 150, ("lost", 100), None),
    ]:
        with session_scope(engine) as s:
            pipeline = find_pipeline(s.connection(), None)
            money = parse_money(amount, default_currency="EUR")
            fields = DealFields(title, money, contact_id=cid, expected_close=close, owner="sam" if cid == 4 else None)
            deal = add_deal(s, fields, pipeline=pipeline, stage=find_stage(pipeline, stage), actor="tester",
                            now=days(created))  # fmt: skip
            assert deal.id is not None
            deals[title] = deal.id
        if closed is not None:
            kind, ago = closed
            with session_scope(engine) as s:
                deal = get_deal(s, deals[title])
                close_deal(s, deal, pipeline_of(s.connection(), deal.pipeline_id), kind, actor="tester",
                           now=days(ago), at=days(ago), reason="too dear" if kind == "lost" else None)  # fmt: skip
    with session_scope(engine) as s:
        add_field(s, "industry", type_="choice", choices=["retail", "finance", "health"], actor="tester", now=days(9))
        add_field(s, "seats", type_="number", actor="tester", now=days(9))
        edits = {
            1: PersonEdit(birthday="11-25", set_fields={"industry": "retail", "seats": "12"},
                          add_addresses=[parse_address("home: 1 Rue de Rivoli, Paris, France")]),
            2: PersonEdit(birthday="12-10"),
            3: PersonEdit(birthday="11-21", set_fields={"industry": "finance"},
                          add_addresses=[parse_address("work: 10 Downing St, London, UK")]),
            4: PersonEdit(birthday="1980-11-29", set_fields={"seats": "3"},
                          add_addresses=[parse_address("2 Rue Saint-Denis, paris, France")]),
            5: PersonEdit(dates={"anniversary": "11-23"}),
        }  # fmt: skip
        for cid, edit in edits.items():
            apply_person_edit(s, get_contact(s, cid), edit, actor="tester", now=days(8))
        s.connection().execute(
            update(t.contacts).where(t.contacts.c.id == 5).values(custom=json.dumps({"legacy": "Gold"}))
        )
    assert date(2026, 11, 22) == today
    return deals
