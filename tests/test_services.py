"""Service rules on a real temp-file database: contacts, interactions, reminders, due, search."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text
from sqlmodel import Session

from crm_tui.errors import AmbiguousContact, Conflict, ContactNotFound, InvalidInput
from crm_tui.models import Contact, ContactEmail, Interaction, Reminder
from crm_tui.models.schemas import ContactCreate, ContactUpdate
from crm_tui.services.contacts.finding import resolve_contact
from crm_tui.services.contacts.lifecycle import merge_contacts, purge_trash, restore_contact, trash_contact
from crm_tui.services.contacts.rows import ContactFilter, contact_detail, list_contacts
from crm_tui.services.contacts.writing import add_contact, edit_contact
from crm_tui.services.interactions import log_interaction
from crm_tui.services.queue import due_items
from crm_tui.services.reminders import add_reminder, complete_reminder, reminder_infos, snooze_reminder
from crm_tui.services.search import search_contacts
from tests.conftest import NOW


def add(session: Session, name: str, **kw: object) -> Contact:
    return add_contact(session, ContactCreate(name=name, **kw), actor="tester", now=NOW)  # type: ignore[arg-type]


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
    assert resolve_contact(session, "#1").id == ada.id
    assert resolve_contact(session, "1").id == ada.id
    assert resolve_contact(session, "ADA@x.io").id == ada.id
    assert resolve_contact(session, "lovel").id == ada.id
    with pytest.raises(AmbiguousContact) as info:
        resolve_contact(session, "ada")
    assert "#1 Ada Lovelace <ada@x.io>" in str(info.value) and "#2 Adam Smith" in str(info.value)
    with pytest.raises(ContactNotFound):
        resolve_contact(session, "99")
    with pytest.raises(ContactNotFound):
        resolve_contact(session, "50%_")  # LIKE wildcards are escaped


def test_exact_name_wins_over_longer_matches(session: Session) -> None:
    add(session, "Ada")
    add(session, "Ada Lovelace")
    assert resolve_contact(session, "ada").display_name == "Ada"


def test_edit_contact_emails_tags_cadence(session: Session) -> None:
    c = add(session, "Ada", emails=["a@x.io"], tags=["client"])
    edit_contact(
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
    detail = contact_detail(session.connection(), c.id)
    assert [e.email for e in detail.emails] == ["b@x.io"] and detail.emails[0].is_primary
    assert detail.tags == ["vip"]
    assert c.cadence_days == 30 and c.display_name == "Ada King" and c.sort_name == "ada king"
    with pytest.raises(InvalidInput, match="has no email"):
        edit_contact(session, c, ContactUpdate(remove_emails=["nope@x.io"]), actor="tester")


def test_logging_resets_last_contact_through_the_trigger(session: Session) -> None:
    c = add(session, "Ada", cadence_days=7)
    assert c.last_contact_at is None
    log_interaction(session.connection(), c.id, kind="call", summary="Hi", author="tester", at=NOW - timedelta(days=3))
    log_interaction(
        session.connection(), c.id, kind="email", summary="Older", author="tester", at=NOW - timedelta(days=30)
    )
    session.refresh(c)
    assert c.last_contact_at == NOW - timedelta(days=3)


def test_log_refuses_unknown_kind_and_empty_summary(session: Session) -> None:
    c = add(session, "Ada")
    with pytest.raises(InvalidInput, match="unknown kind 'dance'"):
        log_interaction(session.connection(), c.id, kind="dance", summary="x", author="t")
    with pytest.raises(InvalidInput, match="summary"):
        log_interaction(session.connection(), c.id, kind="call", summary="  ", author="t")


def test_due_lists_overdue_first_respects_snooze_done_and_trash(session: Session) -> None:
    ada = add(session, "Ada")
    bob = add(session, "Bob")
    end = NOW + timedelta(hours=12)
    r1 = add_reminder(session, title="late", due_at=NOW - timedelta(days=2), actor="tester", contact_id=ada.id, now=NOW)
    add_reminder(session, title="today", due_at=NOW + timedelta(hours=2), actor="tester", now=NOW)
    add_reminder(session, title="tomorrow", due_at=NOW + timedelta(days=1), actor="tester", now=NOW)
    r4 = add_reminder(session, title="snoozed", due_at=NOW - timedelta(days=5), actor="tester", now=NOW)
    r5 = add_reminder(session, title="done", due_at=NOW - timedelta(days=5), actor="tester", now=NOW)
    add_reminder(
        session, title="trashed contact", due_at=NOW - timedelta(days=9), actor="tester", contact_id=bob.id, now=NOW
    )
    snooze_reminder(session, r4, NOW + timedelta(days=2), now=NOW)
    complete_reminder(session, r5, now=NOW)
    trash_contact(session, bob, now=NOW)
    titles = [i.title for i in due_items(session.connection(), now=NOW, until=end)]
    assert titles == ["late", "today"]
    assert due_items(session.connection(), now=NOW, until=end)[0].id == r1.id
    later = [i.title for i in due_items(session.connection(), now=NOW, until=NOW + timedelta(days=3))]
    assert later == ["late", "today", "tomorrow", "snoozed"]


def test_stay_in_touch_cadence(session: Session) -> None:
    never = add(session, "Never Called", cadence_days=14)
    recent = add(session, "Recent", cadence_days=14)
    lapsed = add(session, "Lapsed", cadence_days=14)
    add(session, "No Cadence")
    log_interaction(session.connection(), recent.id, kind="call", summary="x", author="t", at=NOW - timedelta(days=3))
    log_interaction(session.connection(), lapsed.id, kind="note", summary="x", author="t", at=NOW - timedelta(days=20))
    items = due_items(session.connection(), now=NOW, until=NOW)
    # Most overdue first: lapsed six days ago; never contacted counts as due since creation.
    assert [(i.kind, i.contact_name) for i in items] == [("touch", "Lapsed"), ("touch", "Never Called")]
    assert items[0].due_at == NOW - timedelta(days=6)
    stale = list_contacts(session.connection(), ContactFilter(stale=True), now=NOW)
    assert {r.name for r in stale} == {"Never Called", "Lapsed"}
    # Logging resets the cadence.
    log_interaction(session.connection(), lapsed.id, kind="email", summary="caught up", author="t", at=NOW)
    assert [i.contact_name for i in due_items(session.connection(), now=NOW, until=NOW)] == ["Never Called"]
    assert never.id is not None


def test_stay_in_touch_thresholds_per_cadence_and_with_many_cadences(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crm_tui.services import queue as due_module

    # Exactly at its cadence is due; a second later is not yet; each cadence has its own threshold.
    cases = {"Edge 7": (7, 7 * 86400), "Early 7": (7, 7 * 86400 - 1), "Edge 30": (30, 30 * 86400), "Early 30": (30, 40)}
    for name, (days, ago) in cases.items():
        contact = add(session, name, cadence_days=days)
        log_interaction(
            session.connection(), contact.id, kind="call", summary="x", author="t", at=NOW - timedelta(seconds=ago)
        )
    add(session, "Centuries", cadence_days=3_000_000)  # longer than the calendar: due only if never contacted
    expected = [("Centuries", NOW), ("Edge 7", NOW), ("Edge 30", NOW)]
    got = sorted((i.contact_name, i.due_at) for i in due_items(session.connection(), now=NOW, until=NOW))
    assert got == sorted(expected)
    # Past a few dozen cadences the query falls back to date arithmetic; same answer.
    monkeypatch.setattr(due_module, "_FEW_CADENCES", 1)
    assert sorted((i.contact_name, i.due_at) for i in due_items(session.connection(), now=NOW, until=NOW)) == sorted(
        expected
    )


def test_due_owner_filter(session: Session) -> None:
    add_reminder(session, title="mine", due_at=NOW, actor="tester", now=NOW)
    add_reminder(session, title="theirs", due_at=NOW, actor="tester", owner="sam", now=NOW)
    assert [i.title for i in due_items(session.connection(), now=NOW, until=NOW, owner="sam")] == ["theirs"]


def test_recurring_reminder_moves_to_next_occurrence(session: Session) -> None:
    paris = ZoneInfo("Europe/Paris")
    first = datetime(2026, 1, 31, 9, 0, tzinfo=paris)
    r = add_reminder(
        session, title="invoice", due_at=first.astimezone(UTC), actor="t", every="monthly", tz=paris, now=first
    )
    complete_reminder(session, r, now=first + timedelta(hours=1))
    assert r.done_at is None
    assert r.due_at.astimezone(paris) == datetime(2026, 2, 28, 9, 0, tzinfo=paris)
    complete_reminder(session, r, now=datetime(2026, 2, 28, 10, tzinfo=paris))
    # March 31 09:00 Paris is after the DST change: still 09:00 local.
    assert r.due_at.astimezone(paris) == datetime(2026, 3, 31, 9, 0, tzinfo=paris)


def test_recurring_after_completion_counts_from_completion(session: Session) -> None:
    r = add_reminder(session, title="water plants", due_at=NOW, actor="t", every="2 weeks after", tz=UTC, now=NOW)
    done_at = NOW + timedelta(days=3)
    complete_reminder(session, r, now=done_at)
    assert r.due_at.date() == (done_at + timedelta(weeks=2)).date()


def test_completing_a_one_off_reminder_closes_it(session: Session) -> None:
    r = add_reminder(session, title="x", due_at=NOW, actor="t", now=NOW)
    complete_reminder(session, r, now=NOW)
    assert r.done_at == NOW
    assert reminder_infos(session.connection()) == []
    assert len(reminder_infos(session.connection(), include_done=True)) == 1
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
    log_interaction(
        session.connection(), other.id, kind="call", summary="old call", author="t", at=NOW - timedelta(days=1)
    )
    add_reminder(session, title="follow", due_at=NOW, actor="t", contact_id=other.id, now=NOW)
    merge_contacts(session, keep, other, actor="t", now=NOW)
    detail = contact_detail(session.connection(), keep.id)
    assert [e.email for e in detail.emails] == ["ada@x.io", "ada@home.io"]
    assert sorted(p.phone for p in detail.phones) == ["+44 1", "+44 2"]
    assert detail.tags == ["client", "vip"]
    assert detail.organization == "Engines" and keep.notes == "met at a conference"
    assert [i.summary for i in detail.interactions] == ["old call"]
    assert [r.title for r in detail.reminders] == ["follow"]
    assert keep.last_contact_at == NOW - timedelta(days=1)
    assert other.deleted_at is not None
    with pytest.raises(InvalidInput, match="itself"):
        merge_contacts(session, keep, keep, actor="t")


def test_trash_restore_purge(session: Session) -> None:
    c = add(session, "Ada", emails=["ada@x.io"])
    trash_contact(session, c, now=NOW - timedelta(days=40))
    with pytest.raises(ContactNotFound):
        resolve_contact(session, "ada")
    assert resolve_contact(session, "ada", deleted=True).id == c.id
    assert search_contacts(session.connection(), "ada", now=NOW) == []
    restore_contact(session, c)
    assert [h.row.name for h in search_contacts(session.connection(), "ada", now=NOW)] == ["Ada"]
    trash_contact(session, c, now=NOW - timedelta(days=40))
    d = add(session, "Dan")
    trash_contact(session, d, now=NOW)
    assert purge_trash(session, older_than=timedelta(days=30), now=NOW) == 1
    assert session.get(Contact, c.id) is None and session.get(Contact, d.id) is not None
    # The email is free again once purged.
    add(session, "New Ada", emails=["ada@x.io"])


def test_list_contacts_pages_and_sorts(session: Session) -> None:
    for i, name in enumerate(["Carol", "alice", "Bob", "Émile"]):
        c = add(session, name, tags=["t"] if i % 2 else [])
        if name == "Bob":
            log_interaction(session.connection(), c.id, kind="call", summary="x", author="t", at=NOW)
    assert [r.name for r in list_contacts(session.connection(), sort="name", now=NOW)] == [
        "alice",
        "Bob",
        "Carol",
        "Émile",
    ]
    assert [r.name for r in list_contacts(session.connection(), sort="name", limit=2, offset=1, now=NOW)] == [
        "Bob",
        "Carol",
    ]
    assert next(r.name for r in list_contacts(session.connection(), sort="last-contact", now=NOW)) == "Bob"
    assert next(r.name for r in list_contacts(session.connection(), sort="created", now=NOW)) == "Émile"
    assert [r.name for r in list_contacts(session.connection(), ContactFilter(tag="T"), now=NOW)] == ["alice", "Émile"]
    with pytest.raises(InvalidInput, match="unknown sort"):
        list_contacts(session.connection(), sort="age", now=NOW)


def test_unique_email_index_holds_in_the_database(session: Session) -> None:
    add(session, "Ada", emails=["ada@x.io"])
    count = session.execute(select(func.count()).select_from(ContactEmail)).scalar_one()
    assert count == 1
    assert session.execute(select(func.count()).select_from(Interaction)).scalar_one() == 0
    assert session.execute(select(func.count()).select_from(Reminder)).scalar_one() == 0


def test_history_records_who_changed_what(session: Session) -> None:
    from crm_tui.services.history import contact_history

    c = add(session, "Ada", emails=["a@x.io"])
    edit_contact(session, c, ContactUpdate(title="CTO", add_tags=["vip"]), actor="sam", now=NOW)
    edit_contact(session, c, ContactUpdate(title="CTO"), actor="sam", now=NOW)  # no change, no row
    r = add_reminder(session, title="call", due_at=NOW, actor="tester", contact_id=c.id, now=NOW)
    complete_reminder(session, r, actor="sam", now=NOW + timedelta(minutes=1))
    trash_contact(session, c, actor="bob", now=NOW + timedelta(minutes=2))
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
    gone = add_reminder(session, title="gone", due_at=NOW, actor="t", contact_id=keep.id, now=NOW)
    remove_reminder(session, gone, actor="sam")
    moved = add_reminder(session, title="moved", due_at=NOW, actor="t", contact_id=other.id, now=NOW)
    merge_contacts(session, keep, other, actor="t", now=NOW)
    assert keep.id is not None and moved.id is not None
    rows = {(h.entity, h.entity_id, h.action) for h in contact_history(session, keep.id)}
    assert ("reminder", gone.id, "delete") in rows and ("reminder", moved.id, "create") in rows


def test_next_follow_up_in_lists_respects_snooze(session: Session) -> None:
    c = add(session, "Ada")
    r = add_reminder(session, title="call", due_at=NOW - timedelta(days=3), actor="t", contact_id=c.id, now=NOW)
    snooze_reminder(session, r, NOW + timedelta(days=2), now=NOW)
    assert list_contacts(session.connection(), now=NOW)[0].next_due_at == NOW + timedelta(days=2)


def test_a_merged_contact_cannot_be_restored_as_an_empty_shell(session: Session) -> None:
    keep = add(session, "Ada", emails=["a@x.io"])
    other = add(session, "A. Lovelace", emails=["b@x.io"])
    merge_contacts(session, keep, other, actor="t", now=NOW)
    with pytest.raises(Conflict, match="was merged into #1 Ada"):
        restore_contact(session, other)
    plain = add(session, "Bob")
    trash_contact(session, plain, now=NOW)
    restore_contact(session, plain)
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
    due = {i.contact_name: i.due_at for i in due_items(session.connection(), now=NOW, until=NOW)}
    assert set(due) == {"Early", "T Form"}
    assert due["Early"] == NOW - timedelta(hours=1)
