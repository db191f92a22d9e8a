"""One deal: its fields, why its numbers are what they are, its payments and every change to it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

from crm_tui.screens.base import CrmScreen
from crm_tui.widgets.cells import markup_safe
from crm_tui.widgets.footer import KeyFooter
from crm_tui.widgets.nav import NavBar
from crm_tui.widgets.record_table import Column, Record, RecordTable

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from textual.screen import Screen

    from crm_tui.app import CrmApp
    from crm_tui.services.history import ChangeInfo
    from crm_tui.services.money.explain import DealWhy
    from crm_tui.services.money.payments import PaymentInfo
    from crm_tui.services.money.pipelines import PipelineInfo

HISTORY_COLUMNS = [
    Column("when", "When", 16, flex=0),
    Column("who", "Who", 8, flex=0, max_width=16),
    Column("what", "Change", 20, flex=1),
]


@dataclass(frozen=True)
class Loaded:
    why: DealWhy
    payments: list[PaymentInfo]
    changes: list[ChangeInfo]
    stage_names: dict[int, str]
    pipeline: PipelineInfo


def deal_text(loaded: Loaded) -> Text:
    from crm_tui.money import human_money

    deal = loaded.why.deal
    text = Text()
    text.append(f"{human_money(deal.amount, deal.currency)}", style="bold")
    text.append(f" · {deal.stage}", style="bold")
    text.append(f" ({deal.status})\n" if deal.status != "open" else "\n", style="dim")
    if deal.who:
        text.append(deal.who + "\n")
    if deal.expected_close:
        text.append("Expected close ", style="dim")
        text.append(deal.expected_close.isoformat() + "\n")
    if deal.next_step:
        text.append("Next step ", style="dim")
        text.append(deal.next_step)
        if deal.next_step_due:
            text.append(f" (due {deal.next_step_due.date().isoformat()})", style="dim")
        text.append("\n")
    if deal.recurring_amount is not None:
        text.append("Retainer ", style="dim")
        text.append(f"{human_money(deal.recurring_amount, deal.currency)} / {deal.recurring_interval}\n")
    if deal.lost_reason:
        text.append("Lost because ", style="dim")
        text.append(deal.lost_reason + "\n")
    if loaded.payments:
        received: dict[str, int] = {}
        for p in loaded.payments:
            received[p.currency] = received.get(p.currency, 0) + p.amount
        text.append("Received ", style="dim")
        text.append(", ".join(human_money(v, k) for k, v in sorted(received.items())))
        text.append(f" in {len(loaded.payments)} payment{'s' if len(loaded.payments) != 1 else ''}\n")
    meta = [f"#{deal.id}", f"owner {deal.owner}" if deal.owner else "", f"source {deal.source}" if deal.source else ""]
    text.append(" · ".join(m for m in meta if m), style="dim")
    if loaded.why.rotting:
        text.append("\nRotting: nothing happened for a while", style="bold yellow")
    return text


def why_text(why: DealWhy) -> Text:
    text = Text()
    for factor, explanation in why.factors:
        text.append(f"{factor} ", style="bold")
        text.append(explanation + "\n")
    return text


class DealScreen(CrmScreen):
    """A deal's view, with keys to move it, win or lose it, edit it and record a payment."""

    CSS_PATH = "deal.tcss"
    PALETTE_NAME = "Deal"
    AUTO_FOCUS = "#deal-history"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace", "back", "Back", tooltip="Back"),
        Binding("shift+right,greater_than_sign", "move(1)", "Move →", tooltip="Move the deal to the next stage"),
        Binding("shift+left,less_than_sign", "move(-1)", "Move ←", tooltip="Move the deal to the stage before"),
        Binding("w", "close('won')", "Won", tooltip="Mark the deal won"),
        Binding("x", "close('lost')", "Lost", tooltip="Mark the deal lost, with the reason"),
        Binding("e", "edit", "Edit", tooltip="Edit the deal: amount, close date, chance, next step"),
        Binding("dollar_sign", "payment", "Payment", show=False, tooltip="Record a payment for this deal"),
        Binding("o", "open_contact", "Contact", show=False, tooltip="Open the deal's contact"),
        Binding("O", "open_org", "Organization", show=False, tooltip="Open the deal's organization"),
        Binding("d,delete", "remove", "Delete", show=False, tooltip="Delete the deal (its history stays)"),
    ]

    def __init__(self, deal_id: int, *, when_shown: Callable[[Screen[Any]], None] | None = None) -> None:
        super().__init__()
        self._when_shown = when_shown  # once, after the first load (a palette command waiting for it)
        self.deal_id = deal_id
        self.loaded: Loaded | None = None

    @classmethod
    def palette_reach(cls, app: CrmApp, then: Callable[[Screen[Any]], None]) -> None:
        """The deal on screen; else the one the screen is about; else say where to find one."""
        cls.reach_by_focus(app, then, "deal_in_focus", "Open a deal first: the Pipeline (key 4) lists them.")

    def deal_in_focus(self) -> int | None:
        return self.deal_id

    def contact_in_focus(self) -> int | None:
        return self.loaded.why.deal.contact_id if self.loaded else None

    def org_in_focus(self) -> int | None:
        return self.loaded.why.deal.organization_id if self.loaded else None

    def compose(self) -> ComposeResult:
        yield NavBar(None, label=self.crm.label, id="deal-nav")
        with Horizontal(id="deal-top"):
            with VerticalScroll(id="deal-box"):
                yield Static(id="deal-profile")
            with VerticalScroll(id="deal-why-box"):
                yield Static(id="deal-why")
        yield RecordTable(HISTORY_COLUMNS, empty="No changes recorded.", id="deal-history")
        yield KeyFooter()

    def refresh_data(self) -> None:
        from crm_tui.services.history import history
        from crm_tui.services.money.explain import deal_why
        from crm_tui.services.money.payments import PaymentFilter, list_payments
        from crm_tui.services.money.pipelines import pipeline_of, stages_by_id

        deal_id, now, tz = self.deal_id, self.crm.now(), self.crm.tz

        def load(conn: Connection) -> Loaded:
            why = deal_why(conn, deal_id, now=now, tz=tz)
            return Loaded(
                why,
                list_payments(conn, PaymentFilter(deal_id=deal_id)),
                history(conn, entity="deal", entity_id=deal_id, limit=200),
                {s.id: s.name for s in stages_by_id(conn).values()},
                pipeline_of(conn, why.deal.pipeline_id),
            )

        self.db(load, self._show, group="deal", exclusive=True, on_error=self._gone)

    def _gone(self, message: str) -> None:
        self.notify(message, title="Deal not available", severity="error")
        if self.app.screen is self:
            self.app.pop_screen()

    def _show(self, loaded: Loaded) -> None:
        from crm_tui.dates import format_local
        from crm_tui.widgets.changes import NOTHING

        self.loaded = loaded
        deal = loaded.why.deal
        self.query_one("#deal-nav", NavBar).trail = f"Deal: {deal.title}"
        self.query_one("#deal-box").border_title = markup_safe(deal.title)
        self.query_one("#deal-why-box").border_title = "Why these numbers"
        self.query_one("#deal-profile", Static).update(deal_text(loaded))
        self.query_one("#deal-why", Static).update(why_text(loaded.why))
        table = self.query_one("#deal-history", RecordTable)
        table.border_title = f"History {len(loaded.changes)}"
        table.show_records(
            [
                Record(
                    key=c.id,
                    cells={
                        "when": Text(format_local(c.at, self.crm.tz), style="dim"),
                        "who": Text(c.actor or NOTHING, style="bold" if c.actor else "dim"),
                        "what": change_line(c, loaded.stage_names, deal.currency),
                    },
                    data=c,
                )
                for c in loaded.changes
            ]
        )
        if self._when_shown is not None:
            when_shown, self._when_shown = self._when_shown, None
            when_shown(self)

    # ------------------------------------------------------------ actions

    def _after(self, result: object) -> None:
        if result is not None:
            self.crm.count_due()
            self.refresh_data()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_move(self, step: int) -> None:
        from crm_tui.screens.money_dialogs import move_deal

        if self.loaded is None:
            return
        deal = self.loaded.why.deal
        target = self.loaded.pipeline.neighbour(deal.stage_id, step)
        if target is None:
            self.notify("No stage further that way.", severity="warning", timeout=3)
            return
        move_deal(self, deal.id, deal.title, target, self._after)

    def action_close(self, kind: str) -> None:
        from crm_tui.screens.money_dialogs import move_deal

        if self.loaded is None:
            return
        deal = self.loaded.why.deal
        target = self.loaded.pipeline.stage_named(kind)
        if target is not None:
            move_deal(self, deal.id, deal.title, target, self._after)

    def action_edit(self) -> None:
        from crm_tui.screens.deal_form import DealFormModal

        self.app.push_screen(DealFormModal(deal_id=self.deal_id), self._after)

    def action_payment(self) -> None:
        from crm_tui.screens.money_dialogs import PaymentFormModal

        who = self.loaded.why.deal.title if self.loaded else ""
        self.app.push_screen(PaymentFormModal(deal_id=self.deal_id, who=who), self._after)

    def action_open_contact(self) -> None:
        if self.loaded and self.loaded.why.deal.contact_id is not None:
            self.crm.open_contact(self.loaded.why.deal.contact_id)
        else:
            self.notify("This deal has no contact.", severity="warning")

    def action_open_org(self) -> None:
        if self.loaded and self.loaded.why.deal.organization_id is not None:
            self.crm.open_organization(self.loaded.why.deal.organization_id)
        else:
            self.notify("This deal has no organization.", severity="warning")

    def _removed(self) -> None:
        self.notify("Deal deleted (its history stays)", timeout=3)
        self.app.pop_screen()

    def action_remove(self) -> None:
        from crm_tui.screens.dialogs import ConfirmModal
        from crm_tui.services.money.deal_changes import get_deal, remove_deal

        app, deal_id = self.crm, self.deal_id

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.db_write(
                    lambda s: remove_deal(s, get_deal(s, deal_id), actor=app.user, now=app.now()),
                    lambda _: self._removed(),
                )

        title = self.loaded.why.deal.title if self.loaded else f"#{deal_id}"
        self.app.push_screen(
            ConfirmModal("Delete deal", f"Delete “{title}”? Its payments and history stay.", confirm="Delete"),
            confirmed,
        )


def change_line(change: ChangeInfo, stage_names: dict[int, str], currency: str) -> Text:
    from crm_tui.services.money.explain import deal_change_text

    return Text(deal_change_text(change, stage_names, currency))
