"""Service rules on a real temp-file database: contacts, interactions, reminders, due, search."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from crm_tui.db import session_scope
from crm_tui.errors import AmbiguousContact, Conflict, ContactNotFound, InvalidInput
from crm_tui.models import Contact, ContactEmail, Interaction, Reminder
from crm_tui.models.schemas import ContactCreate, ContactUpdate
from crm_tui.services import contacts as svc
from crm_tui.services.due import due_items
from crm_tui.services.interactions import log_interaction
from crm_tui.services.reminders import (
    add_reminder,
    complete_reminder,
    list_reminders,
    snooze_reminder,
)
from crm_tui.services.search import fts_query, phone_query, search_contacts
from tests.conftest import NOW


def add(session: Session, name: str, **kw: object) -> Contact:
    return svc.add_contact(session, ContactCreate(name=name, **kw), actor="tester", now=NOW)  # type: ignore[arg-type]


def test_add_contact_keeps_emails_phones_tags_and_primary(session: Session) -> None:
    c = add(
        session,
        "Ada Lovelace",
        emails=["Ada@Analytical.io", "ada@home.example"],
        phones=["+44 20 7946 0000", "020 7946 0001"],
        organization="Analytical Engines",
        tags=["client", "#VIP"],
        cadence_days=14,
    )
    detail = svc.contact_detail(session, c)
    assert [e.email for e in detail.emails] == ["Ada@Analytical.io", "ada@home.example"]
    assert detail.primary_email == "Ada@Analytical.io"
    assert [p.phone for p in detail.phones] == ["+44 20 7946 0000", "020 7946 0001"]  # text, never numbers
    assert detail.phones[0].is_primary and not detail.phones[1].is_primary
    assert detail.organization == "Analytical Engines"
    assert detail.tags == ["client", "VIP"]
    assert c.owner == "tester" and c.given_name == "Ada" and c.family_name == "Lovelace"


def test_email_belongs_to_one_contact_case_insensitively(session: Session) -> None:
    add(session, "Ada", emails=["ada@x.io"])
    with pytest.raises(Conflict, match="already belongs to #1 Ada"):
        add(session, "Other Ada", emails=["ADA@X.IO"])


def test_invalid_email_and_empty_name_are_refused(session: Session) -> None:
    with pytest.raises(InvalidInput, match="not an email"):
        add(session, "Ada", emails=["ada-at-x"])
    with pytest.raises(InvalidInput, match="must not be empty"):
        add(session, "   ")


def test_resolve_by_id_email_fragment_and_ambiguity(session: Session) -> None:
    ada = add(session, "Ada Lovelace", emails=["ada@x.io"])
    add(session, "Adam Smith")
    assert svc.resolve_contact(session, "#1").id == ada.id
    assert svc.resolve_contact(session, "1").id == ada.id
    assert svc.resolve_contact(session, "ADA@x.io").id == ada.id
    assert svc.resolve_contact(session, "lovel").id == ada.id
    with pytest.raises(AmbiguousContact) as info:
        svc.resolve_contact(session, "ada")
    assert "#1 Ada Lovelace <ada@x.io>" in str(info.value) and "#2 Adam Smith" in str(info.value)
    with pytest.raises(ContactNotFound):
        svc.resolve_contact(session, "99")
    with pytest.raises(ContactNotFound):
        svc.resolve_contact(session, "50%_")  # LIKE wildcards are escaped


def test_exact_name_wins_over_longer_matches(session: Session) -> None:
    add(session, "Ada")
    add(session, "Ada Lovelace")
    assert svc.resolve_contact(session, "ada").display_name == "Ada"


def test_edit_contact_emails_tags_cadence(session: Session) -> None:
    c = add(session, "Ada", emails=["a@x.io"], tags=["client"])
    svc.edit_contact(
        session,
        c,
        ContactUpdate(
            add_emails=["b@x.io"],
            remove_emails=["A@X.IO"],
            add_tags=["vip"],
            remove_tags=["client"],
            cadence_days=30,
            name="Ada King",
        ),
        actor="tester",
    )
    detail = svc.contact_detail(session, c)
    assert [e.email for e in detail.emails] == ["b@x.io"] and detail.emails[0].is_primary
    assert detail.tags == ["vip"]
    assert c.cadence_days == 30 and c.display_name == "Ada King" and c.sort_name == "ada king"
    with pytest.raises(InvalidInput, match="has no email"):
        svc.edit_contact(session, c, ContactUpdate(remove_emails=["nope@x.io"]), actor="tester")


def test_logging_resets_last_contact_through_the_trigger(session: Session) -> None:
    c = add(session, "Ada", cadence_days=7)
    assert c.last_contact_at is None
    log_interaction(session, c, kind="call", summary="Hi", author="tester", at=NOW - timedelta(days=3))
    log_interaction(session, c, kind="email", summary="Older", author="tester", at=NOW - timedelta(days=30))
    session.refresh(c)
    assert c.last_contact_at == NOW - timedelta(days=3)


def test_log_refuses_unknown_kind_and_empty_summary(session: Session) -> None:
    c = add(session, "Ada")
    with pytest.raises(InvalidInput, match="unknown kind 'dance'"):
        log_interaction(session, c, kind="dance", summary="x", author="t")
    with pytest.raises(InvalidInput, match="summary"):
        log_interaction(session, c, kind="call", summary="  ", author="t")


def test_due_lists_overdue_first_respects_snooze_done_and_trash(session: Session) -> None:
    ada = add(session, "Ada")
    bob = add(session, "Bob")
    end = NOW + timedelta(hours=12)
    r1 = add_reminder(session, title="late", due_at=NOW - timedelta(days=2), actor="tester", contact=ada, now=NOW)
    add_reminder(session, title="today", due_at=NOW + timedelta(hours=2), actor="tester", now=NOW)
    add_reminder(session, title="tomorrow", due_at=NOW + timedelta(days=1), actor="tester", now=NOW)
    r4 = add_reminder(session, title="snoozed", due_at=NOW - timedelta(days=5), actor="tester", now=NOW)
    r5 = add_reminder(session, title="done", due_at=NOW - timedelta(days=5), actor="tester", now=NOW)
    add_reminder(session, title="trashed contact", due_at=NOW - timedelta(days=9), actor="tester", contact=bob, now=NOW)
    snooze_reminder(session, r4, NOW + timedelta(days=2), now=NOW)
    complete_reminder(session, r5, now=NOW)
    svc.trash_contact(session, bob, now=NOW)
    titles = [i.title for i in due_items(session, now=NOW, until=end)]
    assert titles == ["late", "today"]
    assert due_items(session, now=NOW, until=end)[0].id == r1.id
    later = [i.title for i in due_items(session, now=NOW, until=NOW + timedelta(days=3))]
    assert later == ["late", "today", "tomorrow", "snoozed"]


def test_stay_in_touch_cadence(session: Session) -> None:
    never = add(session, "Never Called", cadence_days=14)
    recent = add(session, "Recent", cadence_days=14)
    lapsed = add(session, "Lapsed", cadence_days=14)
    add(session, "No Cadence")
    log_interaction(session, recent, kind="call", summary="x", author="t", at=NOW - timedelta(days=3))
    log_interaction(session, lapsed, kind="note", summary="x", author="t", at=NOW - timedelta(days=20))
    items = due_items(session, now=NOW, until=NOW)
    # Most overdue first: lapsed six days ago; never contacted counts as due since creation.
    assert [(i.kind, i.contact_name) for i in items] == [("touch", "Lapsed"), ("touch", "Never Called")]
    assert items[0].due_at == NOW - timedelta(days=6)
    stale = svc.list_contacts(session, stale=True, now=NOW)
    assert {r.name for r in stale} == {"Never Called", "Lapsed"}
    # Logging resets the cadence.
    log_interaction(session, lapsed, kind="email", summary="caught up", author="t", at=NOW)
    assert [i.contact_name for i in due_items(session, now=NOW, until=NOW)] == ["Never Called"]
    assert never.id is not None


def test_stay_in_touch_thresholds_per_cadence_and_with_many_cadences(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crm_tui.services import due as due_module

    # Exactly at its cadence is due; a second later is not yet; each cadence has its own threshold.
    cases = {"Edge 7": (7, 7 * 86400), "Early 7": (7, 7 * 86400 - 1), "Edge 30": (30, 30 * 86400), "Early 30": (30, 40)}
    for name, (days, ago) in cases.items():
        contact = add(session, name, cadence_days=days)
        log_interaction(session, contact, kind="call", summary="x", author="t", at=NOW - timedelta(seconds=ago))
    add(session, "Centuries", cadence_days=3_000_000)  # longer than the calendar: due only if never contacted
    expected = [("Centuries", NOW), ("Edge 7", NOW), ("Edge 30", NOW)]
    got = sorted((i.contact_name, i.due_at) for i in due_items(session, now=NOW, until=NOW))
    assert got == sorted(expected)
    # Past a few dozen cadences the query falls back to date arithmetic; same answer.
    monkeypatch.setattr(due_module, "_FEW_CADENCES", 1)
    assert sorted((i.contact_name, i.due_at) for i in due_items(session, now=NOW, until=NOW)) == sorted(expected)


def test_due_owner_filter(session: Session) -> None:
    add_reminder(session, title="mine", due_at=NOW, actor="tester", now=NOW)
    add_reminder(session, title="theirs", due_at=NOW, actor="tester", owner="sam", now=NOW)
    assert [i.title for i in due_items(session, now=NOW, until=NOW, owner="sam")] == ["theirs"]


def test_recurring_reminder_moves_to_next_occurrence(session: Session) -> None:
    paris = ZoneInfo("Europe/Paris")
    first = datetime(2026, 1, 31, 9, 0, tzinfo=paris)
    from crm_tui.dates import parse_rule

    rule = parse_rule("monthly", anchor=first.replace(tzinfo=None))
    r = add_reminder(
        session,
        title="invoice",
        due_at=first.astimezone(UTC),
        actor="t",
        rule=rule.rrule,
        anchor_local=first.replace(tzinfo=None),
        tz_name="Europe/Paris",
        now=first,
    )
    complete_reminder(session, r, now=first + timedelta(hours=1))
    assert r.done_at is None
    assert r.due_at.astimezone(paris) == datetime(2026, 2, 28, 9, 0, tzinfo=paris)
    complete_reminder(session, r, now=datetime(2026, 2, 28, 10, tzinfo=paris))
    # March 31 09:00 Paris is after the DST change: still 09:00 local.
    assert r.due_at.astimezone(paris) == datetime(2026, 3, 31, 9, 0, tzinfo=paris)


def test_recurring_after_completion_counts_from_completion(session: Session) -> None:
    from crm_tui.dates import parse_rule

    rule = parse_rule("2 weeks after")
    r = add_reminder(
        session,
        title="water plants",
        due_at=NOW,
        actor="t",
        rule=rule.rrule,
        after_completion=True,
        anchor_local=NOW.replace(tzinfo=None),
        tz_name="UTC",
        now=NOW,
    )
    done_at = NOW + timedelta(days=3)
    complete_reminder(session, r, now=done_at)
    assert r.due_at.date() == (done_at + timedelta(weeks=2)).date()


def test_completing_a_one_off_reminder_closes_it(session: Session) -> None:
    r = add_reminder(session, title="x", due_at=NOW, actor="t", now=NOW)
    complete_reminder(session, r, now=NOW)
    assert r.done_at == NOW
    assert list_reminders(session) == []
    assert len(list_reminders(session, include_done=True)) == 1
    with pytest.raises(InvalidInput, match="already done"):
        complete_reminder(session, r, now=NOW)


def test_merge_moves_everything_and_trashes_other(session: Session) -> None:
    keep = add(session, "Ada Lovelace", emails=["ada@x.io"], phones=["+44 1"], tags=["client"])
    other = add(
        session,
        "A. Lovelace",
        emails=["ada@home.io"],
        phones=["+44 1", "+44 2"],
        tags=["vip", "client"],
        organization="Engines",
        notes="met at a conference",
    )
    log_interaction(session, other, kind="call", summary="old call", author="t", at=NOW - timedelta(days=1))
    add_reminder(session, title="follow", due_at=NOW, actor="t", contact=other, now=NOW)
    svc.merge_contacts(session, keep, other, actor="t", now=NOW)
    detail = svc.contact_detail(session, keep)
    assert [e.email for e in detail.emails] == ["ada@x.io", "ada@home.io"]
    assert sorted(p.phone for p in detail.phones) == ["+44 1", "+44 2"]
    assert detail.tags == ["client", "vip"]
    assert detail.organization == "Engines" and keep.notes == "met at a conference"
    assert [i.summary for i in detail.interactions] == ["old call"]
    assert [r.title for r in detail.reminders] == ["follow"]
    assert keep.last_contact_at == NOW - timedelta(days=1)
    assert other.deleted_at is not None
    with pytest.raises(InvalidInput, match="itself"):
        svc.merge_contacts(session, keep, keep, actor="t")


def test_trash_restore_purge(session: Session) -> None:
    c = add(session, "Ada", emails=["ada@x.io"])
    svc.trash_contact(session, c, now=NOW - timedelta(days=40))
    with pytest.raises(ContactNotFound):
        svc.resolve_contact(session, "ada")
    assert svc.resolve_contact(session, "ada", deleted=True).id == c.id
    assert search_contacts(session, "ada") == []
    svc.restore_contact(session, c)
    assert [h.row.name for h in search_contacts(session, "ada")] == ["Ada"]
    svc.trash_contact(session, c, now=NOW - timedelta(days=40))
    d = add(session, "Dan")
    svc.trash_contact(session, d, now=NOW)
    assert svc.purge_trash(session, older_than=timedelta(days=30), now=NOW) == 1
    assert session.get(Contact, c.id) is None and session.get(Contact, d.id) is not None
    # The email is free again once purged.
    add(session, "New Ada", emails=["ada@x.io"])


@pytest.mark.parametrize(
    "query",
    [
        "O'Brien",
        "multi-agent",
        "AND",
        "OR",
        "NEAR",
        '"',
        '"unbalanced',
        "a*b",
        "(x",
        "-",
        "😀",
        "zoe 😀",
        "col:val",
        "^start",
        "",
        "   ",
    ],
)
def test_search_never_fails_on_user_text(session: Session, query: str) -> None:
    add(session, "Zoë O'Brien", notes="multi-agent systems")
    search_contacts(session, query)  # must not raise


def test_search_ranks_diacritics_prefix_and_interactions(session: Session) -> None:
    for i in range(12):  # bm25 needs a corpus where the words are rare
        add(session, f"Filler {i}", notes="unrelated words")
    zoe = add(session, "Zoë O'Brien", emails=["zoe@x.io"], organization="Acme", tags=["client"])
    add(session, "Bob Zoeller", notes="knows zoe")
    carl = add(session, "Carl", notes="")
    log_interaction(
        session,
        carl,
        kind="meeting",
        summary="Quarterly multi-agent review",
        body="budget AND scope",
        author="t",
        at=NOW,
    )
    assert next(h.row.name for h in search_contacts(session, "zoe")) == "Zoë O'Brien"
    assert [h.row.name for h in search_contacts(session, "o'brien")] == ["Zoë O'Brien"]
    assert [h.row.name for h in search_contacts(session, "acm")] == ["Zoë O'Brien"]  # prefix on the last token
    hits = search_contacts(session, "multi-agent")
    assert [h.row.name for h in hits] == ["Carl"] and hits[0].matched == "Quarterly multi-agent review"
    assert [h.row.name for h in search_contacts(session, "AND scope")] == ["Carl"]
    assert zoe.id is not None


def test_fts_query_quotes_tokens() -> None:
    assert fts_query('say "hi" AND') == '"say" AND """hi""" AND ("AND" OR "AND"*)'
    assert fts_query("😀 -") is None


def test_search_index_follows_edits_from_raw_sql(engine: Engine) -> None:
    """Triggers live in the database: a write from any process is searchable."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO contacts (display_name, sort_name, created_at, updated_at) "
                "VALUES ('Grace Hopper', 'grace hopper', '2026-01-01 00:00:00.000000', '2026-01-01 00:00:00.000000')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO contact_emails (contact_id, email, email_key, is_primary) "
                "VALUES (1, 'g@navy.mil', 'g@navy.mil', TRUE)"
            )
        )
    with session_scope(engine) as session:
        assert [h.row.name for h in search_contacts(session, "navy")] == ["Grace Hopper"]
        c = session.get(Contact, 1)
        assert c is not None
        svc.edit_contact(session, c, ContactUpdate(name="Grace Brewster Hopper"), actor="t")
    with session_scope(engine) as session:
        assert [h.row.name for h in search_contacts(session, "brewster")] == ["Grace Brewster Hopper"]
        assert search_contacts(session, "navy")[0].row.email == "g@navy.mil"


def test_list_contacts_pages_and_sorts(session: Session) -> None:
    for i, name in enumerate(["Carol", "alice", "Bob", "Émile"]):
        c = add(session, name, tags=["t"] if i % 2 else [])
        if name == "Bob":
            log_interaction(session, c, kind="call", summary="x", author="t", at=NOW)
    assert [r.name for r in svc.list_contacts(session, sort="name")] == ["alice", "Bob", "Carol", "Émile"]
    assert [r.name for r in svc.list_contacts(session, sort="name", limit=2, offset=1)] == ["Bob", "Carol"]
    assert next(r.name for r in svc.list_contacts(session, sort="last-contact")) == "Bob"
    assert next(r.name for r in svc.list_contacts(session, sort="created")) == "Émile"
    assert [r.name for r in svc.list_contacts(session, tag="T")] == ["alice", "Émile"]
    with pytest.raises(InvalidInput, match="unknown sort"):
        svc.list_contacts(session, sort="age")


def test_unique_email_index_holds_in_the_database(session: Session) -> None:
    add(session, "Ada", emails=["ada@x.io"])
    count = session.execute(select(func.count()).select_from(ContactEmail)).scalar_one()
    assert count == 1
    assert session.execute(select(func.count()).select_from(Interaction)).scalar_one() == 0
    assert session.execute(select(func.count()).select_from(Reminder)).scalar_one() == 0


def test_history_records_who_changed_what(session: Session) -> None:
    from crm_tui.services.history import contact_history

    c = add(session, "Ada", emails=["a@x.io"])
    svc.edit_contact(session, c, ContactUpdate(title="CTO", add_tags=["vip"]), actor="sam", now=NOW)
    svc.edit_contact(session, c, ContactUpdate(title="CTO"), actor="sam", now=NOW)  # no change, no row
    r = add_reminder(session, title="call", due_at=NOW, actor="tester", contact=c, now=NOW)
    complete_reminder(session, r, actor="sam", now=NOW + timedelta(minutes=1))
    svc.trash_contact(session, c, actor="bob", now=NOW + timedelta(minutes=2))
    assert c.id is not None
    rows = [(h.actor, h.entity, h.action, h.field, h.old_value, h.new_value) for h in contact_history(session, c.id)]
    assert rows == [
        ("bob", "contact", "trash", None, None, None),
        ("sam", "reminder", "done", "done_at", None, (NOW + timedelta(minutes=1)).isoformat()),
        ("tester", "reminder", "create", None, None, "call"),
        ("sam", "contact", "update", "tags", None, "vip"),
        ("sam", "contact", "update", "title", None, "CTO"),
        ("tester", "contact", "create", None, None, "Ada"),
    ]


def test_history_keeps_deleted_reminders_and_follows_a_merge(session: Session) -> None:
    from crm_tui.services.history import contact_history
    from crm_tui.services.reminders import remove_reminder

    keep = add(session, "Ada")
    other = add(session, "A. Lovelace")
    gone = add_reminder(session, title="gone", due_at=NOW, actor="t", contact=keep, now=NOW)
    remove_reminder(session, gone, actor="sam")
    moved = add_reminder(session, title="moved", due_at=NOW, actor="t", contact=other, now=NOW)
    svc.merge_contacts(session, keep, other, actor="t", now=NOW)
    assert keep.id is not None and moved.id is not None
    rows = {(h.entity, h.entity_id, h.action) for h in contact_history(session, keep.id)}
    assert ("reminder", gone.id, "delete") in rows and ("reminder", moved.id, "create") in rows


def test_next_follow_up_in_lists_respects_snooze(session: Session) -> None:
    c = add(session, "Ada")
    r = add_reminder(session, title="call", due_at=NOW - timedelta(days=3), actor="t", contact=c, now=NOW)
    snooze_reminder(session, r, NOW + timedelta(days=2), now=NOW)
    assert svc.list_contacts(session, now=NOW)[0].next_due_at == NOW + timedelta(days=2)


def test_a_merged_contact_cannot_be_restored_as_an_empty_shell(session: Session) -> None:
    keep = add(session, "Ada", emails=["a@x.io"])
    other = add(session, "A. Lovelace", emails=["b@x.io"])
    svc.merge_contacts(session, keep, other, actor="t", now=NOW)
    with pytest.raises(Conflict, match="was merged into #1 Ada"):
        svc.restore_contact(session, other)
    plain = add(session, "Bob")
    svc.trash_contact(session, plain, now=NOW)
    svc.restore_contact(session, plain)
    assert plain.deleted_at is None


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ("2026-11-22 16:20:33.123456", datetime(2026, 11, 22, 16, 20, 33, 123456, tzinfo=UTC)),
        ("2026-11-22 16:20:33", datetime(2026, 11, 22, 16, 20, 33, tzinfo=UTC)),
        ("2026-11-22T16:20:33+02:00", datetime(2026, 11, 22, 14, 20, 33, tzinfo=UTC)),  # another tool's text
        ("2026-11-22", datetime(2026, 11, 22, tzinfo=UTC)),
    ],
)
def test_due_reads_stored_text_as_aware_utc(stored: str, expected: datetime) -> None:
    from crm_tui.models.types import aware_utc

    value = aware_utc(stored)
    assert value == expected and value.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("query", "key", "digits"),
    [
        ("+44 20 7946 0000", "+442079460000", "442079460000"),
        ("0044 20 7946 0000", "+442079460000", "442079460000"),  # 00 is the international prefix
        ("020 7946 0000", "02079460000", "2079460000"),  # the national trunk 0 is dropped
        ("7946 0000", "79460000", "79460000"),
        ("(202) 555-0100", "2025550100", "2025550100"),
        ("202.555.0100", "2025550100", "2025550100"),
        ("０２０ ７９４６ ００００", "02079460000", "2079460000"),  # full-width digits, as pasted
        ("+44 (0)20 7946 0000", "+442079460000", "442079460000"),  # the (0) is dialled only at home
    ],
)
def test_phone_query_reads_numbers_in_any_form(query: str, key: str, digits: str) -> None:
    found = phone_query(query)
    assert found is not None and (found.key, found.digits) == (key, digits)
    assert found.international == key.startswith("+")


@pytest.mark.parametrize("query", ["112", "2026", "012345", "00 12345", "ada", "+44 20 7946 0000 x12", "+", ""])
def test_phone_query_refuses_short_numbers_and_words(query: str) -> None:
    assert phone_query(query) is None


def test_search_finds_a_contact_by_any_form_of_its_number(session: Session) -> None:
    add(session, "Ada", phones=["+44 20 7946 0000"])
    add(session, "Bob", phones=["(202) 555-0100"])
    add(session, "Carl", phones=["020 7946 0001"])  # stored in national form
    add(session, "Dora", phones=["+1 303 555 0199"])

    def found(query: str) -> list[tuple[str, str | None]]:
        return [(h.row.name, h.matched) for h in search_contacts(session, query)]

    for query in ["+44 20 7946 0000", "+442079460000", "0044 20 7946 0000", "020 7946 0000", "7946 0000"]:
        assert found(query) == [("Ada", "phone +44 20 7946 0000")], query
    for query in ["(202) 555-0100", "202.555.0100", "+1 202 555 0100", "555-0100"]:
        assert found(query) == [("Bob", "phone (202) 555-0100")], query
    assert found("+44 20 7946 0001") == [("Carl", "phone 020 7946 0001")]  # international finds national
    assert found("+44 20 7946 0002") == []


def test_search_by_a_short_number_does_not_match_everyone(session: Session) -> None:
    add(session, "Ada", phones=["+1 202 555 0112"])
    add(session, "Emergency", phones=["112"])
    add(session, "Bob", phones=["+44 20 7946 0112"])
    assert search_contacts(session, "112") == []
    assert search_contacts(session, "0112") == []
    # A long query does not match a stored number shorter than 6 digits either.
    assert [h.row.name for h in search_contacts(session, "555 0112")] == ["Ada"]


def test_phone_matches_rank_first_skip_the_trash_and_keep_the_limit(session: Session) -> None:
    add(session, "Aaron", notes="Called from 020 7946 0000 last week")  # a text match only
    add(session, "Zoe", phones=["020 7946 0000", "+44 20 7946 0000"])  # the same number twice
    gone = add(session, "Ghost", phones=["+44 20 7946 0000"])
    svc.trash_contact(session, gone, now=NOW)
    hits = search_contacts(session, "020 7946 0000")
    assert [(h.row.name, h.matched) for h in hits] == [("Zoe", "phone 020 7946 0000"), ("Aaron", None)]
    assert hits[0].score < hits[1].score

    for area in range(201, 206):
        add(session, f"Caller {area}", phones=[f"+1 {area} 555 0100"])
    add(session, "Zed", phones=["555-0100"])  # typed exactly like the query: first
    names = [h.row.name for h in search_contacts(session, "555-0100", limit=3)]
    assert names == ["Zed", "Caller 201", "Caller 202"]
    assert len(search_contacts(session, "555-0100")) == 6


def test_stay_in_touch_reads_times_another_tool_wrote_with_an_offset_or_a_t(session: Session) -> None:
    # SQLite compares text: times written as 'T'-separated or with an offset still count by their instant.
    early = add(session, "Early", cadence_days=14)
    late = add(session, "Late", cadence_days=14)
    t_form = add(session, "T Form", cadence_days=14)
    rows = {
        early.id: (NOW - timedelta(days=14, hours=1)).astimezone(ZoneInfo("Asia/Kolkata")).isoformat(),
        late.id: (NOW - timedelta(days=14) + timedelta(hours=1)).astimezone(ZoneInfo("America/New_York")).isoformat(),
        t_form.id: (NOW - timedelta(days=15)).replace(tzinfo=None).isoformat(),
    }
    for cid, stored in rows.items():
        session.execute(text("UPDATE contacts SET last_contact_at = :v WHERE id = :id"), {"v": stored, "id": cid})
    due = {i.contact_name: i.due_at for i in due_items(session, now=NOW, until=NOW)}
    assert set(due) == {"Early", "T Form"}
    assert due["Early"] == NOW - timedelta(hours=1)


def test_search_reads_the_trunk_zero_in_parentheses_both_ways(session: Session) -> None:
    add(session, "Paren", phones=["+44 (0)20 7946 0000"])  # as UK business cards and Outlook write it
    add(session, "Plain", phones=["+44 20 7946 0001"])
    for query in ["+44 20 7946 0000", "0044 20 7946 0000", "+44 (0)20 7946 0000", "020 7946 0000"]:
        assert [h.row.name for h in search_contacts(session, query)] == ["Paren"], query
    assert [h.row.name for h in search_contacts(session, "+44 (0)20 7946 0001")] == ["Plain"]
