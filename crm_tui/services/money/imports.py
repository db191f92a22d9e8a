"""Importing deals and payments: one transaction, dry runs, rejects and revert, as for contacts.

Each row finds its contact by email or id and its organization by name (created when new,
stamped with the batch's time so a revert can take it back). A row that is already there
is left alone, so an import run twice adds nothing: a deal with the same external id (else
the same title for the same contact and organization), a payment with the same reference
(else the same day, amount, currency and payer).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, func, insert, select
from sqlalchemy.engine import Connection

from crm_tui.backend.bulk import BulkWriter
from crm_tui.dates import utcnow
from crm_tui.errors import InvalidInput
from crm_tui.keys import name_key
from crm_tui.models import tables as t
from crm_tui.money import human_money
from crm_tui.records import DealRecord, PaymentRecord, Skipped
from crm_tui.services.imports.summary import ImportSummary, RowOutcome, finish_batch, start_batch
from crm_tui.services.money.payments import deal_currency_differs
from crm_tui.services.money.pipelines import PipelineInfo, StageInfo, all_pipelines
from crm_tui.services.organizations import organization_id

BATCH_ROWS = 2000
d, pay, c, e = t.deals.c, t.payments.c, t.contacts.c, t.contact_emails.c

Outcome = Callable[[RowOutcome], None] | None
Reject = Callable[[Skipped], None] | None


class _RowProblem(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _where(record: DealRecord | PaymentRecord, source: str) -> str:
    return f"{source} {record.where or f'line {record.line}'}"


class _Importer:
    """What both imports share: the batch, the lookups of contacts and organizations, the bad rows."""

    def __init__(
        self,
        conn: Connection,
        kind: str,
        *,
        source: str,
        actor: str,
        options: dict[str, Any],
        now: datetime,
        on_outcome: Outcome,
        on_reject: Reject,
        skip_invalid: bool,
    ) -> None:
        self.conn, self.source, self.actor, self.now = conn, source, actor, now
        self.on_outcome, self.on_reject, self.skip_invalid = on_outcome, on_reject, skip_invalid
        self.writer = BulkWriter(conn)
        self.batch_id = start_batch(
            self.writer, kind=kind, source=source, preset=options.get("preset"), options=options, actor=actor, now=now
        )
        self.summary = ImportSummary(batch_id=self.batch_id)
        self.orgs: dict[str, int] = {}

    def contacts(self, records: list[Any]) -> tuple[dict[str, int], dict[int, int | None]]:
        """(email -> live contact id, live contact id -> its organization) for these records."""
        emails = {r.contact_email.lower() for r in records if r.contact_email}
        by_email: dict[str, int] = {}
        for part in _chunks(sorted(emails)):
            query = select(e.email_key, e.contact_id).join(t.contacts, c.id == e.contact_id)
            by_email.update(self.conn.execute(query.where(e.email_key.in_(part), c.deleted_at.is_(None))).all())
        ids = set(by_email.values()) | {r.contact_id for r in records if r.contact_id is not None}
        orgs: dict[int, int | None] = {}
        for part in _chunks(sorted(ids)):
            query = select(c.id, c.organization_id).where(c.id.in_(part), c.deleted_at.is_(None))
            orgs.update(self.conn.execute(query).all())
        return by_email, orgs

    def contact_of(self, record: Any, by_email: dict[str, int], orgs: dict[int, int | None]) -> int | None:
        if record.contact_email:
            found = by_email.get(record.contact_email.lower())
            if found is None:
                raise _RowProblem(f"no contact has the email {record.contact_email}")
            return found
        if record.contact_id is not None:
            if record.contact_id not in orgs:
                raise _RowProblem(f"no contact #{record.contact_id}")
            return int(record.contact_id)
        return None

    def org_of(self, name: str | None) -> int | None:
        if not name:
            return None
        key = name_key(name)
        if key not in self.orgs:
            # Stamped with the batch's start: a revert removes the organizations it made that nobody uses.
            found = organization_id(self.conn, name, now=self.now)
            assert found is not None
            self.orgs[key] = found
        return self.orgs[key]

    def bad(self, record: DealRecord | PaymentRecord, problem: str) -> None:
        if not self.skip_invalid:
            raise InvalidInput(f"{_where(record, self.source)}: {problem}")
        self.summary.invalid += 1
        if self.on_reject is not None:
            self.on_reject(Skipped(record.line, problem, record.cells, True))
        self.outcome(RowOutcome(record.line, "skipped", reason=problem))

    def skipped(self, item: Skipped) -> None:
        if item.invalid:
            self.summary.invalid += 1
            if self.on_reject is not None:
                self.on_reject(item)
        else:
            self.summary.blank += 1
        self.outcome(RowOutcome(item.line, "skipped", reason=item.reason))

    def outcome(self, outcome: RowOutcome) -> None:
        if self.on_outcome is not None:
            self.on_outcome(outcome)

    def finish(self) -> ImportSummary:
        finish_batch(self.writer, self.batch_id, self.summary)
        return self.summary


def _chunks(values: list[Any], size: int = 900) -> Iterable[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _batches(items: Iterable[Any]) -> Iterable[list[Any]]:
    pending: list[Any] = []
    for item in items:
        pending.append(item)
        if len(pending) >= BATCH_ROWS:
            yield pending
            pending = []
    if pending:
        yield pending


# ---------------------------------------------------------------- deals


def _stage_for(record: DealRecord, pipelines: list[PipelineInfo]) -> tuple[PipelineInfo, StageInfo]:
    from crm_tui.errors import CrmError
    from crm_tui.services.money.pipelines import find_stage

    pipeline = pipelines[0]
    if record.pipeline:
        key = name_key(record.pipeline)
        found = [p for p in pipelines if name_key(p.name) == key]
        if not found:
            raise _RowProblem(f"no pipeline '{record.pipeline}' (pipelines: {', '.join(p.name for p in pipelines)})")
        pipeline = found[0]
    if record.stage:
        try:
            stage = find_stage(pipeline, record.stage)
        except CrmError as exc:
            raise _RowProblem(exc.message) from None
        if record.status and record.status != stage.kind:
            raise _RowProblem(f"the status {record.status} does not fit the stage {stage.name} ({stage.kind})")
        return pipeline, stage
    kind = record.status or "open"
    stage_found = pipeline.stage_named(kind)
    if stage_found is None:
        raise _RowProblem(f"the {pipeline.name} pipeline has no {kind} stage")
    return pipeline, stage_found


def _furthest(record: DealRecord, pipeline: PipelineInfo, stage: StageInfo) -> int | None:
    from crm_tui.errors import CrmError
    from crm_tui.services.money.pipelines import find_stage

    opens = pipeline.open_stages
    if record.furthest_stage:
        try:
            return find_stage(pipeline, record.furthest_stage).id
        except CrmError as exc:
            raise _RowProblem(exc.message) from None
    if stage.kind == "open" or not opens:
        return stage.id if stage.kind == "open" else None
    return opens[-1].id if stage.kind == "won" else opens[0].id


def import_deals(
    conn: Connection,
    items: Iterable[DealRecord | Skipped],
    *,
    source: str,
    actor: str,
    options: dict[str, Any] | None = None,
    now: datetime | None = None,
    on_outcome: Outcome = None,
    on_reject: Reject = None,
    skip_invalid: bool = False,
) -> ImportSummary:
    """Add the deals of a file in this transaction; rows already there are left alone."""
    now = now or utcnow()
    run = _Importer(
        conn,
        "deals",
        source=source,
        actor=actor,
        options=options or {},
        now=now,
        on_outcome=on_outcome,
        on_reject=on_reject,
        skip_invalid=skip_invalid,
    )
    pipelines = all_pipelines(conn)
    seen: set[tuple[Any, ...]] = set()
    for part in _batches(items):
        records = [r for r in part if isinstance(r, DealRecord)]
        by_email, orgs = run.contacts(records)
        externals = {r.external_id for r in records if r.external_id}
        known_external: set[str] = set()
        for chunk in _chunks(sorted(externals)):
            known_external.update(conn.execute(select(d.external_id).where(d.external_id.in_(chunk))).scalars())
        titles = {r.title.lower() for r in records}
        known: set[tuple[Any, ...]] = set()
        for chunk in _chunks(sorted(titles)):
            query = select(func.lower(d.title), d.contact_id, d.organization_id).where(func.lower(d.title).in_(chunk))
            known.update(tuple(row) for row in conn.execute(query))
        rows = []
        for item in part:
            run.summary.rows += 1
            if isinstance(item, Skipped):
                run.skipped(item)
                continue
            try:
                contact_id = run.contact_of(item, by_email, orgs)
                org_id = run.org_of(item.organization)
                if org_id is None and contact_id is not None:
                    org_id = orgs.get(contact_id)
                pipeline, stage = _stage_for(item, pipelines)
                furthest = _furthest(item, pipeline, stage)
            except _RowProblem as problem:
                run.bad(item, problem.message)
                continue
            key = (item.title.lower(), contact_id, org_id)
            if (
                (item.external_id and item.external_id in known_external)
                or (not item.external_id and key in known)
                or key in seen
            ):
                run.summary.unchanged += 1
                run.outcome(RowOutcome(item.line, "unchanged", None, item.title, ["already there"]))
                continue
            if stage.kind == "lost" and not item.lost_reason:
                run.bad(item, "a lost deal needs a reason (column lost_reason)")
                continue
            seen.add(key)
            created = item.created_at or now
            closed = (item.won_at if stage.kind == "won" else item.lost_at) or (
                created if stage.kind != "open" else None
            )
            rows.append(
                {
                    "title": item.title,
                    "contact_id": contact_id,
                    "organization_id": org_id,
                    "owner": item.owner or actor,
                    "pipeline_id": pipeline.id,
                    "stage_id": stage.id,
                    "status": stage.kind,
                    "amount": item.amount,
                    "currency": item.currency,
                    "probability": item.probability,
                    "expected_close": item.expected_close,
                    "next_step": item.next_step,
                    "next_step_due": item.next_step_due,
                    "recurring_amount": item.recurring_amount,
                    "recurring_interval": item.recurring_interval,
                    "source": item.source,
                    "lost_reason": item.lost_reason if stage.kind == "lost" else None,
                    "won_at": closed if stage.kind == "won" else None,
                    "lost_at": closed if stage.kind == "lost" else None,
                    "furthest_stage_id": furthest,
                    "stage_changed_at": closed or created,
                    "external_id": item.external_id,
                    "import_batch_id": run.batch_id,
                    "created_by": actor,
                    "created_at": created,
                    "updated_at": now,
                }
            )
            run.summary.created += 1
            run.outcome(
                RowOutcome(
                    item.line, "created", None, item.title, [f"{stage.name}, {human_money(item.amount, item.currency)}"]
                )
            )
        if rows:
            conn.execute(insert(t.deals), rows)
    return run.finish()


# ---------------------------------------------------------------- payments


def _deal_ids(conn: Connection, records: list[PaymentRecord]) -> tuple[dict[str, int], dict[int, str]]:
    """(external id -> deal id, each deal id that exists -> its currency) for these records."""
    externals = sorted({r.deal_external_id for r in records if r.deal_external_id})
    by_external: dict[str, int] = {}
    for chunk in _chunks(externals):
        by_external.update(conn.execute(select(d.external_id, d.id).where(d.external_id.in_(chunk))).all())
    own = {
        int(x.removeprefix("crm-deal-"))
        for x in externals
        if x not in by_external and x.startswith("crm-deal-") and x[9:].isdigit() and len(x) < 28
    }
    wanted = sorted(own | {r.deal_id for r in records if r.deal_id is not None})
    existing: dict[int, str] = {}
    for chunk in _chunks(wanted):
        existing.update((row[0], row[1]) for row in conn.execute(select(d.id, d.currency).where(d.id.in_(chunk))))
    for external in externals:
        if external not in by_external and external.startswith("crm-deal-") and external[9:].isdigit():
            number = int(external[9:])
            if number in existing:
                by_external[external] = number
    return by_external, existing


def import_payments(
    conn: Connection,
    items: Iterable[PaymentRecord | Skipped],
    *,
    source: str,
    actor: str,
    options: dict[str, Any] | None = None,
    now: datetime | None = None,
    on_outcome: Outcome = None,
    on_reject: Reject = None,
    skip_invalid: bool = False,
) -> ImportSummary:
    """Add the payments of a file in this transaction; payments already recorded are left alone."""
    now = now or utcnow()
    run = _Importer(
        conn,
        "payments",
        source=source,
        actor=actor,
        options=options or {},
        now=now,
        on_outcome=on_outcome,
        on_reject=on_reject,
        skip_invalid=skip_invalid,
    )
    for part in _batches(items):
        records = [r for r in part if isinstance(r, PaymentRecord)]
        by_email, orgs = run.contacts(records)
        by_external, deals = _deal_ids(conn, records)
        references = sorted({r.reference for r in records if r.reference})
        known_refs: set[str] = set()
        for chunk in _chunks(references):
            known_refs.update(conn.execute(select(pay.reference).where(pay.reference.in_(chunk))).scalars())
        days = sorted({r.paid_on for r in records})
        known: set[tuple[Any, ...]] = set()
        for chunk in _chunks(days):
            query = select(pay.paid_on, pay.amount, pay.currency, pay.contact_id, pay.organization_id)
            known.update(tuple(row) for row in conn.execute(query.where(pay.paid_on.in_(chunk))))
        rows = []
        for item in part:
            run.summary.rows += 1
            if isinstance(item, Skipped):
                run.skipped(item)
                continue
            try:
                contact_id = None
                if item.contact_email and item.organization and item.contact_email.lower() not in by_email:
                    pass  # an unknown payer's email: the organization named beside it is the payer
                elif item.contact_email or item.contact_id is not None:
                    contact_id = run.contact_of(item, by_email, orgs)
                org_id = run.org_of(item.organization) if contact_id is None or item.organization else None
                if org_id is None and contact_id is not None:
                    org_id = orgs.get(contact_id)
                deal_id = item.deal_id
                if item.deal_external_id:
                    deal_id = by_external.get(item.deal_external_id)
                    if deal_id is None:
                        raise _RowProblem(f"no deal with the id {item.deal_external_id}")
                elif deal_id is not None and deal_id not in deals:
                    raise _RowProblem(f"no deal #{deal_id}")
                if deal_id is not None and deal_id in deals and deals[deal_id] != item.currency:
                    raise _RowProblem(deal_currency_differs(deal_id, deals[deal_id], item.currency))
            except _RowProblem as problem:
                run.bad(item, problem.message)
                continue
            key = (item.paid_on, item.amount, item.currency, contact_id, org_id)
            label = f"{human_money(item.amount, item.currency)} on {item.paid_on.isoformat()}"
            if (item.reference and item.reference in known_refs) or (not item.reference and key in known):
                run.summary.unchanged += 1
                run.outcome(RowOutcome(item.line, "unchanged", None, label, ["already recorded"]))
                continue
            if item.reference:
                known_refs.add(item.reference)
            rows.append(
                {
                    "contact_id": contact_id,
                    "organization_id": org_id,
                    "deal_id": deal_id,
                    "paid_on": item.paid_on,
                    "amount": item.amount,
                    "currency": item.currency,
                    "note": item.note,
                    "reference": item.reference,
                    "import_batch_id": run.batch_id,
                    "created_by": actor,
                    "created_at": now,
                }
            )
            run.summary.created += 1
            run.outcome(RowOutcome(item.line, "created", None, label))
        if rows:
            conn.execute(insert(t.payments), rows)
    return run.finish()


# ---------------------------------------------------------------- revert


def revert_money_batch(conn: Connection, batch_id: int, *, batch_created_at: datetime) -> tuple[int, int, int]:
    """Remove what a deals or payments import added: (payments removed, deals removed, deals kept).

    A deal changed since (its history has entries) is kept, so no one's work is lost.
    """
    ch = t.changes.c
    payments = conn.execute(delete(t.payments).where(pay.import_batch_id == batch_id)).rowcount
    touched = exists().where(ch.entity == "deal", ch.entity_id == d.id)
    kept = conn.execute(
        select(func.count()).select_from(t.deals).where(d.import_batch_id == batch_id, touched)
    ).scalar_one()
    removed = conn.execute(delete(t.deals).where(d.import_batch_id == batch_id, ~touched)).rowcount
    o = t.organizations.c
    conn.execute(
        delete(t.organizations).where(
            o.created_at == batch_created_at,
            ~exists().where(c.organization_id == o.id),
            ~exists().where(d.organization_id == o.id),
            ~exists().where(pay.organization_id == o.id),
        )
    )
    return int(payments), int(removed), int(kept)
