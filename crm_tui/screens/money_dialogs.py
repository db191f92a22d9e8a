"""Money dialogs: why a deal was lost, a payment received, and the moves the Pipeline and Deal screens share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from crm_tui.screens.base import CrmModal
from crm_tui.screens.form_base import FormModal
from crm_tui.widgets.cells import markup_safe
from crm_tui.widgets.form import FormField

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from crm_tui.models import Payment
    from crm_tui.money import Money
    from crm_tui.screens.base import DbMixin
    from crm_tui.services.money.pipelines import StageInfo


class LostReasonModal(CrmModal[str]):
    """Ask why a deal was lost; returns the reason (a lost deal needs one)."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str) -> None:
        super().__init__()
        self.deal_title = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = markup_safe(f"Lost: {self.deal_title}")
            yield FormField(
                "Why",
                Input(id="reason", placeholder="e.g. went with a cheaper agency", compact=True),
                required=True,
                hint="kept with the deal, for the funnel and the lost reasons",
            )
            with Horizontal(classes="dialog-buttons"):
                yield Static("enter save · esc cancel", classes="dialog-keys")
                yield Button("Mark lost", variant="error", id="lost-go", compact=True)
                yield Button("Cancel", id="lost-cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    @on(Input.Submitted, "#reason")
    @on(Button.Pressed, "#lost-go")
    def _go(self) -> None:
        reason = " ".join(self.query_one("#reason", Input).value.split())
        if not reason:
            self.query_one(FormField).show_error("say why it was lost")
            return
        self.dismiss(reason)

    @on(Button.Pressed, "#lost-cancel")
    def _cancel_pressed(self) -> None:
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True)
class PaymentValues:
    money: Money | None
    paid_on: date | None
    note: str | None


class PaymentFormModal(FormModal[PaymentValues, "Payment"]):
    """Record a payment from a contact, an organization, or for a deal; returns the Payment."""

    def __init__(
        self,
        *,
        contact_id: int | None = None,
        organization_id: int | None = None,
        deal_id: int | None = None,
        who: str = "",
    ) -> None:
        super().__init__()
        self.contact_id, self.organization_id, self.deal_id, self.who = contact_id, organization_id, deal_id, who
        self.currency = "USD"

    def dialog_title(self) -> str:
        return f"Payment from {self.who}" if self.who else "Payment received"

    def fields(self) -> ComposeResult:
        yield FormField(
            "Amount", Input(id="amount", placeholder="2500 · EUR 2,500 · €2,500.50", compact=True), required=True
        )
        yield FormField(
            "Paid",
            Input(value="today", id="paid", placeholder="today · yesterday · 2026-11-03", compact=True),
            required=True,
        )
        yield FormField("Note", Input(id="note", placeholder="optional: invoice 2026-014", compact=True))

    def on_mount(self) -> None:
        from crm_tui.services.config import default_currency

        self.db(default_currency, self._currency)

    def _currency(self, currency: str) -> None:
        self.currency = currency
        self.field("amount").show_hint(f"without a currency: {currency}")

    @on(Input.Changed, "#amount")
    def _amount_changed(self) -> None:
        preview_money(self, "amount", self.currency, negative=True)

    def collect(self) -> PaymentValues:
        from crm_tui.dates import in_zone
        from crm_tui.money import not_yet_received, parse_money

        text = self.text("amount")
        money = None
        if not text:
            self.error("amount", "how much? (2500, EUR 2,500)")
        else:
            money = self.check("amount", lambda: parse_money(text, default_currency=self.currency, allow_negative=True))
        when = self.parse_when("paid")
        if when is None and not self.text("paid"):
            self.error("paid", "when was it paid? (today, 2026-11-03)")
        day = in_zone(when, self.crm.tz).date() if when is not None else None
        if day is not None and (later := not_yet_received(day, in_zone(self.crm.now(), self.crm.tz).date())):
            self.error("paid", later)
            day = None
        return PaymentValues(money, day, self.text("note") or None)

    def persist(self, session: Session, values: PaymentValues) -> Payment:
        from crm_tui.services.money.payments import add_payment

        assert values.money is not None and values.paid_on is not None
        app = self.crm
        return add_payment(
            session,
            values.money,
            paid_on=values.paid_on,
            actor=app.user,
            now=app.now(),
            contact_id=self.contact_id,
            organization_id=self.organization_id,
            deal_id=self.deal_id,
            note=values.note,
        )


def preview_money(form: Any, field_id: str, currency: str, *, negative: bool = False) -> None:
    """Show under an amount field what the typed text reads as (`→ 12,000.00 EUR`)."""
    from crm_tui.errors import InvalidInput
    from crm_tui.money import parse_money

    text = form.text(field_id)
    if not text:
        form.field(field_id).show_hint(f"without a currency: {currency}")
        return
    try:
        money = parse_money(text, default_currency=currency, allow_negative=negative)
    except InvalidInput as exc:
        form.field(field_id).show_hint(f"… {exc.message}")
        return
    form.field(field_id).show_hint(f"→ {money.human()}")


# ---------------------------------------------------------------- moves the screens share


def move_deal(screen: DbMixin, deal_id: int, title: str, stage: StageInfo, then: Callable[[Any], None]) -> None:
    """Move a deal to `stage` in a worker; a lost stage asks why first."""
    from crm_tui.services.money.deal_changes import move_to_stage

    app = screen.crm

    def write(reason: str | None) -> None:
        screen.db_write(
            lambda session: move_to_stage(session, deal_id, stage.id, actor=app.user, now=app.now(), reason=reason),
            then,
            description="move deal",
        )

    if stage.kind == "lost":

        def answered(reason: str | None) -> None:
            if reason:
                write(reason)

        app.push_screen(LostReasonModal(title), answered)
    else:
        write(None)
