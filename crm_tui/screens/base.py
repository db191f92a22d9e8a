"""What every screen shares: the app it belongs to and database work in thread workers.

Workers never touch widgets: they post `DbDone` (carrying the handler to run on the
UI thread) or `DbFailed`, and the screen's own message loop applies the result. Reads
get a Core connection, writes an ORM session; the services turn every database error
into a `CrmError`, the only kind a screen catches.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.worker import Worker, get_current_worker

from crm_tui.errors import CrmError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session

    from crm_tui.app import CrmApp

T = TypeVar("T")
R = TypeVar("R")


class DbDone(Message):
    """A worker's result, with the handler to apply it on the UI thread."""

    def __init__(self, apply: Callable[[Any], None], value: Any) -> None:
        super().__init__()
        self.apply = apply
        self.value = value


class DbFailed(Message):
    """A worker's error a user can act on (locked database, invalid input, not found)."""

    def __init__(self, error: str, on_error: Callable[[str], None] | None) -> None:
        super().__init__()
        self.error = error
        self.on_error = on_error


class DbMixin:
    """`self.db(...)`: run a service call in a thread worker and apply its result on the UI thread.

    A screen whose keys depend on data still loading (a form filling itself, a list's first page)
    calls `hold_keys()`; keys typed meanwhile wait (screens/typeahead.py) until `release_keys()`.
    """

    holding_keys = False

    def hold_keys(self, *, until_data: bool = False) -> None:
        """Keep typed keys waiting until `release_keys()` (at most typeahead.MAX_HOLD seconds).

        `until_data`: until the next result of `self.db(...)` has been applied, or its error shown.
        """
        self.holding_keys = True
        self._release_on_data = until_data

    def release_keys(self, *, data: bool = False) -> None:
        """Let the keys typed meanwhile through, in order (`data`: only a hold `until_data`)."""
        if data and not getattr(self, "_release_on_data", False):
            return
        if self.holding_keys:
            from crm_tui.screens.typeahead import KeysReleased

            self.holding_keys = False
            cast(Screen[Any], self).app.post_message(KeysReleased())

    @property
    def crm(self) -> CrmApp:
        return cast("CrmApp", cast(Screen[Any], self).app)

    def db(
        self,
        fn: Callable[[Connection], T],
        then: Callable[[T], None],
        *,
        group: str = "db",
        exclusive: bool = False,
        on_error: Callable[[str], None] | None = None,
        description: str = "",
        started: Future[T] | None = None,
        hold: bool = False,
    ) -> Worker[None]:
        """Run the read `fn(connection)` in a worker, then `then(result)` on the UI thread.

        `started`: the same read, already started (the app starts the first screen's first
        read while Textual builds it, see `CrmApp.start_read`); its result is used instead.
        `hold`: keys typed until `then` has run wait for it (see `_work`).
        """
        job: Callable[[], T] = started.result if started is not None else lambda: self.crm.read(fn)
        return self._work(job, then, group, exclusive, on_error, description, hold)

    def db_write(
        self,
        fn: Callable[[Session], R],
        then: Callable[[R], None],
        *,
        group: str = "db",
        on_error: Callable[[str], None] | None = None,
        description: str = "",
        hold: bool = False,
    ) -> Worker[None]:
        """Run the change `fn(session)` in a worker's transaction, then `then(result)` on the UI thread."""
        return self._work(lambda: self.crm.write(fn), then, group, False, on_error, description, hold)

    def _work(
        self,
        job_fn: Callable[[], Any],
        then: Callable[[Any], None],
        group: str,
        exclusive: bool,
        on_error: Callable[[str], None] | None,
        description: str,
        hold: bool = False,
    ) -> Worker[None]:
        """Run `job_fn` in a thread worker; its result goes to `then` on the UI thread.

        `hold`: for a key whose answer comes in two steps, a read and then a dialog (merge: the
        plan, then its preview): the keys typed after it wait until `then` has run (and opened
        the dialog), instead of reaching this screen meanwhile and being lost or taken for its own.
        """
        screen = cast(Screen[Any], self)
        if hold:
            self.hold_keys()
            apply = then

            def then(value: Any) -> None:
                try:
                    apply(value)
                finally:
                    self.release_keys()

        def job() -> None:
            worker = get_current_worker()
            try:
                value = job_fn()
            except CrmError as exc:
                if not worker.is_cancelled:  # a newer read replaced it: its refusal is as stale as its rows
                    screen.post_message(DbFailed(exc.message, on_error))
                return
            if not worker.is_cancelled:
                screen.post_message(DbDone(then, value))

        return screen.run_worker(job, thread=True, group=group, exclusive=exclusive, description=description)

    def on_db_done(self, message: DbDone) -> None:
        message.stop()
        message.apply(message.value)
        self.release_keys(data=True)
        self.db_answered()

    def db_answered(self) -> None:
        """A worker's result or error has just been handled (a hook: two `on_db_done` would both run)."""

    def on_db_failed(self, message: DbFailed) -> None:
        message.stop()
        self.release_keys()
        if message.on_error is not None:
            message.on_error(message.error)
        else:
            cast(Screen[Any], self).notify(message.error, title="Could not do that", severity="error", timeout=8)
        self.db_answered()


class CrmScreen(DbMixin, Screen[None]):
    """A main screen: reloads its data on `refresh_data` and whenever it comes back into view.

    The command palette lists its described bindings from every screen (screens/palette.py):
    `PALETTE_NAME` names it there, `PALETTE_HERE_ONLY` keeps back the actions that need a row
    of its own (a highlighted follow-up), and `palette_reach` brings it up from anywhere.
    """

    PALETTE_NAME: ClassVar[str] = ""
    PALETTE_MODE: ClassVar[str | None] = None  # the app mode (1, 2, 3) whose base screen it is
    PALETTE_HERE_ONLY: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def palette_reach(cls, app: CrmApp, then: Callable[[Screen[Any]], None]) -> None:
        """Bring this screen up from whatever screen is showing, then call `then` with it."""
        if isinstance(app.screen, cls):
            then(app.screen)
            return
        mode = cls.PALETTE_MODE
        if mode is None:
            raise NotImplementedError(f"{cls.__name__} needs a palette_reach")

        app.action_show_mode(mode)
        app.call_after_refresh(lambda: then(app.screen))

    @classmethod
    def first_read(cls, app: CrmApp) -> tuple[Hashable, Callable[[Connection], Any]] | None:
        """The read the screen's first `refresh_data` makes, keyed by what it depends on, for the
        app to start while it builds the screen (`CrmApp.start_read`); None: none worth starting early."""
        return None

    def contact_in_focus(self) -> int | None:
        """The contact the screen's highlighted row is about, for commands on a contact (None: none)."""
        return None

    @classmethod
    def reach_by_focus(cls, app: CrmApp, then: Callable[[Any], None], focus: str, hint: str) -> None:
        """For a screen about one record (`cls(id, when_shown=...)`): `then` on it when it is on top;
        else open it on the record the current screen is about (its method `focus` names the id);
        else `hint` says where to find one."""
        screen = app.screen
        if isinstance(screen, cls):
            then(screen)
            return
        found = getattr(screen, focus)() if isinstance(screen, CrmScreen) else None
        if found is None:
            app.notify(hint, severity="warning")
            return
        app.push_screen(cls(found, when_shown=then))  # type: ignore[call-arg]

    def deal_in_focus(self) -> int | None:
        """The deal the screen shows or highlights, for commands on a deal (None: none)."""
        return None

    def org_in_focus(self) -> int | None:
        """The organization the screen is about, for commands on an organization (None: none)."""
        return None

    def on_mount(self) -> None:
        apply_breakpoints(self)
        # Keys typed while the first rows load (j j enter, a quick `l`) apply to those rows.
        self.hold_keys(until_data=True)

    def refresh_data(self) -> None:
        """Reload what the screen shows from the database."""

    def db_answered(self) -> None:
        self.crm.first_page_shown()

    _in_view = False  # resumed, and not suspended since

    def on_screen_resume(self) -> None:
        # Textual resumes a mode's screen twice as it first shows it: one load is enough (two
        # would run the same query twice while the screen waits for its first rows).
        if self._in_view:
            return
        self._in_view = True
        # Another process (cron import, `crm log` elsewhere) may have changed the file.
        self.refresh_data()

    def on_screen_suspend(self) -> None:
        self._in_view = False


class CrmModal(DbMixin, ModalScreen[R]):
    """A dialog over the current screen; it returns its result through dismiss()."""

    def on_mount(self) -> None:
        apply_breakpoints(self)


def apply_breakpoints(screen: Screen[Any]) -> None:
    """Set a screen's breakpoint classes (-short, -tall) as it mounts, before its first paint.

    Textual sets them on the screen's first Resize, which a busy app delivers after the
    screen has been drawn: a dialog drew compact, then jumped to its spaced layout.
    """
    width, height = screen.app.size
    for breakpoints, size in ((screen.HORIZONTAL_BREAKPOINTS, width), (screen.VERTICAL_BREAKPOINTS, height)):
        if breakpoints:
            chosen = screen._get_breakpoint_classes(size, breakpoints)
            screen.update_classes({name: name in chosen for _, name in breakpoints}, animate=False)
