"""The Pipeline: one column per stage in pipeline order, with its count and totals per currency at the top.

← → pick a column, ↑ ↓ a deal; shift+← shift+→ (or < >) move the deal a stage; enter opens it;
w wins it, x loses it (with the reason); a adds a deal to the column's stage; p shows the next pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from crm_tui.screens.base import CrmScreen
from crm_tui.widgets.fitted import FittedText
from crm_tui.widgets.footer import KeyFooter
from crm_tui.widgets.nav import NavBar
from crm_tui.widgets.record_table import Column, Record, RecordTable

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from crm_tui.services.money.board import Board, StageColumn
    from crm_tui.services.money.deals import DealInfo
    from crm_tui.services.money.pipelines import PipelineInfo

DEALS_PER_STAGE = 60  # a column shows fewer; the rest are counted (… N more)
DEAL_COLUMNS = [
    Column("deal", "Deal", 6, flex=1),
    Column("amount", "", 5, flex=0, justify="right"),
]


@dataclass(frozen=True)
class Loaded:
    board: Board
    pipelines: list[PipelineInfo]


def column_heading(column: StageColumn, width: int = 80) -> Text:
    """A stage's head for `width` cells: its name and chance, how many deals, the total and weighted total per
    currency. What does not fit beside another part goes under it; a name longer than the column is cut with an
    ellipsis (pipeline.tcss), never broken mid-word."""
    from crm_tui.money import short_money

    stage = column.stage
    chance = f"{column.probability.percent}%" if stage.kind == "open" else ""
    text = Text()
    text.append(stage.name, style="bold")
    if chance and cell_len(f"{stage.name} {chance}") <= width:
        text.append(f" {chance}", style="dim")
        chance = ""
    deals = f"{column.count:,} deal{'' if column.count == 1 else 's'}"
    text.append("\n")
    if not chance:
        text.append(deals, style="dim")
    else:  # beside the count; first when neither way fits, so the ellipsis cuts the count's word
        said = (f"{deals} · {chance}", f"{deals} {chance}", f"{chance} {deals}")
        text.append(next((line for line in said if cell_len(line) <= width), said[-1]), style="dim")
    # The head has four lines: with three currencies or more, the first one's line, then the others' totals
    # on one line (a "+1 currencies" fifth line was cut off, and the third currency with it).
    many = len(column.totals) > 2
    for total in column.totals[: 1 if many else 2]:
        amount = short_money(total.total, total.currency)
        weighted = f"~{short_money(total.weighted, total.currency).split()[0]}" if stage.kind == "open" else ""
        text.append(f"\n{amount}")
        if weighted and cell_len(f"{amount} {weighted}") <= width:
            text.append(f" {weighted}", style="dim")
        elif weighted and len(column.totals) == 1:  # a line of its own, while there is room for it
            text.append(f"\n{weighted}", style="dim")
    if many:
        others = " · ".join(short_money(t.total, t.currency) for t in column.totals[1:])
        text.append(f"\n{others}" if cell_len(others) <= width else f"\n+{len(column.totals) - 1} currencies")
    return text


def deal_record(deal: DealInfo) -> Record:
    from crm_tui.money import short_money

    amount = short_money(deal.amount, deal.currency).replace(f" {deal.currency}", "")
    label = Text(deal.title)
    if deal.who:
        label.append(f" · {deal.who}", style="dim")
    return Record(key=deal.id, cells={"deal": label, "amount": Text(amount, style="bold")}, data=deal)


class PipelineScreen(CrmScreen):
    """The deals of one pipeline, stage by stage, to move along with the keyboard."""

    CSS_PATH = "pipeline.tcss"
    PALETTE_NAME = "Pipeline"
    PALETTE_MODE = "pipeline"
    # What acts on the highlighted deal; from elsewhere only adding one or switching pipelines makes sense.
    PALETTE_HERE_ONLY = frozenset(
        {"column(-1)", "column(1)", "move(1)", "move(-1)", "won", "lost", "edit", "open_contact"}
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "column(-1)", "Stage ←", show=False, tooltip="The stage to the left"),
        Binding("right", "column(1)", "Stage →", show=False, tooltip="The stage to the right"),
        Binding("shift+right,greater_than_sign", "move(1)", "Move →", tooltip="Move the deal to the next stage"),
        Binding("shift+left,less_than_sign", "move(-1)", "Move ←", tooltip="Move the deal to the stage before"),
        Binding("w", "won", "Won", tooltip="Mark the deal won"),
        Binding("x", "lost", "Lost", tooltip="Mark the deal lost, with the reason"),
        Binding("a", "add", "Add", tooltip="Add a deal to this stage"),
        Binding("e", "edit", "Edit", show=False, tooltip="Edit the deal: amount, close date, next step"),
        Binding("o", "open_contact", "Contact", show=False, tooltip="Open the deal's contact"),
        Binding("p", "next_pipeline", "Pipeline", show=False, tooltip="Show the next pipeline"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.pipeline_id: int | None = None
        self.stage_ids: list[int] = []
        self.pipelines: list[PipelineInfo] = []
        self._focus_after: tuple[int, int] | None = None  # (stage id, deal id) to show after a reload

    def compose(self) -> ComposeResult:
        yield NavBar("pipeline", label=self.crm.label)
        yield Static(id="pipeline-status")
        yield Horizontal(id="pipeline-board")
        yield Static("No pipeline yet.", id="pipeline-empty")
        yield KeyFooter()

    # ------------------------------------------------------------ loading

    def refresh_data(self) -> None:
        from crm_tui.services.money.board import pipeline_by_stage
        from crm_tui.services.money.pipelines import all_pipelines

        wanted = self.pipeline_id

        def load(conn: Connection) -> Loaded:
            pipelines = all_pipelines(conn)
            chosen = next((p for p in pipelines if p.id == wanted), pipelines[0])
            return Loaded(pipeline_by_stage(conn, chosen, deals_per_stage=DEALS_PER_STAGE), pipelines)

        self.db(load, self._show, group="pipeline", exclusive=True, description="load the pipeline")

    def _show(self, loaded: Loaded) -> None:
        board = loaded.board
        self.pipelines = loaded.pipelines
        self.pipeline_id = board.pipeline.id
        ids = [c.stage.id for c in board.columns]
        if ids != self.stage_ids:
            self.stage_ids = ids
            self.call_next(self._rebuild, board, self._current_column())
        else:
            self._fill(board, None)

    async def _rebuild(self, board: Board, keep: int | None) -> None:
        """New columns for another pipeline (or edited stages), filled once they are mounted."""
        container = self.query_one("#pipeline-board", Horizontal)
        await container.remove_children()
        await container.mount(*[self._column(c.stage.id) for c in board.columns])
        self._fill(board, keep)

    def _column(self, stage_id: int) -> Vertical:
        column = Vertical(
            FittedText(classes="stage-head", id=f"head-{stage_id}"),
            RecordTable(DEAL_COLUMNS, empty="—", id=f"stage-{stage_id}"),
            classes="stage-column",
        )
        return column

    def _fill(self, board: Board, keep: int | None) -> None:
        from crm_tui.money import short_money

        for column in board.columns:
            stage_id = column.stage.id
            self.query_one(f"#head-{stage_id}", FittedText).fit(partial(column_heading, column))
            table = self.query_one(f"#stage-{stage_id}", RecordTable)
            records = [deal_record(d) for d in column.deals]
            if column.count > len(column.deals):
                records.append(
                    Record(
                        key=("more", stage_id),
                        heading=Text(f"… {column.count - len(column.deals):,} more", style="dim"),
                    )
                )
            table.show_records(records)
        opens = [c for c in board.columns if c.stage.kind == "open"]
        weighted: dict[str, int] = {}
        count = 0
        for column in opens:
            count += column.count
            for total in column.totals:
                weighted[total.currency] = weighted.get(total.currency, 0) + total.weighted
        status = Text(f" {board.pipeline.name}", style="bold")
        status.append(f" · {count:,} open deal{'' if count == 1 else 's'}", style="dim")
        if weighted:
            status.append(" · weighted " + ", ".join(short_money(v, k) for k, v in sorted(weighted.items())))
        sources = {c.probability.source for c in opens}
        status.append("  (learned chances)" if "learned" in sources else "  (default chances)", style="dim")
        if len(self.pipelines) > 1:
            status.append("  p: next pipeline", style="dim")
        self.query_one("#pipeline-status", Static).update(status)
        self.set_class(not board.columns, "-empty")
        if self._focus_after is not None:
            stage_id, deal_id = self._focus_after
            self._focus_after = None
            self._focus_column(stage_id, deal_id)
        elif keep is not None or not isinstance(self.focused, RecordTable):
            first = (
                keep
                if keep in self.stage_ids
                else next((c.stage.id for c in board.columns if c.count), self.stage_ids[0] if self.stage_ids else None)
            )
            if first is not None:
                self._focus_column(first, None)

    def _focus_column(self, stage_id: int, deal_id: int | None) -> None:
        tables = self.query(f"#stage-{stage_id}")
        if not tables:
            return
        table = tables.first(RecordTable)
        table.focus()
        if deal_id is not None:
            table.move_to_key(deal_id)

    # ------------------------------------------------------------ helpers

    def deal_in_focus(self) -> int | None:
        focused = self.focused
        record = focused.record if isinstance(focused, RecordTable) else None
        return record.data.id if record is not None and record.data is not None else None

    def contact_in_focus(self) -> int | None:
        focused = self.focused
        record = focused.record if isinstance(focused, RecordTable) else None
        return record.data.contact_id if record is not None and record.data is not None else None

    def _current_column(self) -> int | None:
        focused = self.focused
        if isinstance(focused, RecordTable) and focused.id and focused.id.startswith("stage-"):
            return int(focused.id.removeprefix("stage-"))
        return None

    def _deal(self) -> DealInfo | None:
        focused = self.focused
        record = focused.record if isinstance(focused, RecordTable) else None
        if record is None or record.data is None:
            self.notify("No deal here: a adds one.", severity="warning")
            return None
        deal: DealInfo = record.data
        return deal

    def _pipeline(self) -> PipelineInfo | None:
        return next((p for p in self.pipelines if p.id == self.pipeline_id), None)

    def _moved(self, stage_id: int, deal_id: int) -> None:
        self._focus_after = (stage_id, deal_id)
        self.crm.count_due()
        self.refresh_data()

    # ------------------------------------------------------------ actions

    def action_column(self, step: int) -> None:
        current = self._current_column()
        if current is None or not self.stage_ids:
            return
        index = max(0, min(len(self.stage_ids) - 1, self.stage_ids.index(current) + step))
        self._focus_column(self.stage_ids[index], None)

    def action_move(self, step: int) -> None:
        from crm_tui.screens.money_dialogs import move_deal

        deal, pipeline = self._deal(), self._pipeline()
        if deal is None or pipeline is None:
            return
        target = pipeline.neighbour(deal.stage_id, step)
        if target is None:
            self.notify("No stage further that way.", severity="warning", timeout=3)
            return
        move_deal(self, deal.id, deal.title, target, lambda stage: self._moved(stage.id, deal.id))

    def _close(self, kind: str) -> None:
        from crm_tui.screens.money_dialogs import move_deal

        deal, pipeline = self._deal(), self._pipeline()
        if deal is None or pipeline is None:
            return
        target = pipeline.stage_named(kind)
        if target is None:
            self.notify(f"The {pipeline.name} pipeline has no {kind} stage.", severity="warning")
            return

        def done(stage: object) -> None:
            self.notify(f"{deal.title}: {kind}", timeout=3)
            self._moved(target.id, deal.id)

        move_deal(self, deal.id, deal.title, target, done)

    def action_won(self) -> None:
        self._close("won")

    def action_lost(self) -> None:
        self._close("lost")

    def action_add(self) -> None:
        from crm_tui.screens.deal_form import DealFormModal

        pipeline, current = self._pipeline(), self._current_column()
        stage = next((s for s in pipeline.stages if s.id == current), None) if pipeline else None
        hint = ""
        if pipeline and stage and stage.kind != "open" and pipeline.open_stages:
            # A deal is won or lost on its way through the open stages (w, x): a new one starts in the first.
            first = pipeline.open_stages[0]
            hint = f"{stage.name} is a closed stage: a new deal starts in {first.name}"
            stage = first

        def added(deal: object) -> None:
            if deal is not None:
                self._moved(deal.stage_id, deal.id)  # type: ignore[attr-defined]

        form = DealFormModal(stage=stage.name if stage else None, stage_hint=hint, pipeline_id=self.pipeline_id)
        self.app.push_screen(form, added)

    def action_edit(self) -> None:
        from crm_tui.screens.deal_form import DealFormModal

        if (deal := self._deal()) is not None:
            self.app.push_screen(DealFormModal(deal_id=deal.id), lambda saved: self.refresh_data() if saved else None)

    def action_open_contact(self) -> None:
        if (deal := self._deal()) is not None:
            if deal.contact_id is None:
                self.notify("This deal has no contact.", severity="warning")
                return
            self.crm.open_contact(deal.contact_id)

    def action_next_pipeline(self) -> None:
        if len(self.pipelines) < 2:
            self.notify("There is one pipeline (crm pipeline add NAME adds another).", timeout=4)
            return
        ids = [p.id for p in self.pipelines]
        self.pipeline_id = ids[(ids.index(self.pipeline_id) + 1) % len(ids)] if self.pipeline_id in ids else ids[0]
        self.refresh_data()

    @on(RecordTable.Selected)
    def _open(self, event: RecordTable.Selected) -> None:
        if event.record.data is not None:
            self.crm.open_deal(event.record.data.id)
