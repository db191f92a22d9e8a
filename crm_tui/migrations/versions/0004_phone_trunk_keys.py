"""Phone keys without the trunk 0 written in parentheses: `+44 (0)20 ...` keys as `+4420...`.

So a number stored as `+44 (0)20 7946 0000` matches `+44 20 7946 0000` when an import
looks for duplicates. Only the keys change; the numbers stay as they were typed.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

import re

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (the script template imports it for SQLModel types)
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# The key rule as of this revision, frozen here: later changes to the services must not
# change what this migration wrote.
_TRUNK_IN_PARENS = re.compile(r"^\s*((?:\+|00)\s*\d{1,3})\s*\(0\)")


def _key(phone: str, *, drop_trunk: bool) -> str:
    value = phone.strip()
    if drop_trunk:
        value = _TRUNK_IN_PARENS.sub(r"\1", value)
    digits = re.sub(r"\D", "", value.split("x")[0].split("ext")[0])
    if value.startswith("+"):
        return "+" + digits
    if value.startswith("00") and len(digits) > 2:
        return "+" + digits[2:]
    return digits


def _rekey(*, drop_trunk: bool) -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, phone FROM contact_phones WHERE phone LIKE '%(0)%'")).all()
    for phone_id, phone in rows:
        conn.execute(
            sa.text("UPDATE contact_phones SET phone_key = :key WHERE id = :id"),
            {"key": _key(phone, drop_trunk=drop_trunk), "id": phone_id},
        )


def upgrade() -> None:
    _rekey(drop_trunk=True)


def downgrade() -> None:
    _rekey(drop_trunk=False)
