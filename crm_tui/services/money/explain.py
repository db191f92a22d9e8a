"""`crm deal why ID` and `crm value why REF`: the inputs and the rule behind every derived number."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy.engine import Connection

from crm_tui.money import INTERVALS, human_money, minor_text
from crm_tui.services.money.deal_changes import AMOUNT_FIELDS, read_amount_entry
from crm_tui.services.money.deals import DealInfo, deal_info
from crm_tui.services.money.months import add_months, current_month, month_key
from crm_tui.services.money.pipelines import stages_by_id
from crm_tui.services.money.probability import COMMIT_FROM, Probability, deal_probability, weighted, win_rates
from crm_tui.services.money.value import RFM_RULES, ClientKind, ClientValue, client_values, tier_rule, window_start


@dataclass(frozen=True)
class DealWhy:
    """A deal's numbers and where each comes from, as (factor, explanation) lines and as values."""

    deal: DealInfo
    probability: Probability
    weighted: int
    month: str | None  # the forecast month of its one-time amount
    commit: bool
    rotting: bool
    last_activity: datetime
    last_what: str
    rotten_days: int
    factors: list[tuple[str, str]] = field(default_factory=list)


def deal_why(conn: Connection, deal_id: int | str, *, now: datetime, tz: tzinfo) -> DealWhy:
    from crm_tui.services.money.due import rotting_deals
    from crm_tui.services.money.pipelines import pipeline_of
    from crm_tui.services.money.views import deal_last_activity

    deal = deal_info(conn, deal_id)
    stages = stages_by_id(conn)
    rates = win_rates(conn, stages)
    stage = stages[deal.stage_id]
    prob = deal_probability(deal.probability, deal.status, stage, rates)
    amount = human_money(deal.amount, deal.currency)
    worth = weighted(deal.amount, prob.percent)
    factors = [
        ("amount", f"{amount} (one-time, at close)"),
        (
            "stage",
            f"{deal.stage} in {deal.pipeline} ({deal.status})"
            + (f"; furthest reached: {deal.furthest_stage}" if deal.furthest_stage else ""),
        ),
        ("probability", f"{prob.percent}%: {prob.detail}"),
        ("weighted", f"{amount} × {prob.percent}% = {human_money(worth, deal.currency)}"),
    ]
    this_month = current_month(now, tz)
    month: str | None = None
    if deal.status == "open":
        if deal.expected_close is None:
            factors.append(("month", "no expected close date: in no month of the forecast (set one with --close)"))
        else:
            month = max(month_key(deal.expected_close), this_month)
            late = (
                " (the date has passed: counted in this month)" if month_key(deal.expected_close) < this_month else ""
            )
            factors.append(("month", f"{month}, from the expected close {deal.expected_close.isoformat()}{late}"))
        commit = prob.percent >= COMMIT_FROM
        factors.append(
            (
                "scenarios",
                (
                    f"commit (≥{COMMIT_FROM}%), weighted and best case"
                    if commit
                    else f"weighted and best case; not commit (under {COMMIT_FROM}%)"
                ),
            )
        )
    else:
        commit = deal.status == "won"
        closed = deal.won_at or deal.lost_at
        when = f" on {closed.astimezone(tz).date().isoformat()}" if closed else ""
        factors.append(("closed", f"{deal.status}{when}" + (f": {deal.lost_reason}" if deal.lost_reason else "")))
    if deal.recurring_amount is not None and deal.recurring_interval:
        each = human_money(deal.recurring_amount, deal.currency)
        start = None
        if deal.status == "won" and deal.won_at is not None:
            start = add_months(month_key(deal.won_at.astimezone(tz).date()), 1)
        elif deal.status == "open" and month is not None:
            start = add_months(month, 1)
        period = INTERVALS[deal.recurring_interval]
        billing = f"every {deal.recurring_interval}" + (f" from {start}" if start else " once it has a close date")
        share = "at 100% (won)" if deal.status == "won" else f"× {prob.percent}% in the weighted forecast"
        if deal.status != "lost":
            factors.append(("retainer", f"{each} {billing} ({period} month{'s' if period > 1 else ''}), {share}"))
    pipeline = pipeline_of(conn, deal.pipeline_id)
    found = rotting_deals(conn, now=now, deal_ids=[deal.id]) if deal.status == "open" else []
    active_at, what = deal_last_activity(conn, deal)
    rotting = bool(found)
    if deal.status == "open":
        age = (now - active_at).days
        state = "rotting" if rotting else "not rotting"
        factors.append(
            (
                "activity",
                f"last {what} on {active_at.astimezone(tz).date().isoformat()} ({age} days ago); "
                f"{state} (the {pipeline.name} pipeline rots after {pipeline.rotten_days} days)",
            )
        )
    return DealWhy(deal, prob, worth, month, commit, rotting, active_at, what, pipeline.rotten_days, factors)


@dataclass(frozen=True)
class ValueWhy:
    """A client's value per currency, with the payments, the tier rule and the RFM rule behind it."""

    kind: str
    id: int
    name: str
    rows: list[ClientValue]
    since: date
    factors: list[tuple[str, str]]
    rfm_note: str | None


def value_why(conn: Connection, kind: ClientKind, client_id: int, name: str, *, today: date) -> ValueWhy:
    from crm_tui.services.money.payments import PaymentFilter, list_payments, payment_totals

    since = window_start(today)
    listing = client_values(conn, kind=kind, today=today, ids=[client_id])
    rule = tier_rule(conn)
    filters = PaymentFilter(contact_id=client_id) if kind == "contact" else PaymentFilter(organization_id=client_id)
    factors: list[tuple[str, str]] = [("window", f"the last 12 months: {since.isoformat()} to {today.isoformat()}")]
    if not listing.rows:
        factors.append(("payments", "none recorded up to today: not a client yet, so no value, tier or segment"))
    for row in listing.rows:
        cur = row.currency
        in_window = list_payments(
            conn, PaymentFilter(**{**filters.__dict__, "currency": cur, "since": since, "until": today}), limit=12
        )
        lifetime = payment_totals(conn, PaymentFilter(**{**filters.__dict__, "currency": cur, "until": today}))
        count = lifetime[0].payments if lifetime else 0
        listed = ", ".join(f"{p.paid_on.isoformat()} {minor_text(p.amount, cur)}" for p in in_window)
        factors += [
            (
                f"{cur} 12 months",
                f"{human_money(row.revenue_12m, cur)}"
                + (f" from {listed}" if listed else "")
                + (" (newest 12 shown)" if len(in_window) == 12 else ""),
            ),
            (
                f"{cur} lifetime",
                f"{human_money(row.lifetime, cur)} in {count} payment{'' if count == 1 else 's'}, last {row.last_paid}",
            ),
            (
                f"{cur} tier",
                f"{row.tier}: ranked {row.rank} of the clients paying in {cur}; the clients above made "
                f"{human_money(row.before, cur)} of {human_money(row.total, cur)} "
                f"({_pct(row.before, row.total)} before, {_pct(row.before + row.revenue_12m, row.total)} "
                f"with it)",
            ),
            (f"{cur} rule", rule.describe(cur)),
        ]
        if row.segment:
            factors.append(
                (
                    f"{cur} RFM",
                    f"{row.segment}: R {row.r} (last payment), F {row.f} (number of payments), "
                    f"M {row.m} (lifetime in {cur}); quintiles among all paying clients",
                )
            )
    factors += _after_today(conn, filters, today)
    if listing.rows and len({r.tier for r in listing.rows}) > 1:
        factors.append(("tier", f"{min(r.tier for r in listing.rows)}: the best of its tiers in each currency"))
    if listing.rfm:
        factors.append(("segments", "; ".join(RFM_RULES)))
    return ValueWhy(kind, client_id, name, listing.rows, since, factors, listing.rfm_note)


def _after_today(conn: Connection, filters: Any, today: date) -> list[tuple[str, str]]:
    """The client's payments dated after `today` (recorded before such payments were refused), per currency:
    none of its figures holds them yet, each counts from its own day."""
    from crm_tui.services.money.payments import PaymentFilter, list_payments, payment_totals

    later = PaymentFilter(**{**filters.__dict__, "since": today + timedelta(days=1)})
    out = []
    for total in payment_totals(conn, later):
        shown = list_payments(conn, PaymentFilter(**{**later.__dict__, "currency": total.currency}), limit=12,
                              newest_first=False)  # fmt: skip
        days = ", ".join(p.paid_on.isoformat() for p in shown) + (", ..." if total.payments > len(shown) else "")
        each = "it counts from that day" if total.payments == 1 else "each counts from its day"
        out.append((f"{total.currency} after today",
                    f"{human_money(total.amount, total.currency)} dated {days}: {each}"))  # fmt: skip
    return out


def _pct(part: int, total: int) -> str:
    return f"{100 * part / total:.1f}%" if total > 0 else "0%"


def explain_record(why: DealWhy) -> dict[str, Any]:
    """`crm deal why --format json`: the values and the same lines."""
    deal = why.deal
    return {
        "id": deal.id,
        "title": deal.title,
        "amount": minor_text(deal.amount, deal.currency),
        "currency": deal.currency,
        "stage": deal.stage,
        "status": deal.status,
        "probability": why.probability.percent,
        "probability_source": why.probability.source,
        "weighted": minor_text(why.weighted, deal.currency),
        "month": why.month,
        "commit": why.commit,
        "rotting": why.rotting,
        "last_activity": why.last_activity,
        "rotten_days": why.rotten_days,
        "factors": [{"factor": k, "why": v} for k, v in why.factors],
    }


# A recorded amount: `1000.00 EUR`, or minor units alone as recorded before amounts carried their currency.
_RECORDED_AMOUNT = re.compile(r"-?[0-9]+(\.[0-9]+)? [A-Z]{3}|-?[0-9]+")


STAGE_FIELDS = ("stage_id", "furthest_stage_id")


def stage_text(value: str | None, stage_names: dict[int, str]) -> str | None:
    """A recorded stage id as the stage's name; one deleted since as `stage #7 (removed)`."""
    if value is None or not value.isdigit():
        return value
    return stage_names.get(int(value), f"stage #{value} (removed)")


def amount_text(value: str, currency: str) -> str:
    """A recorded amount for people: `1,000.00 EUR` in the currency recorded with it, else in `currency`
    (the record's own, for rows recorded before amounts carried theirs; "" when unknown)."""
    if not _RECORDED_AMOUNT.fullmatch(value):
        return value
    minor, recorded = read_amount_entry(value)
    return human_money(minor, recorded or currency).rstrip()


def deal_change_text(change: Any, stage_names: dict[int, str], currency: str) -> str:
    """A recorded deal (or payment) change as people read it: "moved stage: Proposal → Negotiation".

    An amount shows in the currency recorded with it; one recorded without (before amounts
    carried theirs) shows in `currency`, the record's currency now.
    """

    def shown(value: str | None) -> str:
        if value is None:
            return "—"
        if change.field in STAGE_FIELDS:
            return stage_text(value, stage_names) or "—"
        if change.field in AMOUNT_FIELDS:
            return amount_text(value, currency)
        return value

    if change.field is None:
        verb = {"create": "added"}.get(change.action, change.action)
        return verb + (f": {change.new_value}" if change.new_value else "")
    name = {"stage_id": "stage", "furthest_stage_id": "furthest stage"}.get(
        change.field, change.field.replace("_", " ")
    )
    verb = {"move": "moved", "update": "edited", "delete": "deleted", "won": "won ·", "lost": "lost ·"}.get(
        change.action, change.action
    )
    return f"{verb} {name}: {shown(change.old_value)} → {shown(change.new_value)}"
