"""benchmarks/money_bench.py at a tiny size: the rows it adds fit the schema and every money read runs on them."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crm_tui.config import Settings
from crm_tui.db import connection_scope, open_engine
from crm_tui.services.money.board import pipeline_by_stage
from crm_tui.services.money.forecast import forecast
from crm_tui.services.money.pipelines import find_pipeline
from crm_tui.services.money.value import client_values
from crm_tui.services.queue import due_items

BENCH = Path(__file__).resolve().parent.parent.parent / "benchmarks"
pytestmark = pytest.mark.sqlite_only("builds a SQLite benchmark database with benchmarks/build_db.py")


def test_money_rows_fit_the_schema_and_the_reads(tmp_path: Path) -> None:
    path = tmp_path / "bench.db"
    done = subprocess.run(
        [
            sys.executable,
            str(BENCH / "build_db.py"),
            "--contacts=300",
            "--interactions=1000",
            "--reminders=50",
            "--seed=7",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    sys.path.insert(0, str(BENCH))
    try:
        from money_bench import add_money
    finally:
        sys.path.remove(str(BENCH))
    anchor = datetime(2026, 11, 22, 10, 30, tzinfo=UTC)
    assert add_money(path, deals=200, payments=2000, seed=7, anchor=anchor) == {"deals": 200, "payments": 2000}
    engine = open_engine(Settings(db_url=f"sqlite:///{path}", user="t"))
    with connection_scope(engine) as conn:
        board = pipeline_by_stage(conn, find_pipeline(conn, None))
        assert sum(c.count for c in board.columns) == 200
        rows = forecast(conn, now=anchor, tz=UTC, months=6).rows
        assert rows and all(r.best >= r.weighted >= r.commit >= 0 for r in rows)
        values = client_values(conn, today=anchor.date(), limit=None)
        assert values.rfm and values.rows[0].tier == "A"
        assert any(i.kind == "deal" for i in due_items(conn, now=anchor, until=anchor, tz=UTC))
    engine.dispose()
