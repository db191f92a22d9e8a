"""A cancelled read stops between its statements too, where an interrupt sent then would be lost."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from crm_tui.db import Canceller, connection_scope
from crm_tui.errors import QueryCancelled


def test_a_cancelled_read_runs_no_further_statement(engine: Engine) -> None:
    canceller = Canceller()
    ran = []
    with pytest.raises(QueryCancelled), connection_scope(engine, canceller=canceller) as conn:
        ran.append(conn.execute(text("SELECT 1")).scalar_one())
        canceller.cancel()  # between two statements: nothing is running to interrupt
        ran.append(conn.execute(text("SELECT 2")).scalar_one())
    assert ran == [1]
    with connection_scope(engine, canceller=Canceller()) as conn:  # the next scope's reads are not stopped
        assert conn.execute(text("SELECT 3")).scalar_one() == 3
    with connection_scope(engine) as conn:  # nor is the pooled connection's next use
        assert conn.execute(text("SELECT 4")).scalar_one() == 4
