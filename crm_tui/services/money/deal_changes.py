"""Changing deals: add, edit, move between stages, win, lose, remove. Each change is in the history.

A stage move is recorded as action `move` with the fields it changed (`stage_id`, `status`,
`won_at`/`lost_at`, `lost_reason`, `furthest_stage_id`), by whom and when, so the history
shows every move and the forecast of a past month can be rebuilt from it. An amount is
recorded with its own currency (`1000.00 EUR`), so an edit that changes the currency keeps the
old amount in the old one; rows recorded before hold minor units alone (`100000`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from crm_tui.errors import InvalidInput, NotFound
from crm_tui.money import DECIMALS, INTERVALS, Money, minor_text
from crm_tui.services.money.deals import parse_deal_id
from crm_tui.services.money.pipelines import PipelineInfo, StageInfo

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from crm_tui.models import Deal

MAX_TITLE = 300

# The fields the history records for a deal, in the order `crm deal show` lists them.
TRACKED = (
    "title",
    "contact_id",
    "organization_id",
    "owner",
    "pipeline_id",
    "stage_id",
    "status",
    "amount",
    "currency",
    "probability",
    "expected_close",
    "next_step",
    "next_step_due",
    "recurring_amount",
    "recurring_interval",
    "source",
    "lost_reason",
    "won_at",
    "lost_at",
    "furthest_stage_id",
)


# The money-valued fields: the history records each value with its own currency.
AMOUNT_FIELDS = ("amount", "recurring_amount")


def snapshot(deal: Deal) -> dict[str, Any]:
    """The tracked fields of a deal, for the history's before and after."""
    return {name: getattr(deal, name) for name in TRACKED}


def amount_entry(minor: int | None, currency: str) -> str | None:
    """An amount as the history records it: `1000.00 EUR` (major units and its currency)."""
    return None if minor is None else f"{minor_text(minor, currency)} {currency}"


def read_amount_entry(text: str) -> tuple[int, str | None]:
    """(minor units, currency) of a recorded amount; `100000` (minor units, no currency) as recorded before."""
    number, _, currency = text.strip().rpartition(" ")
    if not number:
        return int(text), None
    return int(Decimal(number).scaleb(DECIMALS.get(currency, 2))), currency


def _with_currencies(deal: Deal, changes: dict[str, tuple[Any, Any]]) -> dict[str, tuple[Any, Any]]:
    """The changes with each amount in the currency it was in: the old one in the old currency."""
    old_currency, new_currency = changes.get("currency", (deal.currency, deal.currency))
    return {
        name: (
            (amount_entry(old, old_currency or deal.currency), amount_entry(new, new_currency or deal.currency))
            if name in AMOUNT_FIELDS
            else (old, new)
        )
        for name, (old, new) in changes.items()
    }


def _record(session: Session, deal: Deal, action: str, actor: str, now: datetime, **details: Any) -> None:
    from crm_tui.services.history import record

    assert deal.id is not None
    if details.get("changes"):
        details["changes"] = _with_currencies(deal, details["changes"])
    record(
        session,
        entity="deal",
        entity_id=deal.id,
        contact_id=deal.contact_id,
        action=action,
        actor=actor,
        at=now,
        **details,
    )


def clean_title(title: str) -> str:
    value = " ".join(title.split())
    if not value:
        raise InvalidInput("the deal title must not be empty")
    if len(value) > MAX_TITLE:
        raise InvalidInput(f"the deal title is longer than {MAX_TITLE} characters")
    return value


def check_probability(value: int | None) -> int | None:
    if value is not None and not 0 <= value <= 100:
        raise InvalidInput(f"a probability is a percentage from 0 to 100, not {value} (--probability)")
    return value


def check_recurring(recurring: tuple[Money, str] | None, currency: str) -> tuple[int | None, str | None]:
    """(amount each period, interval) of a retainer, in the deal's own currency."""
    if recurring is None:
        return None, None
    money, interval = recurring
    if interval not in INTERVALS:
        raise InvalidInput(f"unknown billing period '{interval}' (use {', '.join(INTERVALS)})")
    if money.currency != currency:
        raise InvalidInput(
            f"the recurring amount is in {money.currency} but the deal is in {currency}: a deal has one currency"
        )
    return money.minor, interval


def get_deal(session: Session, ref: int | str) -> Deal:
    """The ORM deal with this id (`7` or `#7`)."""
    from crm_tui.models import Deal

    found = session.get(Deal, parse_deal_id(ref))
    if found is None:
        raise NotFound(f"no deal with id {str(ref)[:40]}")
    return found


def contact_organization(session: Session, contact_id: int) -> int | None:
    """The organization a contact belongs to, for a deal or payment that names only the contact."""
    from crm_tui.models import Contact

    return session.execute(select(Contact.organization_id).where(Contact.id == contact_id)).scalar()


def _furthest(pipeline: PipelineInfo, stage: StageInfo, current: int | None) -> int | None:
    """The furthest open stage reached after entering `stage`: won deals reached the last open stage."""
    opens = pipeline.open_stages
    if not opens:
        return current
    by_id = {s.id: s for s in opens}
    reached = by_id.get(current) if current is not None else None
    if stage.kind == "open":
        candidate = stage
    elif stage.kind == "won":
        candidate = opens[-1]
    else:
        candidate = reached or opens[0]
    if reached is None or candidate.position > reached.position:
        return candidate.id
    return reached.id


@dataclass
class DealFields:
    """What `crm deal add` and the app's form give for a new deal."""

    title: str
    amount: Money
    contact_id: int | None = None
    organization_id: int | None = None
    owner: str | None = None
    probability: int | None = None
    expected_close: date | None = None
    next_step: str | None = None
    next_step_due: datetime | None = None
    recurring: tuple[Money, str] | None = None
    source: str | None = None
    lost_reason: str | None = None
    external_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def add_deal(
    session: Session,
    fields: DealFields,
    *,
    pipeline: PipelineInfo,
    stage: StageInfo | None,
    actor: str,
    now: datetime,
) -> Deal:
    """A new deal in `stage` (default: the pipeline's first stage); its owner defaults to its creator."""
    from crm_tui.models import Deal

    stage = stage or (pipeline.open_stages or list(pipeline.stages))[0]
    if stage.pipeline_id != pipeline.id:
        raise InvalidInput(f"the stage {stage.name} is not in the {pipeline.name} pipeline")
    if stage.kind == "lost" and not (fields.lost_reason or "").strip():
        raise InvalidInput("a lost deal needs a reason (--reason)")
    organization_id = fields.organization_id
    if organization_id is None and fields.contact_id is not None:
        organization_id = contact_organization(session, fields.contact_id)
    recurring_amount, interval = check_recurring(fields.recurring, fields.amount.currency)
    deal = Deal(
        title=clean_title(fields.title),
        contact_id=fields.contact_id,
        organization_id=organization_id,
        owner=fields.owner or actor,
        pipeline_id=pipeline.id,
        stage_id=stage.id,
        status=stage.kind,
        amount=fields.amount.minor,
        currency=fields.amount.currency,
        probability=check_probability(fields.probability),
        expected_close=fields.expected_close,
        next_step=(fields.next_step or "").strip() or None,
        next_step_due=fields.next_step_due,
        recurring_amount=recurring_amount,
        recurring_interval=interval,
        source=(fields.source or "").strip() or None,
        lost_reason=(fields.lost_reason or "").strip() or None if stage.kind == "lost" else None,
        won_at=now if stage.kind == "won" else None,
        lost_at=now if stage.kind == "lost" else None,
        furthest_stage_id=_furthest(pipeline, stage, None),
        stage_changed_at=now,
        external_id=fields.external_id,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    session.add(deal)
    session.flush()
    _record(session, deal, "create", actor, now, note=deal.title)
    return deal


def edit_deal(session: Session, deal: Deal, values: dict[str, Any], *, actor: str, now: datetime) -> dict[str, Any]:
    """Change the given fields (a None value clears one); returns the recorded changes.

    Every value is checked before any is set: a refused edit leaves the deal as it was, in the
    database and on the object (the app keeps its session and its deal across a refusal).
    """
    from crm_tui.services.history import diff

    before = snapshot(deal)
    checked = _checked_edit(deal, values)
    if checked.get("currency", deal.currency) != deal.currency:
        from crm_tui.models import tables as t

        paid = (
            session.connection()
            .execute(select(t.payments.c.currency).where(t.payments.c.deal_id == deal.id).limit(1))
            .scalar()
        )
        if paid is not None:  # a deal's payments are in its currency (`crm pay add --deal` holds it to that)
            raise InvalidInput(
                f"deal #{deal.id} has payments in {paid}: its amount stays in {paid} (move them to another deal"
                " or remove them first)"
            )
    for name, value in checked.items():
        setattr(deal, name, value)
    if "contact_id" in values and values["contact_id"] is not None and "organization_id" not in values:
        deal.organization_id = deal.organization_id or contact_organization(session, values["contact_id"])
    changes = diff(before, snapshot(deal))
    if changes:
        deal.updated_at = now
        session.add(deal)
        session.flush()
        _record(session, deal, "update", actor, now, changes=changes)
    return changes


def _checked_edit(deal: Deal, values: dict[str, Any]) -> dict[str, Any]:
    """The deal's attributes an edit sets, every value checked; InvalidInput for the first refused."""
    out: dict[str, Any] = {}
    currency = values["amount"].currency if isinstance(values.get("amount"), Money) else deal.currency
    for name, value in values.items():
        if name == "title":
            out["title"] = clean_title(value)
        elif name == "amount":
            money: Money = value
            if deal.recurring_amount is not None and money.currency != deal.currency and "recurring" not in values:
                raise InvalidInput(f"the deal's recurring amount is in {deal.currency}: change both (--recurring)")
            out["amount"], out["currency"] = money.minor, money.currency
        elif name == "recurring":
            out["recurring_amount"], out["recurring_interval"] = check_recurring(value, currency)
        elif name == "probability":
            out["probability"] = check_probability(value)
        elif name == "lost_reason":
            if deal.status != "lost":
                raise InvalidInput("only a lost deal has a lost reason (`crm deal lost ID --reason TEXT`)")
            if not (value or "").strip():
                raise InvalidInput("a lost deal needs a reason (--reason)")
            out["lost_reason"] = value.strip()
        elif name in ("next_step", "source", "owner"):
            out[name] = (value or "").strip() or None
        elif name in ("contact_id", "organization_id", "expected_close", "next_step_due", "external_id"):
            out[name] = value
        else:
            raise InvalidInput(f"a deal has no field '{name}'")
    return out


def move_deal(
    session: Session,
    deal: Deal,
    pipeline: PipelineInfo,
    stage: StageInfo,
    *,
    actor: str,
    now: datetime,
    reason: str | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """Move a deal to `stage` (of `pipeline`), won or lost included; returns the recorded changes.

    A lost deal needs a reason. Moving a closed deal back to an open stage reopens it.
    """
    from crm_tui.services.history import diff

    if stage.pipeline_id != pipeline.id:
        raise InvalidInput(f"the stage {stage.name} is not in the {pipeline.name} pipeline")
    before = snapshot(deal)
    if deal.stage_id == stage.id and not (stage.kind == "lost" and reason):
        return {}
    if stage.kind == "lost" and not (reason or "").strip():
        raise InvalidInput("a lost deal needs a reason (--reason)")
    if at is not None and at > now and stage.kind in ("won", "lost"):  # reports count it by the day it closed
        raise InvalidInput(f"a deal is {stage.kind} when it happened: that time is in the future (--at)")
    closed_at = at or now
    deal.furthest_stage_id = _furthest(
        pipeline, stage, deal.furthest_stage_id if deal.pipeline_id == pipeline.id else None
    )
    deal.pipeline_id, deal.stage_id, deal.status = pipeline.id, stage.id, stage.kind
    deal.won_at = closed_at if stage.kind == "won" else None
    deal.lost_at = closed_at if stage.kind == "lost" else None
    deal.lost_reason = (reason or "").strip() if stage.kind == "lost" else None
    deal.stage_changed_at = now
    deal.updated_at = now
    changes = diff(before, snapshot(deal))
    session.add(deal)
    session.flush()
    action = {"won": "won", "lost": "lost"}.get(stage.kind, "move")
    _record(session, deal, action, actor, now, changes=changes)
    return changes


def close_deal(
    session: Session,
    deal: Deal,
    pipeline: PipelineInfo,
    kind: str,
    *,
    actor: str,
    now: datetime,
    reason: str | None = None,
    at: datetime | None = None,
) -> StageInfo:
    """Move a deal to its pipeline's won or lost stage; returns that stage."""
    stage = pipeline.stage_named(kind)
    if stage is None:
        raise InvalidInput(f"the {pipeline.name} pipeline has no {kind} stage")
    move_deal(session, deal, pipeline, stage, actor=actor, now=now, reason=reason, at=at)
    return stage


def remove_deal(session: Session, deal: Deal, *, actor: str, now: datetime) -> None:
    """Delete a deal; the history keeps every field, and its payments stay (without the deal)."""
    before = snapshot(deal)
    before["created_at"] = deal.created_at
    before["stage_changed_at"] = deal.stage_changed_at
    _record(session, deal, "delete", actor, now, changes={k: (v, None) for k, v in before.items() if v is not None})
    session.delete(deal)
    session.flush()


def move_to_stage(
    session: Session, deal_id: int, stage_id: int, *, actor: str, now: datetime, reason: str | None = None
) -> StageInfo:
    """Move a deal to the stage with this id (the app's keys); returns the stage."""
    from crm_tui.services.money.pipelines import stages_by_id

    conn = session.connection()
    stage = stages_by_id(conn).get(stage_id)
    if stage is None:
        raise NotFound(f"no stage with id {stage_id}")
    from crm_tui.services.money.pipelines import pipeline_of

    move_deal(
        session,
        get_deal(session, deal_id),
        pipeline_of(conn, stage.pipeline_id),
        stage,
        actor=actor,
        now=now,
        reason=reason,
    )
    return stage
