"""The trash: contacts sent away, waiting to be restored or purged."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from crm_tui.screens.base import CrmScreen
from crm_tui.widgets.cells import relative_cell
from crm_tui.widgets.footer import KeyFooter
from crm_tui.widgets.nav import NavBar
from crm_tui.widgets.record_table import Column, Record, RecordTable

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

COLUMNS = [
    Column("name", "Name", 18, flex=2),
    Column("org", "Organization", 12, flex=1, drop=2),
    Column("email", "Email", 16, flex=2, drop=1),
    Column("trashed", "Trashed", 10, flex=0),
]


class TrashScreen(CrmScreen):
    """Trashed contacts, newest first; u restores one, P empties the trash for good."""

    CSS_PATH = "trash.tcss"
    AUTO_FOCUS = "#trash-table"
    PALETTE_NAME = "Trash"
    PALETTE_MODE = "trash"
    PALETTE_HERE_ONLY = frozenset({"restore"})  # it restores the highlighted contact
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("u", "restore", "Restore", tooltip="Bring the contact back, with its history"),
        Binding("P", "purge", "Empty trash", tooltip="Delete every trashed contact for good (asks first)"),
    ]

    def compose(self) -> ComposeResult:
        yield NavBar("trash", label=self.crm.label)
        yield Static(" Trashed contacts keep their history: u restores one, P empties the trash.", id="trash-intro")
        yield RecordTable(COLUMNS, empty="The trash is empty.", id="trash-table")
        yield KeyFooter(compact=True)

    @property
    def table(self) -> RecordTable:
        return self.query_one("#trash-table", RecordTable)

    def refresh_data(self) -> None:
        now = self.crm.now()

        def load(conn: Connection) -> list[Record]:
            from crm_tui.services.contacts.rows import rows_for, trashed_contacts

            deleted = {cid: when for cid, _, when in trashed_contacts(conn)}
            return [
                Record(
                    key=row.id,
                    cells={
                        "name": row.name,
                        "org": row.organization or "",
                        "email": row.email or "",
                        "trashed": relative_cell(deleted[row.id], now=now),
                    },
                    data=row.name,
                )
                for row in rows_for(conn, list(deleted))
            ]

        self.db(load, self.table.show_records, group="trash", exclusive=True)

    def _restored(self, name: str) -> None:
        self.notify(f"Restored {name}.", title="Back from the trash")
        self.crm.count_due()  # their follow-ups are in the queue again: the Today badge says so now
        self.refresh_data()

    def action_restore(self) -> None:
        from crm_tui.services.contacts.finding import get_contact
        from crm_tui.services.contacts.lifecycle import restore_contact

        record = self.table.record
        if record is None:
            self.notify("Nothing to restore.", severity="warning")
            return
        contact_id, name, now = int(record.key), str(record.data), self.crm.now()  # type: ignore[call-overload]
        self.db_write(
            lambda s: restore_contact(s, get_contact(s, contact_id, deleted=True), actor=self.crm.user, now=now),
            lambda _: self._restored(name),
        )

    def action_purge(self) -> None:
        from crm_tui.screens.dialogs import ConfirmModal
        from crm_tui.services.contacts.lifecycle import purge_trash

        count = self.table.row_count
        if not count:
            self.notify("The trash is already empty.")
            return

        def purged(count: int) -> None:
            from crm_tui.services.contacts.privacy import reclaim

            self.notify(f"Deleted {count:,} contact{'s' if count != 1 else ''} for good, with their history.")
            self.refresh_data()
            # What the database keeps of the deleted rows outside its tables (the WAL) goes too.
            self.run_worker(lambda: reclaim(self.crm.engine), thread=True, group="reclaim")

        def confirmed(ok: bool | None) -> None:
            if ok:
                self.db_write(purge_trash, purged)

        self.app.push_screen(
            ConfirmModal(
                "Empty the trash?",
                f"{count:,} contact{'s' if count != 1 else ''} and their whole history will be deleted for good. "
                "This cannot be undone.",
                confirm="Delete for good",
            ),
            confirmed,
        )

    @on(RecordTable.Selected, "#trash-table")
    def _selected(self) -> None:
        self.action_restore()
