"""Today: overdue, today's and upcoming follow-ups, and who is going cold. It closes the loop."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import Future
from datetime import datetime, tzinfo
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Static

from crm_tui.screens.base import CrmScreen
from crm_tui.screens.today_summary import fit_summary
from crm_tui.widgets.cells import safe, short_when
from crm_tui.widgets.fitted import FittedText
from crm_tui.widgets.footer import KeyFooter
from crm_tui.widgets.nav import NavBar
from crm_tui.widgets.record_table import Column, Record, RecordTable

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from crm_tui.app import CrmApp
    from crm_tui.services.queue import DueItem, QueueSection, TodayQueue

    Loaded = tuple[TodayQueue, list[Record]]  # the queue and its table rows

SECTION_LIMIT = 100
HEAD_TRIES = 5  # refreshes to wait for the table's size before drawing the queue's head
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


class QueueRead:
    """Today's read of whoever's queue the app shows: the whole queue and its rows, and
    meanwhile (`head`) the rows of its follow-ups as soon as those are read."""

    def __init__(self, app: CrmApp) -> None:
        self.now, self.tz, self.owner = app.now(), app.tz, app.queue_owner
        self.today_end, self.upcoming_end = app.day_bounds()
        self.command = due_command(self.owner, user=app.user)
        self.head: Future[list[Record] | None] = Future()

    def __call__(self, conn: Connection) -> Loaded:
        from crm_tui.services.queue import today_queue

        now, tz = self.now, self.tz

        def head(queue: TodayQueue) -> None:
            if not self.head.done():
                self.head.set_result(queue_records(queue, now=now, tz=tz, command=self.command))

        try:
            queue = today_queue(
                conn, now=now, today_end=self.today_end, upcoming_end=self.upcoming_end,
                limit=SECTION_LIMIT, owner=self.owner, tz=tz, head=head,
            )  # fmt: skip
        finally:
            if not self.head.done():  # it failed first: nobody waits for a head that never comes
                self.head.set_result(None)
        return queue, queue_records(queue, now=now, tz=tz, command=self.command)


class QueueHead(Message):
    """The rows of the queue's follow-ups, read before the rest of it."""

    def __init__(self, records: list[Record], owner: str | None) -> None:
        super().__init__()
        self.records = records
        self.owner = owner
        self.tries = 0


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
        self._shown = False  # a whole queue has been shown (its head is shown only before that)

    def compose(self) -> ComposeResult:
        yield NavBar("today", label=self.crm.label)
        yield FittedText(id="today-summary")
        yield RecordTable(COLUMNS, empty=NOTHING_DUE, id="queue")
        yield Static(id="today-detail")
        yield KeyFooter(compact=True)

    @property
    def table(self) -> RecordTable:
        return self.query_one("#queue", RecordTable)

    @classmethod
    def first_read(cls, app: CrmApp) -> tuple[Hashable, QueueRead]:
        """The queue of whoever the app shows (`queue_owner`), with its rows, keyed by that owner."""
        return ("today", app.queue_owner), QueueRead(app)

    def refresh_data(self, keep: Hashable | None = None) -> None:
        from crm_tui.services.queue import queue_owners

        app = self.crm
        owner = app.queue_owner
        key, load = self.first_read(app)
        started = app.take_started(key)
        if started is not None and isinstance(started[1], QueueRead):
            load = started[1]  # the read the app started: its follow-ups come from it

        def show(loaded: Loaded) -> None:
            queue, records = loaded
            if owner == app.queue_owner:  # else a newer filter's load is on its way
                self._show(queue, records, keep=keep)
            # Whose queues w cycles through: after the queue is drawn, not in the way of it.
            self.call_after_refresh(self.db, queue_owners, self._owners_loaded, group="queue-owners", exclusive=True)

        self.db(load, show, group="queue", exclusive=True, started=started[0] if started is not None else None)
        if not self._shown:
            # The first rows (the follow-ups) as soon as they are read, while the rest of the queue is.
            head = load.head
            self.run_worker(lambda: self._wait_head(head, owner), thread=True, group="queue-head", exclusive=True)

    def _wait_head(self, head: Future[list[Record] | None], owner: str | None) -> None:
        """Worker: post the follow-ups' rows once they are read (nothing when there are none)."""
        records = head.result()
        if records:
            self.post_message(QueueHead(records, owner))

    @on(QueueHead)
    def _show_head(self, message: QueueHead) -> None:
        """The follow-ups before the rest, when they fill the table's page: those rows stay as they are.

        They are the first rows of the whole queue, in its order; a shorter head would draw rows
        that the sections after it then push around, so it waits for them. Keys typed meanwhile
        still wait for the whole queue (the hold of `CrmScreen.on_mount`).
        """
        if self._shown or message.owner != self.crm.queue_owner:
            return
        table = self.table
        if not table.size.height:  # not laid out yet: once it is
            if message.tries < HEAD_TRIES:
                message.tries += 1
                self.call_after_refresh(self._show_head, message)
            return
        if len(message.records) < table.size.height - 1:  # the header line, then the page of rows
            return
        self._set_columns(message.records)
        table.show_records(message.records)

    def _set_columns(self, records: list[Record]) -> None:
        # An Owner column only says something when the queue is shared and not one person's.
        app = self.crm
        owners = {r.data.owner for r in records if r.data is not None} - {None, app.user}
        self.table.set_columns(COLUMNS if owners and app.queue_owner is None else COLUMNS[:-1])

    def _owners_loaded(self, owners: list[str]) -> None:
        self.owners = owners

    def _show(self, queue: TodayQueue, records: list[Record], *, keep: Hashable | None) -> None:
        app = self.crm
        owner = app.queue_owner
        self._shown = True
        # The badge counts the queue shown here, so it agrees with this screen.
        app.due_count = queue.due_count
        self._set_columns(records)
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
        # Said in full when the width allows, else shorter or over two lines (today_summary.py); the
        # detail line under the queue stays one line tall: no layout of the whole screen as the cursor moves.
        whose = whose_label(owner, user=app.user)
        fit = partial(fit_summary, queue, whose, filtered=owner is not None)
        self.query_one("#today-summary", FittedText).fit(lambda width: fit(width=width))
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
