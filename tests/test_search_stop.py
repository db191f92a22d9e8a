"""A keystroke's read stops between its statements once a newer keystroke made it useless."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from crm_tui.db import connection_scope
from crm_tui.errors import QueryCancelled
from crm_tui.services.search import stop_when


def test_a_stale_read_runs_no_further_statement(engine: Engine) -> None:
    stale = False
    ran = []
    with pytest.raises(QueryCancelled), connection_scope(engine) as conn:
        stop_when(conn, lambda: stale)
        ran.append(conn.execute(text("SELECT 1")).scalar_one())
        stale = True
        ran.append(conn.execute(text("SELECT 2")).scalar_one())
    assert ran == [1]
    with connection_scope(engine) as conn:  # the next scope's connection is not stopped
        assert conn.execute(text("SELECT 3")).scalar_one() == 3
