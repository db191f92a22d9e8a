"""One contact, all of it: profile, open follow-ups, the timeline newest first, and (h) its change history."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from crm_tui.screens.base import CrmScreen
from crm_tui.widgets.cells import kind_cell, markup_safe, relative_cell, safe, short_when
from crm_tui.widgets.footer import KeyFooter
from crm_tui.widgets.nav import NavBar
from crm_tui.widgets.profile import profile_text
from crm_tui.widgets.record_table import Column, Record, RecordTable

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from crm_tui.app import CrmApp
    from crm_tui.services.contacts.rows import ContactDetail
    from crm_tui.services.history import ChangeInfo
    from crm_tui.services.interactions import InteractionInfo
    from crm_tui.services.money.views import MoneyView
    from crm_tui.services.person.profile import PersonInfo
    from crm_tui.services.reminders import ReminderInfo

TIMELINE_LIMIT = 500
TIMELINE_COLUMNS = [
    Column("when", "When", 16, flex=0),
    Column("kind", "Kind", 11, flex=0, drop=1),
    Column("summary", "Summary", 20, flex=1),
    Column("author", "By", 8, flex=0, drop=2),
]
HISTORY_LIMIT = 200
HISTORY_COLUMNS = [
    Column("when", "When", 16, flex=0),
    Column("who", "Who", 8, flex=0, max_width=16),
    Column("what", "Change", 20, flex=1),
]
REMINDER_COLUMNS = [
    Column("due", "Due", 11, flex=0),
    Column("title", "Follow-up", 14, flex=1),
]


@dataclass(frozen=True)
class Loaded:
    """What the screen shows, read in one go."""

    detail: ContactDetail
    interactions: int
    person: PersonInfo | None = None
    money: MoneyView | None = None


@dataclass(frozen=True)
class History:
    """The newest changes to the contact and its follow-ups, with the follow-ups' titles, the stages'
    names and the currency of each deal and payment named (for amounts recorded without theirs)."""

    changes: list[ChangeInfo]
    titles: dict[int, str]
    stage_names: dict[int, str] | None = None
    currencies: dict[tuple[str, int], str] | None = None


class ContactScreen(CrmScreen):
    """A contact's 360° view, with keys to log, follow up, edit, tag, merge and trash."""

    CSS_PATH = "contact.tcss"
    AUTO_FOCUS = "#contact-timeline"
    PALETTE_NAME = "Contact"
    PALETTE_HERE_ONLY = frozenset({"done", "snooze"})  # they need a highlighted follow-up
    VERTICAL_BREAKPOINTS = [(0, "-short"), (36, "-tall")]  # noqa: RUF012 (Screen declares it without ClassVar)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace", "back", "Back", tooltip="Back to the list"),
        Binding("l", "log", "Log", tooltip="Log a call, email, meeting, message or note"),
        Binding("f", "follow_up", "Follow-up", tooltip="Add a follow-up"),
        Binding("e", "edit", "Edit", tooltip="Edit names, emails, phones, organization, cadence, notes"),
        Binding("t", "tags", "Tags", tooltip="Edit the tags"),
        Binding("m", "merge", "Merge", tooltip="Merge a duplicate into this contact"),
        Binding("d,delete", "trash", "Trash", tooltip="Send this contact to the trash"),
        # Out of the footer so that it fits in 80 columns; help and the palette list it.
        Binding("p", "link", "Relate", show=False, tooltip="Relate another person: manager, spouse, introduced-by..."),
        # Shown on the Follow-ups box itself, where they apply, rather than in the footer.
        Binding("x", "done", "Done", show=False, tooltip="Mark the highlighted follow-up done"),
        Binding("z", "snooze", "Snooze", show=False, tooltip="Snooze the highlighted follow-up (1d, 1w, a date)"),
        Binding("h", "history", "History", tooltip="Who changed what and when (h again: the timeline)"),
        Binding("E", "edit_interaction", "Edit interaction", show=False,
                tooltip="Fix the highlighted interaction: kind, time, summary, details (also enter)"),
        Binding("D", "remove_interaction", "Remove interaction", show=False,
                tooltip="Remove the highlighted interaction from the timeline (restorable)"),
        Binding("n", "new_deal", "Deal", show=False, tooltip="Add a deal with this contact"),
        Binding("dollar_sign", "payment", "Payment", show=False, tooltip="Record a payment from this contact"),
        Binding("O", "open_org", "Organization", show=False, tooltip="Open the contact's organization"),
    ]  # fmt: skip

    def __init__(self, contact_id: int, *, when_shown: Callable[[Screen[Any]], None] | None = None) -> None:
        super().__init__()
        self.contact_id = contact_id
        self._when_shown = when_shown  # once, after the first load (a palette command waiting for it)
        self._leaving = False
        self._has_follow_ups = True  # until the first load says otherwise
        self.name_text = f"#{contact_id}"
        self.history_titles: dict[int, str] = {}
        self.history_currencies: dict[tuple[str, int], str] = {}
        self.organization_id: int | None = None
        self._history_from_top = True  # opening the history starts at the newest change

    def compose(self) -> ComposeResult:
        yield NavBar(None, label=self.crm.label, id="contact-nav")
        with Horizontal(id="contact-top"):
            with VerticalScroll(id="contact-profile-box"):
                yield Static(id="contact-profile")
            yield RecordTable(REMINDER_COLUMNS, empty="No open follow-ups: f adds one.", id="contact-reminders")
        yield RecordTable(TIMELINE_COLUMNS, empty="No interactions yet: l logs the first.", id="contact-timeline")
        yield RecordTable(HISTORY_COLUMNS, empty="No changes recorded.", id="contact-history")
        with VerticalScroll(id="contact-preview-box"):
            yield Static(id="contact-preview")
        # Every key of the contact in 80 columns: compact, and ctrl+p left to help and the other screens.
        yield KeyFooter(compact=True, show_command_palette=False)

    def refresh_data(self) -> None:
        from crm_tui.services.contacts.rows import contact_detail
        from crm_tui.services.interactions import count_interactions

        contact_id = self.contact_id

        from crm_tui.services.money.views import money_view
        from crm_tui.services.person.profile import person_info

        today = self.crm.now().astimezone(self.crm.tz).date()

        def load(conn: Connection) -> Loaded:
            detail = contact_detail(conn, contact_id, timeline_limit=TIMELINE_LIMIT)
            return Loaded(
                detail,
                count_interactions(conn, contact_id),
                person_info(conn, contact_id, today=today),
                money_view(conn, "contact", contact_id, today=today),
            )

        self.db(load, self._show, group="contact", exclusive=True, on_error=self._gone)
        if self.showing_history:
            self._load_history()

    @property
    def showing_history(self) -> bool:
        return self.has_class("-history")

    def _load_history(self) -> None:
        from crm_tui.services.history import contact_history
        from crm_tui.services.reminders import reminder_titles

        contact_id = self.contact_id

        def load(conn: Connection) -> History:
            from crm_tui.services.money.history_amounts import recorded_currencies
            from crm_tui.services.money.pipelines import stages_by_id

            changes = contact_history(conn, contact_id, limit=HISTORY_LIMIT)
            ids = [c.entity_id for c in changes if c.entity == "reminder"]
            stages = {s.id: s.name for s in stages_by_id(conn).values()}
            return History(changes, reminder_titles(conn, ids), stages, recorded_currencies(conn, changes))

        self.db(load, self._show_history, group="contact-history", exclusive=True)

    def _gone(self, message: str) -> None:
        if self._leaving:
            return  # trashed from here: "Trashed" says it, and the screen closes
        self.notify(message, title="Contact not available", severity="error")
        if self.app.screen is self:
            self.app.pop_screen()

    def _show(self, loaded: Loaded) -> None:
        app = self.crm
        now, tz, detail = app.now(), app.tz, loaded.detail
        contact = detail.contact
        self.name_text = contact.display_name
        self.query_one("#contact-nav", NavBar).trail = contact.display_name
        profile_box = self.query_one("#contact-profile-box")
        profile_box.border_title = markup_safe(contact.display_name)
        self.query_one("#contact-profile", Static).update(
            safe(profile_text(detail, now=now, tz=tz, person=loaded.person, money=loaded.money))
        )
        self.organization_id = contact.organization_id

        reminders = self.query_one("#contact-reminders", RecordTable)
        if self._has_follow_ups != bool(detail.reminders):
            self._has_follow_ups = bool(detail.reminders)
            self.refresh_bindings()  # x and z only with a follow-up to tick off or snooze
        reminders.border_title = f"Follow-ups {len(detail.reminders)}" if detail.reminders else "Follow-ups"
        reminders.border_subtitle = "x done · z snooze" if detail.reminders else ""
        reminders.show_records(
            [
                Record(
                    key=r.id,
                    cells={
                        "due": relative_cell(r.due_at, now=now, overdue=True)
                        if r.due_at < now and not (r.snoozed_until and r.snoozed_until > now)
                        else Text(
                            short_when(max(r.due_at, r.snoozed_until or r.due_at), now=now, tz=tz, with_time=False)
                        ),
                        "title": r.title
                        + (" ↻" if r.rule else "")
                        + (" (snoozed)" if r.snoozed_until and r.snoozed_until > now else ""),
                    },
                    data=r,
                )
                for r in detail.reminders
            ]
        )
        timeline = self.query_one("#contact-timeline", RecordTable)
        shown = len(detail.interactions)
        timeline.border_title = f"Timeline {loaded.interactions:,}" + (
            f" (newest {shown:,} shown)" if shown < loaded.interactions else ""
        )
        timeline.show_records(
            [
                Record(
                    key=i.id,
                    cells={
                        "when": short_when(i.occurred_at, now=now, tz=tz),
                        "kind": kind_cell(i.kind, i.direction),
                        "summary": Text(i.summary) + (Text(" …", style="dim") if i.body else Text()),
                        "author": Text(i.author or "", style="dim"),
                    },
                    data=i,
                )
                for i in detail.interactions
            ]
        )
        self._preview()
        if self._when_shown is not None:
            when_shown, self._when_shown = self._when_shown, None
            when_shown(self)

    @classmethod
    def palette_reach(cls, app: CrmApp, then: Callable[[Screen[Any]], None]) -> None:
        """The contact on screen; else the one the screen's highlighted row is about; else ask which."""
        screen = app.screen
        if isinstance(screen, ContactScreen):
            then(screen)
            return
        contact_id = screen.contact_in_focus() if isinstance(screen, CrmScreen) else None
        if contact_id is not None:
            app.push_screen(ContactScreen(contact_id, when_shown=then))
            return
        from crm_tui.screens.pickers import ContactPickerModal

        def picked(choice: tuple[int, str] | None) -> None:
            if choice is not None:
                app.push_screen(ContactScreen(choice[0], when_shown=then))

        app.push_screen(ContactPickerModal("Which contact?"), picked)

    def contact_in_focus(self) -> int | None:
        return self.contact_id

    def org_in_focus(self) -> int | None:
        return self.organization_id

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self._has_follow_ups or action not in self.PALETTE_HERE_ONLY

    def on_descendant_focus(self) -> None:
        self._preview()  # the preview follows the table you move to

    def _show_history(self, history: History) -> None:
        from crm_tui.dates import format_local
        from crm_tui.widgets.changes import NOTHING, change_summary

        tz = self.crm.tz
        self.history_titles = history.titles
        self.history_currencies = history.currencies or {}
        table = self.query_one("#contact-history", RecordTable)
        shown = len(history.changes)
        table.border_title = f"History {shown:,}" + (" (newest shown)" if shown >= HISTORY_LIMIT else "")
        table.border_subtitle = "h: timeline"
        records = [
            Record(
                key=c.id,
                cells={
                    "when": Text(format_local(c.at, tz), style="dim"),
                    "who": Text(c.actor or NOTHING, style="bold" if c.actor else "dim"),
                    "what": change_summary(c, tz, history.titles, history.stage_names, history.currencies),
                },
                data=c,
            )
            for c in history.changes
        ]
        keep = records[0].key if self._history_from_top and records else None
        self._history_from_top = False
        table.show_records(records, keep=keep)
        self._preview()

    @on(RecordTable.Highlighted, "#contact-history")
    @on(RecordTable.Highlighted, "#contact-timeline")
    @on(RecordTable.Highlighted, "#contact-reminders")
    def _preview(self) -> None:
        """Under the tables, the whole of what the focused one highlights (a narrow column cuts it)."""
        from crm_tui.dates import format_local
        from crm_tui.widgets.changes import change_detail

        reminders = self.query_one("#contact-reminders", RecordTable)
        if reminders.has_focus and reminders.record is not None:
            reminder: ReminderInfo = reminders.record.data
            text = Text(f"due {format_local(reminder.next_at, self.crm.tz)}", style="dim")
            if reminder.rule:
                text.append(f" · {reminder.describe_rule()}", style="dim")
            text.append("\n")
            text.append(reminder.title, style="bold")
            self.query_one("#contact-preview", Static).update(safe(text))
            return
        if self.showing_history:
            change = self.query_one("#contact-history", RecordTable).record
            currencies = self.history_currencies
            detail = (
                Text() if change is None else change_detail(change.data, self.crm.tz, self.history_titles, currencies)
            )
            self.query_one("#contact-preview", Static).update(safe(detail))
            return
        record = self.query_one("#contact-timeline", RecordTable).record
        text = Text()
        if record is not None:
            interaction = record.data
            text.append(f"{format_local(interaction.occurred_at, self.crm.tz)} · {interaction.kind}", style="dim")
            if interaction.author:
                text.append(f" · by {interaction.author}", style="dim")
            text.append("\n")
            text.append(interaction.summary, style="bold")
            if interaction.body:
                text.append("\n" + interaction.body)
        self.query_one("#contact-preview", Static).update(safe(text))

    # ------------------------------------------------------------ actions

    def _then_refresh(self, result: object) -> None:
        if result is not None:
            self.crm.count_due()
            self.refresh_data()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_history(self) -> None:
        self.toggle_class("-history")
        shown = "#contact-history" if self.showing_history else "#contact-timeline"
        self.query_one(shown, RecordTable).focus()
        if self.showing_history:
            self._history_from_top = True
            self._load_history()
        self._preview()

    def action_log(self) -> None:
        from crm_tui.screens.log_form import LogInteractionModal

        self.app.push_screen(LogInteractionModal(self.contact_id, self.name_text), self._then_refresh)

    def action_follow_up(self) -> None:
        from crm_tui.screens.reminder_form import ReminderFormModal

        self.app.push_screen(
            ReminderFormModal(contact_id=self.contact_id, contact_name=self.name_text), self._then_refresh
        )

    def action_edit(self) -> None:
        from crm_tui.screens.contact_form import ContactFormModal

        self.app.push_screen(ContactFormModal(self.contact_id), self._then_refresh)

    def action_new_deal(self) -> None:
        from crm_tui.screens.deal_form import DealFormModal

        self.app.push_screen(DealFormModal(contact_id=self.contact_id, who=self.name_text), self._then_refresh)

    def action_payment(self) -> None:
        from crm_tui.screens.money_dialogs import PaymentFormModal

        self.app.push_screen(PaymentFormModal(contact_id=self.contact_id, who=self.name_text), self._then_refresh)

    def action_open_org(self) -> None:
        if self.organization_id is None:
            self.notify("No organization: e sets one.", severity="warning")
            return
        self.crm.open_organization(self.organization_id)

    def action_tags(self) -> None:
        from crm_tui.screens.contact_form import TagsModal

        self.app.push_screen(TagsModal(self.contact_id, self.name_text), self._then_refresh)

    def action_link(self) -> None:
        from crm_tui.screens.relation_form import RelationModal

        self.app.push_screen(RelationModal(self.contact_id, self.name_text), self._then_refresh)

    def action_merge(self) -> None:
        from crm_tui.screens.flows import merge_into

        merge_into(self, self.contact_id, self.name_text, self.refresh_data)

    def action_trash(self) -> None:
        from crm_tui.screens.flows import trash_contact

        def leaving() -> None:
            # The contact is about to go: the reload as the dialog closes must not call it missing.
            self._leaving = True

        def close() -> None:
            if self.app.screen is self:
                self.app.pop_screen()

        trash_contact(self, self.contact_id, self.name_text, close, confirmed_first=leaving)

    def _reminder(self) -> ReminderInfo | None:
        record = self.query_one("#contact-reminders", RecordTable).record
        if record is None:
            self.notify("No open follow-up here: f adds one.", severity="warning")
            return None
        reminder: ReminderInfo = record.data
        return reminder

    def action_done(self) -> None:
        from crm_tui.screens.flows import complete_reminder

        if (reminder := self._reminder()) is not None:
            complete_reminder(self, reminder.id, self.refresh_data)

    def action_snooze(self) -> None:
        from crm_tui.screens.flows import snooze_reminder

        if (reminder := self._reminder()) is not None:
            snooze_reminder(self, reminder.id, reminder.title, self.refresh_data, due_at=reminder.due_at)

    def _interaction(self) -> InteractionInfo | None:
        record = self.query_one("#contact-timeline", RecordTable).record
        if record is None or self.showing_history:
            self.notify("No interaction highlighted: the timeline is empty.", severity="warning")
            return None
        return record.data

    @on(RecordTable.Selected, "#contact-timeline")
    def action_edit_interaction(self) -> None:
        from crm_tui.screens.interaction_form import InteractionFormModal

        if (interaction := self._interaction()) is not None:
            self.app.push_screen(InteractionFormModal(interaction, self.name_text), self._then_refresh)

    def action_remove_interaction(self) -> None:
        from crm_tui.screens.interaction_form import remove_interaction

        if (interaction := self._interaction()) is not None:
            remove_interaction(self, interaction, self._refreshed)

    def _refreshed(self) -> None:
        self.crm.count_due()
        self.refresh_data()

    @on(RecordTable.Selected, "#contact-reminders")
    def _edit_reminder(self, event: RecordTable.Selected) -> None:
        from crm_tui.screens.reminder_form import ReminderFormModal

        self.app.push_screen(ReminderFormModal(reminder_id=int(event.record.key)), self._then_refresh)  # type: ignore[call-overload]
