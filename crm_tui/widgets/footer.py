"""The key bar under every screen: Textual's footer, rebuilt only when the keys it shows change."""

from __future__ import annotations

from collections.abc import Hashable

from textual.widgets import Footer


class KeyFooter(Footer):
    """Textual's `Footer`, without the rebuilds that change nothing.

    Textual's footer removes and mounts a widget per key whenever the screen's bindings
    may have changed (focus moved, `refresh_bindings`, the screen resumed): four times
    as a screen first shows, each time styling every key again, on the CPU the first
    screen needs for its first paint. This one rebuilds only when what it would show differs.
    """

    def __init__(self, *, compact: bool = False, show_command_palette: bool = True) -> None:
        super().__init__(compact=compact, show_command_palette=show_command_palette)
        self._built_for: Hashable = None  # the keys the footer holds now (None: none yet)

    def _keys_shown(self) -> Hashable:
        """What the footer would show: every active binding, whether it is enabled, its tooltip."""
        if not self._bindings_ready:
            return None
        return tuple(
            (key, binding, enabled, tooltip)
            for key, (_, binding, enabled, tooltip) in self.screen.active_bindings.items()
        )

    async def recompose(self) -> None:
        if not self.is_attached:
            return
        shown = self._keys_shown()
        if shown is not None and shown == self._built_for:
            return
        self._built_for = shown
        await super().recompose()
