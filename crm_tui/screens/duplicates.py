"""Duplicates: likely pairs from `services.dedup`, reviewed side by side, merged (after a preview) or dismissed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

from crm_tui.screens.base import CrmScreen
from crm_tui.screens.dialogs import ConfirmModal
from crm_tui.widgets.footer import KeyFooter
from crm_tui.widgets.nav import NavBar
from crm_tui.widgets.record_table import Cell, Column, Record, RecordTable

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.engine import Connection
    from textual.screen import Screen

    from crm_tui.app import CrmApp
    from crm_tui.services.contacts.merging import MergePlan
    from crm_tui.services.contacts.rows import ContactDetail
    from crm_tui.services.dedup import DuplicatePair

COLUMNS = [
    Column("score", "Score", 5, flex=0),
    Column("name", "Contact", 16, flex=2),
    Column("other", "Looks like", 16, flex=2),
    Column("why", "Why", 20, flex=3, drop=1),
]


class MergePreviewModal(ConfirmModal):
    """What a merge will move, drop and fill in, before it happens; returns True to merge."""

    def __init__(self, plan: MergePlan) -> None:
        lines = plan.lines()
        body = "\n".join(line.strip() for line in lines[1:])
        super().__init__(f"Merge #{plan.other_id} into #{plan.keep_id}?", f"{lines[0]}\n\n{body}", confirm="Merge")


def _side(detail: ContactDetail, interactions: int) -> Text:
    """One contact of the pair, as the panel shows it."""
    c = detail.contact
    text = Text()
    text.append(f"#{c.id} {c.display_name}\n", style="bold")
    rows = [
        ("org", " · ".join(v for v in (detail.organization, c.title) if v)),
        ("emails", ", ".join(e.email for e in detail.emails)),
        ("phones", ", ".join(p.phone for p in detail.phones)),
        ("tags", ", ".join(detail.tags)),
        ("history", f"{interactions:,} interaction{'s' if interactions != 1 else ''}, "
                    f"{len(detail.reminders)} open follow-up{'s' if len(detail.reminders) != 1 else ''}"),
        ("added", f"{c.created_at:%Y-%m-%d}"),
    ]  # fmt: skip
    for label, value in rows:
        text.append(f"{label:<8}", style="dim")
        text.append(f"{value or '—'}\n")
    return text


class DuplicatesScreen(CrmScreen):
    """Likely duplicate pairs, best first; the highlighted pair side by side below."""

    CSS_PATH = "duplicates.tcss"
    AUTO_FOCUS = "#duplicates-table"
    PALETTE_NAME = "Duplicates"
    PALETTE_HERE_ONLY = frozenset({"merge", "swap", "dismiss_pair", "open"})  # they need a highlighted pair
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", tooltip="Back to where you were"),
        Binding("m", "merge", "Merge", tooltip="Merge the right contact into the left (shows what moves first)"),
        Binding("s", "swap", "Swap", tooltip="Swap which contact is kept"),
        Binding("x", "dismiss_pair", "Not the same", tooltip="Two different people: never list this pair again"),
        Binding("o", "open", "Open", tooltip="Open the highlighted contact on the left"),
    ]

    def __init__(self, *, when_shown: Callable[[Screen[Any]], None] | None = None) -> None:
        super().__init__()
        self._when_shown = when_shown  # once, after the first scan (a palette command waiting for it)
        self.pairs: dict[tuple[int, int], DuplicatePair] = {}
        self.swapped: set[tuple[int, int]] = set()

    def compose(self) -> ComposeResult:
        yield NavBar(None, label=self.crm.label, id="duplicates-nav")
        yield Static(" Scanning for duplicates…", id="duplicates-intro")
        yield RecordTable(COLUMNS, empty="No likely duplicates. Dismissed pairs stay hidden.", id="duplicates-table")
        with Horizontal(id="duplicates-sides"):
            with VerticalScroll(classes="duplicates-side"):
                yield Static("", id="duplicates-left")
            with VerticalScroll(classes="duplicates-side"):
                yield Static("", id="duplicates-right")
        yield KeyFooter()

    @classmethod
    def palette_reach(cls, app: CrmApp, then: Callable[[Screen[Any]], None]) -> None:
        """The duplicates on screen, else a new scan."""
        if isinstance(app.screen, cls):
            then(app.screen)
        else:
            app.push_screen(cls(when_shown=then))

    def on_mount(self) -> None:
        self.query_one(NavBar).trail = "Duplicates"
        self.hold_keys(until_data=True)  # m or x typed during the scan waits for the pairs

    @property
    def table(self) -> RecordTable:
        return self.query_one("#duplicates-table", RecordTable)

    def refresh_data(self) -> None:
        from crm_tui.services.dedup import find_duplicates

        self.db(lambda conn: find_duplicates(conn, limit=500), self._show, group="duplicates", exclusive=True)

    def _show(self, report: Any) -> None:
        self.pairs = {(p.contact_id, p.other_id): p for p in report.pairs}
        dismissed = f", {report.dismissed:,} dismissed" if report.dismissed else ""
        self.query_one("#duplicates-intro", Static).update(
            f" {len(report.pairs):,} likely pair{'s' if len(report.pairs) != 1 else ''} among "
            f"{report.contacts:,} contacts{dismissed}: m merges the right into the left, s swaps, x says they differ."
        )
        self.swapped &= set(self.pairs)  # a pair merged or dismissed meanwhile is gone
        self._show_rows()
        self._show_sides()
        if self._when_shown is not None:
            when_shown, self._when_shown = self._when_shown, None
            when_shown(self)

    def _show_rows(self) -> None:
        """A row per pair: the contact kept first (after a swap, the other one), then the one merged into it."""
        records = []
        for key, p in self.pairs.items():
            names = (p.other_name, p.name) if key in self.swapped else (p.name, p.other_name)
            why = "; ".join(r.detail for r in p.reasons)
            cells: dict[str, Cell] = {"score": Text(str(p.score), style="bold"), "name": names[0], "other": names[1]}
            records.append(Record(key=key, cells={**cells, "why": why}))
        self.table.show_records(records, keep=self.table.record.key if self.table.record else None)

    def _current(self) -> tuple[int, int] | None:
        """(keep, other) of the highlighted pair, swapped if asked."""
        record = self.table.record
        if record is None or record.key not in self.pairs:
            return None
        a, b = record.key
        return (b, a) if record.key in self.swapped else (a, b)

    @on(RecordTable.Highlighted, "#duplicates-table")
    def _highlighted(self) -> None:
        self._show_sides()

    def _show_sides(self) -> None:
        from crm_tui.services.contacts.rows import contact_detail
        from crm_tui.services.interactions import count_interactions

        pair = self._current()
        left, right = self.query_one("#duplicates-left", Static), self.query_one("#duplicates-right", Static)
        if pair is None:
            left.update("")
            right.update("")
            return

        def load(conn: Connection) -> tuple[Text, Text]:
            keep, other = (contact_detail(conn, i, timeline_limit=0) for i in pair)
            return (_side(keep, count_interactions(conn, pair[0])), _side(other, count_interactions(conn, pair[1])))

        def shown(sides: tuple[Text, Text]) -> None:
            left.update(Text.assemble(("keep\n", "bold green"), sides[0]))
            right.update(Text.assemble(("merge into it\n", "bold yellow"), sides[1]))

        self.db(load, shown, group="duplicate-sides", exclusive=True)

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_swap(self) -> None:
        record = self.table.record
        if record is not None:
            self.swapped ^= {record.key}  # type: ignore[arg-type]
            self._show_rows()
            self._show_sides()

    def action_open(self) -> None:
        pair = self._current()
        if pair is not None:
            self.crm.open_contact(pair[0])

    def action_merge(self) -> None:
        from crm_tui.services.contacts.merging import merge_plan

        pair = self._current()
        if pair is None:
            self.notify("No pair to merge.", severity="warning")
            return
        keep, other = pair
        self.db(lambda conn: merge_plan(conn, keep, other), self._confirm_merge, hold=True)  # y goes to the preview

    def _confirm_merge(self, plan: MergePlan) -> None:
        from crm_tui.services.contacts.finding import get_contact
        from crm_tui.services.contacts.merging import merge_contacts

        now, user = self.crm.now(), self.crm.user

        def merged(_: object) -> None:
            self.notify(
                f"Merged {plan.other_name} into {plan.keep_name}. ctrl+z undoes it; "
                f"`crm contact unmerge {plan.other_id}` takes it back out later.",
                title="Merged",
            )
            self.refresh_data()

        def confirmed(ok: bool | None) -> None:
            if ok:
                self.db_write(
                    lambda s: merge_contacts(
                        s, get_contact(s, plan.keep_id), get_contact(s, plan.other_id), actor=user, now=now
                    ),
                    merged,
                    description="merge contacts",
                )

        self.app.push_screen(MergePreviewModal(plan), confirmed)

    def action_dismiss_pair(self) -> None:
        from crm_tui.services.dedup import dismiss_pair

        pair = self._current()
        if pair is None:
            return
        found = self.pairs.get((min(pair), max(pair)))
        names = f"{found.name} and {found.other_name}" if found else "They"
        now, user = self.crm.now(), self.crm.user

        def dismissed(_: object) -> None:
            self.notify(f"{names} are two people; this pair will not be listed again.", title="Dismissed")
            self.refresh_data()

        self.db_write(lambda s: dismiss_pair(s, pair[0], pair[1], actor=user, now=now), dismissed)
