"""Type-ahead: every key reaches the screen and field it was typed for, in the order it was typed.

Textual hands a key to whichever widget has focus at the moment the app reads it, and applies
a non-priority binding (Tab, `a`) only once the key has bubbled from that widget back up to the
app, one message queue at a time. Keys typed faster than that round trip (a burst, a paste, a
quick typist while a dialog composes) go to the widget that had focus before: `Zed` Tab
`zed@x.io` lands in one field, and letters typed while a dialog mounts reach the screen under it,
which drops them or reads them as its own keys.

So the app takes keys one at a time. A key is handed on only when the one before it has finished
its whole route (a marker posted behind it to the same widget bubbles up the same queues and
comes back), and when the screen on top has composed, mounted and taken focus (a marker posted
to it comes back after its Compose, Mount and ScreenResume), has no message left under it (a key's
consequences travel on as messages of their own: enter in a picker's field is Submitted, then the
table's Selected, then the dismissal; the next key waits for all of them, `SETTLE_ROUNDS` at most)
and is not holding keys (a dialog filling itself from the database, a form saving, a flow reading
what its dialog shows: `hold_keys()` / `release_keys()`). A hold lasts `MAX_HOLD` seconds at
most, so a stuck query never swallows the keyboard.
"""

from __future__ import annotations

from collections import deque
from time import monotonic
from typing import TYPE_CHECKING, Any, Literal

from textual import events
from textual.app import ScreenStackError
from textual.message import Message

if TYPE_CHECKING:
    from textual.app import App
    from textual.message_pump import MessagePump
    from textual.screen import Screen
    from textual.timer import Timer

# Longest a screen may hold the keyboard (its data still loading, a save in flight).
MAX_HOLD = 5.0
# Longest a marker may take to come back before its route is taken for broken in a way
# the watch does not see (it sees closed screens and removed widgets at once).
ROUTE_TIMEOUT = 10.0
# How often a wait is checked for a route that broke (a widget removed with the key's marker).
WATCH_EVERY = 0.25
# Most markers sent to a screen that still has messages to handle under it before the next key
# goes anyway (a widget's timer, a cursor blinking, may always have one).
SETTLE_ROUNDS = 4

State = Literal["idle", "screen", "key", "held"]


class ScreenSettled(Message):
    """Posted to the top screen; back at the app once the screen handled everything queued before it."""

    def __init__(self, token: int) -> None:
        super().__init__()
        self.token = token


class KeyRouted(Message):
    """Posted behind a key to the widget it went to; back at the app once the key has travelled its route."""

    def __init__(self, token: int) -> None:
        super().__init__()
        self.token = token


class KeysReleased(Message):
    """A screen stopped holding keys."""


def holds_keys(screen: object) -> bool:
    """Whether `screen` asks for typed keys to wait (see `hold_keys` on the crm screens)."""
    return bool(getattr(screen, "holding_keys", False))


def messages_under(screen: Screen[Any]) -> bool:
    """Whether a widget of `screen` (or the screen) has a message waiting to be handled."""
    nodes = screen.walk_children(with_self=True)
    return any(node.message_queue_size or node._pending_message is not None for node in nodes)


class TypeaheadMixin:
    """Mixed into the App before `App`: keys and pastes from the terminal are delivered one at a time."""

    def _typeahead_init(self) -> None:
        self._typeahead: deque[events.Key | events.Paste] = deque()
        self._typeahead_state: State = "idle"
        self._typeahead_token = 0
        self._typeahead_since = 0.0  # when the current wait began
        self._typeahead_target: MessagePump | None = None  # where the awaited marker was posted
        self._typeahead_timer: Timer | None = None
        self._typeahead_lost = False  # the awaited marker could not be posted
        self._typeahead_ready: MessagePump | None = None  # the top screen, settled, when idle
        self._typeahead_hold: tuple[object, float] | None = None  # the screen holding keys, since when
        self._typeahead_rounds = 0  # markers sent to the top screen since the last key was delivered

    @property
    def _app(self) -> App[Any]:
        return self  # type: ignore[return-value]

    @property
    def _top(self) -> Screen[Any] | None:
        """The screen on top, None while the app starts or closes."""
        try:
            return self._app.screen
        except ScreenStackError:
            return None

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            self._typeahead.append(event)
            if self._typeahead_state == "idle":
                if self._typeahead_ready is self._top and not self._holding(self._typeahead_ready):
                    await self._typeahead_deliver()  # nothing changed since the last key: no wait
                else:
                    self._typeahead_next()
            return
        await super().on_event(event)  # type: ignore[misc]

    @property
    def keys_waiting(self) -> int:
        """How many typed keys wait for their turn."""
        return len(self._typeahead)

    @property
    def typing_settled(self) -> bool:
        """Every typed key delivered and travelled, and the screen on top settled (tests wait for it)."""
        return not self._typeahead and self._typeahead_state == "idle"

    # ------------------------------------------------------------ the steps

    def _typeahead_next(self) -> None:
        """Wait for the top screen to settle before the next key, or before going idle."""
        self._typeahead_ready = None
        top = self._top
        if top is None:
            self._typeahead.clear()  # closing: nobody to type to
            self._typeahead_idle()
            return
        self._typeahead_wait("screen", top, ScreenSettled)

    def _typeahead_idle(self) -> None:
        self._typeahead_state = "idle"
        self._typeahead_ready = self._typeahead_target  # the screen that settled last
        self._typeahead_target = None
        if self._typeahead_timer is not None:
            self._typeahead_timer.pause()

    def _typeahead_wait(self, state: State, target: MessagePump, marker: type[ScreenSettled | KeyRouted]) -> None:
        self._typeahead_token += 1
        self._typeahead_state = state
        self._typeahead_ready = None
        self._typeahead_target = target
        self._typeahead_since = monotonic()
        self._typeahead_lost = False
        message = marker(self._typeahead_token)
        # Sent from nowhere, so that no widget on the way takes it for its own child's message and
        # stops it short of the app (Textual stops a bubble one level above its sender).
        message._sender = None
        if not target.post_message(message):
            self._typeahead_lost = True  # a closing screen or widget: the watch goes on without it
        self._typeahead_watch()

    def _typeahead_watch(self) -> None:
        if self._typeahead_timer is None:
            self._typeahead_timer = self._app.set_interval(WATCH_EVERY, self._typeahead_check, name="typeahead")
        else:
            self._typeahead_timer.resume()

    async def on_screen_settled(self, message: ScreenSettled) -> None:
        message.stop()
        if message.token == self._typeahead_token and self._typeahead_state == "screen":
            await self._typeahead_settled()

    async def _typeahead_settled(self) -> None:
        top = self._top
        if self._typeahead_target is not top:
            self._typeahead_next()  # another screen came up meanwhile: wait for that one
            return
        if not self._typeahead:
            self._typeahead_idle()
        elif self._holding(top):
            self._typeahead_state = "held"
        elif top is not None and self._typeahead_rounds < SETTLE_ROUNDS and messages_under(top):
            self._typeahead_rounds += 1
            self._typeahead_wait("screen", top, ScreenSettled)  # behind what is still on its way
        else:
            await self._typeahead_deliver()

    def _holding(self, screen: object) -> bool:
        """Whether `screen` holds keys and has not held them for `MAX_HOLD` already."""
        if not holds_keys(screen):
            self._typeahead_hold = None
            return False
        if self._typeahead_hold is None or self._typeahead_hold[0] is not screen:
            self._typeahead_hold = (screen, monotonic())
        return monotonic() - self._typeahead_hold[1] < MAX_HOLD

    async def _typeahead_deliver(self) -> None:
        """Hand the oldest key to the app as Textual would, and follow it with a marker."""
        app = self._app
        event = self._typeahead.popleft()
        self._typeahead_rounds = 0
        await super().on_event(event)  # type: ignore[misc]
        target = app.focused or self._top
        if target is None:
            self._typeahead_next()
        else:
            self._typeahead_wait("key", target, KeyRouted)

    def on_key_routed(self, message: KeyRouted) -> None:
        message.stop()
        if message.token == self._typeahead_token and self._typeahead_state == "key":
            self._typeahead_next()

    def on_keys_released(self, message: KeysReleased) -> None:
        message.stop()
        if self._typeahead_state == "held":
            self._typeahead_next()
        elif self._typeahead_state == "idle":
            self._typeahead_ready = None

    async def _typeahead_check(self) -> None:
        """A wait that takes long: go on when its route broke, or when a hold lasted `MAX_HOLD`."""
        state, target = self._typeahead_state, self._typeahead_target
        if state == "idle":
            return
        if state == "held":
            if target is not self._top or not self._holding(target):
                self._typeahead_next()  # let go of, closed, or held too long
        elif state == "screen" and target is not self._top:
            self._typeahead_next()  # another screen came up: wait for that one
        elif self._typeahead_lost or not getattr(target, "is_attached", False):
            # The marker cannot come back: the widget or screen it was posted to closed.
            self._typeahead_next() if state == "key" else await self._typeahead_settled_anyway()
        elif monotonic() - self._typeahead_since >= ROUTE_TIMEOUT:
            self._typeahead_next() if state == "key" else await self._typeahead_settled_anyway()

    async def _typeahead_settled_anyway(self) -> None:
        if self._typeahead:
            await self._typeahead_deliver()
        else:
            self._typeahead_idle()
