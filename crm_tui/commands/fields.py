"""`crm field ...` (custom field definitions) and `crm dates ...` (yearly dates coming up, and how far
ahead each label shows)."""

from __future__ import annotations

import typer

from crm_tui.commands.runtime import FormatOption, runtime

field_app = typer.Typer(help="Custom fields: define them with a type, list them, remove them.", no_args_is_help=True)
dates_app = typer.Typer(
    help="Birthdays, anniversaries and other yearly dates: what comes up, and how far ahead.", no_args_is_help=True
)


@field_app.command("add")
def add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The field's name, e.g. industry."),
    type_: str = typer.Option("text", "--type", help="text, number, date or choice."),
    choices: str | None = typer.Option(None, "--choices", help="A choice field's choices: a,b,c."),
) -> None:
    """Define a custom field; set it with `crm contact edit REF --set NAME=VALUE`.

    Values contacts already hold under that name (an import's column) must fit the type.

    Example: crm field add industry --type choice --choices retail,finance,health
    """
    from crm_tui.services.person.fields import add_field

    rt = runtime(ctx)
    picks = [c for c in choices.split(",")] if choices else []
    with rt.session() as session:
        field = add_field(session, name, type_=type_, choices=picks, actor=rt.user)
    rt.done(f"Added the {field.type} field {field.name}", field.id)


@field_app.command("list")
def list_(ctx: typer.Context, fmt: str | None = FormatOption) -> None:
    """List the defined custom fields: name, type, choices, and how many contacts hold a value.

    Example: crm field list --format json
    """
    from crm_tui.output import render
    from crm_tui.services.person.fields import list_fields

    rt = runtime(ctx)
    fmt = rt.fmt(fmt)
    with rt.connection() as conn:
        found = list_fields(conn)
    records = [{"name": f.name, "type": f.type, "choices": f.choices, "contacts": f.used} for f in found]
    columns = [("name", "Name"), ("type", "Type"), ("choices", "Choices"), ("contacts", "Contacts")]
    render(records, columns, fmt, tz=rt.tz)


@field_app.command("rm")
def rm(ctx: typer.Context, name: str = typer.Argument(..., help="The field to remove.")) -> None:
    """Remove a custom field and every contact's value for it (each removal is in the contact's history).

    Example: crm field rm "shoe size"
    """
    from crm_tui.services.person.fields import remove_field

    rt = runtime(ctx)
    with rt.session() as session:
        field, count = remove_field(session, name, actor=rt.user)
    rt.done(f"Removed the field {field.name} and its value from {count} contact{'s' if count != 1 else ''}", count)


@dates_app.command("upcoming")
def upcoming(
    ctx: typer.Context,
    within: str = typer.Option("30d", "--within", help="How far ahead: 2w, 3m."),
    fmt: str | None = FormatOption,
) -> None:
    """Yearly dates coming up within a time, soonest first, with the age when the year is known.

    Example: crm dates upcoming --within 2w
    """
    from datetime import timedelta

    from crm_tui.output import render
    from crm_tui.services.person.upcoming import upcoming_dates

    rt = runtime(ctx)
    fmt = rt.fmt(fmt)
    now = rt.now()
    with rt.connection() as conn:
        found = upcoming_dates(conn, now=now, until=now + timedelta(days=rt.duration_days(within, option="--within")),
                               tz=rt.tz)  # fmt: skip
    records = [
        {"date": d.day.isoformat(), "contact_id": d.contact_id, "contact": d.contact, "label": d.label,
         "value": d.value, "years": d.years, "what": d.what}
        for d in found
    ]  # fmt: skip
    render(records, [("date", "Date"), ("contact", "Contact"), ("what", "What")], fmt, tz=rt.tz)


@dates_app.command("notice")
def notice(
    ctx: typer.Context,
    label: str | None = typer.Argument(None, help="A date's label: birthday, anniversary, renewal..."),
    days: str | None = typer.Argument(None, help="How many days ahead it shows; 'default' for 7 again."),
    fmt: str | None = FormatOption,
) -> None:
    """How many days ahead a label's dates show in `crm due` and on Today (7 unless set here).

    Without arguments, lists the labels set. Kept in the database, so it holds for everyone.

    Example: crm dates notice renewal 30
    """
    from crm_tui.annual import DEFAULT_NOTICE_DAYS
    from crm_tui.errors import InvalidInput
    from crm_tui.output import render
    from crm_tui.services.person.upcoming import notices, set_notice

    rt = runtime(ctx)
    if label is None or days is None:
        if label is not None:
            raise InvalidInput("give the number of days too: crm dates notice LABEL DAYS")
        with rt.connection() as conn:
            found = notices(conn)
        records = [{"label": name, "days": n} for name, n in sorted(found.values())]
        records.append({"label": "(any other)", "days": DEFAULT_NOTICE_DAYS})
        render(records, [("label", "Label"), ("days", "Days ahead")], rt.fmt(fmt), tz=rt.tz)
        return
    reset = days.strip().lower() == "default"
    if not reset and not days.strip().isdigit():
        raise InvalidInput(f"'{days}' is not a number of days (or 'default')")
    with rt.connection(write=True) as conn:
        set_notice(conn, label, None if reset else int(days))
    shown = DEFAULT_NOTICE_DAYS if reset else int(days)
    rt.done(f"{label.strip()} dates show {shown} day{'s' if shown != 1 else ''} ahead", shown)
