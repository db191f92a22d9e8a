"""What a merge moves of a person's data: relationships, and the dates, addresses, web addresses and
vCard properties KEEP lacks (KEEP's own win: its birthday stays, the same address is not doubled)."""

from __future__ import annotations

from sqlalchemy import delete, exists, update
from sqlalchemy.engine import Connection

from crm_tui.models import tables as t
from crm_tui.services.person.relations import move_relations


def move_person(conn: Connection, *, from_contact: int, to_contact: int) -> None:
    """Move OTHER's (`from_contact`) person data to KEEP (`to_contact`); what KEEP has already stays KEEP's."""
    move_relations(conn, from_contact=from_contact, to_contact=to_contact)
    for table, key in (
        (t.contact_dates, "label_key"),
        (t.contact_addresses, "address_key"),
        (t.contact_urls, "url_key"),
        (t.contact_card_lines, "line"),
    ):
        col = table.c
        kept = table.alias("kept")
        held = exists().where(kept.c.contact_id == to_contact, kept.c[key] == col[key])
        conn.execute(delete(table).where(col.contact_id == from_contact, held))
        conn.execute(update(table).where(col.contact_id == from_contact).values(contact_id=to_contact))
