"""The currency of each deal and payment a history names, for amounts recorded before they carried theirs.

Amounts in the history are recorded with their currency (`1000.00 EUR`); rows recorded before hold
minor units alone (`100000`) and show in the record's own currency: the deal's or payment's now,
or, for one removed since, the currency its removal recorded.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from crm_tui.models import tables as t

MONEY_ENTITIES = {"deal": t.deals, "payment": t.payments}


def recorded_currencies(conn: Connection, changes: Iterable[Any]) -> dict[tuple[str, int], str]:
    """(entity, id) -> currency, for every deal and payment among `changes` (ChangeInfo rows) that has one."""
    wanted: dict[str, set[int]] = {}
    for change in changes:
        if change.entity in MONEY_ENTITIES:
            wanted.setdefault(change.entity, set()).add(int(change.entity_id))
    out: dict[tuple[str, int], str] = {}
    ch = t.changes.c
    for entity, ids in wanted.items():
        table = MONEY_ENTITIES[entity]
        for chunk in _chunks(sorted(ids)):
            query = select(table.c.id, table.c.currency).where(table.c.id.in_(chunk))
            out.update(((entity, int(row_id)), str(currency)) for row_id, currency in conn.execute(query))
        gone = sorted(i for i in ids if (entity, i) not in out)
        for chunk in _chunks(gone):  # removed since: the currency its history recorded last
            query = (
                select(ch.entity_id, ch.old_value, ch.new_value)
                .where(ch.entity == entity, ch.entity_id.in_(chunk), ch.field == "currency")
                .order_by(ch.at, ch.id)
            )
            for row in conn.execute(query):
                recorded = row.new_value or row.old_value
                if recorded:
                    out[(entity, int(row.entity_id))] = str(recorded)
    return out


def _chunks(ids: list[int], size: int = 500) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]
