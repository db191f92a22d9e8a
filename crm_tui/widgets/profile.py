"""A contact's profile panel: who, where, how to reach them, what they are worth, the stay-in-touch
state, and the person's dates, addresses, web addresses, relationships and custom fields."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from rich.text import Text

from crm_tui.widgets.cells import tags_cell

if TYPE_CHECKING:
    from crm_tui.services.contacts.rows import ContactDetail
    from crm_tui.services.money.views import MoneyView
    from crm_tui.services.person.profile import PersonInfo


def profile_text(
    detail: ContactDetail,
    *,
    now: datetime,
    tz: tzinfo,
    person: PersonInfo | None = None,
    money: MoneyView | None = None,
) -> Text:
    """The profile panel: who, where, how to reach them, what they are worth, the stay-in-touch state,
    and the person's dates, addresses, web addresses, relationships and custom fields."""
    from crm_tui.dates import format_duration_days, format_local, format_relative

    c = detail.contact
    text = Text()
    department = person.department if person else None
    role = " · ".join(part for part in (c.title, department, detail.organization) if part)
    if role:
        text.append(role + "\n", style="bold")
    for i, email in enumerate(detail.emails):
        text.append(email.email)
        text.append(" (primary)\n" if i == 0 and len(detail.emails) > 1 else "\n", style="dim")
    for phone in detail.phones:
        text.append(phone.phone + "\n")
    if detail.tags:
        text.append_text(tags_cell(detail.tags))
        text.append("\n")
    if money is not None:
        text.append_text(money_lines(money))
    last = c.last_contact_at
    text.append("Last contact ", style="dim")
    text.append(format_relative(last, now=now) if last else "never")
    if c.cadence_days:
        text.append(f" · every {format_duration_days(c.cadence_days)}", style="dim")
        if last is not None:
            from datetime import timedelta

            due = last + timedelta(days=c.cadence_days)
            if due <= now:
                text.append(f" · lapsed {format_relative(due, now=now)}", style="bold yellow")
            else:
                text.append(f" · next touch {format_relative(due, now=now)}", style="dim")
        else:
            text.append(" · never contacted", style="bold yellow")
    text.append("\n")
    owner = f"Owner {c.owner} · " if c.owner else ""
    text.append(f"{owner}added {format_local(c.created_at, tz, with_time=False)} · #{c.id}", style="dim")
    if person is not None:
        person_text(text, person, now=now, tz=tz)
    if c.notes:
        text.append("\n\n")
        text.append(c.notes, style="italic")
    if person is None:
        for key, value in detail.custom.items():
            text.append(f"\n{key}: ", style="dim")
            text.append(str(value))
    return text


def person_text(text: Text, person: PersonInfo, *, now: datetime, tz: tzinfo) -> None:
    """The person's part of the profile: a line per date, address, web address, relationship and field."""
    today = now.astimezone(tz).date()
    if person.nickname:
        text.append("\nknown as ", style="dim")
        text.append(person.nickname)
    for d in person.dates:
        text.append(f"\n{d.label} ", style="dim")
        text.append(d.value.removeprefix("--"))
        if d.next is not None:
            days = (d.next - today).days
            when = "today" if days == 0 else "tomorrow" if days == 1 else f"in {days} days"
            age = f", turns {d.years}" if d.years and d.is_birthday else f", {d.years} years" if d.years else ""
            text.append(f" ({when}{age})", style="bold magenta" if days <= 7 else "dim")
    for a in person.addresses:
        text.append(f"\n{a.label or 'address'} ", style="dim")
        text.append(a.one_line())
    for u in person.urls:
        text.append(f"\n{u.label or 'web'} ", style="dim")
        text.append(u.url)
    for r in person.relations:
        text.append(f"\n{r.kind} ", style="dim")
        text.append(f"{r.other_name} #{r.other_id}")
    for f in person.fields:
        text.append(f"\n{f.name}: ", style="dim")
        text.append(f.value)


SHOWN_DEALS = 3  # open deals listed by name under the value


def money_lines(money: MoneyView) -> Text:
    """Value per currency with the tier, and the open deals: the contact and organization views share it."""
    from crm_tui.money import human_money

    text = Text()
    for worth in money.worth:
        text.append("Value ", style="dim")
        text.append(f"{human_money(worth.revenue_12m, worth.currency)}", style="bold")
        text.append(f" in 12 months · {human_money(worth.lifetime, worth.currency)} lifetime", style="dim")
        text.append(f" · tier {worth.tier}", style="bold")
        if worth.segment:
            text.append(f" · {worth.segment}", style="dim")
        text.append("\n")
    opens = money.open_deals
    if opens:
        totals: dict[str, int] = {}
        for deal in opens:
            totals[deal.currency] = totals.get(deal.currency, 0) + deal.amount
        text.append("Open deals ", style="dim")
        text.append(f"{len(opens)}: " + ", ".join(human_money(v, k) for k, v in sorted(totals.items())) + "\n")
        for deal in opens[:SHOWN_DEALS]:
            text.append(f"  {deal.title}", style="bold")
            text.append(f" · {deal.stage} · {human_money(deal.amount, deal.currency)}\n", style="dim")
    if money.payments:
        last = money.payments[0]
        text.append("Last paid ", style="dim")
        text.append(f"{human_money(last.amount, last.currency)} on {last.paid_on.isoformat()}\n")
    return text
