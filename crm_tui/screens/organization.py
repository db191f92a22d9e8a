"""One organization: who works there, its deals, its revenue and tier, and the timeline of its people."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

from crm_tui.screens.base import CrmScreen
from crm_tui.widgets.cells import kind_cell, markup_safe, relative_cell, short_when
from crm_tui.widgets.footer import KeyFooter
from crm_tui.widgets.nav import NavBar
from crm_tui.widgets.profile import money_lines
from crm_tui.widgets.record_table import Column, Record, RecordTable

if TYPE_CHECKING:
    from datetime import datetime

    from textual.screen import Screen

    from crm_tui.app import CrmApp
    from crm_tui.services.money.views import MoneyView, OrgDetail

SHOWN_DEALS = 3
PEOPLE_COLUMNS = [Column("name", "Person", 12, flex=2), Column("last", "Last seen", 9, flex=0, drop=1)]
DEAL_COLUMNS = [
    Column("title", "Deal", 14, flex=2),
    Column("stage", "Stage", 10, flex=1, drop=2),
    Column("amount", "Amount", 12, flex=0, justify="right"),
    Column("close", "Close", 10, flex=0, drop=1),
]
TIMELINE_COLUMNS = [
    Column("when", "When", 12, flex=0),
    Column("who", "Who", 10, flex=1, max_width=20),
    Column("kind", "Kind", 9, flex=0, drop=1),
    Column("summary", "Summary", 16, flex=3),
]


def org_text(detail: OrgDetail) -> Text:
    org = detail.org
    text = Text()
    if org.domain:
        text.append(org.domain + "\n")
    text.append_text(money_lines(detail.money))
    owner = f"Owner {org.owner} · " if org.owner else ""
    text.append(f"{owner}{len(detail.people)} people · #{org.id}", style="dim")
    if org.notes:
        text.append("\n\n")
        text.append(org.notes, style="italic")
    return text


def person_cell(name: str, title: str | None) -> Text:
    """A person of the organization: the name, then the title apart from it ("Ada Lovelace · CTO")."""
    cell = Text(name, style="bold")
    if title:
        cell.append(" · ", style="dim")
        cell.append(title, style="dim")
    return cell


def deal_records(money: MoneyView, *, now: datetime) -> list[Record]:
    from crm_tui.money import human_money

    records = []
    for deal in money.deals:
        stage = Text(deal.stage, style="bold" if deal.status == "open" else "dim")
        close = deal.expected_close.isoformat() if deal.expected_close and deal.status == "open" else ""
        records.append(
            Record(
                key=deal.id,
                cells={
                    "title": deal.title,
                    "stage": stage,
                    "amount": human_money(deal.amount, deal.currency),
                    "close": close,
                },
                data=deal,
            )
        )
    return records


class OrganizationScreen(CrmScreen):
    """An organization's view: enter opens the highlighted person or deal."""

    CSS_PATH = "organization.tcss"
    PALETTE_NAME = "Organization"
    AUTO_FOCUS = "#org-people"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace", "back", "Back", tooltip="Back"),
        Binding("n", "new_deal", "New deal", tooltip="Add a deal with this organization"),
        Binding("dollar_sign", "payment", "Payment", tooltip="Record a payment from this organization"),
    ]

    def __init__(self, org_id: int, *, when_shown: Callable[[Screen[Any]], None] | None = None) -> None:
        super().__init__()
        self._when_shown = when_shown  # once, after the first load (a palette command waiting for it)
        self.org_id = org_id
        self.name_text = f"#{org_id}"

    @classmethod
    def palette_reach(cls, app: CrmApp, then: Callable[[Screen[Any]], None]) -> None:
        """The organization on screen; else the one the screen is about; else say where to find one."""
        cls.reach_by_focus(
            app, then, "org_in_focus", "Open an organization first: type its name in the palette, or O on a contact."
        )

    def org_in_focus(self) -> int | None:
        return self.org_id

    def compose(self) -> ComposeResult:
        yield NavBar(None, label=self.crm.label, id="org-nav")
        with Horizontal(id="org-top"):
            with VerticalScroll(id="org-profile-box"):
                yield Static(id="org-profile")
            yield RecordTable(PEOPLE_COLUMNS, empty="Nobody here yet.", id="org-people")
        yield RecordTable(DEAL_COLUMNS, empty="No deals: n adds one.", id="org-deals")
        yield RecordTable(TIMELINE_COLUMNS, empty="No interactions with its people yet.", id="org-timeline")
        yield KeyFooter()

    def refresh_data(self) -> None:
        from crm_tui.services.money.months import local_today
        from crm_tui.services.money.views import org_detail

        org_id, today = self.org_id, local_today(self.crm.now(), self.crm.tz)
        self.db(
            lambda conn: org_detail(conn, org_id, today=today),
            self._show,
            group="org",
            exclusive=True,
            on_error=self._gone,
        )

    def _gone(self, message: str) -> None:
        self.notify(message, title="Organization not available", severity="error")
        if self.app.screen is self:
            self.app.pop_screen()

    def _show(self, detail: OrgDetail) -> None:
        now, tz = self.crm.now(), self.crm.tz
        self.name_text = detail.org.name
        self.query_one("#org-nav", NavBar).trail = detail.org.name
        self.query_one("#org-profile-box").border_title = markup_safe(detail.org.name)
        self.query_one("#org-profile", Static).update(org_text(detail))
        people = self.query_one("#org-people", RecordTable)
        people.border_title = f"People {len(detail.people)}"
        people.show_records(
            [
                Record(
                    key=p.id,
                    cells={
                        "name": person_cell(p.name, p.title),
                        "last": relative_cell(p.last_contact_at, now=now),
                    },
                    data=p,
                )
                for p in detail.people
            ]
        )
        deals = self.query_one("#org-deals", RecordTable)
        deals.border_title = f"Deals {len(detail.money.deals)}"
        deals.show_records(deal_records(detail.money, now=now))
        timeline = self.query_one("#org-timeline", RecordTable)
        timeline.border_title = f"Timeline of its people {detail.interactions:,}"
        timeline.show_records(
            [
                Record(
                    key=e.id,
                    cells={
                        "when": short_when(e.occurred_at, now=now, tz=tz),
                        "who": e.contact_name,
                        "kind": kind_cell(e.kind, e.direction),
                        "summary": e.summary,
                    },
                    data=e,
                )
                for e in detail.timeline
            ]
        )
        if self._when_shown is not None:
            when_shown, self._when_shown = self._when_shown, None
            when_shown(self)

    def _after(self, result: object) -> None:
        if result is not None:
            self.refresh_data()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_new_deal(self) -> None:
        from crm_tui.screens.deal_form import DealFormModal

        self.app.push_screen(DealFormModal(organization_id=self.org_id, who=self.name_text), self._after)

    def action_payment(self) -> None:
        from crm_tui.screens.money_dialogs import PaymentFormModal

        self.app.push_screen(PaymentFormModal(organization_id=self.org_id, who=self.name_text), self._after)

    @on(RecordTable.Selected, "#org-people")
    def _open_person(self, event: RecordTable.Selected) -> None:
        self.crm.open_contact(int(event.record.key))  # type: ignore[call-overload]

    @on(RecordTable.Selected, "#org-deals")
    def _open_deal(self, event: RecordTable.Selected) -> None:
        self.crm.open_deal(int(event.record.key))  # type: ignore[call-overload]

    @on(RecordTable.Selected, "#org-timeline")
    def _open_timeline(self, event: RecordTable.Selected) -> None:
        self.crm.open_contact(event.record.data.contact_id)
