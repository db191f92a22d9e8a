"""The Dashboard: the key figures in large digits, weekly activity, the pipeline by stage, revenue by month
with the forecast, and the clients at risk who are worth the most.

The frame is painted at once; each panel runs its own query in a worker and fills when it returns.
`enter` on a panel opens the list behind it (the at-risk figure: the contact list filtered by
`+ATRISK`); `r` reloads every panel; tab moves between panels.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Horizontal, Vertical, VerticalScroll
from textual.widgets import Digits, Sparkline, Static

from crm_tui.screens.base import CrmScreen
from crm_tui.widgets.footer import KeyFooter
from crm_tui.widgets.nav import NavBar
from crm_tui.widgets.record_table import Column, Record, RecordTable

if TYPE_CHECKING:
    from collections.abc import Callable, Hashable

    from sqlalchemy.engine import Connection

    from crm_tui.app import CrmApp
    from crm_tui.services.money.board import Board
    from crm_tui.services.reports.dashboard import MoneyFigure, MonthBar, StagesFigure
    from crm_tui.services.reports.relationships import ClientAtRisk

FIRST_PAGE_FALLBACK = 5.0  # seconds: the badge and the warm-up of a Dashboard start even if a panel never fills
BAR_WIDTH = 18
AT_RISK_COLUMNS = [
    Column("name", "Client", 8, flex=1),
    Column("tier", "Tier", 4, flex=0),
    Column("value", "12 months", 9, flex=0, justify="right"),
    Column("since", "Last contact", 12, flex=0),
]


class Panel(Vertical, can_focus=True):
    """A bordered panel that `enter` opens: `target` says what it opens (see DashboardScreen.open_target)."""

    def __init__(self, title: str, target: str, *children: Any, id: str, classes: str = "") -> None:
        super().__init__(*children, id=id, classes=f"dash-panel {classes}".strip())
        self.border_title = title
        self.target = target


def money_digits(minor: int, currency: str) -> str:
    """An amount for large digits: `35.4k`, `1.2M`, `950` (the currency goes under it)."""
    from crm_tui.money import short_money

    return short_money(minor, currency).removesuffix(f" {currency}")


def figure_line(figure: MoneyFigure, *, versus: str = "") -> tuple[str, Text]:
    """The digits of the main currency's amount, and a line with the others (and the previous period)."""
    from crm_tui.money import short_money

    if not figure.amounts:
        return "0", Text("nothing yet", style="dim")
    currency, minor = figure.amounts[0]
    line = Text(currency, style="bold")
    if versus and currency in figure.previous:
        before = figure.previous[currency]
        line.append(f" · {versus} {short_money(before, currency)}", style="dim")
    others = [short_money(m, c) for c, m in figure.amounts[1:3]]
    if others:
        line.append(" · " + ", ".join(others), style="dim")
    return money_digits(minor, currency), line


def stage_bars(board: Board, width: int = BAR_WIDTH) -> Table:
    """One line per stage: its name, a bar of its deals, the count and its total in each currency (never summed)."""
    from crm_tui.charts import bar
    from crm_tui.money import short_money

    most = max((c.count for c in board.columns), default=0)
    table = Table.grid(padding=(0, 1))
    table.add_column(no_wrap=True, max_width=12, overflow="ellipsis")
    table.add_column(no_wrap=True)
    table.add_column(no_wrap=True, justify="right")
    table.add_column(no_wrap=True, style="dim")
    for column in board.columns:
        money = " / ".join(short_money(t.total, t.currency) for t in column.totals)
        table.add_row(column.stage.name, Text(bar(column.count, most, width), style="cyan"), f"{column.count:,}", money)
    return table


def month_bars(months: list[MonthBar], width: int = BAR_WIDTH) -> Table | Text:
    """Per month in the main currency: received (solid) or, for the months to come, the weighted forecast (~);
    beside it what the month holds in other currencies (never converted, never summed into the bar)."""
    from crm_tui.charts import bar
    from crm_tui.money import short_money

    if not months:
        return Text("No payment in the last 6 months and nothing forecast.", style="dim")
    totals: dict[str, int] = {}
    for m in months:
        totals[m.currency] = totals.get(m.currency, 0) + m.received + (m.weighted or 0)
    currency = max(totals, key=lambda c: totals[c])
    rows = [m for m in months if m.currency == currency]
    others: dict[str, list[str]] = {}
    for m in months:
        value = (m.weighted or 0) if m.forecast else m.received
        if m.currency != currency and value:
            others.setdefault(m.month, []).append(("~" if m.forecast else "") + short_money(value, m.currency))
    most = max((m.weighted or 0 if m.forecast else m.received for m in rows), default=0)
    table = Table.grid(padding=(0, 1))
    for _ in range(3):
        table.add_column(no_wrap=True)
    for m in rows:
        value = (m.weighted or 0) if m.forecast else m.received
        text = short_money(value, currency)
        if not m.forecast and m.weighted is not None and m.received < m.weighted:
            text += f" (~{short_money(m.weighted, currency).removesuffix(' ' + currency)} forecast)"
        style = "dim cyan" if m.forecast else "cyan"
        cell = Text(text)
        if m.month in others:
            cell.append(" + " + " + ".join(others[m.month]), style="dim")
        table.add_row(f"{m.month}{' ~' if m.forecast else '  '}", Text(bar(value, most, width), style=style), cell)
    return table


def at_risk_record(client: ClientAtRisk) -> Record:
    from crm_tui.money import short_money

    since = client.last_contact_at.date().isoformat() if client.last_contact_at else "never"
    name = Text(client.name)
    if client.lapsed:
        name.append(" lapsed", style="dim red")
    cells: dict[str, str | Text] = {
        "name": name,
        "tier": Text(client.tier, style="bold" if client.tier == "A" else ""),
        "value": Text(short_money(client.revenue_12m, client.currency)),
        "since": Text(since, style="dim"),
    }
    return Record(key=client.contact_id, cells=cells, data=client)


class DashboardRead:
    """Every panel's read at one instant. Called (on the thread the app starts the first screen's read
    on: `CrmApp.start_read`), it reads the at-risk panel, the slowest, and starts the others' reads on
    one more thread, so that they all run while Textual builds the screen. `result(panel)` waits for
    one of those (a screen's worker: it reads the panel itself if that thread has not started it)."""

    ORDER = ("overdue", "revenue", "activity", "pipeline", "months")  # the quickest first

    def __init__(self, app: CrmApp) -> None:
        from crm_tui.services.reports import dashboard as dash

        now, tz = app.now(), app.tz
        self.read = app.read
        self.now, self.tz = now, tz
        self.panels: dict[str, Callable[[Connection], Any]] = {
            "overdue": lambda conn: dash.count_overdue(conn, now=now),
            "revenue": lambda conn: dash.revenue_figure(conn, now=now, tz=tz),
            "activity": lambda conn: dash.weekly_activity(conn, now=now, tz=tz),
            "pipeline": lambda conn: dash.pipeline_panels(conn, now=now, tz=tz),
            "months": lambda conn: dash.revenue_months(conn, now=now, tz=tz),
        }
        self._lock = threading.Lock()
        self._futures: dict[str, Future[Any]] = {}

    def __call__(self, conn: Connection) -> tuple[int, list[ClientAtRisk]]:
        from crm_tui.services.reports.dashboard import at_risk_panel

        with self._lock:
            mine: dict[str, Future[Any]] = {p: Future() for p in self.ORDER if p not in self._futures}
            self._futures.update(mine)
        if mine:
            threading.Thread(target=self._run, args=(mine,), name="dashboard reads", daemon=True).start()
        return at_risk_panel(conn, now=self.now, tz=self.tz)

    def _run(self, futures: dict[str, Future[Any]]) -> None:
        for panel, future in futures.items():
            self._fill(panel, future)

    def _fill(self, panel: str, future: Future[Any]) -> None:
        try:
            future.set_result(self.read(self.panels[panel]))
        except BaseException as exc:  # a CrmError, or a bug: the worker that waits for it sees it
            future.set_exception(exc)

    def result(self, panel: str) -> Any:
        with self._lock:
            future = self._futures.get(panel)
            mine = future is None
            if future is None:
                self._futures[panel] = future = Future()
        if mine:
            self._fill(panel, future)
        return future.result()


class DashboardScreen(CrmScreen):
    """How the business is doing, at a glance; every panel opens the list behind it."""

    CSS_PATH = "dashboard.tcss"
    # The first figure has the focus from the start: focusing it once mounted moved the focus from
    # the first focusable (the body, restyled with all it holds) at a second restyle's cost.
    AUTO_FOCUS = "#fig-pipeline"
    PALETTE_NAME = "Dashboard"
    PALETTE_MODE = "dashboard"
    PALETTE_HERE_ONLY = frozenset({"open"})
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]  # noqa: RUF012 (Textual declares it so)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", tooltip="Open the list behind the highlighted panel"),
        Binding("down,j", "app.focus_next", "Next", show=False, tooltip="The next panel"),
        Binding("up,k", "app.focus_previous", "Previous", show=False, tooltip="The panel before"),
    ]

    def compose(self) -> ComposeResult:
        yield NavBar("dashboard", label=self.crm.label)
        with VerticalScroll(id="dash-body"):
            with Horizontal(id="dash-figures"):
                for key, title, target in (
                    ("pipeline", "Open, weighted", "pipeline"),
                    ("revenue", "Received (month)", "revenue"),
                    ("atrisk", "At risk", "at-risk"),
                    ("overdue", "Overdue", "overdue"),
                ):
                    yield Panel(
                        title, target, Digits("…", id=f"digits-{key}"), Static("", id=f"sub-{key}"),
                        id=f"fig-{key}", classes="dash-figure",
                    )  # fmt: skip
            with Container(id="dash-panels"):
                yield Panel(
                    "Activity, last 26 weeks", "activity",
                    Sparkline([], summary_function=max, id="dash-sparkline"),
                    Static("Loading…", id="dash-activity-line"),
                    id="panel-activity",
                )  # fmt: skip
                yield Panel("Pipeline by stage", "pipeline", Static("Loading…", id="dash-stages"), id="panel-pipeline")
                yield Panel(
                    "Revenue by month, ~ forecast", "revenue", Static("Loading…", id="dash-months"), id="panel-revenue"
                )
                yield Panel(
                    "Clients at risk, most valuable first", "at-risk",
                    RecordTable(AT_RISK_COLUMNS, empty="No paying client is at risk.", id="dash-atrisk"),
                    id="panel-atrisk",
                )  # fmt: skip
        yield KeyFooter()

    PANELS = frozenset({"overdue", "weighted", "revenue", "stages", "activity", "months", "at-risk"})

    def __init__(self) -> None:
        super().__init__()
        self.waiting: set[str] = set(self.PANELS)  # the panels whose query has not returned since the last load
        # The width's class before the first styling, so that setting it on mount (apply_breakpoints)
        # changes nothing: else the whole screen is styled again.
        wide = self._get_breakpoint_classes(self.app.size.width, self.HORIZONTAL_BREAKPOINTS)
        self.update_classes({name: name in wide for _, name in self.HORIZONTAL_BREAKPOINTS}, update=False)

    @property
    def is_filled(self) -> bool:
        """Whether every panel shows what its latest query returned."""
        return not self.waiting

    # ------------------------------------------------------------ loading

    @classmethod
    def first_read(cls, app: CrmApp) -> tuple[Hashable, DashboardRead]:
        """Every panel's read: the app starts it while it builds the screen (the at-risk panel's query
        on its thread, the others' on one more), when the Dashboard is the first screen."""
        return ("dashboard",), DashboardRead(app)

    def refresh_data(self) -> None:
        """Each panel's query in a worker of its own, each panel filled when its query returns. On the
        first load of a Dashboard the app starts with, the reads the app started (`first_read`) instead."""
        from crm_tui.services.reports import dashboard as dash

        self.waiting = set(self.PANELS)
        key, read = self.first_read(self.crm)
        started = self.crm.take_started(key)
        if started is not None and isinstance(started[1], DashboardRead):
            early = started[1]
            # The app's first screen: its panels are the first page the badge and the warm-up wait
            # for (db_answered, _filled), unless one of them never fills.
            self.set_timer(FIRST_PAGE_FALLBACK, self._first_page_fallback)
            self.db(early, self._at_risk, group="dash-at-risk", exclusive=True, started=started[0])
            for panel, then in self._fillers().items():
                self._work(partial(early.result, panel), then, f"dash-{panel}", True, None, "")
            return
        now, tz = self.crm.now(), self.crm.tz
        at_risk = partial(dash.at_risk_panel, now=now, tz=tz)
        self.db(at_risk, self._at_risk, group="dash-at-risk", exclusive=True)  # the slowest first
        for panel, then in self._fillers().items():
            self.db(read.panels[panel], then, group=f"dash-{panel}", exclusive=True)

    def _fillers(self) -> dict[str, Callable[[Any], None]]:
        """What fills each panel but at risk from its read's result (by DashboardRead.panels' keys)."""
        return {
            "overdue": self._overdue, "revenue": self._revenue, "activity": self._activity,
            "pipeline": self._pipeline, "months": self._months,
        }  # fmt: skip

    def _first_page_fallback(self) -> None:
        self.crm.first_page_shown()
        self.crm.count_due_once()

    def db_answered(self) -> None:
        # The panels are its first page: what waits for a first page (the app's warm-up, which would
        # take the CPU from the last panels) waits for them all (or for the app's fallback timer).
        if self.is_filled:
            super().db_answered()

    def _filled(self, panel: str) -> None:
        self.waiting.discard(panel)
        if not self.waiting:
            # The Today badge's count waited for the panels (it would compete with them: app.on_mount),
            # and waits for them to be drawn, as it does for another first screen.
            self.crm.count_due_after_paint(0.1, once=True)

    def _overdue(self, count: int) -> None:
        self._filled("overdue")
        self.query_one("#digits-overdue", Digits).update(str(count))
        line = "follow-ups, on Today" if count else "no follow-up overdue"
        self.query_one("#sub-overdue", Static).update(Text(line, style="dim"))

    def _pipeline(self, result: tuple[MoneyFigure, StagesFigure]) -> None:
        figure, stages = result
        self._weighted(figure)
        self._stages(stages)

    def _weighted(self, figure: MoneyFigure) -> None:
        self._filled("weighted")
        digits, line = figure_line(figure)
        self.query_one("#digits-pipeline", Digits).update(digits)
        self.query_one("#sub-pipeline", Static).update(line)

    def _revenue(self, figure: MoneyFigure) -> None:
        self._filled("revenue")
        digits, line = figure_line(figure, versus="last month")
        self.query_one("#digits-revenue", Digits).update(digits)
        self.query_one("#sub-revenue", Static).update(line)

    def _stages(self, stages: StagesFigure) -> None:
        self._filled("stages")
        board = stages.board
        body: Any = stage_bars(board) if board.columns else Text("No pipeline yet.", style="dim")
        self.query_one("#dash-stages", Static).update(body)
        # what the won and lost lines count, as `crm report pipeline` does by default
        self.query_one("#panel-pipeline", Panel).border_subtitle = f"won, lost: since {stages.since.isoformat()}"

    def _activity(self, result: tuple[list[str], list[int]]) -> None:
        self._filled("activity")
        _, counts = result
        self.query_one("#dash-sparkline", Sparkline).data = [float(n) for n in counts]
        total = sum(counts)
        line = Text(f"{counts[-1]:,} this week · {total:,} in 26 weeks · most {max(counts, default=0):,}", style="dim")
        if not total:
            line = Text("No interaction logged in the last 26 weeks: l logs one from a contact.", style="dim")
        self.query_one("#dash-activity-line", Static).update(line)

    def _months(self, months: list[MonthBar]) -> None:
        self._filled("months")
        self.query_one("#dash-months", Static).update(month_bars(months))

    def _at_risk(self, result: tuple[int, list[ClientAtRisk]]) -> None:
        self._filled("at-risk")
        count, clients = result
        self.query_one("#digits-atrisk", Digits).update(str(count))
        line = Text("contacts: +ATRISK", style="dim") if count else Text("nobody is going quiet", style="dim")
        self.query_one("#sub-atrisk", Static).update(line)
        self.query_one("#dash-atrisk", RecordTable).show_records([at_risk_record(c) for c in clients])

    # ------------------------------------------------------------ opening

    def action_open(self) -> None:
        node: Any = self.focused
        while node is not None and not isinstance(node, Panel):
            node = node.parent
        if isinstance(node, Panel):
            self.open_target(node.target)

    def open_target(self, target: str) -> None:
        """Open the list behind a panel."""
        from crm_tui.services.reports.dashboard import ACTIVE_QUERY, ATRISK_QUERY

        crm = self.crm
        if target == "pipeline":
            crm.action_show_mode("pipeline")
        elif target == "overdue":
            crm.action_show_mode("today")
        elif target == "at-risk":
            crm.show_query(ATRISK_QUERY)
        elif target == "activity":
            crm.show_query(ACTIVE_QUERY)
        elif target == "revenue":
            crm.show_tier("A")

    @on(RecordTable.Selected, "#dash-atrisk")
    def _open_client(self, event: RecordTable.Selected) -> None:
        event.stop()
        if event.record.data is not None:
            self.crm.open_contact(event.record.data.contact_id)
