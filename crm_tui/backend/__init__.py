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

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from crm_tui.backend.base import Backend, SearchFields

if TYPE_CHECKING:
    from crm_tui.backend.sqlite_direct import DirectConnection

__all__ = ["Backend", "SearchFields", "backend_for", "backend_named", "check_url", "direct_bulk"]

POSTGRES_EXTRA = "pip install 'crm-tui[postgres]'"

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


def direct_bulk(url: str, *, busy_timeout_ms: int) -> AbstractContextManager[DirectConnection] | None:
    """One transaction for a write made only by the bulk writer, on a connection opened without
    SQLAlchemy where the database allows it (a SQLite file at the head revision: backend/sqlite_direct.py);
    None where it does not, and the engine is to be used."""
    if not url.startswith("sqlite"):
        return None
    from crm_tui.backend.sqlite_direct import direct_transaction, open_at_head

    dbapi = open_at_head(url, busy_timeout_ms=busy_timeout_ms)
    return None if dbapi is None else direct_transaction(dbapi)


def check_url(url: str, where: str) -> None:
    """DatabaseUnreadable unless `url` names a SQLite file or a PostgreSQL database whose driver is installed."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from crm_tui.errors import DatabaseUnreadable

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise DatabaseUnreadable(
            f"'{where}' is not a database path or URL (give a file, or postgresql+psycopg://user@host/db)"
        ) from None
    name, driver = parsed.get_backend_name(), parsed.drivername
    if name == "sqlite" and driver in ("sqlite", "sqlite+pysqlite"):
        return
    if name != "postgresql":
        raise DatabaseUnreadable(f"{where}: crm-tui works with SQLite files and PostgreSQL, not '{name}'")
    if driver not in ("postgresql", "postgresql+psycopg"):
        raise DatabaseUnreadable(f"{where}: PostgreSQL is reached through psycopg: write postgresql+psycopg://...")
    try:
        import psycopg  # noqa: F401  (the driver SQLAlchemy would load next)
    except ImportError:
        raise DatabaseUnreadable(f"{where}: PostgreSQL needs the psycopg driver: {POSTGRES_EXTRA}") from None
