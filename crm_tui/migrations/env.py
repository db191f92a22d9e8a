"""Alembic environment: runs on the connection crm_tui.db hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine
from sqlmodel import SQLModel

import crm_tui.models

config = context.config
crm_tui.models.load_all()  # registers every table for autogenerate
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:  # `alembic` run by hand: -x url=sqlite:///path
        url = context.get_x_argument(as_dictionary=True).get("url", "sqlite:///crm.db")
        with create_engine(url).begin() as conn:
            _run(conn)
        return
    _run(connection)


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things: copy-and-move
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
