"""The person parts of `crm contact`: the edit options for dates, addresses, web addresses and custom
fields, what `crm contact show` prints of them, and `crm contact link` / `unlink`."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import typer

from crm_tui.commands.contacts import contact_app
from crm_tui.commands.runtime import runtime

if TYPE_CHECKING:
    from crm_tui.services.person.editing import PersonEdit
    from crm_tui.services.person.profile import PersonInfo


def person_edit(
    *,
    birthday: str | None,
    dates: list[str],
    remove_dates: list[str],
    set_fields: list[str],
    unset_fields: list[str],
    add_addresses: list[str],
    remove_addresses: list[str],
    urls: list[str],
    remove_urls: list[str],
    nickname: str | None,
    department: str | None,
) -> PersonEdit:
    """The PersonEdit the options of `crm contact edit` ask for (InvalidInput for a malformed one)."""
    from crm_tui.keys import url_with_label
    from crm_tui.services.person.editing import PersonEdit, parse_address, parse_label_value

    edit = PersonEdit(birthday=birthday, nickname=nickname, department=department)
    for item in dates:
        label, value = parse_label_value(item, option="--date")
        edit.dates[label] = value
    for label in remove_dates:
        edit.dates[label] = ""
    for item in set_fields:
        name, value = parse_label_value(item, option="--set")
        edit.set_fields[name] = value
    edit.unset_fields = list(unset_fields)
    edit.add_addresses = [parse_address(a) for a in add_addresses]
    edit.remove_addresses = list(remove_addresses)
    edit.add_urls = [url_with_label(u) for u in urls]
    edit.remove_urls = list(remove_urls)
    return edit


def _date_text(d: Any) -> str:
    if d.next is None:
        return d.value
    years = f", {'turns ' if d.is_birthday else ''}{d.years}{'' if d.is_birthday else ' years'}" if d.years else ""
    return f"{d.value} (next {d.next.isoformat()}{years})"


def person_pairs(info: PersonInfo, fmt: str) -> list[tuple[str, Any]]:
    """What `crm contact show` adds about the person: objects in JSON, `name  value` lines otherwise."""
    if fmt in ("json", "ndjson"):
        birthday = info.birthday
        return [
            ("nickname", info.nickname),
            ("department", info.department),
            ("birthday", birthday.value if birthday else None),
            ("dates", [
                {"label": d.label, "date": d.value, "next": d.next.isoformat() if d.next else None, "years": d.years}
                for d in info.dates
            ]),
            ("addresses", [{"label": a.label, "po_box": a.po_box, "extended": a.extended, "street": a.street,
                            "locality": a.locality, "region": a.region, "postcode": a.postcode, "country": a.country,
                            "text": a.one_line()} for a in info.addresses]),
            ("urls", [{"url": u.url, "label": u.label} for u in info.urls]),
            ("relationships", [{"type": r.kind, "contact_id": r.other_id, "name": r.other_name}
                               for r in info.relations]),
        ]  # fmt: skip
    pairs: list[tuple[str, Any]] = [("nickname", info.nickname), ("department", info.department)]
    addresses = [f"{a.label}: {a.one_line()}" if a.label else a.one_line() for a in info.addresses]
    urls = [f"{u.label}: {u.url}" if u.label else u.url for u in info.urls]
    relations = [f"{r.kind}: #{r.other_id} {r.other_name}" for r in info.relations]
    if fmt == "csv":
        return [
            *pairs,
            ("dates", "; ".join(f"{d.label}: {d.value}" for d in info.dates) or None),
            ("addresses", "; ".join(addresses) or None),
            ("urls", "; ".join(urls) or None),
            ("relationships", "; ".join(relations) or None),
        ]
    pairs += [(d.label, _date_text(d)) for d in info.dates]
    pairs += [("address", text) for text in addresses]
    pairs += [("url", text) for text in urls]
    pairs += [("relationship", text) for text in relations]
    return pairs


def field_pairs(info: PersonInfo) -> list[tuple[str, Any]]:
    """The custom values as `name  value` lines, after the contact's own fields."""
    return [(f.name, f.value) for f in info.fields]


def today(rt: Any) -> date:
    return rt.now().astimezone(rt.tz).date()


@contact_app.command("link")
def link(
    ctx: typer.Context,
    a: str = typer.Argument(..., help="The contact (12, #12, an email, part of a name)."),
    b: str = typer.Argument(..., help="The other contact."),
    as_: str = typer.Option(..., "--as", help="What B is to A: manager, spouse, colleague, introduced-by..."),
) -> None:
    """Relate two contacts: B is A's TYPE, and A is B's inverse (manager ↔ report).

    Types: colleague, spouse, partner, friend, family, sibling, manager/report, parent/child,
    introduced-by/introduced, mentor/mentee, assistant/assists, referred-by/referred; any other word
    is a custom type ("godparent", seen from B as "godparent of"), or a pair "godparent/godchild".

    Example: crm contact link ada bob --as manager     (Bob is Ada's manager; Ada is Bob's report)
    """
    from crm_tui.services.contacts.finding import resolve_contact
    from crm_tui.services.person.relations import link as link_contacts

    rt = runtime(ctx)
    with rt.session() as session:
        first, second = resolve_contact(session, a), resolve_contact(session, b)
        assert first.id is not None and second.id is not None
        kind = link_contacts(session, first.id, second.id, as_, actor=rt.user)
    rt.done(f"#{second.id} {second.display_name} is now #{first.id} {first.display_name}'s {kind}", first.id)


@contact_app.command("unlink")
def unlink(
    ctx: typer.Context,
    a: str = typer.Argument(..., help="A contact."),
    b: str = typer.Argument(..., help="The other contact."),
) -> None:
    """Remove every relationship between two contacts, whichever way it was made.

    Example: crm contact unlink ada bob
    """
    from crm_tui.services.contacts.finding import resolve_contact
    from crm_tui.services.person.relations import unlink as unlink_contacts

    rt = runtime(ctx)
    with rt.session() as session:
        first, second = resolve_contact(session, a), resolve_contact(session, b)
        assert first.id is not None and second.id is not None
        count = unlink_contacts(session, first.id, second.id, actor=rt.user)
    rt.done(f"Removed {count} relationship{'s' if count != 1 else ''} between #{first.id} and #{second.id}", count)
