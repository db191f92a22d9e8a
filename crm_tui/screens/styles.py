"""Each screen's stylesheet parsed once, not three times.

Textual parses every stylesheet of the app again whenever one is added (a fresh parse of all of
them: the variables may have changed), and it restyles the whole app twice more as it first shows
a mode whose screen's CSS count lags the app's. A first screen with its own CSS file cost the app
three extra parses of everything (~30-40 ms of its start); any screen reached by `1`-`5` two.

- `read_early`: the first screen's CSS files go into the app's stylesheet before its first parse,
  so that the screen finds them there as it mounts.
- `new_screen`: a mode's screen is created as up to date as the app's CSS (it is styled as it
  mounts, with the current variables), so Textual does not restyle everything for it.
"""

from __future__ import annotations

import inspect
from pathlib import Path

from textual._context import active_app
from textual._path import _css_path_type_as_list
from textual.app import App
from textual.screen import Screen


def css_files(cls: type[Screen[None]]) -> list[Path]:
    """The CSS files of a screen class, as Textual resolves them for its instances."""
    if not cls.CSS_PATH:
        return []
    here = Path(inspect.getfile(cls)).parent
    return [(here / path).resolve() for path in _css_path_type_as_list(cls.CSS_PATH)]


def read_early(app: App[None], cls: type[Screen[None]]) -> None:
    """Add `cls`'s CSS files to the app's stylesheet (before the app's first parse of it)."""
    app.stylesheet.read_all(css_files(cls))


def new_screen(cls: type[Screen[None]]) -> Screen[None]:
    """A new screen of `cls` for a mode, as up to date as the running app's CSS."""
    screen = cls()
    screen._css_update_count = active_app.get()._css_update_count
    return screen
