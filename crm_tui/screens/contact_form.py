"""Add or edit a contact: names, emails, phones, organization, tags, cadence, notes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, TextArea

from crm_tui.keys import clean_text
from crm_tui.screens.form_base import FormModal
from crm_tui.screens.person_fields import collect_person, fill_person, person_fields
from crm_tui.widgets.form import FormField
from crm_tui.widgets.suggest import NameSuggester, offer_again

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session

    from crm_tui.models import Contact
    from crm_tui.models.schemas import ContactUpdate
    from crm_tui.services.contacts.finding import PhoneHolder
    from crm_tui.services.contacts.rows import ContactDetail
    from crm_tui.services.person.editing import PersonEdit
    from crm_tui.services.person.fields import FieldDef
    from crm_tui.services.person.profile import PersonInfo

_LIST = re.compile(r"[,;\s]+")
TAG_SEPARATORS = ",;#"  # what split_tags splits on: NameSuggester completes the tag after the last one
_TAG_MARKS = re.compile(r"(?:^|\s)#")


def split_list(text: str) -> list[str]:
    """Items typed as "a, b; c" or "a b c"."""
    return [item for item in _LIST.split(text) if item]


def split_tags(text: str) -> list[str]:
    """Tags typed as "client, vip" (commas or semicolons between them) or "#client #vip". A tag may hold
    spaces ("big client"), as `crm contact add --tag` keeps it: spaces alone split nothing (they split every
    such tag when a form was saved, its tags shown as "big client, vip")."""
    parts = (part for chunk in re.split(r"[,;]", text) for part in _TAG_MARKS.split(chunk))
    tags = (" ".join(part.strip().lstrip("#").split()) for part in parts)
    return [tag for tag in tags if tag]


@dataclass(frozen=True)
class ContactValues:
    """What the contact form read."""

    name: str
    emails: list[str]
    phones: list[str]
    organization: str
    title: str
    tags: list[str]
    cadence_days: int | None
    notes: str
    person: PersonEdit | None = None  # what the person fields change (dates, addresses, web, fields)
    new_org_ok: bool = False  # the organization was refused as close to another, and saved again as it is


# A new organization's name close to an existing one is refused (a typo would make a stray
# organization), as `--org` is on the command line; the same text saved again is meant.
ORG_REFUSED = "no organization is called"


def org_refusal(typed: str, near: str) -> str:
    return f"{ORG_REFUSED} '{typed[:60]}': did you mean '{near}'? Save again to add it"


class ContactFormModal(FormModal[ContactValues, "Contact"]):
    """A new contact, or the edit of one (given its id); returns the saved Contact."""

    def __init__(self, contact_id: int | None = None) -> None:
        super().__init__()
        self.contact_id = contact_id
        self._org_saved = ""  # the organization text of the latest save
        self._org_refused: str | None = None  # the organization text refused as a typo, if any
        # Existing organizations and tags, offered as they are typed (→ takes one).
        self.org_names = NameSuggester()
        self.tag_names = NameSuggester(separators=TAG_SEPARATORS, marks="#")

    def dialog_title(self) -> str:
        return "Edit contact" if self.contact_id else "New contact"

    def fields(self) -> ComposeResult:
        yield FormField("Name", Input(id="name", placeholder="e.g. Ada Lovelace", compact=True), required=True)
        yield FormField(
            "Emails", Input(id="emails", placeholder="e.g. ada@example.com (the first is primary)", compact=True)
        )
        yield FormField("Phones", Input(id="phones", placeholder="e.g. +44 20 7946 0000", compact=True))
        yield FormField("Organization", Input(id="organization", compact=True, suggester=self.org_names))
        yield FormField("Title", Input(id="title", compact=True))
        tags = Input(id="tags", placeholder="e.g. client, vip", compact=True, suggester=self.tag_names)
        yield FormField("Tags", tags)
        yield FormField(
            "Keep in touch",
            Input(id="every", placeholder="e.g. 2w, 1m, 90 days (empty: no reminder)", compact=True),
        )
        yield FormField("Notes", TextArea(id="notes", compact=True, soft_wrap=True))
        yield from person_fields()

    def on_mount(self) -> None:
        from crm_tui.services.person.fields import list_fields

        self.person: PersonInfo | None = None
        self.db(list_fields, self._field_names)
        load_names(self, self.org_names, self.tag_names)
        if self.contact_id is not None:
            from crm_tui.services.contacts.rows import contact_detail
            from crm_tui.services.person.profile import person_info

            contact_id = self.contact_id
            today = self.crm.now().astimezone(self.crm.tz).date()

            def load(conn: Connection) -> tuple[ContactDetail, PersonInfo]:
                return contact_detail(conn, contact_id, timeline_limit=0), person_info(conn, contact_id, today=today)

            self.hold_keys()  # what is typed goes after the stored text, not under it
            self.db(load, self._fill_all)

    def _field_names(self, found: list[FieldDef]) -> None:
        """The custom fields defined, as the placeholder; with none, how to define one (an example such as
        `industry=retail` was refused on save: no such field)."""
        field = self.query_one("#fields", Input)
        if found:
            names = "; ".join(f"{f.name}=…" for f in found[:4])
            field.placeholder = names + (" …" if len(found) > 4 else "")
        else:
            field.placeholder = "none defined yet (crm field add NAME)"

    def _fill_all(self, loaded: tuple[ContactDetail, PersonInfo]) -> None:
        self.person = loaded[1]
        fill_person(self, loaded[1])
        self._fill(loaded[0])  # last: it lets the keys typed meanwhile through

    def _fill(self, detail: ContactDetail) -> None:
        from crm_tui.dates import format_duration_days

        c = detail.contact
        values = {
            "name": c.display_name,
            "emails": ", ".join(e.email for e in detail.emails),
            "phones": ", ".join(p.phone for p in detail.phones),
            "organization": detail.organization or "",
            "title": c.title or "",
            "tags": ", ".join(detail.tags),
            "every": format_duration_days(c.cadence_days) if c.cadence_days else "",
        }
        for field_id, value in values.items():
            self.query_one(f"#{field_id}", Input).value = clean_text(value)
        self.query_one("#notes", TextArea).text = clean_text(c.notes or "", multiline=True)
        self.release_keys()

    @on(Input.Changed, "#phones")
    def _phones_changed(self, event: Input.Changed) -> None:
        """Name who else has a number typed here, in any form: a duplicate to merge rather than add."""
        from crm_tui.keys import MIN_PHONE_DIGITS

        typed = re.split(r"[,;]", event.value)
        phones = [p.strip() for p in typed if sum(ch.isdigit() for ch in p) >= MIN_PHONE_DIGITS]
        if not phones:
            self.field("phones").show_hint("")
            return
        from crm_tui.services.contacts.finding import contacts_with_phones

        exclude = self.contact_id
        self.db(
            lambda conn: contacts_with_phones(conn, phones, exclude=exclude, limit=3),
            self._show_phone_holders,
            group="phone-hint",
            exclusive=True,
            on_error=lambda _: None,  # only a hint: the save reports a database that cannot be used
        )

    def _show_phone_holders(self, holders: list[PhoneHolder]) -> None:
        if not holders:
            self.field("phones").show_hint("")
            return
        names = ", ".join(f"{h.name} (#{h.id}, {h.phone})" for h in holders)
        self.field("phones").show_hint(f"⚠ also the number of {names}: a duplicate? m on a contact merges")

    def collect(self) -> ContactValues:
        from crm_tui.dates import parse_duration
        from crm_tui.keys import check_tag_count, clean_email, clean_phone

        name = " ".join(self.text("name").split())
        if not name:
            self.error("name", "a contact needs a name")
        emails = [self.check("emails", partial(clean_email, e)) for e in split_list(self.text("emails"))]
        phones = [
            self.check("phones", partial(clean_phone, p)) for p in re.split(r"[,;]", self.text("phones")) if p.strip()
        ]
        every = self.text("every").removeprefix("every ").strip()
        cadence = self.check("every", lambda: parse_duration(every).total_days()) if every else None
        person = collect_person(self, getattr(self, "person", None))
        organization = self._org_saved = self.text("organization")
        return ContactValues(
            new_org_ok=bool(organization) and organization == self._org_refused,
            person=person,
            name=name,
            emails=[e for e in emails if e],
            phones=[p for p in phones if p],
            organization=organization,
            title=self.text("title"),
            tags=self.check("tags", partial(check_tag_count, split_tags(self.text("tags")), field="tags")) or [],
            cadence_days=cadence,
            notes=self.area_text("notes"),
        )

    def persist(self, session: Session, values: ContactValues) -> Contact:
        from crm_tui.models.schemas import ContactCreate
        from crm_tui.services.contacts.finding import get_contact
        from crm_tui.services.contacts.rows import contact_detail
        from crm_tui.services.contacts.writing import add_contact
        from crm_tui.services.person.editing import apply_person_edit, edit_contact_and_person

        app = self.crm
        if self.contact_id is None:
            data = ContactCreate(
                name=values.name,
                emails=values.emails,
                phones=values.phones,
                organization=values.organization or None,
                title=values.title or None,
                tags=values.tags,
                notes=values.notes or None,
                cadence_days=values.cadence_days,
            )
            _check_new_org(session, values, values.organization)
            added = add_contact(session, data, actor=app.user, now=app.now())
            if values.person:
                apply_person_edit(session, added, values.person, actor=app.user, now=app.now())
            return added
        contact = get_contact(session, self.contact_id)
        detail = contact_detail(session.connection(), self.contact_id, timeline_limit=0)
        update = contact_update(detail, values)
        _check_new_org(session, values, update.organization)
        return edit_contact_and_person(session, contact, update, values.person, actor=app.user, now=app.now())

    def error_field(self, message: str) -> str | None:
        if message.startswith(ORG_REFUSED):
            self._org_refused = self._org_saved
            return "organization"
        for word, field_id in (
            ("--birthday", "birthday"), ("--date", "dates"), ("web address", "urls"), ("address", "addresses"),
            ("field", "fields"), ("email", "emails"), ("phone", "phones"), ("cadence", "every"), ("name", "name"),
        ):  # fmt: skip
            if word in message:
                return field_id
        return None


def _check_new_org(session: Session, values: ContactValues, name: str | None) -> None:
    """Refuse an organization the form would create when its name is close to an existing one's."""
    from crm_tui.errors import InvalidInput
    from crm_tui.services.organizations import close_to_new_name

    if name and not values.new_org_ok and (near := close_to_new_name(session.connection(), name)):
        raise InvalidInput(org_refusal(name, near))


def contact_update(detail: ContactDetail, values: ContactValues) -> ContactUpdate:
    """The ContactUpdate that turns `detail` into what the form holds."""
    from crm_tui.keys import email_key, phone_key
    from crm_tui.models.schemas import ContactUpdate

    c = detail.contact
    old_emails = {email_key(e.email): e.email for e in detail.emails}
    new_emails = {email_key(e): e for e in values.emails}
    old_phones = {phone_key(p.phone): p.phone for p in detail.phones}
    new_phones = {phone_key(p): p for p in values.phones}
    old_tags = {t.casefold(): t for t in detail.tags}
    new_tags = {t.casefold(): t for t in values.tags}
    primary = values.emails[0] if values.emails else None
    return ContactUpdate(
        name=values.name if values.name != c.display_name else None,
        add_emails=[e for k, e in new_emails.items() if k not in old_emails],
        remove_emails=[e for k, e in old_emails.items() if k not in new_emails],
        primary_email=primary if primary and email_key(primary) != email_key(detail.primary_email or "") else None,
        add_phones=[p for k, p in new_phones.items() if k not in old_phones],
        remove_phones=[p for k, p in old_phones.items() if k not in new_phones],
        organization=values.organization if values.organization != (detail.organization or "") else None,
        title=values.title if values.title != (c.title or "") else None,
        notes=values.notes if values.notes != (c.notes or "") else None,
        add_tags=[t for k, t in new_tags.items() if k not in old_tags],
        remove_tags=[t for k, t in old_tags.items() if k not in new_tags],
        cadence_days=values.cadence_days,
        clear_cadence=values.cadence_days is None and c.cadence_days is not None,
    )


class TagsModal(FormModal[list[str], "Contact"]):
    """Edit just a contact's tags; returns the saved Contact."""

    def __init__(self, contact_id: int, contact_name: str) -> None:
        super().__init__()
        self.contact_id = contact_id
        self.contact_name = contact_name

    def dialog_title(self) -> str:
        return f"Tags of {self.contact_name}"

    def fields(self) -> ComposeResult:
        self.tag_names = NameSuggester(separators=TAG_SEPARATORS, marks="#")
        yield FormField(
            "Tags",
            Input(id="tags", placeholder="e.g. client, vip (empty: no tags)", compact=True, suggester=self.tag_names),
        )

    def on_mount(self) -> None:
        from crm_tui.services.contacts.rows import tags_of

        load_names(self, None, self.tag_names)
        contact_id = self.contact_id
        self.hold_keys()
        self.db(lambda conn: tags_of(conn, [contact_id]).get(contact_id, []), self._fill)

    def _fill(self, tags: list[str]) -> None:
        self.query_one("#tags", Input).value = ", ".join(tags)
        self.release_keys()

    def collect(self) -> list[str]:
        from crm_tui.keys import check_tag_count

        return self.check("tags", partial(check_tag_count, split_tags(self.text("tags")), field="tags")) or []

    def persist(self, session: Session, values: list[str]) -> Contact:
        from crm_tui.models.schemas import ContactUpdate
        from crm_tui.services.contacts.finding import get_contact
        from crm_tui.services.contacts.rows import tags_of
        from crm_tui.services.contacts.writing import edit_contact

        contact = get_contact(session, self.contact_id)
        old = {t.casefold(): t for t in tags_of(session.connection(), [self.contact_id]).get(self.contact_id, [])}
        new = {t.casefold(): t for t in values}
        update = ContactUpdate(
            add_tags=[t for k, t in new.items() if k not in old],
            remove_tags=[t for k, t in old.items() if k not in new],
        )
        return edit_contact(session, contact, update, actor=self.crm.user, now=self.crm.now())


def load_names(form: FormModal[Any, Any], orgs: NameSuggester | None, tags: NameSuggester | None) -> None:
    """Read the organization and tag names a form offers as they are typed (one read, in a worker;
    a database that cannot be read leaves the fields without suggestions, and the save reports it)."""
    from crm_tui.services.organizations import org_names_by_use
    from crm_tui.services.tags import tag_names_by_use

    def read(conn: Connection) -> tuple[list[str], list[str]]:
        return (org_names_by_use(conn) if orgs else []), (tag_names_by_use(conn) if tags else [])

    def loaded(names: tuple[list[str], list[str]]) -> None:
        for suggester, found, field in zip((orgs, tags), names, ("#organization", "#tags"), strict=True):
            if suggester is not None:
                suggester.load(found)
                offer_again(form.query_one(field, Input))

    form.db(read, loaded, group="names", on_error=lambda _: None)
