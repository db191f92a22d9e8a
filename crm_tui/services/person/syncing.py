"""`crm sync vdir DIR`: a directory of vCards (khard, vdirsyncer) and the database kept in step, both ways.

The command reads the files (records, content hashes, times) and writes the ones this plan asks for;
here the plan is made and the database side applied. What was last synced is remembered per file
(`vdir_entries`: the file's sha256 and its contact's `updated_at`), so a second run changes nothing.

Rules: a file changed since the last sync is read into its contact (it replaces the contact's fields,
emails, phones, tags, dates, addresses, web addresses and kept vCard properties); a contact changed in
crm is written to its file; a new file makes a contact (or joins the live one with its UID); a new
contact gets a file; a deleted file sends its contact to the trash, a trashed contact's file is
deleted. Changed on both sides: the newer wins (the file's time against the contact's `updated_at`),
and the other version is kept in the contact's history (the file's text as a `sync-conflict` note, or
the contact's old values as the change's "before"). An edit wins over a deletion on the other side.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, update

from crm_tui.dates import utcnow
from crm_tui.models import tables as t
from crm_tui.records import ContactRecord
from crm_tui.services.history import change, record
from crm_tui.services.journal import CONTACT_PARTS

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from crm_tui.models import Contact

v, c = t.vdir_entries.c, t.contacts.c


@dataclass
class VdirFile:
    """One .vcf of the directory as the command read it."""

    name: str
    hash: str
    modified: datetime  # the file's mtime, aware UTC
    record: ContactRecord | None  # None: the file holds no readable card
    text: str = ""


@dataclass
class SyncPlan:
    """What the command must write (file name -> contact id) and delete, and what happened."""

    directory: str
    write: dict[str, int] = field(default_factory=dict)
    delete: list[str] = field(default_factory=list)
    kept: dict[str, tuple[int, str]] = field(default_factory=dict)  # unchanged files: name -> (contact, hash)
    created: int = 0
    updated: int = 0
    trashed: int = 0
    conflicts: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)  # files whose card crm cannot take, and why
    same: int = 0  # files of `write` the command found saying what it would write: left untouched

    def line(self) -> str:
        parts = [
            f"{self.created} contacts added", f"{self.updated} updated", f"{self.trashed} trashed",
            f"{len(self.write) - self.same} files written", f"{len(self.delete)} deleted",
        ]  # fmt: skip
        if self.conflicts:
            parts.append(f"{len(self.conflicts)} conflicts (the newer side won)")
        return ", ".join(parts)


def plan_sync(
    session: Session, directory: str, files: list[VdirFile], *, actor: str, now: datetime | None = None
) -> SyncPlan:
    """Apply the directory's changes to the database and say which files to write and delete."""
    from crm_tui.models import Contact

    now = now or utcnow()
    conn = session.connection()
    plan = SyncPlan(directory)
    entries = {
        row.file_name: row
        for row in conn.execute(
            select(v.file_name, v.contact_id, v.file_hash, v.contact_updated_at).where(v.directory == directory)
        )
    }
    on_disk = {f.name: f for f in files}
    seen: set[int] = set()
    for name, entry in entries.items():
        contact = session.get(Contact, entry.contact_id) if entry.contact_id is not None else None
        if contact is None:  # purged from crm: the file goes too, unless it changed
            f = on_disk.get(name)
            if f is not None and f.hash != entry.file_hash and f.record is not None:
                made = _take(session, plan, name, f.record, actor=actor, now=now)
                if made is not None:
                    plan.created += 1
                    plan.write[name] = _id(made)
            elif f is not None:
                plan.delete.append(name)
            continue
        seen.add(_id(contact))
        f = on_disk.get(name)
        file_changed = f is None or f.hash != entry.file_hash
        crm_changed = contact.updated_at != entry.contact_updated_at
        if f is None:  # deleted in the directory
            if crm_changed and contact.deleted_at is None:
                plan.conflicts.append(f"{name}: deleted there, edited in crm: written again")
                plan.write[name] = _id(contact)
            elif contact.deleted_at is None:
                _trash(session, contact, actor=actor, now=now, note=f"deleted from {directory}")
                plan.trashed += 1
            continue
        if contact.deleted_at is not None:  # trashed in crm
            if file_changed and f.record is not None:
                if _take(session, plan, name, f.record, contact=contact, restore=True, actor=actor, now=now):
                    plan.conflicts.append(f"{name}: trashed in crm, edited there: restored")
                    plan.updated += 1
                    plan.write[name] = _id(contact)
            else:
                plan.delete.append(name)
            continue
        if file_changed and crm_changed:
            if f.modified > contact.updated_at and f.record is not None:
                if _take(session, plan, name, f.record, contact=contact, actor=actor, now=now) is None:
                    continue
                plan.conflicts.append(f"{name}: changed on both sides: the file's is newer")  # crm's: in the history
                plan.updated += 1
            else:
                plan.conflicts.append(f"{name}: changed on both sides: crm's is newer")
                record(session, entity="contact", entity_id=_id(contact), action="sync-conflict", actor=actor,
                       at=now, note=f.text)  # fmt: skip
            plan.write[name] = _id(contact)
        elif file_changed and f.record is not None:
            if _take(session, plan, name, f.record, contact=contact, actor=actor, now=now) is None:
                continue  # remembered as it was: read again on the next run
            plan.updated += 1
            plan.write[name] = _id(contact)  # written back as crm writes it, so the next run sees no change
        elif crm_changed:
            plan.write[name] = _id(contact)
        else:
            plan.kept[name] = (_id(contact), f.hash)
    by_uid = {
        uid: cid
        for uid, cid in conn.execute(select(c.uid, c.id).where(c.uid.is_not(None), c.deleted_at.is_(None)))
        if cid not in seen
    }
    for name, f in on_disk.items():
        if name in entries or f.record is None:
            continue
        cid = by_uid.get(f.record.uid or "")
        if cid is not None:  # a file crm wrote before (an export), or a card it has: the newer wins
            contact = session.get(Contact, cid)
            assert contact is not None
            if f.modified > contact.updated_at:
                if _take(session, plan, name, f.record, contact=contact, actor=actor, now=now) is None:
                    seen.add(cid)  # no new file for it either: this one is read again on the next run
                    continue
                plan.updated += 1
        else:
            made = _take(session, plan, name, f.record, actor=actor, now=now)
            if made is None:
                continue  # not remembered: read again, and named again, on the next run
            contact = made
            plan.created += 1
        seen.add(_id(contact))
        plan.write[name] = _id(contact)
    for cid in conn.execute(select(c.id).where(c.deleted_at.is_(None))).scalars():
        if cid not in seen:
            plan.write[f"\0{cid}"] = cid  # a new contact: the command names its file
    session.flush()
    return plan


def remember(session: Session, directory: str, files: dict[str, tuple[int, str]], gone: list[str]) -> None:
    """Store each file's hash and its contact's version as synced now."""
    conn = session.connection()
    session.flush()
    names = list(files) + gone
    if names:
        conn.execute(delete(t.vdir_entries).where(v.directory == directory, v.file_name.in_(names)))
    versions = dict(conn.execute(select(c.id, c.updated_at).where(c.id.in_([cid for cid, _ in files.values()]))).all())
    rows = [
        {"directory": directory, "file_name": name, "contact_id": cid, "file_hash": digest,
         "contact_updated_at": versions[cid]}
        for name, (cid, digest) in files.items() if cid in versions
    ]  # fmt: skip
    if rows:
        conn.execute(t.vdir_entries.insert(), rows)


def _take(
    session: Session,
    plan: SyncPlan,
    name: str,
    rec: ContactRecord,
    *,
    contact: Contact | None = None,
    restore: bool = False,
    actor: str,
    now: datetime,
) -> Contact | None:
    """The file's card into crm (a new contact, or `contact` made what it says) in a savepoint: a card crm
    cannot take (its email is another contact's) is left out and named, and the rest is synced."""
    from crm_tui.errors import Conflict, InvalidInput

    try:
        with session.begin_nested():
            if contact is None:
                return _create(session, rec, actor=actor, now=now)
            if restore:
                contact.deleted_at = None
            apply_record(session, contact, rec, actor=actor, now=now)
            return contact
    except (Conflict, InvalidInput) as exc:
        plan.left_out.append(f"{name}: {exc} (the card is left out)")
        return None


def _id(contact: Contact) -> int:
    assert contact.id is not None
    return contact.id


def _trash(session: Session, contact: Contact, *, actor: str, now: datetime, note: str) -> None:
    from crm_tui.services.contacts.lifecycle import trash_contact

    trash_contact(session, contact, actor=actor, now=now, note=note)


def _create(session: Session, rec: ContactRecord, *, actor: str, now: datetime) -> Contact:
    from crm_tui.models.schemas import ContactCreate
    from crm_tui.services.contacts.writing import add_contact

    contact = add_contact(
        session,
        ContactCreate(
            name=rec.display_name(),
            given_name=rec.given_name,
            family_name=rec.family_name,
            owner=rec.owner,
            source=rec.source or "vdir",
        ),
        actor=actor,
        now=now,
    )
    apply_record(session, contact, rec, actor=actor, now=now)
    return contact


def apply_record(session: Session, contact: Contact, rec: ContactRecord, *, actor: str, now: datetime) -> None:
    """Make the contact what the card says: its fields, emails, phones and tags, and the person's parts."""
    from crm_tui.models.schemas import ContactUpdate
    from crm_tui.services.contacts.rows import contact_detail
    from crm_tui.services.contacts.writing import edit_contact
    from crm_tui.services.person.editing import replace_parts

    detail = contact_detail(session.connection(), _id(contact), timeline_limit=0, deleted=None)
    old_emails = {e.email.lower(): e.email for e in detail.emails}
    new_emails = {e.value.lower(): e.value for e in rec.emails}
    old_phones = {p.phone for p in detail.phones}
    new_phones = [p.value for p in rec.phones]
    old_tags = {x.casefold(): x for x in detail.tags}
    new_tags = {x.casefold(): x for x in rec.tags}
    update = ContactUpdate(
        name=rec.display_name(),
        given_name=rec.given_name or "",
        family_name=rec.family_name or "",
        add_emails=[e for k, e in new_emails.items() if k not in old_emails],
        remove_emails=[e for k, e in old_emails.items() if k not in new_emails],
        primary_email=rec.emails[0].value if rec.emails else None,
        remove_phones=[p for p in old_phones if p not in new_phones],  # added below: a card's phones are wider
        organization=rec.organization or "",
        title=rec.title or "",
        notes=rec.notes or "",
        add_tags=[x for k, x in new_tags.items() if k not in old_tags],
        remove_tags=[x for k, x in old_tags.items() if k not in new_tags],
        cadence_days=rec.cadence_days,
        clear_cadence=rec.cadence_days is None and contact.cadence_days is not None,
    )
    with change(session, entity="contact", entity_id=_id(contact), action="update", actor=actor, at=now,
                parts=CONTACT_PARTS):  # fmt: skip
        edit_contact(session, contact, update, actor=actor, now=now)
        if _add_phones(session, _id(contact), [p for p in new_phones if p not in old_phones]):
            contact.updated_at = now
        _set_labels(session, _id(contact), rec)
        custom: dict[str, Any] = dict(rec.custom)
        contact.custom = json.dumps(custom, ensure_ascii=False, sort_keys=True) if custom else None
        contact.uid = rec.uid or contact.uid
        replace_parts(session, contact, rec, actor=actor, now=now)


def _add_phones(session: Session, contact_id: int, numbers: list[str]) -> bool:
    """Add the card's new phones as `crm import vcard` does: any text with a digit is a phone there (DAVx5's
    `+1-800-MYFAX`, RFC 6350's `;ext=102`), where `--add-phone` takes digits and punctuation only."""
    from crm_tui.keys import phone_key
    from crm_tui.models import ContactPhone
    from crm_tui.services.contacts.writing import ensure_primaries

    held = set(
        session.execute(
            select(t.contact_phones.c.phone_key).where(t.contact_phones.c.contact_id == contact_id)
        ).scalars()
    )
    added = False
    for number in numbers:
        if phone_key(number) not in held:
            held.add(phone_key(number))
            session.add(
                ContactPhone(contact_id=contact_id, phone=number, phone_key=phone_key(number), is_primary=False)
            )
            added = True
    session.flush()
    ensure_primaries(session, contact_id)
    return added


def _set_labels(session: Session, contact_id: int, rec: ContactRecord) -> None:
    """The card's labels (home, mobile...) on the contact's emails and phones, as an import keeps them."""
    from crm_tui.keys import email_key, phone_key

    session.flush()
    conn = session.connection()
    for table, key_column, values, key_of in (
        (t.contact_emails, "email_key", rec.emails, email_key),
        (t.contact_phones, "phone_key", rec.phones, phone_key),
    ):
        labels = {key_of(x.value): x.label for x in values}
        held = conn.execute(
            select(table.c.id, table.c[key_column], table.c.label).where(table.c.contact_id == contact_id)
        )
        for row_id, key, label in held:
            if key in labels and labels[key] != label:
                conn.execute(update(table).where(table.c.id == row_id).values(label=labels[key]))
