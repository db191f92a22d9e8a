"""The contact form's person fields: nickname, department, birthday, dates, addresses, web addresses and
custom fields; filled from a PersonInfo and read back as the PersonEdit that makes the difference."""

from __future__ import annotations

import re
from functools import partial
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.widgets import Input, TextArea

from crm_tui.widgets.form import FormField

if TYPE_CHECKING:
    from crm_tui.screens.form_base import FormModal
    from crm_tui.services.person.editing import PersonEdit
    from crm_tui.services.person.profile import PersonInfo

_ITEMS = re.compile(r"\s*[,;]\s*")
# Web addresses are shown `a, b`: a comma or semicolon inside one (`https://x.io/a,b`) is not a split, only one
# before a space or before the next address (`label=` or a scheme) is; no address holds a space.
_URL_ITEMS = re.compile(r"[,;]?\s+|[,;](?=(?:[\w.-]+=)?(?:https?://|www\.))")


def person_fields() -> ComposeResult:
    yield FormField("Nickname", Input(id="nickname", compact=True))
    yield FormField("Department", Input(id="department", compact=True))
    yield FormField("Birthday", Input(id="birthday", placeholder="12-10 or 1815-12-10", compact=True))
    yield FormField("Dates", Input(id="dates", placeholder="anniversary=2010-06-12, renewal=2027-03-01", compact=True))
    yield FormField(
        "Addresses", TextArea(id="addresses", compact=True, soft_wrap=True, placeholder="home: 12 Main St, Springfield")
    )
    yield FormField(
        "Web", Input(id="urls", placeholder="linkedin=https://linkedin.com/in/ada, https://…", compact=True)
    )
    yield FormField("Fields", Input(id="fields", compact=True))  # its placeholder: the fields defined (contact_form)


def _address_text(a: object) -> str:
    label = getattr(a, "label", None)
    text = a.one_line()  # type: ignore[attr-defined]
    return f"{label}: {text}" if label else text


def fill_person(form: FormModal, person: PersonInfo) -> None:
    """Put the contact's person data in the fields."""
    birthday = person.birthday
    values = {
        "nickname": person.nickname or "",
        "department": person.department or "",
        "birthday": birthday.value.removeprefix("--") if birthday else "",
        "dates": ", ".join(f"{d.label}={d.value.removeprefix('--')}" for d in person.dates if not d.is_birthday),
        "urls": ", ".join(f"{u.label}={u.url}" if u.label else u.url for u in person.urls),
        "fields": "; ".join(f"{f.name}={f.value}" for f in person.fields),
    }
    for field_id, value in values.items():
        form.query_one(f"#{field_id}", Input).value = value
    form.query_one("#addresses", TextArea).text = "\n".join(_address_text(a) for a in person.addresses)


def collect_person(form: FormModal, person: PersonInfo | None) -> PersonEdit | None:
    """What the person fields change against `person` (None for a new contact); errors go to their field."""
    from crm_tui.annual import parse_annual
    from crm_tui.keys import url_key
    from crm_tui.keys import url_with_label as url_option
    from crm_tui.services.person.editing import PersonEdit, parse_address, parse_label_value

    edit = PersonEdit()
    old_nick = (person.nickname or "") if person else ""
    old_dept = (person.department or "") if person else ""
    if form.text("nickname") != old_nick:
        edit.nickname = form.text("nickname")
    if form.text("department") != old_dept:
        edit.department = form.text("department")
    old_birthday = person.birthday.value if person and person.birthday else None
    typed = form.text("birthday")
    new_birthday: str | None = form.check("birthday", partial(parse_annual, typed)) if typed else None
    if typed and new_birthday is None:
        pass
    elif new_birthday != old_birthday:
        edit.birthday = new_birthday or ""
    old_dates = {d.label.casefold(): d.value for d in (person.dates if person else []) if not d.is_birthday}
    new_dates: dict[str, str] = {}
    for item in _ITEMS.split(form.text("dates")):
        if item:
            pair = form.check("dates", partial(parse_label_value, item, option="--date"))
            value = form.check("dates", partial(parse_annual, pair[1], option="--date")) if pair else None
            if pair and value:
                new_dates[pair[0]] = value
    for label, value in new_dates.items():
        if old_dates.get(label.casefold()) != value:
            edit.dates[label] = value
    for key in old_dates:
        if key not in {k.casefold() for k in new_dates}:
            edit.dates[key] = ""
    old_addresses = [_address_text(a) for a in (person.addresses if person else [])]
    lines = [line.strip() for line in form.query_one("#addresses", TextArea).text.splitlines() if line.strip()]
    for i, text in enumerate(old_addresses, 1):
        if text not in lines:
            edit.remove_addresses.append(str(i))
    for line in lines:
        if line not in old_addresses:
            address = form.check("addresses", partial(parse_address, line))
            if address is not None:
                edit.add_addresses.append(address)
    old_urls = {url_key(u.url): u for u in (person.urls if person else [])}
    typed_urls = (u.strip(",;") for u in _URL_ITEMS.split(form.text("urls")))
    new_urls = [found for u in typed_urls if u and (found := form.check("urls", partial(url_option, u)))]
    for url, url_label in new_urls:
        had = old_urls.get(url_key(url))
        if had is None or (had.label or None) != url_label:
            if had is not None:
                edit.remove_urls.append(had.url)
            edit.add_urls.append((url, url_label))
    for key, u in old_urls.items():
        if key not in {url_key(url) for url, _ in new_urls}:
            edit.remove_urls.append(u.url)
    old_fields = {f.name.casefold(): f for f in (person.fields if person else [])}
    typed_fields: dict[str, str] = {}
    for item in form.text("fields").split(";"):
        if item.strip():
            pair = form.check("fields", partial(parse_label_value, item, option="field"))
            if pair:
                typed_fields[pair[0]] = pair[1]
    for name, value in typed_fields.items():
        held = old_fields.get(name.casefold())
        if held is None or held.value != value:
            edit.set_fields[name] = value
    for key, f in old_fields.items():
        if key not in {n.casefold() for n in typed_fields}:
            edit.unset_fields.append(f.name)
    return edit if edit else None
