"""`crm feedback ...`: NPS by month, and the ask-for-feedback and say-thank-you actions."""

from __future__ import annotations

import typer

from crm_tui.commands.runtime import REMINDER_DEFAULT_TIME, FormatOption, Runtime, runtime

feedback_app = typer.Typer(help="Feedback: NPS by month; ask for feedback; say thank you.", no_args_is_help=True)


@feedback_app.command("nps")
def nps(
    ctx: typer.Context,
    start: str | None = typer.Option(None, "--from", help="First month (a date in it; default: 11 months ago)."),
    end: str | None = typer.Option(None, "--to", help="Last month (a date in it; default: this month)."),
    by: str | None = typer.Option(None, "--by", help="tag, owner or tier (the tier on the last day asked)."),
    fmt: str | None = FormatOption,
) -> None:
    """NPS per month: promoters (9-10) minus detractors (0-6) over 0-10 responses, with 1-5 ratings beside.

    Example: crm feedback nps --from 2026-01-01 --by tag
    """
    from datetime import timedelta

    from crm_tui.dates import parse_date
    from crm_tui.output import render
    from crm_tui.services.feedback import nps_by_month

    rt = runtime(ctx)
    fmt = rt.fmt(fmt)
    now = rt.now()
    with rt.about("--to"):
        last = parse_date(end, now=now, tz=rt.tz) if end else now.astimezone(rt.tz).date()
    with rt.about("--from"):
        first = parse_date(start, now=now, tz=rt.tz) if start else (last.replace(day=1) - timedelta(days=320))
    with rt.connection() as conn:
        rows = nps_by_month(conn, start=first, end=last, tz=rt.tz, by=by)
    records = [
        {"month": row.month, "group": row.group, "responses": row.responses, "promoters": row.promoters,
         "passives": row.passives, "detractors": row.detractors, "nps": row.nps, "ratings": row.ratings,
         "rating_average": row.rating_average}
        for row in rows
    ]  # fmt: skip
    columns = [
        ("month", "Month"), ("group", by or "Group"), ("responses", "Responses"), ("promoters", "Promoters"),
        ("detractors", "Detractors"), ("nps", "NPS"), ("ratings", "Ratings"), ("rating_average", "Avg rating"),
    ]  # fmt: skip
    render(records, columns, fmt, tz=rt.tz)


def _act(rt: Runtime, ref: str, *, action: str, via: str, note: str | None, follow_up: str | None) -> None:
    from crm_tui.services.contacts.finding import find_contact
    from crm_tui.services.feedback import ask_or_thank
    from crm_tui.services.interactions import check_follow_up, check_kind

    kind = check_kind(via)
    due = rt.when(follow_up, option="--follow-up", default_time=REMINDER_DEFAULT_TIME) if follow_up else None
    if due is not None:  # as `crm log --follow-up`: today is fine, a day before it a mistake
        with rt.about("--follow-up"):
            check_follow_up(due, now=rt.now(), tz=rt.tz, text=follow_up)
    with rt.session() as session:
        contact = find_contact(session.connection(), ref)
        interaction, reminder = ask_or_thank(session, contact.id, action=action, actor=rt.user, kind=kind, note=note,
                                             follow_up=due, contact_name=contact.name)  # fmt: skip
        reminder_id = reminder.id if reminder else None
    said = "Asked" if action == "ask" else "Thanked"
    extra = f"; follow-up #{reminder_id} added" if reminder_id else ""
    rt.done(f"{said} {contact.name} ({interaction.kind} #{interaction.id}){extra}", interaction.id)


@feedback_app.command("ask")
def ask(
    ctx: typer.Context,
    ref: str = typer.Argument(..., help="The contact: 12, #12, an email, or part of a name."),
    via: str = typer.Option("email", "--via", help="How you asked: email, call, message, meeting, note."),
    note: str | None = typer.Option(None, "--note", help="What you asked about."),
    follow_up: str | None = typer.Option(None, "--follow-up", help="Also a reminder then to collect the answer."),
) -> None:
    """Log that you asked a contact for feedback (then log the answer: crm log REF feedback ... --score N).

    Example: crm feedback ask ada --note "the launch" --follow-up "next fri"
    """
    _act(runtime(ctx), ref, action="ask", via=via, note=note, follow_up=follow_up)


@feedback_app.command("thank")
def thank(
    ctx: typer.Context,
    ref: str = typer.Argument(..., help="The contact: 12, #12, an email, or part of a name."),
    via: str = typer.Option("email", "--via", help="How you said it: email, call, message, meeting, note."),
    note: str | None = typer.Option(None, "--note", help="What for."),
    follow_up: str | None = typer.Option(None, "--follow-up", help="Also a reminder then."),
) -> None:
    """Log that you said thank you to a contact.

    Example: crm feedback thank ada --note "the referral to Babbage & Co"
    """
    _act(runtime(ctx), ref, action="thank", via=via, note=note, follow_up=follow_up)
