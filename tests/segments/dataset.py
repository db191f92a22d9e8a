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
