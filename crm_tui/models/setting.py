"""Settings: one value per key (`crm config set currency EUR`), checked by the key's own rule."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from crm_tui.models.types import UTCDateTime


class Setting(SQLModel, table=True):
    __tablename__ = "settings"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)
    value: str = Field(sa_column=Column(Text, nullable=False))
    updated_by: str | None = None
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
