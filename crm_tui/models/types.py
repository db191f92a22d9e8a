"""Column types shared by the tables."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend.

    How a time is stored is the backend's (SQLite keeps naive UTC text that sorts
    correctly); naive input is refused so local time can never slip in unconverted.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: convert to UTC at the edge")
        from crm_tui.backend import backend_named

        return backend_named(dialect.name).bind_time(value.astimezone(UTC))

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else aware_utc(value)

    def result_processor(self, dialect: Dialect, coltype: Any) -> Any:
        from crm_tui.backend import backend_named

        if backend_named(dialect.name).times_are_text:
            # The driver hands back the stored text: parse it once with fromisoformat instead of
            # letting the DateTime type run its regular expression first (four times the cost).
            return _text_to_utc
        return super().result_processor(dialect, coltype)


def _text_to_utc(value: Any) -> datetime | None:
    return None if value is None else aware_utc(value)


def aware_utc(value: str | datetime) -> datetime:
    """A stored time as aware UTC: SQLite's naive UTC text (or another tool's, with an offset), or a datetime."""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value + "+00:00")  # five times cheaper than .replace(tzinfo=UTC)
        except ValueError:  # text with an offset of its own
            parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is UTC:
            return parsed
        value = parsed
    if value.tzinfo is None:  # a bare date, or a naive datetime from the driver
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
