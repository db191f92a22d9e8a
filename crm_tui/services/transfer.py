"""Copy every row of one crm-tui database into another (SQLite to PostgreSQL and back)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Engine

from crm_tui.backend import backend_for
from crm_tui.errors import Conflict, DatabaseError

BATCH = 5_000
# Tables the migrations fill in a new database (the default pipeline, the money state), children first.
SEEDED = ("stages", "pipelines", "money_state")


def _tables() -> list[Any]:
    from sqlmodel import SQLModel

    from crm_tui.models import load_all

    load_all()
    return list(SQLModel.metadata.sorted_tables)  # parents before children


def count_rows(engine: Engine) -> dict[str, int]:
    """Rows per table, for every table the models know."""
    with engine.connect() as conn:
        return {t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one()) for t in _tables()}


def copy_database(
    source: Engine, target: Engine, *, progress: Callable[[str, int], None] | None = None
) -> dict[str, int]:
    """Copy every row from `source` into the empty, migrated `target`, in one transaction.

    The target's own triggers rebuild its search index as the rows arrive. Returns the
    row counts, which are checked to be equal on both sides before the commit.
    """
    tables = _tables()
    expected = count_rows(source)
    with target.begin() as out:
        for table in tables:
            present = out.execute(select(func.count()).select_from(table)).scalar_one()
            if present and table.name not in SEEDED:
                raise Conflict(f"the target already has {present} rows in {table.name}; copy into an empty database")
        # What the migrations wrote into the new database gives way to the source's own.
        for name in SEEDED:
            out.execute(delete(next(t for t in tables if t.name == name)))
        clean = backend_for(out).clean_text
        with source.connect() as conn:
            for table in tables:
                rows = conn.execution_options(yield_per=BATCH).execute(select(table))
                copied = 0
                for chunk in rows.partitions(BATCH):
                    # Text another tool left with a NUL in it: dropped, as every import drops it.
                    batch = [{k: clean(v) if type(v) is str else v for k, v in r._mapping.items()} for r in chunk]
                    out.execute(insert(table), batch)
                    copied += len(chunk)
                    if progress:
                        progress(table.name, copied)
        # Explicit ids were inserted: move each id generator past them.
        backend = backend_for(out)
        for table in tables:
            if "id" in table.c and table.c.id.primary_key:
                backend.after_explicit_ids(out, table.name)
        found = {t.name: int(out.execute(select(func.count()).select_from(t)).scalar_one()) for t in tables}
        if found != expected:
            differ = ", ".join(f"{k}: {expected[k]} -> {found[k]}" for k in expected if expected[k] != found[k])
            raise DatabaseError(f"row counts differ after the copy ({differ}); nothing was written")
    return found
