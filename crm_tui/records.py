"""Plain records that cross between the readers/writers in `crm_tui.io` and the services.

Readers produce `ContactRecord`s and `InteractionRecord`s, which the import services
consume; the export services produce `Exported*` records, which writers consume. Neither
side imports the other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from crm_tui.errors import InvalidInput
from crm_tui.keys import MAX_ID, MAX_NAME_LENGTH, MAX_TAGS_PER_CONTACT, clean_text, needs_cleaning

R = TypeVar("R")


@dataclass(slots=True)
class Labeled:
    """An email or phone as read, with its label (work, home...) if the source had one."""

    value: str
    label: str | None = None
    key: str = ""  # the matching key (email_key or phone_key), filled in by the importer


@dataclass(slots=True)
class Address:
    """A postal address in vCard ADR's seven parts, with its label (home, work...)."""

    label: str | None = None
    po_box: str | None = None
    extended: str | None = None
    street: str | None = None
    locality: str | None = None
    region: str | None = None
    postcode: str | None = None
    country: str | None = None

    def parts(self) -> tuple[str | None, ...]:
        """The seven parts in ADR's order."""
        return (self.po_box, self.extended, self.street, self.locality, self.region, self.postcode, self.country)

    @classmethod
    def from_text(cls, text: str, label: str | None = None) -> Address:
        """An address typed on one line, its parts split by commas: street; street, city; street, city,
        country; street, city, region, country; street, city, region, postcode, country (more parts
        before those belong to the street). Seven parts split by `;` are vCard ADR's own order."""
        raw = " ".join(text.replace("\n", ", ").split())
        if raw.count(";") == 6:
            return cls(label, *(p.strip() or None for p in raw.split(";")))
        items = [p.strip() for p in raw.split(",") if p.strip()]
        cut = max(1, len(items) - 4)
        street, more = ", ".join(items[:cut]) or None, items[cut:]
        names = {
            0: (), 1: ("locality",), 2: ("locality", "country"), 3: ("locality", "region", "country"),
            4: ("locality", "region", "postcode", "country"),
        }[len(more)]  # fmt: skip
        return cls(label, street=street, **dict(zip(names, more, strict=True)))

    def one_line(self) -> str:
        """`12 Main St, Springfield, IL 62701, USA`: the parts a person reads, in reading order."""
        area = " ".join(p for p in (self.region, self.postcode) if p)
        pieces = (self.po_box, self.extended, self.street, self.locality, area, self.country)
        return ", ".join(p for p in pieces if p)


@dataclass(slots=True)
class SourceProperty:
    """One property of a source card as it was read (vCard `group.NAME;PARAM=x:value`), for writers to give back."""

    line: int
    name: str  # upper case
    value: str  # as text: quoted-printable and charsets decoded, backslash escapes kept
    group: str | None = None
    params: dict[str, list[str]] = field(default_factory=dict)  # names upper case; vCard 2.1's bare types under TYPE


@dataclass(slots=True)
class ContactRecord:
    """One contact as a source row describes it; empty fields mean "not given"."""

    line: int
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    emails: list[Labeled] = field(default_factory=list)  # primary first
    phones: list[Labeled] = field(default_factory=list)  # primary first
    organization: str | None = None
    title: str | None = None
    tags: list[str] = field(default_factory=list)
    notes: str | None = None
    cadence_days: int | None = None
    owner: str | None = None
    birthday: str | None = None
    source: str | None = None
    uid: str | None = None
    created_at: datetime | None = None
    custom: dict[str, str] = field(default_factory=dict)
    nickname: str | None = None
    department: str | None = None
    dates: list[tuple[str, str]] = field(default_factory=list)  # (label, YYYY-MM-DD or --MM-DD), no birthday
    addresses: list[Address] = field(default_factory=list)
    urls: list[Labeled] = field(default_factory=list)
    card_lines: list[str] = field(default_factory=list)  # vCard properties crm has no field for, as written
    split_name: bool = True  # no given/family in the source: split them from the name
    # What a vCard reader read (every property, in order) and what it left out, and why.
    properties: list[SourceProperty] | None = None
    dropped: list[RowError] | None = None
    clean_source: bool = False  # the reader saw no control character in the source cells: nothing to clean

    def display_name(self) -> str:
        """The name the contact is shown by: the name, else given and family, else its first email or phone."""
        name = self.name or " ".join(p for p in (self.given_name, self.family_name) if p)
        if not name:
            name = self.emails[0].value if self.emails else self.phones[0].value if self.phones else ""
        return " ".join(name.split())

    def check(self) -> None:
        """Clean the text by the input rule, then RowError unless the record names someone, as `crm contact add`."""
        if not self.clean_source:
            self.clean()
        if not (self.name or self.given_name or self.family_name or self.emails or self.phones):
            raise RowError(self.line, "no name, email or phone")
        # The display name is never longer than a name given (only its spaces are squeezed).
        if not (self.name and len(self.name) <= MAX_NAME_LENGTH) and len(self.display_name()) > MAX_NAME_LENGTH:
            raise RowError(self.line, f"the name is longer than {MAX_NAME_LENGTH} characters")
        if len(self.tags) > MAX_TAGS_PER_CONTACT and len({t.casefold() for t in self.tags}) > MAX_TAGS_PER_CONTACT:
            raise RowError(self.line, f"more than {MAX_TAGS_PER_CONTACT:,} tags on one contact")

    def clean(self) -> None:
        """Every text field by the input rule (crm_tui.keys.clean_text): notes and custom values keep
        their tabs and newlines, the other fields are one line; no other control character is kept."""
        texts = [
            self.name, self.given_name, self.family_name, self.organization, self.title, self.notes,
            self.owner, self.birthday, self.source, self.uid,
        ]  # fmt: skip
        probe = "".join([t for t in texts if t])
        probe += "".join([e.value + (e.label or "") for e in self.emails])
        probe += "".join([p.value + (p.label or "") for p in self.phones])
        probe += "".join(self.tags) + "".join(self.custom) + "".join(self.custom.values())
        if not needs_cleaning(probe):
            return
        one = clean_text
        self.name, self.given_name, self.family_name = _opt(self.name), _opt(self.given_name), _opt(self.family_name)
        self.organization, self.title, self.owner = _opt(self.organization), _opt(self.title), _opt(self.owner)
        self.birthday, self.source, self.uid = _opt(self.birthday), _opt(self.source), _opt(self.uid)
        self.notes = clean_text(self.notes, multiline=True) if self.notes else self.notes
        for item in (*self.emails, *self.phones):
            item.value = one(item.value)
            item.label = _opt(item.label)
        self.tags = [one(t) for t in self.tags]
        self.custom = {one(k): clean_text(v, multiline=True) for k, v in self.custom.items()}


def _opt(value: str | None) -> str | None:
    return clean_text(value) if value else value


@dataclass(slots=True)
class InteractionRecord:
    """One interaction row: the contact by email or id, then what happened."""

    line: int
    contact_email: str | None
    contact_id: int | None
    kind: str
    occurred_at: datetime
    summary: str
    direction: str | None = None
    body: str | None = None
    author: str | None = None
    cells: list[str] | None = None  # the source row, for the rejects file
    score: int | None = None  # a feedback's, on `scale` (10: 0-10, 5: 1-5)
    scale: int | None = None
    where: str | None = None  # how an error names it, when not `line N` (an item of a JSON array)

    def __post_init__(self) -> None:
        # The input rule (crm_tui.keys.clean_text): the body keeps its tabs and newlines.
        probe = self.kind + self.summary + (self.body or "") + (self.direction or "") + (self.author or "")
        if needs_cleaning(probe):
            self.kind, self.summary = clean_text(self.kind), clean_text(self.summary)
            self.direction, self.author = _opt(self.direction), _opt(self.author)
            self.body = clean_text(self.body, multiline=True) if self.body else self.body


@dataclass(slots=True)
class Skipped:
    """A source row that is not imported: blank, or invalid under --skip-invalid."""

    line: int
    reason: str
    cells: list[str] | None = None  # the original cells, for the rejects file
    invalid: bool = False


class RowError(Exception):
    """A row that cannot be read: what is wrong and in which column."""

    def __init__(self, line: int, message: str, column: str | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.message = message
        self.column = column

    def describe(self, source: str) -> str:
        where = f" (column {self.column})" if self.column else ""
        return f"{source} line {self.line}: {self.message}{where}"


def contact_id_cell(text: str, line: int, column: str) -> int | None:
    """A contact id typed as `12` or `#12`; None for anything else, RowError past the largest id."""
    text = text.strip().lstrip("#")
    if not (text.isascii() and text.isdigit()):
        return None
    found = int(text)
    if found > MAX_ID:
        raise RowError(line, f"'{text if len(text) <= 20 else text[:19] + '…'}' is not a contact id", column)
    return found


def mapped_rows(
    rows: Iterable[tuple[int, list[str]]],
    map_row: Callable[[int, list[str]], R | None],
    *,
    source: str,
    skip_invalid: bool,
) -> Iterator[R | Skipped]:
    """Each row mapped to a record; blank rows and (with --skip-invalid) bad rows as Skipped.

    Without --skip-invalid the first bad row stops everything with `FILE line N: ...`.
    """
    for line, cells in rows:
        try:
            record = map_row(line, cells)
        except RowError as exc:
            if not skip_invalid:
                raise InvalidInput(exc.describe(source)) from None
            where = f" (column {exc.column})" if exc.column else ""
            yield Skipped(line, exc.message + where, cells, True)
            continue
        yield record if record is not None else Skipped(line, "blank row")


# ---------------------------------------------------------------- exports


@dataclass
class ExportedContact:
    """A live contact with its emails, phones, organization and tags, ready for a writer."""

    id: int
    display_name: str
    given_name: str | None
    family_name: str | None
    emails: list[tuple[str, str | None]]  # (address, label), primary first
    phones: list[tuple[str, str | None]]  # (number, label), primary first
    organization: str | None
    title: str | None
    tags: list[str]
    notes: str | None
    cadence_days: int | None
    owner: str | None
    birthday: str | None
    source: str | None
    uid: str | None
    custom: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    last_contact_at: datetime | None = None
    nickname: str | None = None
    department: str | None = None
    dates: list[tuple[str, str]] = field(default_factory=list)  # (label, date) but the birthday
    addresses: list[Address] = field(default_factory=list)
    urls: list[tuple[str, str | None]] = field(default_factory=list)  # (url, label)
    card_lines: list[str] = field(default_factory=list)
    relations: list[tuple[str, int, str]] = field(default_factory=list)  # (kind, other id, other's name)


@dataclass
class ExportedInteraction:
    id: int
    contact_id: int
    contact: str
    email: str | None
    kind: str
    direction: str | None
    occurred_at: datetime
    summary: str
    body: str | None
    author: str | None
    created_at: datetime
    score: int | None = None  # a feedback's, on `scale` (10: 0-10, 5: 1-5)
    scale: int | None = None


@dataclass
class ExportedReminder:
    id: int
    contact_id: int | None
    contact: str | None
    email: str | None
    title: str
    due_at: datetime
    rule: str | None
    tz: str | None
    snoozed_until: datetime | None
    done_at: datetime | None
    owner: str | None
    created_at: datetime
    updated_at: datetime
    after_completion: bool = False  # the rule counts from when it was done, not from the schedule


# ---------------------------------------------------------------- mail and calendar


@dataclass(slots=True)
class MailRecord:
    """One message of a mailbox, as `crm import mail` needs it; addresses lowercased."""

    where: str  # how a message is named in messages: `inbox.mbox message 12`, `cur/1700000000.x:2,S`
    message_id: str  # the Message-ID header, or `sha1:...` of the headers when it has none
    sender: tuple[str, str] | None  # (address, display name) of From
    recipients: list[tuple[str, str]]  # To and Cc, (address, display name)
    subject: str
    occurred_at: datetime | None  # None: no date anywhere (Date, Received, the mbox From line, the file name)
    automated: bool = False  # a robot sent it (no-reply, Auto-Submitted, Precedence: bulk)
    body: str | None = None  # filled only for messages the importer wants (see MailReader's `wanted`)


@dataclass(slots=True)
class EventRecord:
    """One occurrence of a calendar event; a repeating event yields one record per occurrence."""

    where: str  # `work.ics event 3`, `khal/abc.ics`
    uid: str
    recurrence_id: datetime | None  # the occurrence's original start (UTC) for a repeating event
    start: datetime  # aware UTC; an all-day event starts at 00:00 in the user's zone
    all_day: bool
    summary: str
    description: str | None
    location: str | None
    attendees: list[tuple[str, str]]  # (address lowercased, name), the organizer included
    organizer: str | None

    @property
    def key(self) -> str:
        """The event occurrence's stable key: `ics:UID`, and `/` its original start for a repeat."""
        if self.recurrence_id is None:
            return f"ics:{self.uid}"
        return f"ics:{self.uid}/{self.recurrence_id.strftime('%Y%m%dT%H%M%SZ')}"


# ---------------------------------------------------------------- money


@dataclass(slots=True)
class DealRecord:
    """One deal read from a file, or written to one (then `id` is the database's). Amounts in minor units."""

    line: int
    title: str
    amount: int
    currency: str
    contact_email: str | None = None
    contact_id: int | None = None
    organization: str | None = None
    pipeline: str | None = None
    stage: str | None = None
    status: str | None = None
    probability: int | None = None
    expected_close: date | None = None
    next_step: str | None = None
    next_step_due: datetime | None = None
    recurring_amount: int | None = None
    recurring_interval: str | None = None
    source: str | None = None
    lost_reason: str | None = None
    won_at: datetime | None = None
    lost_at: datetime | None = None
    furthest_stage: str | None = None
    owner: str | None = None
    external_id: str | None = None
    created_at: datetime | None = None
    id: int | None = None
    contact: str | None = None  # the contact's name, written for people, ignored when read
    cells: list[str] | None = None  # the source row, for the rejects file
    where: str | None = None  # how an error names it, when not `line N`


@dataclass(slots=True)
class PaymentRecord:
    """One payment read from a file, or written to one. The amount in minor units; negative is a refund."""

    line: int
    paid_on: date
    amount: int
    currency: str
    contact_email: str | None = None
    contact_id: int | None = None
    organization: str | None = None
    deal_id: int | None = None
    deal_external_id: str | None = None
    reference: str | None = None
    note: str | None = None
    id: int | None = None
    contact: str | None = None
    deal: str | None = None
    cells: list[str] | None = None
    where: str | None = None
