"""The one place where SQLite and PostgreSQL differ.

Everything above this package (services, front ends, readers) writes SQL that both
databases run; where they need different SQL, behaviour or driver calls, it asks the
`Backend` of its engine, connection or session:

    backend = backend_for(session)
    where.append(backend.plus_days(Contact.last_contact_at, Contact.cadence_days) <= now)

The backend is chosen once per dialect and has no state. Importing this package
imports neither SQLite- nor PostgreSQL-specific SQLAlchemy modules: each backend
loads what it needs when it is first asked.
"""

from __future__ import annotations

from typing import Any

from crm_tui.backend.base import Backend, SearchFields

__all__ = ["Backend", "SearchFields", "backend_for", "backend_named"]

_BACKENDS: dict[str, Backend] = {}


def backend_named(name: str) -> Backend:
    """The backend for a SQLAlchemy dialect name (`sqlite`, `postgresql`)."""
    found = _BACKENDS.get(name)
    if found is None:
        if name == "sqlite":
            from crm_tui.backend.sqlite import SqliteBackend

            found = SqliteBackend()
        elif name == "postgresql":
            from crm_tui.backend.postgres import PostgresBackend

            found = PostgresBackend()
        else:
            from crm_tui.errors import DatabaseUnreadable

            raise DatabaseUnreadable(f"crm-tui runs on SQLite or PostgreSQL, not {name}")
        _BACKENDS[name] = found
    return found


def backend_for(bind: Any) -> Backend:
    """The backend of an engine, a connection, an ORM session or a dialect."""
    dialect = getattr(bind, "dialect", None)
    if dialect is None and hasattr(bind, "get_bind"):  # an ORM session
        dialect = bind.get_bind().dialect
    if dialect is None and hasattr(bind, "name"):  # a dialect itself
        dialect = bind
    if dialect is None:
        raise TypeError(f"no database dialect on {bind!r}")
    return backend_named(dialect.name)
