"""Organizations: found or created by name, one per spelling (case and accents aside).

Shared by `crm contact add/edit`, the app's form and the importers, on the caller's
Core connection (an ORM session passes `session.connection()`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from crm_tui.backend import backend_for
from crm_tui.keys import fast_name_key, label_name
from crm_tui.models import tables as t

o = t.organizations.c


def organization_id(conn: Connection, name: str | None, *, now: datetime) -> int | None:
    """The id of the organization called `name`, created if new; None for no name."""
    if name is None or not name.strip():
        return None
    clean = label_name(name)
    key = fast_name_key(clean)
    found = conn.execute(select(o.id).where(o.name_key == key)).scalar()
    if found is None:
        backend_for(conn).insert_ignore(conn, t.organizations, [{"name": clean, "name_key": key, "created_at": now}])
        found = conn.execute(select(o.id).where(o.name_key == key)).scalar_one()
    return int(found)
