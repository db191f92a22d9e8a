"""Today: overdue, today's and upcoming follow-ups, and who is going cold. It closes the loop."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Hashable, Sequence
from datetime import datetime, tzinfo
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from crm_tui.screens.base import CrmScreen
from crm_tui.widgets.cells import safe, short_when
from crm_tui.widgets.footer import KeyFooter
from crm_tui.widgets.nav import NavBar
from crm_tui.widgets.record_table import Column, Record, RecordTable

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from crm_tui.app import CrmApp
    from crm_tui.services.queue import DueItem, QueueSection, TodayQueue

    Loaded = tuple[TodayQueue, list[Record]]  # the queue and its table rows

SECTION_LIMIT = 100
COLUMNS = [
    Column("when", "When", 15, flex=0),
    Column("contact", "Contact", 18, flex=0),
    Column("what", "What", 20, flex=3),
    Column("owner", "Owner", 8, flex=0, drop=1),
]
NOTHING_DUE = "Nothing due. Press 2 for your contacts, f to add a follow-up."
DUE_COMMAND = "crm due --within 7d"


def whose_label(owner: str | None, *, user: str) -> str:
    """Whose queue is shown, as the status line says it."""
    if owner is None:
        return "everyone"
    return f"mine ({user})" if owner == user else owner


def next_owner(current: str | None, *, user: str, owners: Sequence[str]) -> str | None:
    """The owner filter after `current`: everyone, mine, each other owner by name, everyone again."""
    others = [o for o in owners if o != user]
    cycle: list[str | None] = [None, user, *others]
    if current in cycle:
        return cycle[(cycle.index(current) + 1) % len(cycle)]
    # The owner has nothing left in the queue: carry on from where they were in the order.
    key = current.casefold() if current else ""
    return next((o for o in others if o.casefold() > key), None)


def due_command(owner: str | None, *, user: str) -> str:
    """The `crm due` command that lists this queue in full."""
    if owner is None:
        return DUE_COMMAND
    return f"{DUE_COMMAND} --mine" if owner == user else f"{DUE_COMMAND} --owner {shlex.quote(owner)}"


def when_cell(item: DueItem, section: str, *, now: datetime, tz: tzinfo) -> Text:
    """When an item is due, as the section needs it."""
    from crm_tui.dates import format_relative

    if section == "overdue":
        return Text(f"{format_relative(item.due_at, now=now).replace(' ago', '')} overdue", style="bold red")
    if section == "dates":
        days = (item.due_at.astimezone(tz).date() - now.astimezone(tz).date()).days
        return Text("today" if days <= 0 else "tomorrow" if days == 1 else f"in {days} days", style="magenta")
    if section == "cold":
        if item.title.endswith("never contacted"):
            return Text("never contacted", style="yellow")
        return Text(f"lapsed {format_relative(item.due_at, now=now)}", style="yellow")
    if section == "at-risk":
        return Text(f"since {format_relative(item.due_at, now=now)}", style="magenta")
    return Text(short_when(item.due_at, now=now, tz=tz), style="bold" if section == "today" else "")


def _when_style(item: DueItem, section: str, now: datetime) -> str:
    """How an added section's item shows its time: as overdue when it is, else as due today."""
    if section in ("overdue", "today", "upcoming", "cold", "dates", "at-risk"):
        return section
    return "overdue" if item.due_at < now else "today"


def queue_records(queue: TodayQueue, *, now: datetime, tz: tzinfo, command: str = DUE_COMMAND) -> list[Record]:
    """The table rows: a heading per non-empty section, then its items (`command` lists the rest)."""
    records: list[Record] = []
    sections: list[tuple[str, str, QueueSection]] = [
        ("overdue", "Overdue", queue.overdue),
        ("today", "Today", queue.today),
        ("upcoming", "Coming up this week", queue.upcoming),
        ("cold", "Going cold: time to get in touch", queue.cold),
        ("at-risk", "At risk: quieter than their usual rhythm", queue.at_risk),
        ("dates", "Dates coming up: birthdays, anniversaries", queue.dates),
        *queue.more,  # sections other features add (deals: late closes, next steps, rotting)
    ]
    for key, title, section in sections:
        if not section.total:
            continue
        style = {"overdue": "bold red", "cold": "bold yellow", "at-risk": "bold magenta", "dates": "bold cyan"}.get(
            key, "bold"
        )
        records.append(
            Record(key=("heading", key), heading=Text.assemble((title, style), (f"  {section.total:,}", "dim")))
        )
        for item in section.items:
            what = item.title
            if key == "cold":
                never = item.title.endswith("never contacted")
                what = "no interaction on record" if never else item.title.removeprefix("stay in touch: ")
            elif key == "at-risk":
                what = item.title.replace(" since the last contact", "").replace("the usual ", "usual ")
            records.append(
                Record(
                    key=(item.kind, item.id),
                    cells={
                        "when": when_cell(item, _when_style(item, key, now), now=now, tz=tz),
                        "contact": Text(item.contact_name or "—", style="" if item.contact_name else "dim"),
                        "what": what,
                        "owner": Text(item.owner or "", style="dim"),
                    },
                    data=item,
                )
            )
        if section.total > len(section.items):
            more = section.total - len(section.items)
            records.append(
                Record(
                    key=("more", key),
                    heading=Text(f"  … and {more:,} more ({command} lists them)", style="dim"),
                )
            )
    return records


class TodayScreen(CrmScreen):
    """The queue: what to do today, most urgent first."""

    CSS_PATH = "today.tcss"
    AUTO_FOCUS = "#queue"
    PALETTE_NAME = "Today"
    PALETTE_MODE = "today"
    # What acts on the highlighted line of the queue.
    PALETTE_HERE_ONLY = frozenset({"done", "snooze", "log", "open", "edit"})
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("x", "done", "Done", tooltip="Mark the follow-up done (a repeating one moves to its next time)"),
        Binding(
            "z",
            "snooze",
            "Snooze",
            tooltip="Hide the follow-up (or a contact going cold) until later: 1d, 1w, or a date",
        ),
        Binding("l", "log", "Log", tooltip="Log the interaction that answers it, and mark it done"),
        Binding("f", "follow_up", "Follow-up", tooltip="Add a follow-up"),
        Binding("o", "open", "Open", tooltip="Open the contact"),
        Binding("e", "edit", "Edit", show=False, tooltip="Edit the follow-up (on a contact going cold: the contact)"),
        Binding("w", "whose", "Whose", tooltip="Whose queue: everyone's, yours, then each other owner's"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.owners: list[str] = []  # who owns something that can be in the queue, from the last load
        self._nothing_due = False

    def compose(self) -> ComposeResult:
        yield NavBar("today", label=self.crm.label)
        yield Static(id="today-summary")
        yield RecordTable(COLUMNS, empty=NOTHING_DUE, id="queue")
        yield Static(id="today-detail")
        yield KeyFooter(compact=True)

    @property
    def table(self) -> RecordTable:
        return self.query_one("#queue", RecordTable)

    @classmethod
    def first_read(cls, app: CrmApp) -> tuple[Hashable, Callable[[Connection], Loaded]]:
        """The queue of whoever the app shows (`queue_owner`), with its rows, keyed by that owner."""
        from crm_tui.services.queue import today_queue

        now, tz, owner = app.now(), app.tz, app.queue_owner
        today_end, upcoming_end = app.day_bounds()
        command = due_command(owner, user=app.user)

        def load(conn: Connection) -> Loaded:
            queue = today_queue(
                conn, now=now, today_end=today_end, upcoming_end=upcoming_end, limit=SECTION_LIMIT, owner=owner, tz=tz
            )
            return queue, queue_records(queue, now=now, tz=tz, command=command)

        return ("today", owner), load

    def refresh_data(self, keep: Hashable | None = None) -> None:
        from crm_tui.services.queue import queue_owners

        app = self.crm
        owner = app.queue_owner
        key, load = self.first_read(app)

        def show(loaded: Loaded) -> None:
            queue, records = loaded
            if owner == app.queue_owner:  # else a newer filter's load is on its way
                self._show(queue, records, keep=keep)
            # Whose queues w cycles through: after the queue is drawn, not in the way of it.
            self.call_after_refresh(self.db, queue_owners, self._owners_loaded, group="queue-owners", exclusive=True)

        self.db(load, show, group="queue", exclusive=True, started=app.take_read(key))

    def _owners_loaded(self, owners: list[str]) -> None:
        self.owners = owners

    def _show(self, queue: TodayQueue, records: list[Record], *, keep: Hashable | None) -> None:
        app = self.crm
        owner = app.queue_owner
        # The badge counts the queue shown here, so it agrees with this screen.
        app.due_count = queue.due_count
        # An Owner column only says something when the queue is shared and not one person's.
        owners = {r.data.owner for r in records if r.data is not None} - {None, app.user}
        self.table.set_columns(COLUMNS if owners and owner is None else COLUMNS[:-1])
        self.table.empty_text = (
            NOTHING_DUE
            if owner is None
            else f"Nothing due for {whose_label(owner, user=app.user)}. Press w for the next queue."
        )
        # After a done or snooze the row is gone and the cursor stays put: on the next one.
        self.table.show_records(records, keep=keep)
        if self._nothing_due != (not records):
            self._nothing_due = not records
            self.refresh_bindings()  # nothing to tick off, snooze or open: the footer says so
        summary = Text(" ")
        # A filtered queue stands out: it is easy to forget that half the team's work is hidden.
        whose = whose_label(owner, user=app.user)
        summary.append("Whose: ", style="dim")
        summary.append(f" {whose} " if owner else whose, style="bold reverse" if owner else "bold")
        summary.append(" │ ", style="dim")
        # "N due", as the Today tab's badge counts: overdue, today and going cold; then the week.
        summary.append(f"{queue.due_count:,} due: ", style="bold" if queue.due_count else "dim")
        parts = [
            (queue.overdue.total, "overdue", "bold red"),
            (queue.today.total, "today", "bold"),
            (queue.cold.total, "going cold", "yellow"),
        ]
        added = sum(section.total for _, _, section in queue.more)
        if added:
            parts.append((added, "deals", "bold"))
        for i, (count, label, style) in enumerate(parts):
            if i:
                summary.append(" · ", style="dim")
            summary.append(f"{count:,} {label}", style=style if count else "dim")
        summary.append(" │ ", style="dim")
        summary.append(f"{queue.upcoming.total:,} this week", style="" if queue.upcoming.total else "dim")
        # Both lines are one line tall (today.tcss): no layout of the whole screen as the cursor moves.
        self.query_one("#today-summary", Static).update(safe(summary), layout=False)
        self._update_detail()

    @on(RecordTable.Highlighted, "#queue")
    def _update_detail(self) -> None:
        from crm_tui.dates import format_local

        item = self._item(quiet=True)
        detail = Text(" ")
        if item is not None:
            detail.append(item.title, style="bold")
            if item.contact_name:
                detail.append(f" · {item.contact_name}")
            detail.append(f" · due {format_local(item.due_at, self.crm.tz)}", style="dim")
            if item.kind == "touch":
                detail.append(" · l logs a touch and resets the clock", style="dim")
            if item.kind == "date":
                detail.append(" · l logs the call or message that marks it", style="dim")
        self.query_one("#today-detail", Static).update(safe(detail), layout=False)

    @on(RecordTable.Selected, "#queue")
    def action_open(self) -> None:
        item = self._item()
        if item is not None and item.kind == "deal":
            self.crm.open_deal(item.id)
        elif item is not None and item.contact_id is not None:
            self.crm.open_contact(item.contact_id)
        elif item is not None:
            self.notify("This follow-up is not about a contact.", severity="warning")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (self._nothing_due and action in self.PALETTE_HERE_ONLY)

    def contact_in_focus(self) -> int | None:
        item = self._item(quiet=True)
        return item.contact_id if item is not None else None

    def _item(self, *, quiet: bool = False) -> DueItem | None:
        record = self.table.record
        if record is None or record.data is None:
            if not quiet:
                self.notify("Nothing selected.", severity="warning")
            return None
        item: DueItem = record.data
        return item

    def _reminder(self, *, snoozing: bool = False) -> DueItem | None:
        item = self._item()
        if item is not None and item.kind == "deal":
            self.notify("A deal: enter opens it, to move it along, win or lose it.", severity="warning")
            return None
        if item is not None and item.kind != "reminder":
            # Going cold, at risk or a date: no follow-up to tick off or push, a touch to log.
            why = {"date": "has a date today", "at-risk": "is past their usual rhythm"}.get(item.kind, "is going cold")
            if snoozing:
                message = f"{item.contact_name} {why}: l logs a touch and resets the clock, f sets a follow-up."
            else:
                message = f"{item.contact_name} has no follow-up to tick off: l logs a touch and resets the clock."
            self.notify(message, severity="warning")
            return None
        return item

    def _reload_after(self, result: object = True) -> None:
        if result is not None:
            self.refresh_data()

    def action_done(self) -> None:
        from crm_tui.screens.flows import complete_reminder

        if (item := self._reminder()) is not None:
            complete_reminder(self, item.id, self.refresh_data)

    def action_snooze(self) -> None:
        from crm_tui.screens.flows import snooze_reminder, snooze_touch

        item = self._item(quiet=True)
        if item is not None and item.kind == "touch" and item.contact_name is not None:
            # Going cold: push when the contact is listed again (its cadence stays as it is).
            snooze_touch(self, item.id, item.contact_name, self.refresh_data)
            return
        if (item := self._reminder(snoozing=True)) is not None:
            snooze_reminder(self, item.id, item.title, self.refresh_data, due_at=item.due_at)

    def action_log(self) -> None:
        from crm_tui.screens.log_form import LogInteractionModal

        item = self._item()
        if item is None:
            return
        if item.contact_id is None or item.contact_name is None:
            self.notify("This follow-up is not about a contact: x marks it done.", severity="warning")
            return
        answers = item.id if item.kind == "reminder" else None
        title = item.title if answers is not None else ""
        self.app.push_screen(
            LogInteractionModal(item.contact_id, item.contact_name, answers=answers, answers_title=title),
            self._reload_after,
        )

    def action_follow_up(self) -> None:
        from crm_tui.screens.reminder_form import ReminderFormModal

        item = self._item(quiet=True)
        if item is not None and item.contact_id is not None:
            form = ReminderFormModal(contact_id=item.contact_id, contact_name=item.contact_name)
        else:
            form = ReminderFormModal()
        self.app.push_screen(form, self._reload_after)

    def action_edit(self) -> None:
        """Edit the follow-up; on a contact going cold, the contact (its stay-in-touch cadence)."""
        from crm_tui.screens.contact_form import ContactFormModal
        from crm_tui.screens.reminder_form import ReminderFormModal

        item = self._item()
        if item is None:
            return
        if item.kind == "reminder":
            self.app.push_screen(ReminderFormModal(reminder_id=item.id), self._reload_after)
        elif item.contact_id is not None:
            self.app.push_screen(ContactFormModal(item.contact_id), self._reload_after)

    def action_whose(self) -> None:
        app = self.crm
        self.show_owner(next_owner(app.queue_owner, user=app.user, owners=self.owners))

    def show_owner(self, owner: str | None) -> None:
        """Show `owner`'s queue (None: everyone's)."""
        self.crm.queue_owner = owner
        self.refresh_data()

    def palette_commands(self) -> list[tuple[str, str, Callable[[], None]]]:
        """A command per queue the owner filter can show, for the command palette."""
        user = self.crm.user
        everyone = ("Today: everyone's queue", "What is due, whoever owns it (key w)", partial(self.show_owner, None))
        commands: list[tuple[str, str, Callable[[], None]]] = [everyone]
        for owner in [user, *(o for o in self.owners if o != user)]:
            title = "Today: my queue" if owner == user else f"Today: {owner}'s queue"
            commands.append((title, f"Only what {owner} owns (key w)", partial(self.show_owner, owner)))
        return commands
