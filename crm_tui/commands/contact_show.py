"""`crm contact show`: one contact whole, with its person, money, follow-ups and timeline."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from crm_tui.commands.contacts import contact_app
from crm_tui.commands.runtime import FormatOption, runtime

if TYPE_CHECKING:
    from crm_tui.services.contacts.rows import ContactDetail


def detail_pairs(detail: ContactDetail) -> list[tuple[str, Any]]:
    """The fields of `crm contact show`, in reading order."""
    from crm_tui.dates import format_duration_days

    c = detail.contact
    return [
        ("id", c.id),
        ("name", c.display_name),
        ("given_name", c.given_name),
        ("family_name", c.family_name),
        ("organization", detail.organization),
        ("title", c.title),
        ("emails", [e.email for e in detail.emails]),
        ("phones", [p.phone for p in detail.phones]),
        ("tags", detail.tags),
        ("owner", c.owner),
        ("every", format_duration_days(c.cadence_days) if c.cadence_days else None),
        ("last_contact_at", c.last_contact_at),
        ("notes", c.notes),
        ("custom", detail.custom or None),  # crm contact show prints each value as its own line but in JSON
        ("created_at", c.created_at),
        ("updated_at", c.updated_at),
        ("deleted_at", c.deleted_at),
    ]


@contact_app.command("show")
def show(
    ctx: typer.Context,
    ref: str = typer.Argument(..., help="12, #12, an email, or part of a name."),
    fmt: str | None = FormatOption,
) -> None:
    """Show a contact with its timeline and open reminders.

    Example: crm contact show ada@analytical.io
    """
    from crm_tui.commands.person import field_pairs, person_pairs, today
    from crm_tui.keys import one_line
    from crm_tui.output import fields, human_value
    from crm_tui.services.contacts.finding import find_contact
    from crm_tui.services.contacts.rows import contact_detail
    from crm_tui.services.person.profile import person_info

    rt = runtime(ctx)
    fmt = rt.fmt(fmt)
    from crm_tui.commands.money_helpers import amount, deal_record
    from crm_tui.services.feedback import feedback_summary
    from crm_tui.services.money.views import money_view

    with rt.connection() as conn:
        detail = contact_detail(conn, find_contact(conn, ref, deleted=None).id, deleted=None)
        feedback = feedback_summary(conn, detail.contact.id)
        person = person_info(conn, detail.contact.id, today=today(rt))
        money = money_view(conn, "contact", detail.contact.id, today=today(rt))
    pairs = detail_pairs(detail)
    pairs.insert(pairs.index(("notes", detail.contact.notes)), ("feedback", feedback.text if feedback else None))
    at = next(i for i, (key, _) in enumerate(pairs) if key == "custom")
    if fmt in ("json", "ndjson", "csv"):
        pairs[at:at] = person_pairs(person, fmt)
    else:  # each custom value as a `name  value` line of its own
        pairs[at : at + 1] = person_pairs(person, fmt) + field_pairs(person)
    pairs += [
        (
            f"value {w.currency}",
            f"{amount(w.revenue_12m, w.currency, 'table')} in 12 months, "
            f"{amount(w.lifetime, w.currency, 'table')} lifetime, tier {w.tier}",
        )
        for w in money.worth
        if fmt not in ("json", "ndjson")
    ]
    if fmt in ("json", "ndjson"):
        pairs.append(
            (
                "value",
                [
                    {
                        "currency": w.currency,
                        "revenue_12m": amount(w.revenue_12m, w.currency, fmt),
                        "lifetime": amount(w.lifetime, w.currency, fmt),
                        "tier": w.tier,
                        "segment": w.segment,
                    }
                    for w in money.worth
                ],
            )
        )
        pairs.append(("deals", [deal_record(d, fmt) for d in money.deals]))
        pairs.append(("interactions", [interaction_record(i) for i in detail.interactions]))
        pairs.append(
            (
                "reminders",
                [
                    {"id": r.id, "title": r.title, "due_at": r.due_at, "rule": r.rule, "snoozed_until": r.snoozed_until}
                    for r in detail.reminders
                ],
            )
        )
        fields(pairs, fmt, tz=rt.tz)
        return
    fields(pairs, fmt, tz=rt.tz)
    if fmt == "csv":
        return
    if money.deals:
        typer.echo("\ndeals")
        for d in money.deals:
            typer.echo(
                f"  #{d.id}  {one_line(d.stage):<12} {amount(d.amount, d.currency, 'table'):>16}  {one_line(d.title)}"
            )
    if detail.reminders:
        typer.echo("\nopen reminders")
        now = rt.now()
        for r in detail.reminders:
            snoozed = r.snoozed_until and r.snoozed_until > now
            until = f"  (snoozed until {human_value(r.snoozed_until, rt.tz)})" if snoozed else ""
            typer.echo(f"  #{r.id}  {human_value(r.due_at, rt.tz)}  {one_line(r.title)}{until}")
    if detail.interactions:
        typer.echo("\ntimeline")
        for i in detail.interactions:
            score = f"{i.score_text} " if i.score_text else ""
            typer.echo(f"  {human_value(i.occurred_at, rt.tz)}  {i.kind:<8}  {score}{one_line(i.summary)}")


def interaction_record(i: Any) -> dict[str, Any]:
    return {
        "id": i.id,
        "contact_id": i.contact_id,
        "kind": i.kind,
        "direction": i.direction,
        "occurred_at": i.occurred_at,
        "summary": i.summary,
        "body": i.body,
        "author": i.author,
        "score": i.score,
        "scale": i.scale,
    }
