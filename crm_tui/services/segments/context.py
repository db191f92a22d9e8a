"""What compiling a query needs to know: the connection, the clock, the zone, the user; and typed values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import and_, not_, or_
from sqlalchemy.engine import Connection

from crm_tui.backend import Backend, backend_for


@dataclass(frozen=True)
class Age:
    """A time value typed as a duration: that long before now (`30d`, `6m`)."""

    days: int


@dataclass(frozen=True)
class Day:
    """A time value typed as a day (`2026-01-01`, `yesterday`), read in the user's zone."""

    day: date


TimeValue = Age | Day


@dataclass
class CompileContext:
    """One compilation of a query at one moment: the same `now` for every term."""

    conn: Connection
    now: datetime
    tz: tzinfo
    user: str | None
    views_seen: tuple[str, ...] = ()
    _cache: dict[str, Any] = field(default_factory=dict)

    @property
    def backend(self) -> Backend:
        return backend_for(self.conn)

    def local_midnight(self, day: date) -> datetime:
        from crm_tui.dates import to_utc

        return to_utc(datetime.combine(day, time.min), self.tz)

    @property
    def today(self) -> date:
        return self.now.astimezone(self.tz).date()

    def once(self, key: str, make: Any) -> Any:
        """A value computed once per compilation (a lookup several terms share)."""
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]


def time_condition(ctx: CompileContext, expr: Any, op: str, value: TimeValue) -> Any:
    """`expr` (a stored time) compared with a typed time value.

    A duration counts back from now (`>30d`: longer ago than 30 days); a day is the whole
    local day (`>2026-01-01`: from 2 January on, `:2026-01-01`: during that day).
    """
    if isinstance(value, Age):
        threshold = ctx.now - timedelta(days=value.days)
        older = {">": expr < threshold, ">=": expr <= threshold, "<": expr > threshold, "<=": expr >= threshold}
        return older[op]
    start = ctx.local_midnight(value.day)
    end = ctx.local_midnight(value.day + timedelta(days=1))
    during = and_(expr >= start, expr < end)
    by_op = {
        ":": during,
        "!=": or_(expr < start, expr >= end),
        ">": expr >= end,
        ">=": expr >= start,
        "<": expr < start,
        "<=": expr < end,
    }
    return by_op[op]


def number_condition(expr: Any, op: str, value: float) -> Any:
    """`expr` compared with a number; `:` is equality."""
    by_op = {
        ":": expr == value,
        "!=": not_(expr == value),
        ">": expr > value,
        ">=": expr >= value,
        "<": expr < value,
        "<=": expr <= value,
    }
    return by_op[op]
