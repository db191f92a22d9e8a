"""What the app does once its first screen is painted: what the first search keystrokes would otherwise pay.

A fresh process's first keys paid full garbage collections over everything start-up had
built (Textual's widgets and styles, SQLAlchemy's tables, the first rows): about 100 to
200 ms each, twice in the first twenty keys on the benchmark database, on the UI thread
and in the search workers alike. Start-up's objects live as long as the process, so they
are frozen out of the collector's way once the first screen is painted. Then, in a thread
worker, the search's modules are imported (a Today start has not needed them yet) and its
statements run once on next to no data (`warm_search`), while the user reads the screen; and in
another, the OS is asked to bring the database file into its cache (`Backend.read_ahead`): after a
night idle, the kernel has dropped its pages, and the first keys read the search index from disk.
"""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

from crm_tui.errors import CrmError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from crm_tui.app import CrmApp


def after_first_paint(app: CrmApp) -> None:
    """Run once, after the first screen has painted its first rows."""
    if app.freeze_start_up:
        # Only in a process that runs this app alone (`crm`, `crm demo`): frozen objects are never
        # collected, which a test process building app after app must not pay for.
        gc.freeze()
    app.run_worker(lambda: warm_up(app), thread=True, group="warm-up", description="warm up the search")
    app.run_worker(lambda: read_ahead(app), thread=True, group="warm-up", description="read the database ahead")


def read_ahead(app: CrmApp) -> None:
    """Worker: ask the OS to cache the database's files (a no-op on PostgreSQL)."""
    from crm_tui.backend import backend_for

    backend_for(app.engine).read_ahead(app.engine)


def warm_up(app: CrmApp) -> None:
    """Worker: import what a search keystroke needs and run its statements once (see `warm_search`)."""
    import crm_tui.screens.contacts  # noqa: F401  (on a Today start, `2` and `/` need it)
    from crm_tui.screens.contact_rows import contact_record, page_values
    from crm_tui.services.search import warm_search

    now = app.now()

    def warm(conn: Connection) -> None:
        rows = warm_search(conn, now=now)
        values = page_values(conn, rows, now)  # the value column of a full search's rows
        for row in rows:
            contact_record(row, now=now, value=values.get(row.id))

    try:
        app.read(warm)
    except CrmError:
        return  # locked or unreadable: the first search says so itself
