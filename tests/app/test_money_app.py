"""The money screens: snapshots at the frozen clock, and the Pipeline's main flow key by key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Engine
from textual.pilot import Pilot

from crm_tui.app import CrmApp
from crm_tui.db import connection_scope
from crm_tui.screens.contact import ContactScreen
from crm_tui.screens.contacts import ContactsScreen
from crm_tui.screens.deal import DealScreen
from crm_tui.screens.money_dialogs import LostReasonModal
from crm_tui.screens.organization import OrganizationScreen
from crm_tui.screens.pipeline import PipelineScreen
from crm_tui.services.history import history
from crm_tui.services.money.deals import DealFilter, deal_info, list_deals
from crm_tui.services.money.payments import list_payments
from crm_tui.widgets.record_table import RecordTable
from tests.app.conftest import run, settle, type_burst
from tests.app.test_snapshots import steps
from tests.conftest import NOW

AppFactory = Callable[..., CrmApp]
Snap = Callable[..., bool]


def _deal(engine: Engine, title: str) -> Any:
    with connection_scope(engine) as conn:
        return next(d for d in list_deals(conn, DealFilter(status=None)) if d.title == title)


# ---------------------------------------------------------------- snapshots


def test_pipeline(snap_compare: Snap, money_engine: Engine, app_factory: AppFactory) -> None:
    assert snap_compare(app_factory(money_engine, start="pipeline"), run_before=steps())


def test_pipeline_large(snap_compare: Snap, money_engine: Engine, app_factory: AppFactory) -> None:
    app = app_factory(money_engine, start="pipeline")
    assert snap_compare(app, run_before=steps("right"), terminal_size=(120, 40))


def test_deal(snap_compare: Snap, money_engine: Engine, app_factory: AppFactory) -> None:
    app = app_factory(money_engine, start="pipeline")
    assert snap_compare(app, run_before=steps("right", "right", "enter"), terminal_size=(100, 30))


def test_lost_reason(snap_compare: Snap, money_engine: Engine, app_factory: AppFactory) -> None:
    app = app_factory(money_engine, start="pipeline")
    assert snap_compare(app, run_before=steps("x", text="chose another agency"))


def test_lost_reason_large(snap_compare: Snap, money_engine: Engine, app_factory: AppFactory) -> None:
    app = app_factory(money_engine, start="pipeline")
    assert snap_compare(app, run_before=steps("x", "enter"), terminal_size=(120, 40))  # refused: no reason


def test_deal_form(snap_compare: Snap, money_engine: Engine, app_factory: AppFactory) -> None:
    app = app_factory(money_engine, start="pipeline")
    assert snap_compare(app, run_before=steps("a", text="Brand book"), terminal_size=(100, 30))


def test_payment_form(snap_compare: Snap, money_engine: Engine, app_factory: AppFactory) -> None:
    app = app_factory(money_engine, start="contacts")
    assert snap_compare(app, run_before=steps("down", "down", "down", "enter", "dollar_sign", text="EUR 1,250.5"))


def test_contact_with_money(snap_compare: Snap, money_engine: Engine, app_factory: AppFactory) -> None:
    app = app_factory(money_engine, start="contacts")
    # Bruno Brannigan: a won deal and two payments, tier A.
    assert snap_compare(app, run_before=steps("down", "down", "down", "enter"), terminal_size=(120, 40))


def test_organization(snap_compare: Snap, money_engine: Engine, app_factory: AppFactory) -> None:
    app = app_factory(money_engine, start="contacts")
    assert snap_compare(app, run_before=steps("down", "down", "down", "enter", "O"), terminal_size=(120, 40))


def test_today_with_deals(snap_compare: Snap, money_engine: Engine, app_factory: AppFactory) -> None:
    assert snap_compare(app_factory(money_engine, start="today"), run_before=steps(), terminal_size=(100, 48))


def test_contacts_by_tier(snap_compare: Snap, money_engine: Engine, app_factory: AppFactory) -> None:
    app = app_factory(money_engine, start="contacts")
    by_tier = steps("v")

    async def before(pilot: Pilot[Any]) -> None:
        await by_tier(pilot)
        # Its toast lasts 2 s: on a loaded machine the picture was taken after it went. The picture
        # is of the list; the toast's words are checked by test_v_cycles_the_tiers_and_says_so.
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(app, run_before=before, terminal_size=(100, 30))


def test_v_cycles_the_tiers_and_says_so(money_engine: Engine, app_factory: AppFactory) -> None:
    app = app_factory(money_engine, start="contacts")
    said: list[str] = []
    notify = app.notify
    app.notify = lambda message, *args, **kwargs: (said.append(str(message)), notify(message, *args, **kwargs))[1]  # type: ignore[method-assign]

    async def body() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ContactsScreen)
            for _ in range(4):
                await pilot.press("v")
                await settle(pilot)
            assert screen.filters.tier is None

    run(body())
    assert said == ["Showing tier A clients", "Showing tier B clients", "Showing tier C clients", "Showing everyone"]


# ---------------------------------------------------------------- flows


def test_move_win_and_lose_deals_on_the_pipeline(money_engine: Engine, app_factory: AppFactory) -> None:
    async def flow() -> None:
        app = app_factory(money_engine, start="pipeline")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, PipelineScreen)
            table = screen.focused
            assert isinstance(table, RecordTable) and table.id is not None
            first = table.record
            assert first is not None and first.data is not None
            deal_id, was = first.data.id, first.data.stage
            await pilot.press("shift+right")
            await settle(pilot)
            with connection_scope(money_engine) as conn:
                moved = deal_info(conn, deal_id)
                moves = [c for c in history(conn, entity="deal", entity_id=deal_id) if c.field == "stage_id"]
            assert (was, moved.stage) == ("Lead", "Qualified")
            assert moves[0].actor == "tester" and moves[0].action == "move"
            focused = screen.focused
            assert isinstance(focused, RecordTable) and focused.record is not None
            assert focused.record.data.id == deal_id  # the cursor followed the deal
            await pilot.press("x")
            await settle(pilot)
            assert isinstance(app.screen, LostReasonModal)
            await pilot.press("enter")  # no reason: refused
            await settle(pilot)
            assert isinstance(app.screen, LostReasonModal)
            await type_burst(pilot, "went in house")
            await pilot.press("enter")
            await settle(pilot)
            with connection_scope(money_engine) as conn:
                lost = deal_info(conn, deal_id)
            assert (lost.status, lost.lost_reason, lost.furthest_stage) == ("lost", "went in house", "Qualified")
            await pilot.press("left", "left", "left")  # back to Proposal, then win its first deal
            await settle(pilot)
            focused = screen.focused
            assert isinstance(focused, RecordTable) and focused.id == f"stage-{screen.stage_ids[2]}"
            won_id = focused.record.data.id  # type: ignore[union-attr]
            await pilot.press("w")
            await settle(pilot)
            with connection_scope(money_engine) as conn:
                assert deal_info(conn, won_id).status == "won"
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, DealScreen) and app.screen.deal_id == won_id
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, PipelineScreen)

    run(flow())


def test_the_lost_reason_is_asked_in_a_box_titled_with_the_deal_over_the_screen(
    money_engine: Engine, app_factory: AppFactory
) -> None:
    from textual.widgets import Input

    async def flow(size: tuple[int, int]) -> None:
        app = app_factory(money_engine, start="pipeline")
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            pipeline = app.screen
            focused = pipeline.focused
            assert isinstance(focused, RecordTable) and focused.record is not None
            deal_id, title = focused.record.data.id, focused.record.data.title
            await pilot.press("enter")  # the Deal view asks the same way
            await settle(pilot)
            assert isinstance(app.screen, DealScreen)
            await pilot.press("x")
            await settle(pilot)
            modal = app.screen
            assert isinstance(modal, LostReasonModal)
            dialog = modal.query_one(".dialog")
            assert dialog.border_title == f"Lost: {title}"
            assert dialog.styles.border_top[0] == "round"
            # A box in the middle, the Deal view showing around it (not a bare screen filling it).
            box, width, height = dialog.region, *size
            assert box.width < width
            assert box.y > 0 and box.bottom < height - 1 and box.height < 12
            assert abs(box.x - (width - box.right)) <= 1
            assert modal.query_one("#reason", Input).has_focus
            await pilot.press("escape")  # cancels: the deal stays open
            await settle(pilot)
            assert isinstance(app.screen, DealScreen)
            with connection_scope(money_engine) as conn:
                assert deal_info(conn, deal_id).status == "open"

    run(flow((80, 24)))
    run(flow((120, 40)))


def test_a_deal_and_a_payment_from_the_contact_view(money_engine: Engine, app_factory: AppFactory) -> None:
    async def flow() -> None:
        app = app_factory(money_engine, start="contacts")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, ContactsScreen)
            await pilot.press("down", "down", "down", "enter")
            await settle(pilot)
            contact = app.screen
            assert isinstance(contact, ContactScreen)
            await pilot.press("n")
            await settle(pilot)
            await type_burst(pilot, "Brand book")
            await pilot.press("tab")
            await type_burst(pilot, "EUR 3,000")
            await pilot.press("ctrl+s")
            await settle(pilot)
            deal = _deal(money_engine, "Brand book")
            assert (deal.contact_id, deal.amount, deal.stage) == (contact.contact_id, 300000, "Lead")
            await pilot.press("dollar_sign")
            await settle(pilot)
            await type_burst(pilot, "450")
            await pilot.press("ctrl+s")
            await settle(pilot)
            with connection_scope(money_engine) as conn:
                payments = [p for p in list_payments(conn) if p.contact_id == contact.contact_id]
            assert any(p.amount == 45000 and p.paid_on == NOW.date() for p in payments)
            await pilot.press("O")
            await settle(pilot)
            assert isinstance(app.screen, OrganizationScreen)
            deals = app.screen.query_one("#org-deals", RecordTable)
            assert "Brand book" in [str(r.cells["title"]) for r in deals.loaded_records()]

    run(flow())


def test_the_pipeline_key_and_palette(money_engine: Engine, app_factory: AppFactory) -> None:
    async def flow() -> None:
        app = app_factory(money_engine, start="contacts")
        async with app.run_test() as pilot:
            await settle(pilot)
            await pilot.press("4")
            await settle(pilot)
            assert isinstance(app.screen, PipelineScreen)
            from crm_tui.screens.palette import palette_entries

            titles = [entry.title for entry in palette_entries(app, app.screen)]
            wanted = {"Pipeline: Won", "Pipeline: Lost", "Pipeline: Move →", "Go to Pipeline", "Add a deal"}
            assert wanted <= set(titles)

    run(flow())


def test_the_palette_reaches_a_deal_from_the_pipeline_s_highlighted_row(
    money_engine: Engine, app_factory: AppFactory
) -> None:
    from crm_tui.screens.palette import palette_entries

    async def flow() -> None:
        app = app_factory(money_engine, start="pipeline")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, PipelineScreen)
            deal_id = app.screen.deal_in_focus()
            assert deal_id is not None
            # The Pipeline edits its own deals; a payment is the deal screen's.
            entry = next(e for e in palette_entries(app, app.screen) if e.title == "Deal: Payment")
            entry.run()
            await settle(pilot)
            deal_screens = [s for s in app.screen_stack if isinstance(s, DealScreen)]
            assert [s.deal_id for s in deal_screens] == [deal_id]

    run(flow())


def test_a_deal_added_from_the_lost_or_won_column_starts_in_the_first_open_stage(
    money_engine: Engine, app_factory: AppFactory
) -> None:
    from textual.widgets import Input, Static

    from crm_tui.screens.deal_form import DealFormModal

    def message(form: DealFormModal) -> str:
        return str(form.query_one("#field-stage .form-field--message", Static).render())

    async def add(pilot: Any, title: str) -> None:
        await type_burst(pilot, title)
        await pilot.press("tab")
        await type_burst(pilot, "EUR 3,000")
        await pilot.press("ctrl+s")
        await settle(pilot)

    async def flow() -> None:
        app = app_factory(money_engine, start="pipeline")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, PipelineScreen)
            await pilot.press(*["right"] * len(screen.stage_ids))  # the last column: Lost
            await pilot.press("a")
            await settle(pilot)
            form = app.screen
            assert isinstance(form, DealFormModal)
            assert form.query_one("#stage", Input).value == "Lead"
            assert message(form) == "Lost is a closed stage: a new deal starts in Lead"
            await add(pilot, "From the lost column")
            assert app.screen is screen
            deal = _deal(money_engine, "From the lost column")
            assert (deal.stage, deal.status, deal.amount) == ("Lead", "open", 300000)

            screen._focus_column(screen.stage_ids[-2], None)  # Won
            await pilot.press("a")
            await settle(pilot)
            form = app.screen
            assert isinstance(form, DealFormModal)
            assert form.query_one("#stage", Input).value == "Lead"
            assert message(form) == "Won is a closed stage: a new deal starts in Lead"
            await add(pilot, "From the won column")
            assert (_deal(money_engine, "From the won column").stage, app.screen) == ("Lead", screen)

    run(flow())


def test_the_deal_form_refuses_a_lost_stage_and_a_bad_chance_in_the_app_s_words(
    money_engine: Engine, app_factory: AppFactory
) -> None:
    """Neither refusal names a CLI flag (the services' messages say --reason, --probability)."""
    from textual.widgets import Input, Static

    from crm_tui.screens.deal_form import DealFormModal
    from crm_tui.widgets.form import FormField

    def refusal(form: DealFormModal, field_id: str) -> str:
        assert form.query_one(f"#field-{field_id}", FormField).has_error, field_id
        return str(form.query_one(f"#field-{field_id} .form-field--message", Static).render())

    async def flow() -> None:
        app = app_factory(money_engine, start="pipeline")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("a")
            await settle(pilot)
            form = app.screen
            assert isinstance(form, DealFormModal)
            await type_burst(pilot, "Lost on arrival")
            await pilot.press("tab")
            await type_burst(pilot, "EUR 3,000")
            form.query_one("#stage", Input).value = "Lost"
            form.query_one("#probability", Input).value = "150"
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.screen is form
            assert refusal(form, "probability") == "a percentage from 0 to 100, or empty to follow the stage"
            form.query_one("#probability", Input).value = "60"
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.screen is form
            shown = refusal(form, "stage")
            assert shown == "a new deal starts in an open stage (Lead); x then marks it lost, with the reason"
            with connection_scope(money_engine) as conn:
                assert "Lost on arrival" not in [d.title for d in list_deals(conn, DealFilter(status=None))]

    run(flow())
