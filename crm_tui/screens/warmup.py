"""What the app does once its first screen is painted: what the first search keystrokes would otherwise pay.

A fresh process's first keys paid full garbage collections over everything start-up had
built (Textual's widgets and styles, SQLAlchemy's tables, the first rows): about 100 to
200 ms each, twice in the first twenty keys on the benchmark database, on the UI thread
and in the search workers alike. Start-up's objects live as long as the process, so they
are frozen out of the collector's way once the first screen is painted.
"""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crm_tui.app import CrmApp


def after_first_paint(app: CrmApp) -> None:
    """Run once, after the first screen has painted its first rows."""
    if app.freeze_start_up:
        # Only in a process that runs this app alone (`crm`, `crm demo`): frozen objects are never
        # collected, which a test process building app after app must not pay for.
        gc.freeze()
