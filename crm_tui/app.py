"""The Textual app: `CrmApp(engine, settings)` over the services; `make_app()` is shared by the CLI and tests.

The main screens are app modes (1 Today, 2 Contacts, 3 Trash, 4 Pipeline, 5 Dashboard), each with its own
stack, so a contact opened from the queue returns to the queue. The app opens on
Today when something is due, else on Contacts.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.screen import Screen
from textual.theme import BUILTIN_THEMES

from crm_tui.config import Settings, StartScreen, db_url_from
from crm_tui.dates import local_zone
from crm_tui.db import Canceller, connection_scope, session_scope
from crm_tui.errors import CrmError
from crm_tui.screens.palette import CrmCommands
from crm_tui.screens.styles import new_screen, read_early
from crm_tui.screens.typeahead import TypeaheadMixin
from crm_tui.screens.warmup import after_first_paint

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine
    from sqlalchemy.orm import Session

T = TypeVar("T")
VALUE_CACHE_DELAY = 2.0  # seconds after start before the client value ranking is checked


def default_theme() -> str:
    """CRM_THEME if set (any Textual theme name), else the terminal's own palette (light when COLORFGBG says so)."""
    chosen = os.environ.get("CRM_THEME", "").strip()
    if chosen:
        return chosen
    background = os.environ.get("COLORFGBG", "").rsplit(";", 1)[-1]
    return "ansi-light" if background in ("7", "15") else "ansi-dark"


def screen_class(path: str) -> type[Screen[None]]:
    """The screen class at `path` ("module:Class"), its module imported now."""
    from importlib import import_module

    module, name = path.split(":")
    found: type[Screen[None]] = getattr(import_module(module), name)
    return found


def later_screen(path: str) -> Screen[None]:
    """A new screen of the class at `path`, its module imported now (styled once: screens/styles.py)."""
    return new_screen(screen_class(path))


# The screens the app may open on: the first one's module is imported as the app loads (its
# first read starts then), the other's when it is first shown.
FIRST_SCREENS = {
    "today": "crm_tui.screens.today:TodayScreen",
    "contacts": "crm_tui.screens.contacts:ContactsScreen",
    "dashboard": "crm_tui.screens.dashboard:DashboardScreen",  # `crm --open dashboard`: its panels
}


class DueCounted(Message):
    """How many things are due today, counted in a worker."""

    def __init__(self, count: int | None) -> None:
        super().__init__()
        self.count = count  # None: it could not be counted


class CrmApp(TypeaheadMixin, App[None]):
    """A keyboard-first CRM over one database."""

    TITLE = "crm"
    CSS_PATH = "app.tcss"
    MODES: ClassVar[dict[str, str | Callable[[], Screen[None]]]] = {
        # Imported when first shown: the first screen is painted without waiting for the others' modules.
        "today": lambda: later_screen(FIRST_SCREENS["today"]),
        "contacts": lambda: later_screen(FIRST_SCREENS["contacts"]),
        "trash": lambda: later_screen("crm_tui.screens.trash:TrashScreen"),
        "pipeline": lambda: later_screen("crm_tui.screens.pipeline:PipelineScreen"),
        "dashboard": lambda: later_screen(FIRST_SCREENS["dashboard"]),
    }
    # Only crm's own commands: Textual's (Maximize, Screenshot, Keys) do nothing for a CRM user;
    # its Theme and Quit are among crm's, ranked below the CRM's actions.
    COMMANDS: ClassVar[set[Any]] = {CrmCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "show_mode('today')", "Today", show=False, tooltip="Today: what is due, who is going cold"),
        Binding("2", "show_mode('contacts')", "Contacts", show=False, tooltip="All contacts"),
        Binding("3", "show_mode('trash')", "Trash", show=False, tooltip="Trashed contacts"),
        Binding("4", "show_mode('pipeline')", "Pipeline", show=False, tooltip="Deals by stage"),
        Binding(
            "5", "show_mode('dashboard')", "Dashboard", show=False, tooltip="Key figures, activity, pipeline, revenue"
        ),
        Binding("question_mark,f1", "help", "Help", tooltip="This help"),
        Binding("c", "capture", "Capture", show=False, tooltip="Log an interaction in one sentence (quick capture)"),
        Binding("r,ctrl+r,f5", "refresh", "Refresh", show=False, tooltip="Reload from the database"),
        Binding("q", "quit", "Quit", show=False, tooltip="Quit"),
        Binding("ctrl+z", "undo", "Undo", show=False, tooltip="Undo your last change"),
    ]

    due_count: reactive[int] = reactive(0)
    freeze_start_up = False  # set by run_app, run_demo: the process runs this app alone (screens/warmup.py)
    _warmed = False

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        now: datetime | None = None,
        start: StartScreen = "auto",
        theme: str | None = None,
        demo: bool = False,
    ) -> None:
        theme = theme or default_theme()
        if theme not in BUILTIN_THEMES:
            theme = "ansi-dark"
        # Textual picks its NO_COLOR filter at construction from the ANSI setting: say now
        # that the terminal's own palette is in use, or NO_COLOR turns it black on black.
        super().__init__(ansi_color=True if theme.startswith("ansi") else None)
        self._typeahead_init()
        self.engine = engine
        self.settings = settings
        self.frozen_now = now
        self.tz = local_zone(settings.tz_name)
        self.start = start
        self._due_counted_at_start = False
        self.badge_pending = False  # a badge count is scheduled or running (tests wait for it)
        self.demo = demo
        self.label = "demo (a throwaway copy)" if demo else settings.db_label
        self.theme = theme
        # Whose queue Today shows (None: everyone's); the Today tab's count follows it.
        self.queue_owner: str | None = None
        # Reads started before the screen that makes them was built (see `start_read`).
        self._started_reads: list[tuple[Hashable, Future[Any], Callable[[Connection], Any]]] = []
        self._count_due_after_first_page = False
        self._first_mode: str = "contacts"
        self._unread_queue: str | None = None  # why the queue could not be read at start

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """A notification whose text is data, never markup: names and titles show as typed, controls as escapes.

        Every screen's and widget's `notify` comes here.
        """
        from crm_tui.keys import visible

        super().notify(visible(message), title=visible(title), severity=severity, timeout=timeout, markup=False)

    # ------------------------------------------------------------ data

    @property
    def user(self) -> str:
        return self.settings.user

    def now(self) -> datetime:
        """The current instant, or the frozen one the app was built with (tests, snapshots)."""
        if self.frozen_now is not None:
            return self.frozen_now
        from crm_tui.dates import utcnow

        return utcnow()

    def day_bounds(self) -> tuple[datetime, datetime]:
        """The end of today and the end of the upcoming week, in the user's zone, as UTC."""
        from crm_tui.services.queue import UPCOMING_DAYS, end_of_day

        now = self.now()
        return end_of_day(now, self.tz), end_of_day(now, self.tz, days=UPCOMING_DAYS)

    def read(self, fn: Callable[[Connection], T], *, canceller: Canceller | None = None) -> T:
        """Run `fn` on a read-only Core connection (call from a worker thread).

        A `canceller` lets the caller stop the query that a newer keystroke made useless.
        """
        with connection_scope(self.engine, where=self.settings.db_label, canceller=canceller) as conn:
            return fn(conn)

    def start_read(self, key: Hashable, fn: Callable[[Connection], T]) -> None:
        """Start the read `fn` on a thread now, for the screen that will make it to `take_read(key)`.

        The first screen's first page: its query runs while Textual starts the terminal and
        builds, styles and lays out that screen (the database works outside the GIL), instead
        of after. A thread of its own, not a worker: a worker's thread would only start once
        the event loop next runs, after most of that work. The screen's worker that takes the
        read waits for it, so waiting for the app's workers waits for it too.
        """
        future: Future[T] = Future()
        self._started_reads.append((key, future, fn))

        def job() -> None:
            try:
                future.set_result(self.read(fn))
            except BaseException as exc:  # a CrmError, or a bug: the screen that takes it sees it
                future.set_exception(exc)

        threading.Thread(target=job, name="first read", daemon=True).start()

    def take_read(self, key: Hashable) -> Future[Any] | None:
        """The read started for `key` (None: none was, or it was for other filters); the others are dropped."""
        started = self.take_started(key)
        return started[0] if started is not None else None

    def take_started(self, key: Hashable) -> tuple[Future[Any], Callable[[Connection], Any]] | None:
        """As `take_read`, with the function the read runs (what it may hand over before its result)."""
        started, self._started_reads = self._started_reads, []
        return next(((future, fn) for k, future, fn in started if k == key), None)

    def write(self, fn: Callable[[Session], T]) -> T:
        """Run `fn` in a write transaction, committed when it returns (call from a worker thread)."""
        with session_scope(self.engine, write=True, where=self.settings.db_label) as session:
            return fn(session)

    # ------------------------------------------------------------ start

    def on_load(self) -> None:
        # Before Textual starts the terminal and builds the first screen: which screen that is,
        # and its first read started, so that its query runs while Textual does the rest.
        mode = self.start
        if mode == "auto":
            mode = "today" if self._anything_due() else "contacts"
        self._first_mode = mode
        first = screen_class(FIRST_SCREENS[mode]) if mode in FIRST_SCREENS else None
        if first is not None:
            read_early(self, first)  # its CSS parsed with the app's (screens/styles.py)
        first_read = getattr(first, "first_read", None)
        if first_read is not None and (read := first_read(self)) is not None:
            self.start_read(*read)

    def on_mount(self) -> None:
        mode = self._first_mode
        if self._unread_queue is not None:
            self.notify(self._unread_queue, title="Could not read the queue", severity="error", timeout=10)
        # The Today tab's badge (Today counts its own), once the first screen has shown its rows:
        # its query would compete with that screen's first page for the CPU.
        self._count_due_after_first_page = mode not in ("today", "dashboard")
        self.switch_mode(mode)
        # Not before the first screen is painted: it would compete with its query for the CPU.
        self.set_timer(VALUE_CACHE_DELAY, self.refresh_value_cache)

    def first_page_shown(self) -> None:
        """A main screen has applied its first rows: what waited for that may start, after the paint."""
        if not self._warmed:
            self._warmed = True
            self.call_after_refresh(lambda: after_first_paint(self))
        if self._count_due_after_first_page:
            self._count_due_after_first_page = False
            self.count_due_after_paint(0.05)

    def count_due_after_paint(self, delay: float, *, once: bool = False) -> None:
        """`count_due` `delay` seconds after the next paint (`once`: as `count_due_once`)."""
        if once and self._due_counted_at_start:
            return
        self.badge_pending = True
        self.call_after_refresh(lambda: self.set_timer(delay, self.count_due_once if once else self.count_due))

    def _anything_due(self) -> bool:
        from crm_tui.services.queue import anything_due

        until, _ = self.day_bounds()
        try:
            return self.read(lambda conn: anything_due(conn, until=until))
        except CrmError as exc:
            self._unread_queue = exc.message  # said once the app is mounted
            return False

    def count_due_once(self) -> None:
        """The first `count_due` of a Dashboard start; later calls do nothing."""
        if not self._due_counted_at_start:
            self._due_counted_at_start = True
            self.count_due()
        elif not any(w.group == "due-count" and w.is_running for w in self.workers):
            self.badge_pending = False  # counted already (the fallback came first): nothing scheduled is left

    def count_due(self) -> None:
        """Recount what is due today in the queue Today shows (see `queue_owner`), in a worker."""
        from crm_tui.services.queue import today_queue

        now, owner, tz = self.now(), self.queue_owner, self.tz
        today_end, upcoming_end = self.day_bounds()

        def job() -> None:
            try:
                queue = self.read(
                    lambda conn: today_queue(
                        conn, now=now, today_end=today_end, upcoming_end=upcoming_end, limit=0, owner=owner, tz=tz
                    )
                )
            except CrmError:
                self.post_message(DueCounted(None))  # the screens report database errors; the badge keeps its number
                return
            self.post_message(DueCounted(queue.due_count))

        self.badge_pending = True
        self.run_worker(job, thread=True, group="due-count", exclusive=True)

    def refresh_value_cache(self) -> None:
        """Rebuild the cached client value ranking in a worker when payments changed (tier column and filter)."""
        from crm_tui.services.money.months import local_today
        from crm_tui.services.money.value import tier_rule
        from crm_tui.services.money.value_cache import is_fresh, refresh

        today = local_today(self.now(), self.tz)

        def job() -> None:
            try:
                if not self.read(lambda conn: is_fresh(conn, today, tier_rule(conn))):
                    self.write(lambda session: refresh(session.connection(), today))
            except CrmError:
                return  # locked or unreadable: the ranking is computed live meanwhile

        self.run_worker(job, thread=True, group="value-cache", exclusive=True)

    def on_due_counted(self, message: DueCounted) -> None:
        if message.count is not None:
            self.due_count = message.count
        self.badge_pending = False

    # ------------------------------------------------------------ actions

    def action_show_mode(self, mode: str) -> None:
        """1, 2, 3: that tab's own list (Today, Contacts, Trash), never a contact left open on it."""
        if mode != self.current_mode:
            self.switch_mode(mode)
        while len(self.screen_stack) > 1 and not self.screen.is_modal:
            self.pop_screen()

    def action_help(self) -> None:
        from crm_tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_capture(self, text: str = "") -> None:
        """Quick capture: one sentence logged (see screens/quick_capture.py)."""
        from crm_tui.screens.quick_capture import QuickCaptureModal
        from crm_tui.services.capture import Captured

        if self.screen.is_modal:
            return

        def logged(captured: Captured | None) -> None:
            if captured is None:
                return
            i = captured.interaction
            follow = " and a follow-up" if captured.reminder_id is not None else ""
            self.notify(f"Logged {i.kind} #{i.id}{follow} with {captured.contact_name}", title="Captured")
            self.action_refresh()

        self.push_screen(QuickCaptureModal(text), logged)

    def action_refresh(self) -> None:
        refresh = getattr(self.screen, "refresh_data", None)
        if refresh is not None:
            refresh()
        self.count_due()
        self.refresh_value_cache()

    def action_undo(self) -> None:
        """Undo the user's latest change (a form's text fields undo their own typing first)."""
        from crm_tui.screens.flows import undo_last

        undo_last(self)

    def action_duplicates(self) -> None:
        from crm_tui.screens.duplicates import DuplicatesScreen

        if not isinstance(self.screen, DuplicatesScreen):
            self.push_screen(DuplicatesScreen())

    def open_contact(self, contact_id: int) -> None:
        """Show a contact's 360° view on top of the current screen."""
        from crm_tui.screens.contact import ContactScreen

        self.push_screen(ContactScreen(contact_id))

    def show_view(self, name: str) -> None:
        """Contacts, filtered by a saved view."""
        from crm_tui.screens.contacts import ContactsScreen

        self.action_show_mode("contacts")

        def apply() -> None:
            if isinstance(self.screen, ContactsScreen):
                self.screen.apply_filter(f"@{name}")

        self.call_later(apply)

    def show_query(self, query: str) -> None:
        """Contacts, filtered by a query of the segments language (`+ATRISK`)."""
        from crm_tui.screens.contacts import ContactsScreen

        self.action_show_mode("contacts")

        def apply() -> None:
            if isinstance(self.screen, ContactsScreen):
                self.screen.apply_filter(query)

        self.call_later(apply)

    def show_tier(self, tier: str) -> None:
        """Contacts, only the clients of a value tier."""
        from crm_tui.screens.contacts import ContactsScreen

        self.action_show_mode("contacts")

        def apply() -> None:
            if isinstance(self.screen, ContactsScreen):
                self.screen.apply_tier(tier)

        self.call_later(apply)

    def open_deal(self, deal_id: int) -> None:
        """Show a deal on top of the current screen."""
        from crm_tui.screens.deal import DealScreen

        self.push_screen(DealScreen(deal_id))

    def open_organization(self, org_id: int) -> None:
        """Show an organization's view on top of the current screen."""
        from crm_tui.screens.organization import OrganizationScreen

        self.push_screen(OrganizationScreen(org_id))


def make_app(
    settings: Settings,
    *,
    engine: Engine | None = None,
    now: datetime | None = None,
    start: StartScreen = "auto",
    theme: str | None = None,
    demo: bool = False,
) -> CrmApp:
    """The app on `settings`' database (opened and migrated unless an engine is given)."""
    if engine is None:
        from crm_tui.db import open_engine

        engine = open_engine(settings)
    return CrmApp(engine, settings, now=now, start=start, theme=theme, demo=demo)


def run_app(settings: Settings, start: StartScreen = "auto") -> None:
    """`crm [--open SCREEN]`: the app on the configured database, in this terminal."""
    app = make_app(settings, start=start)
    app.freeze_start_up = True
    try:
        app.run()
    finally:
        app.engine.dispose()


def run_demo(settings: Settings, start: StartScreen = "auto") -> None:
    """`crm demo`: the app on a fresh temporary database holding the sample, deleted on exit."""
    from crm_tui.dates import utcnow
    from crm_tui.db import open_engine
    from crm_tui.sample import load_sample
    from crm_tui.sample.money import load_money_sample

    with tempfile.TemporaryDirectory(prefix="crm-demo-") as tmp:
        demo_settings = replace(settings, db_url=db_url_from(str(Path(tmp) / "demo.db")))
        engine = open_engine(demo_settings)
        try:
            with session_scope(engine, where="demo") as session:
                load_sample(session, now=utcnow(), tz=local_zone(settings.tz_name), actor=settings.user)
                load_money_sample(session, now=utcnow(), tz=local_zone(settings.tz_name), actor=settings.user)
            app = make_app(demo_settings, engine=engine, start=start, demo=True)
            app.freeze_start_up = True
            app.run()
        finally:
            engine.dispose()
