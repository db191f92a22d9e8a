"""The lines of `crm why`: every figure with the inputs and the rule that made it."""

from __future__ import annotations

from datetime import tzinfo
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crm_tui.services.segments.why import Why


def _days(value: float | None) -> str:
    return "" if value is None else f"{value:g} day" if value == 1 else f"{value:g} days"


def why_pairs(why: Why, *, machine: bool, tz: tzinfo) -> list[tuple[str, Any]]:
    """`crm why` as label/value pairs: sentences for people, plain values for scripts."""
    from crm_tui.dates import format_duration_days, format_local

    cad, rh = why.cadence, why.rhythm
    if machine:
        return [
            ("id", why.contact_id),
            ("name", why.name),
            ("cadence_days", cad.days),
            ("cadence_source", cad.source),
            ("stale", why.stale),
            ("stale_since", why.stale_since),
            ("days_with_events", rh.days_with_events),
            ("gaps", rh.gaps),
            ("median_gap", rh.median_gap),
            ("p80_gap", rh.p80_gap),
            ("max_gap", rh.max_gap),
            ("days_since_last", rh.days_since),
            ("basis", rh.basis),
            ("expected_gap", rh.expected),
            ("atrisk_after_days", rh.atrisk_after_days),
            ("lapsed_after_days", rh.lapsed_after_days),
            ("lapse_ratio", rh.lapse_ratio),
            ("at_risk", rh.at_risk),
            ("lapsed", rh.lapsed),
            ("last_interaction", None if why.last is None else {
                "id": why.last.id, "kind": why.last.kind, "occurred_at": why.last.occurred_at,
                "summary": why.last.summary}),
            ("follow_ups", [{"id": r.id, "title": r.title, "due_at": r.due_at} for r in why.follow_ups]),
            ("feedback", None if why.feedback is None else {
                "score": why.feedback.score, "scale": why.feedback.scale, "at": why.feedback.at,
                "previous": why.feedback.previous, "trend": why.feedback.trend}),
            ("views", why.views),
            ("rules", why.rules),
            *why.extras,
        ]  # fmt: skip
    if cad.days is None:
        cadence = "none (no cadence of its own, no tag with a default)"
    elif cad.source == "own":
        cadence = f"every {format_duration_days(cad.days)} (its own)"
    else:
        tags = ", ".join(f"{name} {format_duration_days(days)}" for name, days in cad.tags)
        cadence = f"every {format_duration_days(cad.days)} (from {cad.source}: the shortest of {tags})"
    stale = "no"
    if why.stale:
        stale = "yes, never contacted" if why.last is None else "yes, since the cadence ran out"
    if rh.basis == "rhythm":
        rhythm = (f"{rh.gaps} gaps over {rh.days_with_events} days with events: median {_days(rh.median_gap)}, "
                  f"80th percentile {_days(rh.p80_gap)}, longest {_days(rh.max_gap)}")  # fmt: skip
        atrisk_rule = f"smaller of the 80th percentile and 1.5x the median: {_days(rh.atrisk_after_days)}"
        lapsed_rule = f"smaller of the longest gap and 3x the median: {_days(rh.lapsed_after_days)}"
    else:
        rhythm = f"{rh.gaps} gap{'s' if rh.gaps != 1 else ''}: fewer than 3, so no rhythm of its own"
        if rh.basis == "cadence":
            atrisk_rule = f"1.5x the cadence: {_days(rh.atrisk_after_days)}"
            lapsed_rule = f"3x the cadence: {_days(rh.lapsed_after_days)}"
        else:
            atrisk_rule = lapsed_rule = "no rhythm and no cadence: never"
    ratio = ""
    if rh.lapse_ratio is not None:
        what = "median gap" if rh.basis == "rhythm" else "cadence"
        ratio = f"{rh.lapse_ratio:g} = {rh.days_since} days since the last ÷ {_days(rh.expected)} ({what})"
    last = ""
    if why.last is not None:
        last = f"{format_local(why.last.occurred_at, tz, with_time=False)} {why.last.kind}: {why.last.summary}"
    return [
        ("contact", f"#{why.contact_id} {why.name}"),
        ("cadence", cadence),
        ("stale", stale),
        ("rhythm", rhythm),
        ("last interaction", last or "never"),
        ("lapse ratio", ratio or "none"),
        ("at risk", f"{'yes' if rh.at_risk else 'no'} (past the {atrisk_rule})"),
        ("lapsed", f"{'yes' if rh.lapsed else 'no'} (past the {lapsed_rule})"),
        ("follow-ups", [f"#{r.id} {format_local(r.due_at, tz)} {r.title}" for r in why.follow_ups] or "none open"),
        ("feedback", why.feedback.text if why.feedback else "none"),
        ("views", why.views or "none"),
        ("rules", why.rules or "none"),
        *why.extras,
    ]
