"""Small teams in the app: the Today queue by owner (w), and a contact's change history (h)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from crm_tui.app import CrmApp
from crm_tui.db import session_scope
from crm_tui.models import Change
from crm_tui.models.schemas import ContactCreate
from crm_tui.screens.contact import ContactScreen
from crm_tui.screens.contact_form import ContactFormModal
from crm_tui.screens.help import HelpScreen
from crm_tui.screens.today import TodayScreen, due_command, next_owner, whose_label
from crm_tui.services.contacts.writing import add_contact
from crm_tui.services.queue import queue_owners, today_queue
from crm_tui.services.reminders import add_reminder, complete_reminder, reminder_titles, remove_reminder
from crm_tui.widgets.changes import change_detail, change_summary
from crm_tui.widgets.record_table import RecordTable
from tests.app.conftest import run, settle, type_text
from tests.conftest import NOW

AppFactory = Callable[..., CrmApp]
DAY = timedelta(days=1)


def shared_queue(session: Session) -> None:
    """tester (the app's user), sam and pat each own something in the queue; zoe owns only what is done."""
    ada = add_contact(session, ContactCreate(name="Ada Lovelace"), actor="tester", now=NOW - 9 * DAY)
    bob = add_contact(
        session, ContactCreate(name="Bob Cold", owner="sam", cadence_days=7), actor="tester", now=NOW - 9 * DAY
    )
    add_contact(session, ContactCreate(name="Cy Quiet", owner="quinn"), actor="tester", now=NOW - 9 * DAY)
    add_reminder(session, title="mine, late", due_at=NOW - DAY, contact_id=ada.id, actor="tester", now=NOW - 9 * DAY)
    add_reminder(
        session,
        title="sam's, late",
        due_at=NOW - 2 * DAY,
        contact_id=bob.id,
        owner="sam",
        actor="tester",
        now=NOW - 9 * DAY,
    )
    add_reminder(session, title="pat's, soon", due_at=NOW + 2 * DAY, owner="Pat", actor="pat", now=NOW - 9 * DAY)
    done = add_reminder(session, title="zoe's, done", due_at=NOW - DAY, owner="zoe", actor="zoe", now=NOW - 9 * DAY)
    complete_reminder(session, done, actor="zoe", now=NOW - DAY)


def test_the_queue_owners_and_the_filter_match_crm_due(session: Session) -> None:
    shared_queue(session)
    # Only who can have something in the queue: quinn's contact has no cadence, zoe's follow-up is done.
    assert queue_owners(session.connection()) == ["Pat", "sam", "tester"]
    bounds = {"now": NOW, "today_end": NOW + 0.5 * DAY, "upcoming_end": NOW + 7 * DAY}
    sam = today_queue(session.connection(), owner="sam", **bounds)
    assert [i.title for i in sam.overdue.items] == ["sam's, late"]
    assert [i.contact_name for i in sam.cold.items] == ["Bob Cold"]  # the contact's owner, like `crm due --owner`
    mine = today_queue(session.connection(), owner="tester", **bounds)
    assert [i.title for i in mine.overdue.items] == ["mine, late"] and mine.cold.total == 0
    assert today_queue(session.connection(), **bounds).due_count == 3


def test_next_owner_cycles_everyone_mine_then_the_others() -> None:
    owners = ["Pat", "sam", "tester"]
    seen: list[str | None] = [None]
    for _ in range(4):
        seen.append(next_owner(seen[-1], user="tester", owners=owners))
    assert seen == [None, "tester", "Pat", "sam", None]
    # Mine comes round even when the user owns nothing yet.
    assert next_owner(None, user="newbie", owners=owners) == "newbie"
    # An owner whose work is all done drops out of the list: the cycle goes on after them.
    assert next_owner("quinn", user="tester", owners=owners) == "sam"
    assert next_owner("zed", user="tester", owners=owners) is None
    assert [whose_label(o, user="tester") for o in (None, "tester", "sam")] == ["everyone", "mine (tester)", "sam"]
    assert due_command("tester", user="tester").endswith("--mine")
    assert due_command("Mary Ann", user="tester").endswith("--owner 'Mary Ann'")


def queue_titles(app: CrmApp) -> list[str]:
    table = app.screen.query_one("#queue", RecordTable)
    return [r.data.title.removeprefix("stay in touch: ") for r in table.loaded_records() if r.data is not None]


def summary(app: CrmApp) -> str:
    return str(app.screen.query_one("#today-summary").render())


def test_w_cycles_whose_queue_today_shows(engine: Engine, app_factory: AppFactory) -> None:
    with session_scope(engine) as session:
        shared_queue(session)

    async def flow() -> None:
        app = app_factory(engine, start="today")
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, TodayScreen)
            assert queue_titles(app) == ["sam's, late", "mine, late", "pat's, soon", "never contacted"]
            assert "Whose: everyone" in summary(app) and app.due_count == 3
            assert [c.key for c in app.screen.table.columns][-1] == "owner"  # a shared queue says whose

            await pilot.press("w")
            await settle(pilot)
            assert queue_titles(app) == ["mine, late"]
            assert "mine (tester)" in summary(app)
            assert app.due_count == 1  # the badge counts the queue shown
            assert "owner" not in [c.key for c in app.screen.table.columns]

            await pilot.press("w")
            await settle(pilot)
            assert queue_titles(app) == ["pat's, soon"] and app.due_count == 0
            await pilot.press("w")
            await settle(pilot)
            assert queue_titles(app) == ["sam's, late", "never contacted"]
            assert " sam " in summary(app) and app.due_count == 2

            # Done in sam's queue: the row goes, the filter stays, the badge keeps counting sam's.
            await pilot.press("x")
            await settle(pilot)
            assert queue_titles(app) == ["never contacted"] and app.due_count == 1
            app.count_due()  # as after a change on another screen
            await settle(pilot)
            assert app.due_count == 1

            await pilot.press("w")
            await settle(pilot)
            assert queue_titles(app) == ["mine, late", "pat's, soon", "never contacted"]
            assert "Whose: everyone" in summary(app) and app.due_count == 2

    run(flow())


def test_whose_is_in_the_help_and_the_palette(engine: Engine, app_factory: AppFactory) -> None:
    with session_scope(engine) as session:
        shared_queue(session)

    async def flow() -> None:
        app = app_factory(engine, start="today")
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, TodayScreen)
            commands = {title: callback for title, _, callback in screen.palette_commands()}
            assert list(commands) == [
                "Today: everyone's queue",
                "Today: my queue",
                "Today: Pat's queue",
                "Today: sam's queue",
            ]
            commands["Today: Pat's queue"]()
            await settle(pilot)
            assert queue_titles(app) == ["pat's, soon"]

            await pilot.press("ctrl+p")
            await pilot.press(*"sam's")
            await pilot.pause(0.3)
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is screen and app.queue_owner == "sam"

            await pilot.press("question_mark")
            assert isinstance(app.screen, HelpScreen)
            assert "w" in dict(dict(app.screen.key_sections())["Today"])

    run(flow())


def history_lines(app: CrmApp) -> list[tuple[str, str]]:
    table = app.screen.query_one("#contact-history", RecordTable)
    return [(str(r.cells["who"]), str(r.cells["what"])) for r in table.loaded_records()]


def test_h_shows_who_changed_what(engine: Engine, app_factory: AppFactory) -> None:
    with session_scope(engine) as session:
        contact = add_contact(
            session, ContactCreate(name="Grace Hopper", title="Captain"), actor="importer", now=NOW - 30 * DAY
        )
        reminder = add_reminder(
            session, title="Send the slides", due_at=NOW - DAY, contact_id=contact.id, actor="sam", now=NOW - 3 * DAY
        )
        assert contact.id is not None and reminder.id is not None
        contact_id, reminder_id = contact.id, reminder.id

    async def flow() -> None:
        app = app_factory(engine, start="contacts")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            app.open_contact(contact_id)
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ContactScreen)
            await pilot.press("e")
            await settle(pilot)
            assert isinstance(app.screen, ContactFormModal)
            app.screen.query_one("#title").value = "Rear Admiral"  # type: ignore[attr-defined]
            await pilot.press("ctrl+s")
            await settle(pilot)
            await pilot.press("x")  # the follow-up, done from the contact
            await settle(pilot)

            assert not screen.query_one("#contact-history").display
            await pilot.press("h")
            await settle(pilot)
            history = screen.query_one("#contact-history", RecordTable)
            assert history.display and history.has_focus and not screen.query_one("#contact-timeline").display
            assert history_lines(app) == [
                ("tester", f"completed follow-up #{reminder_id} · Send the slides"),
                ("tester", "edited title: Captain → Rear Admiral"),
                ("sam", f"added follow-up #{reminder_id}: Send the slides"),
                ("importer", "added Grace Hopper"),
            ]
            preview = str(screen.query_one("#contact-preview").render())
            assert "by tester" in preview and "completed" in preview
            await pilot.press("down")
            preview = str(screen.query_one("#contact-preview").render())
            assert "before: Captain" in preview and "after:  Rear Admiral" in preview

            # Still there after the contact reloads (a new change shows on top), and h goes back.
            await pilot.press("t")
            await settle(pilot)
            app.screen.query_one("#tags").value = "navy"  # type: ignore[attr-defined]
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert history_lines(app)[0] == ("tester", "edited tags: +navy")
            await pilot.press("h")
            await settle(pilot)
            assert screen.query_one("#contact-timeline", RecordTable).has_focus and not history.display

    run(flow())


@pytest.mark.slow
def test_every_change_made_in_the_app_names_its_user(engine: Engine, app_factory: AppFactory) -> None:
    """Someone else ("importer") wrote the data; every change the app then makes is the app's user's."""
    with session_scope(engine) as session:
        keep = add_contact(session, ContactCreate(name="Grace Hopper"), actor="importer", now=NOW - 30 * DAY)
        add_contact(session, ContactCreate(name="Amazing Grace"), actor="importer", now=NOW - 30 * DAY)
        for title in ("Send the slides", "Book the room"):
            add_reminder(
                session, title=title, due_at=NOW - DAY, contact_id=keep.id, actor="importer", now=NOW - 3 * DAY
            )
        assert keep.id is not None
        keep_id = keep.id
        before = session.execute(select(func.max(Change.id))).scalar_one()

    async def flow() -> None:
        app = app_factory(engine, start="contacts")
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            app.open_contact(keep_id)
            await settle(pilot)
            screen = app.screen
            await pilot.press("z")  # snooze the first follow-up
            await type_text(pilot, "1w")
            await pilot.press("enter")
            await settle(pilot)
            await pilot.press("x")  # complete the other
            await settle(pilot)
            screen.query_one("#contact-reminders").focus()
            await pilot.press("enter")  # edit the snoozed one
            await settle(pilot)
            app.screen.query_one("#title").value = "Send the new slides"  # type: ignore[attr-defined]
            await pilot.press("ctrl+s")
            await settle(pilot)
            await pilot.press("l")  # log, with a follow-up
            app.screen.query_one("#summary").value = "Called"  # type: ignore[attr-defined]
            app.screen.query_one("#follow_up").value = "tomorrow 10am"  # type: ignore[attr-defined]
            await pilot.press("ctrl+s")
            await settle(pilot)
            await pilot.press("t")
            await settle(pilot)
            app.screen.query_one("#tags").value = "navy"  # type: ignore[attr-defined]
            await pilot.press("ctrl+s")
            await settle(pilot)
            await pilot.press("m")
            await type_text(pilot, "amazing")
            await settle(pilot)
            await pilot.press("enter", "y")
            await settle(pilot)
            await pilot.press("d", "y")
            await settle(pilot)
            await pilot.press("3")
            await settle(pilot)
            await pilot.press("u")
            await settle(pilot)

    run(flow())
    with session_scope(engine, write=False) as session:
        from crm_tui.models import Interaction

        changes = session.execute(select(Change).where(Change.id > before)).scalars().all()
        authors = session.execute(select(Interaction.author)).scalars().all()
    assert {c.action for c in changes} == {"snooze", "done", "update", "create", "merge", "trash", "restore"}
    assert {c.actor for c in changes} == {"tester"}
    assert authors == ["tester"]


def test_reminder_titles_skip_the_deleted(session: Session) -> None:
    ada = add_contact(session, ContactCreate(name="Ada"), actor="tester", now=NOW)
    kept = add_reminder(session, title="kept", due_at=NOW, contact_id=ada.id, actor="tester", now=NOW)
    gone = add_reminder(session, title="gone", due_at=NOW, contact_id=ada.id, actor="tester", now=NOW)
    assert kept.id is not None and gone.id is not None
    remove_reminder(session, gone, actor="tester")
    assert reminder_titles(session.connection(), [kept.id, kept.id, gone.id]) == {kept.id: "kept"}
    assert reminder_titles(session.connection(), []) == {}


def change(**fields: object) -> Change:
    base: dict[str, object] = {"entity": "contact", "entity_id": 1, "action": "update", "actor": "sam", "at": NOW}
    return Change(**(base | fields))


def test_changes_read_as_sentences() -> None:
    def line(**fields: object) -> str:
        return str(change_summary(change(**fields), UTC, {3: "Chase invoice"}))

    assert line(field="title", old_value="CTO", new_value="VP") == "edited title: CTO → VP"
    assert line(field="title", new_value="VP") == "set title: VP"
    assert line(field="notes", old_value="Likes\ncalls") == "cleared notes (was Likes calls)"
    assert line(field="tags", old_value="a, b", new_value="b, c") == "edited tags: +c −a"
    assert line(field="emails", old_value="a@x, b@x", new_value="b@x, a@x") == "edited emails: a@x, b@x → b@x, a@x"
    assert line(field="cadence_days", old_value="14", new_value="30") == "edited stay in touch: every 2w → every 1m"
    assert line(action="trash") == "trashed"
    assert line(action="trash", new_value="merged into #2 Bob") == "trashed (merged into #2 Bob)"
    assert line(action="merge", new_value="#4 Robert") == "merged in #4 Robert"
    assert line(action="restore") == "restored from the trash"
    assert line(entity="reminder", entity_id=3, field="owner", old_value="alex", new_value="bob") == (
        "edited owner of follow-up #3: alex → bob · Chase invoice"
    )
    reminder = {"entity": "reminder", "entity_id": 3}
    assert line(**reminder, action="done", field="done_at", new_value=NOW.isoformat()) == (
        "completed follow-up #3 · Chase invoice"
    )
    assert line(**reminder, action="done", field="due_at", new_value="2026-12-22T09:00:00+00:00") == (
        "completed follow-up #3, next due 2026-12-22 09:00 · Chase invoice"
    )
    assert line(**reminder, action="snooze", field="snoozed_until", new_value="2026-11-29T09:00:00+00:00") == (
        "snoozed follow-up #3 until 2026-11-29 09:00 · Chase invoice"
    )
    assert line(**reminder, field="rule", new_value="RRULE:FREQ=MONTHLY") == (
        "set repeat of follow-up #3: monthly · Chase invoice"
    )
    assert (
        line(entity="reminder", entity_id=8, action="delete", new_value="Old task") == "deleted follow-up #8: Old task"
    )
    detail = str(change_detail(change(field="notes", old_value="Likes\ncalls", actor=None), UTC))
    assert detail.splitlines() == [
        "2026-11-22 10:30 · by someone unknown",
        "cleared notes (was Likes calls)",
        "before: Likes",
        "calls",
        "after:  —",
    ]
