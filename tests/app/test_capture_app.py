"""Quick capture and fixing the timeline in the app: the flow key by key, and a picture of each new dialog."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy.engine import Engine
from textual.pilot import Pilot
from textual.widgets import Input, Static, TextArea

from crm_tui.app import CrmApp
from crm_tui.db import connection_scope, session_scope
from crm_tui.models.schemas import ContactCreate
from crm_tui.screens.contact import ContactScreen
from crm_tui.screens.dialogs import ConfirmModal
from crm_tui.screens.interaction_form import InteractionFormModal
from crm_tui.screens.quick_capture import QuickCaptureModal
from crm_tui.services.contacts.writing import add_contact
from crm_tui.services.interactions import interaction_infos, list_interactions, log_interaction
from crm_tui.services.reminders import reminder_infos
from crm_tui.widgets.record_table import RecordTable
from tests.app.conftest import run, settle, type_burst, type_text
from tests.conftest import NOW

AppFactory = Callable[..., CrmApp]
Snap = Callable[..., bool]


def _ana(engine: Engine) -> int:
    with session_scope(engine) as session:
        ana = add_contact(session, ContactCreate(name="Ana Souza", emails=["ana@souza.example"]), actor="t", now=NOW)
        log_interaction(session.connection(), ana.id or 0, kind="call", summary="renewal call", author="t",
                        at=NOW - timedelta(days=3), now=NOW)  # fmt: skip
        return ana.id or 0


def test_quick_capture_reads_back_as_you_type_then_logs(engine: Engine, app_factory: AppFactory) -> None:
    ana = _ana(engine)

    async def flow() -> None:
        app = app_factory(engine, start="contacts")
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            await pilot.press("c")
            assert isinstance(app.screen, QuickCaptureModal)
            await type_text(pilot, "lunch with Zed")
            await settle(pilot)
            readback = str(app.screen.query_one("#capture-readback", Static).render())
            assert "no contact matches 'Zed'" in readback
            app.screen.query_one("#capture-input", Input).value = ""
            await type_text(pilot, "lunch with Ana yesterday 1pm about the renewal, follow up next fri")
            await settle(pilot)
            readback = str(app.screen.query_one("#capture-readback", Static).render())
            assert "Ana Souza (#1)" in readback and "Sat 21 Nov 2026 13:00" in readback
            assert "Fri 27 Nov 2026 09:00" in readback
            await pilot.press("enter")
            await settle(pilot)
            assert not isinstance(app.screen, QuickCaptureModal)
        with connection_scope(engine) as conn:
            assert [i.summary for i in interaction_infos(conn, ana)] == ["Lunch about the renewal", "renewal call"]
            assert [r.title for r in reminder_infos(conn, contact_id=ana)] == ["Follow up: Lunch about the renewal"]

    run(flow())


def test_quick_capture_from_the_palette_and_esc(engine: Engine, app_factory: AppFactory) -> None:
    _ana(engine)

    async def flow() -> None:
        app = app_factory(engine, start="contacts")
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            await pilot.press("ctrl+p")
            await type_text(pilot, "quick capture")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, QuickCaptureModal)
            await pilot.press("escape")
            assert not isinstance(app.screen, QuickCaptureModal)

    run(flow())


def test_edit_and_remove_from_the_timeline(engine: Engine, app_factory: AppFactory) -> None:
    ana = _ana(engine)

    async def flow() -> None:
        app = app_factory(engine, start="contacts")
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            app.open_contact(ana)
            await settle(pilot)
            assert isinstance(app.screen, ContactScreen)
            await pilot.press("enter")  # the highlighted interaction
            await settle(pilot)
            assert isinstance(app.screen, InteractionFormModal)
            app.screen.query_one("#summary", Input).value = "Renewal call: signed"
            app.screen.query_one("#when", Input).value = "2 days ago"
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, ContactScreen)
            timeline = app.screen.query_one("#contact-timeline", RecordTable)
            assert [str(r.cells["summary"]) for r in timeline.loaded_records()] == ["Renewal call: signed"]
            await pilot.press("D")
            assert isinstance(app.screen, ConfirmModal)
            await pilot.press("y")
            await settle(pilot)
            assert timeline.loaded_records() == []
            with connection_scope(engine) as conn:
                [removed] = list_interactions(conn, deleted=True)
                assert removed.info.summary == "Renewal call: signed"
                assert removed.info.occurred_at == NOW - timedelta(days=2)
            # The removal is undone as any change (it was journaled without its row: "recorded without
            # the rows it wrote", found by a review of the app).
            await pilot.press("ctrl+z")
            await settle(pilot)
            assert [str(r.cells["summary"]) for r in timeline.loaded_records()] == ["Renewal call: signed"]
        with connection_scope(engine) as conn:
            assert list_interactions(conn, deleted=True) == []

    run(flow())


def _steps(*keys: str, text: str = "") -> Callable[[Pilot[Any]], Any]:
    async def before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        if text:
            await type_burst(pilot, text)  # each key reads the sentence again; the last read answers
        for widget in pilot.app.screen.query("Input, TextArea"):
            assert isinstance(widget, (Input, TextArea))
            widget.cursor_blink = False
        await pilot.pause()

    return before


def test_snapshot_quick_capture(snap_compare: Snap, sample_engine: Engine, app_factory: AppFactory) -> None:
    app = app_factory(sample_engine, start="contacts")
    before = _steps("c", text="coffee with Greta yesterday 9am about the launch, remind me in 2 weeks to send the deck")
    assert snap_compare(app, run_before=before)


def test_snapshot_quick_capture_refusal(snap_compare: Snap, sample_engine: Engine, app_factory: AppFactory) -> None:
    app = app_factory(sample_engine, start="contacts")
    assert snap_compare(app, run_before=_steps("c", text="call Greta tomorrow"))


def test_snapshot_edit_interaction(snap_compare: Snap, sample_engine: Engine, app_factory: AppFactory) -> None:
    app = app_factory(sample_engine, start="contacts")
    assert snap_compare(app, run_before=_steps("down", "enter", "enter"))


def test_snapshot_remove_interaction(snap_compare: Snap, sample_engine: Engine, app_factory: AppFactory) -> None:
    app = app_factory(sample_engine, start="contacts")
    assert snap_compare(app, run_before=_steps("down", "enter", "D"))


def test_an_older_keystroke_s_refusal_never_replaces_the_read_back(
    engine: Engine, app_factory: AppFactory, monkeypatch: Any
) -> None:
    import threading
    import time

    from crm_tui.errors import InvalidInput
    from crm_tui.services import capture

    _ana(engine)
    later_done = threading.Event()
    real = capture.read_sentence

    def read_sentence(conn: Any, sentence: str, **kwargs: Any) -> Any:
        if sentence == "lunch with An":  # the older read answers last, with a refusal
            later_done.wait(10)
            time.sleep(0.3)  # the newer read's answer is in by then
            raise InvalidInput("no contact matches 'An'")
        try:
            return real(conn, sentence, **kwargs)
        finally:
            later_done.set()

    monkeypatch.setattr(capture, "read_sentence", read_sentence)

    async def flow() -> None:
        app = app_factory(engine, start="contacts")
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            await pilot.press("c")
            box = app.screen.query_one("#capture-input", Input)
            box.value = "lunch with An"
            await pilot.pause()
            box.value = "lunch with Ana"
            await settle(pilot)
            await pilot.pause(0.8)  # the replaced read's thread runs on (a cancelled worker is not waited for)
            await settle(pilot)
            readback = str(app.screen.query_one("#capture-readback", Static).render())
            assert "Ana Souza (#1)" in readback and "no contact" not in readback, readback

    run(flow())
