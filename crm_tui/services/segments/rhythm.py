"""Rhythm: each contact's usual gap between interactions, and who has gone quiet for them.

Definitions (the README repeats them):
- Events are a contact's live interactions and its payments, each payment on its day (`events`).
  Gaps are counted in whole UTC days between the days that have an event, so a call and
  its follow-up email on one day make one day.
- Only the events up to today (the UTC day of the moment asked about) count: an event dated
  after today (a payment recorded before such payments were refused, an interaction written by a
  script) counts from its day on. Until then every figure is what it would be without it.
- A contact with at least `MIN_GAPS` gaps has a rhythm: the median gap, the 80th
  percentile gap (nearest rank: the ceil(0.8 n)-th smallest) and the longest gap.
- The lapse ratio is the days since the last event divided by the median gap.
- +ATRISK: the days since the last event exceed the smaller of the 80th percentile gap and
  1.5 x the median; +LAPSED: they exceed the smaller of the longest gap and 3 x the median.
- Without a rhythm, the contact's stay-in-touch cadence (its own, else its tags' shortest)
  stands for the median: at risk past 1.5 x the cadence, lapsed past 3 x, the ratio is days
  since the last event over the cadence. With neither, a contact is never at risk.

Everything is computed in SQL. Each contact's event days, with the gap to the previous one and
the gap's rank among the contact's gaps, are kept in `event_days` by triggers (migration 0015), so
a contact's figures are index lookups: its largest rank is its number of gaps and the k-th smallest
gap is the row ranked k. The SQLite triggers keep days and gaps exact but leave the ranks of the
contact they change; such a contact is marked in `rhythm_dirty` (by the rhythm triggers) and read
from its gaps with a window until `refresh_rhythms` (run by `crm due`) renumbers its ranks and
stores its figures in the `rhythms` cache. Reads of the cache compute the marked contacts live.
The ranks and the cache count every event day, so they hold a contact's figures for any day from
its last event on: a read for a day before a contact's last event day (it has an event after
today: `later`, found from the indexes on the interactions' times and the payments' days) computes
that contact live too, from its gaps up to that day (a day's gap is to the day before it, so the
gaps up to today are the same whatever comes after).
An organization's rhythm pools its contacts' events with window functions (SQLite has no
percentile function, so ranks come from cume_dist).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, delete, func, insert, literal, or_, select, union, union_all
from sqlalchemy.engine import Connection

from crm_tui.backend import backend_for
from crm_tui.models import tables as t

MIN_GAPS = 3
ATRISK_MEDIANS = 1.5
LAPSED_MEDIANS = 3.0
_EPOCH = date(1970, 1, 1)

c, i, rh, rd, ed = t.contacts.c, t.interactions.c, t.rhythms.c, t.rhythm_dirty.c, t.event_days.c
STAT_COLUMNS = ("contact_id", "gaps", "median_gap", "p80_gap", "max_gap", "last_day", "atrisk_after", "lapsed_after")


def day_number(when: datetime) -> int:
    """The UTC day of `when` as days since 1970-01-01, as `Backend.day_number` computes it in SQL."""
    return (when.astimezone(UTC).date() - _EPOCH).days


def day_start(day: int) -> datetime:
    """The start of UTC day number `day`, aware."""
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(days=day)


def live_interactions() -> Any:
    """The interactions that count, as (contact_id, at): the one place to leave out deleted ones.

    `id NOT IN (the deleted ones)` rather than `deleted_at IS NULL`: the few deleted rows come
    from their own small index, and the scan of (contact_id, occurred_at) stays on its covering index.
    """
    deleted = select(i.id).where(i.deleted_at.is_not(None))
    return select(i.contact_id.label("contact_id"), i.occurred_at.label("at")).where(i.id.not_in(deleted))


def events(conn: Connection) -> Any:
    """Every event of a rhythm, as (contact_id, at): live interactions, and a contact's payments
    (each at the start of its day, UTC) once any payment is recorded."""
    interactions = live_interactions()
    p = t.payments.c
    if conn.execute(select(p.id).limit(1)).first() is None:
        return interactions
    paid = select(p.contact_id.label("contact_id"), backend_for(conn).date_start(p.paid_on).label("at"))
    return union_all(interactions, paid.where(p.contact_id.is_not(None)))


def later(conn: Connection, today: int) -> list[Any]:
    """SELECTs of the contacts with an event after day number `today` (an interaction, a payment): next
    to none, found by range on the indexes of the interactions' times and the payments' days.

    The time range starts at today's start, a little wider than the day: a time another tool wrote
    (with a `T`, an offset) sorts after its day's start on SQLite; the day number is exact, as
    event_days counts it.
    """
    p = t.payments.c
    day = backend_for(conn).day_number(i.occurred_at)
    logged = select(i.contact_id).where(i.occurred_at >= day_start(today), day > today, i.deleted_at.is_(None))
    paid = select(p.contact_id).where(p.paid_on > _EPOCH + timedelta(days=today), p.contact_id.is_not(None))
    return [logged, paid]


def read_live(conn: Connection, today: int | None, *, dirty: bool | None = None) -> Any:
    """A SELECT of the contacts whose figures for `today` come from their gaps, not from the gap ranks
    nor the cache: those marked (their ranks may be stale until refresh_rhythms) and those with an
    event after `today` (the ranks and the cache count it). None when there are none.
    """
    if dirty is None:
        dirty = any_dirty(conn)
    parts = [select(rd.contact_id)] if dirty else []
    if today is not None:
        parts += [part for part in later(conn, today) if conn.execute(part.limit(1)).first() is not None]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else union(*parts)


def up_to(today: int | None) -> list[Any]:
    """The condition on event_days that keeps the days up to `today` (None: every day)."""
    return [] if today is None else [ed.day <= today]


def rhythm_stats(
    conn: Connection,
    *,
    contacts: Any = None,
    key: str = "contact_id",
    min_gaps: int = MIN_GAPS,
    today: int | None = None,
) -> Any:
    """A SELECT of STAT_COLUMNS (the first named `key`) for every contact with `min_gaps` gaps or more.

    `contacts` (a SELECT of ids, or a list) restricts it. `key` "organization_id" pools the
    events of an organization's contacts instead. `today` (a day number): only the events up
    to that day count; None: every event, as the cache holds them.
    """
    if key == "organization_id":
        return _with_thresholds(_pooled_figures(conn, contacts, min_gaps, today), key)
    live = read_live(conn, today)
    if live is None:
        return _with_thresholds(_ranked_figures(contacts, min_gaps), key)
    clean = _ranked_figures(contacts, min_gaps, ed.contact_id.not_in(live))
    fresh = _gap_figures(contacts, min_gaps, ed.contact_id.in_(live), *up_to(today))
    both = union_all(select(clean), select(fresh)).subquery("stats")
    return _with_thresholds(both, key)


def _ranked_figures(contacts: Any, min_gaps: int, *where: Any) -> Any:
    """The figures of each contact from `event_days` and its gap ranks: a contact's largest rank is
    its number of gaps, and the k-th smallest gap is the row ranked k, one index lookup away.

    One pass over the index (contact_id, gap_rank, gap) in its order, with no sort and no window.
    """
    counted = select(
        ed.contact_id.label("owner_id"),
        func.max(ed.gap_rank).label("gaps"),
        func.max(ed.gap).label("max_gap"),
        func.max(ed.day).label("last_day"),
    ).where(*where)
    if contacts is not None:
        counted = counted.where(ed.contact_id.in_(contacts))
    figures = counted.group_by(ed.contact_id).having(func.max(ed.gap_rank) >= min_gaps).subquery("figures")
    n = figures.c.gaps
    # The median: the mean of the ceil(n/2)-th and the (n//2 + 1)-th smallest gaps (one and the
    # same when n is odd); the 80th percentile, nearest rank: the ceil(0.8 n)-th = ((4n + 4) // 5)-th.
    # Joins rather than scalar subqueries: each figure is then computed once, however often it is used.
    lower, upper, p80 = (t.event_days.alias(name) for name in ("lo", "hi", "p80"))
    joined: Any = figures
    for ranked, k in ((lower, (n + 1) // 2), (upper, n // 2 + 1), (p80, (4 * n + 4) // 5)):
        joined = joined.join(ranked, and_(ranked.c.contact_id == figures.c.owner_id, ranked.c.gap_rank == k))
    return (
        select(
            figures.c.owner_id,
            n.label("gaps"),
            ((lower.c.gap + upper.c.gap) / 2.0).label("median_gap"),
            p80.c.gap.label("p80_gap"),
            figures.c.max_gap,
            figures.c.last_day,
        )
        .select_from(joined)
        .subquery("ranked_figures")
    )


def _gap_figures(contacts: Any, min_gaps: int, *where: Any) -> Any:
    """The figures of each contact from the gaps in `event_days`, ranked by a window (no stored rank)."""
    steps = select(ed.contact_id.label("owner_id"), ed.day, ed.gap).where(*where)
    if contacts is not None:
        steps = steps.where(ed.contact_id.in_(contacts))
    return _aggregate(steps.subquery("steps"), min_gaps)


def _pooled_figures(conn: Connection, contacts: Any, min_gaps: int, today: int | None) -> Any:
    """The figures of each organization: its contacts' events (up to `today`) pooled, gaps from a window over them."""
    backend = backend_for(conn)
    ev = events(conn).subquery("ev")
    source = select(c.organization_id.label("owner_id"), ev.c.at).join(t.contacts, c.id == ev.c.contact_id)
    source = source.where(c.organization_id.is_not(None), c.deleted_at.is_(None))
    if contacts is not None:
        source = source.where(c.organization_id.in_(contacts))
    # The day is computed once per event, in the innermost select: SQLite keeps a subquery
    # under a window function as it is, where an inline expression is evaluated per use.
    src = source.add_columns(backend.day_number(source.selected_columns.at).label("day")).subquery("src")
    # Consecutive events: a zero-day step is a second event on one day, not a gap. The window sees
    # only the rows the WHERE keeps.
    stepping = select(
        src.c.owner_id,
        src.c.day,
        (src.c.day - func.lag(src.c.day).over(partition_by=src.c.owner_id, order_by=src.c.at)).label("gap"),
    )
    if today is not None:
        stepping = stepping.where(src.c.day <= today)
    return _aggregate(stepping.subquery("steps"), min_gaps)


def _aggregate(steps: Any, min_gaps: int) -> Any:
    """Figures per owner from (owner_id, day, gap) rows; a gap of zero or none is no gap."""
    # One sort by (owner, gap): cume_dist is the share of the owner's gaps at most this one,
    # so the k-th smallest gap is the smallest whose share reaches k/n. With k = ceil(n/2),
    # n//2 + 1 and ceil(0.8 n) (nearest rank), that is: share >= 0.5, > 0.5 and >= 0.8.
    ranked = (
        select(
            steps.c.owner_id,
            steps.c.day,
            steps.c.gap,
            func.cume_dist().over(partition_by=steps.c.owner_id, order_by=steps.c.gap).label("share"),
        )
        .where(steps.c.gap > 0)
        .subquery("ranked")
    )
    share, gap = ranked.c.share, ranked.c.gap
    lower, upper = func.min(case((share >= 0.5, gap))), func.min(case((share > 0.5, gap)))
    return (
        select(
            ranked.c.owner_id.label("owner_id"),
            func.count().label("gaps"),
            ((lower + upper) / 2.0).label("median_gap"),
            func.min(case((share >= 0.8, gap))).label("p80_gap"),
            func.max(gap).label("max_gap"),
            func.max(ranked.c.day).label("last_day"),
        )
        .group_by(ranked.c.owner_id)
        .having(func.count() >= min_gaps)
        .subquery("stats")
    )


def _with_thresholds(stats: Any, key: str) -> Any:
    """STAT_COLUMNS from a subquery of (owner_id, gaps, median_gap, p80_gap, max_gap, last_day)."""
    median, p80, longest = stats.c.median_gap, stats.c.p80_gap, stats.c.max_gap
    atrisk = case((p80 < ATRISK_MEDIANS * median, p80), else_=ATRISK_MEDIANS * median)
    lapsed = case((longest < LAPSED_MEDIANS * median, longest), else_=LAPSED_MEDIANS * median)
    return select(
        stats.c.owner_id.label(key),
        stats.c.gaps,
        median.label("median_gap"),
        p80.label("p80_gap"),
        longest.label("max_gap"),
        stats.c.last_day,
        (stats.c.last_day + atrisk).label("atrisk_after"),
        (stats.c.last_day + lapsed).label("lapsed_after"),
    )


# ---------------------------------------------------------------- the cache


def any_dirty(conn: Connection) -> bool:
    """Whether some contact's events changed since its rhythm was cached."""
    return conn.execute(select(rd.contact_id).limit(1)).first() is not None


def refresh_rhythms(conn: Connection) -> int:
    """Recompute the cached rhythm of every marked contact, in a write transaction; how many."""
    backend = backend_for(conn)
    backend.lock_for_new_ids(conn, "rhythm_dirty")  # PostgreSQL: no new marks while we read them
    marked = select(rd.contact_id)
    count = int(conn.execute(select(func.count()).select_from(t.rhythm_dirty)).scalar_one())
    if not count:
        return 0
    conn.execute(delete(t.rhythms).where(rh.contact_id.in_(marked)))
    renumber_gaps(conn, marked)
    stats = _with_thresholds(_ranked_figures(marked, MIN_GAPS), "contact_id").subquery("fresh")
    live = select(*(stats.c[name] for name in STAT_COLUMNS)).where(stats.c.contact_id.in_(select(c.id)))
    conn.execute(insert(t.rhythms).from_select(list(STAT_COLUMNS), live))
    conn.execute(delete(t.rhythm_dirty))
    return count


def renumber_gaps(conn: Connection, contacts: Any) -> None:
    """Set the gap ranks of these contacts' event days again (those that changed): the triggers leave them."""
    k = func.row_number().over(partition_by=ed.contact_id, order_by=(ed.gap.is_not(None), ed.gap, ed.day)) - 1
    fresh = select(ed.contact_id, ed.day, k.label("k")).where(ed.contact_id.in_(contacts)).subquery("fresh")
    stale = t.event_days.update().where(
        ed.contact_id == fresh.c.contact_id, ed.day == fresh.c.day, ed.gap_rank != fresh.c.k
    )
    conn.execute(stale.values(gap_rank=fresh.c.k))


def current_rhythms(conn: Connection, *, today: int, dirty: bool | None = None) -> Any:
    """The established rhythms on day number `today`: the cache, with the contacts marked or with an
    event after `today` computed live from their gaps up to it."""
    live = read_live(conn, today, dirty=dirty)
    if live is None:
        return t.rhythms
    clean = select(*(rh[name] for name in STAT_COLUMNS)).where(rh.contact_id.not_in(live))
    fresh = _with_thresholds(_gap_figures(live, MIN_GAPS, *up_to(today)), "contact_id")
    return union_all(clean, fresh).subquery("rhythms_now")


# ---------------------------------------------------------------- conditions


def cadence_fallback(conn: Connection, today: int, medians: float, rhythms: Any) -> Any:
    """The contacts with no established rhythm, past `medians` times their cadence since the last event."""
    from crm_tui.services.segments.cadence import cadence_condition

    backend = backend_for(conn)

    def past(last: Any, cadence: Any) -> Any:
        return and_(last.is_not(None), literal(today) - backend.day_number(last) > medians * cadence)

    return and_(c.id.not_in(select(rhythms.c.contact_id)), cadence_condition(conn, past))


def atrisk_condition(conn: Connection, now: datetime, *, rhythms: Any = None) -> Any:
    """+ATRISK at `now` (see the module's definitions)."""
    today = day_number(now)
    rhythms = current_rhythms(conn, today=today) if rhythms is None else rhythms
    established = c.id.in_(select(rhythms.c.contact_id).where(rhythms.c.atrisk_after < today))
    return or_(established, cadence_fallback(conn, today, ATRISK_MEDIANS, rhythms))


def lapsed_condition(conn: Connection, now: datetime, *, rhythms: Any = None) -> Any:
    """+LAPSED at `now` (see the module's definitions)."""
    today = day_number(now)
    rhythms = current_rhythms(conn, today=today) if rhythms is None else rhythms
    established = c.id.in_(select(rhythms.c.contact_id).where(rhythms.c.lapsed_after < today))
    return or_(established, cadence_fallback(conn, today, LAPSED_MEDIANS, rhythms))


# ---------------------------------------------------------------- one contact


@dataclass(frozen=True)
class RhythmInfo:
    """A contact's (or organization's) rhythm figures at a moment, and what they come to."""

    days_with_events: int
    gaps: int
    median_gap: float | None
    p80_gap: float | None
    max_gap: float | None
    last_day: int | None
    days_since: int | None
    basis: str  # "rhythm", "cadence" or "none"
    expected: float | None  # the median gap, or the cadence standing in for it
    atrisk_after_days: float | None  # the threshold in days since the last event
    lapsed_after_days: float | None
    lapse_ratio: float | None
    at_risk: bool
    lapsed: bool
    later_days: int = 0  # days with events after today: none of the figures counts them yet
    next_day: int | None = None  # the first of them


def rhythm_info(
    conn: Connection, owner_id: int, *, now: datetime, cadence: int | None = None, organization: bool = False
) -> RhythmInfo:
    """The figures for one contact (or organization) at `now`, computed live with the same SQL as the cache,
    from the events up to `now`'s day (and how many days with events come after it)."""
    key = "organization_id" if organization else "contact_id"
    today = day_number(now)
    stats = rhythm_stats(conn, contacts=[owner_id], key=key, min_gaps=1, today=today).subquery("one")
    row = conn.execute(select(stats)).mappings().first()
    ev = events(conn).subquery("ev")
    if organization:
        days_query = select(ev.c.at).join(t.contacts, c.id == ev.c.contact_id).where(c.organization_id == owner_id)
    else:
        days_query = select(ev.c.at).where(ev.c.contact_id == owner_id)
    inner = days_query.subquery("d")
    day = backend_for(conn).day_number(inner.c.at)
    days, last_day = conn.execute(select(func.count(func.distinct(day)), func.max(day)).where(day <= today)).one()
    later_days, next_day = conn.execute(select(func.count(func.distinct(day)), func.min(day)).where(day > today)).one()
    gaps = int(row["gaps"]) if row else 0
    since = today - int(last_day) if last_day is not None else None
    median: float | None
    p80: float | None
    longest: float | None
    atrisk: float | None
    lapsed: float | None
    expected: float | None
    if row and gaps >= MIN_GAPS:
        median, p80, longest = float(row["median_gap"]), float(row["p80_gap"]), float(row["max_gap"])
        atrisk, lapsed = min(p80, ATRISK_MEDIANS * median), min(longest, LAPSED_MEDIANS * median)
        basis, expected = "rhythm", median
    else:
        median = float(row["median_gap"]) if row else None
        p80 = float(row["p80_gap"]) if row else None
        longest = float(row["max_gap"]) if row else None
        basis, expected = ("cadence", float(cadence)) if cadence else ("none", None)
        atrisk = ATRISK_MEDIANS * cadence if cadence else None
        lapsed = LAPSED_MEDIANS * cadence if cadence else None
    return RhythmInfo(
        days_with_events=int(days or 0),
        gaps=gaps,
        median_gap=median,
        p80_gap=p80,
        max_gap=longest,
        last_day=int(last_day) if last_day is not None else None,
        days_since=since,
        basis=basis,
        expected=expected,
        atrisk_after_days=atrisk,
        lapsed_after_days=lapsed,
        lapse_ratio=round(since / expected, 2) if since is not None and expected else None,
        at_risk=bool(since is not None and atrisk is not None and since > atrisk),
        lapsed=bool(since is not None and lapsed is not None and since > lapsed),
        later_days=int(later_days or 0),
        next_day=int(next_day) if next_day is not None else None,
    )
