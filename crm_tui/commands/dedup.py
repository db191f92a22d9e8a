"""`crm dedup`: likely duplicates, scored with reasons; `crm dedup dismiss A B` remembers they are two people."""

from __future__ import annotations

import typer

from crm_tui.commands.runtime import FormatOption, runtime

dedup_app = typer.Typer(invoke_without_command=True, add_completion=False)

COLUMNS = [
    ("score", "Score"),
    ("contact_id", "ID"),
    ("name", "Name"),
    ("other_id", "Other"),
    ("other_name", "Other name"),
    ("why", "Why"),
]


@dedup_app.callback()
def dedup(
    ctx: typer.Context,
    min_score: int = typer.Option(50, "--min-score", "-m", help="Only pairs scoring at least this (0-100)."),
    contact: str | None = typer.Option(None, "--contact", "-c", help="Only the pairs this contact is in."),
    limit: int | None = typer.Option(None, "--limit", "-n", min=1, help="At most this many pairs."),
    fmt: str | None = FormatOption,
) -> None:
    """Scan every live contact for likely duplicates, best first.

    Signs and points: same phone number 50, same email name at related domains
    (ada@analytical.io, ada@analytical.co.uk) 40, names alike up to 60 (identical 60,
    "A. Lovelace" and "Ada Lovelace" 45), same organization 10; capped at 100. Merge a pair with
    `crm contact merge KEEP OTHER`; `crm dedup dismiss A B` says they are two people.

    Example: crm dedup --min-score 70 --format json
    """
    if ctx.invoked_subcommand is not None:
        return
    from crm_tui.output import render
    from crm_tui.services.contacts.finding import find_contact
    from crm_tui.services.dedup import find_duplicates

    rt = runtime(ctx)
    shown = rt.fmt(fmt)
    with rt.connection() as conn:
        only = find_contact(conn, contact).id if contact else None
        report = find_duplicates(conn, min_score=min_score, limit=limit, contact_id=only)
    records = [
        {
            "score": pair.score,
            "contact_id": pair.contact_id,
            "name": pair.name,
            "other_id": pair.other_id,
            "other_name": pair.other_name,
            "why": pair.why(),
            "reasons": [{"rule": r.rule, "points": r.points, "detail": r.detail} for r in pair.reasons],
        }
        for pair in report.pairs
    ]
    if shown in ("table", "plain", "csv"):
        for record in records:
            del record["reasons"]
    render(records, COLUMNS, shown, tz=rt.tz)
    if shown == "table":
        skipped = f"; {report.common_keys:,} keys too common to pair on" if report.common_keys else ""
        rt.note(
            f"{len(report.pairs):,} pairs among {report.contacts:,} contacts ({report.dismissed:,} dismissed{skipped})"
        )


@dedup_app.command("dismiss")
def dismiss(
    ctx: typer.Context,
    first: str = typer.Argument(..., help="One contact of the pair."),
    second: str = typer.Argument(..., help="The other."),
) -> None:
    """Remember that two contacts are different people: they are never listed as a pair again.

    Example: crm dedup dismiss 12 31
    """
    from crm_tui.services.contacts.finding import find_contact
    from crm_tui.services.dedup import dismiss_pair

    rt = runtime(ctx)
    with rt.session() as session:
        a, b = (find_contact(session.connection(), ref).id for ref in (first, second))
        dismiss_pair(session, a, b, actor=rt.user)
    rt.done(f"#{a} and #{b} are two people; `crm dedup` will not list them again", f"{a}\t{b}")


@dedup_app.command("undismiss")
def undismiss(
    ctx: typer.Context,
    first: str = typer.Argument(..., help="One contact of the pair."),
    second: str = typer.Argument(..., help="The other."),
) -> None:
    """List a dismissed pair again.

    Example: crm dedup undismiss 12 31
    """
    from crm_tui.services.contacts.finding import find_contact
    from crm_tui.services.dedup import undismiss_pair

    rt = runtime(ctx)
    with rt.session() as session:
        a, b = (find_contact(session.connection(), ref).id for ref in (first, second))
        undismiss_pair(session, a, b, actor=rt.user)
    rt.done(f"#{a} and #{b} may be listed again", f"{a}\t{b}")
