"""Logging a sentence (`crm log "lunch with Ana yesterday..."`, the app's quick capture).

`crm_tui.sentence` reads the sentence without a database; this module gives it the contact
lookup over a connection and writes what it read: the interaction, and the follow-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from sqlalchemy import or_, select
from sqlalchemy.engine import Connection

from crm_tui.backend import SearchFields, backend_for
from crm_tui.errors import ContactNotFound
from crm_tui.keys import email_key, name_key
from crm_tui.models import tables as t
from crm_tui.sentence import ContactMatch, Lookup, ParsedLog, parse_sentence
from crm_tui.services.contacts.finding import MAX_CANDIDATES, find_contact
from crm_tui.services.interactions import InteractionInfo, log_interaction

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

c, e = t.contacts.c, t.contact_emails.c
# Name candidates read from the search index before the whole-word check; a name shared by
# more contacts than this is ambiguous anyway.
_NAME_HITS = 500


def contacts_named(conn: Connection, phrase: str) -> list[ContactMatch]:
    """Live contacts whose name holds `phrase` as whole words (`ana`: Ana Souza, not Anatoly); an exact full name
    alone when some contact has it. At most MAX_CANDIDATES + 1, by name."""
    from crm_tui.services.contacts.rows import primary_emails

    key = name_key(phrase)
    if not key:
        return []
    rows = conn.execute(
        select(c.id, c.display_name).where(c.sort_name == key, c.deleted_at.is_(None)).order_by(c.id)
    ).all()
    if not rows:
        hits = backend_for(conn).match_contacts(conn, phrase, limit=_NAME_HITS, fields=SearchFields.NAME)
        ids = [cid for cid, _ in hits]
        if not ids:
            return []
        whole_word = or_(
            c.sort_name.startswith(key + " ", autoescape=True),
            c.sort_name.endswith(" " + key, autoescape=True),
            c.sort_name.contains(" " + key + " ", autoescape=True),
        )
        rows = conn.execute(
            select(c.id, c.display_name)
            .where(c.id.in_(ids), c.deleted_at.is_(None), whole_word)
            .order_by(c.sort_name, c.id)
            .limit(MAX_CANDIDATES + 1)
        ).all()
    emails = primary_emails(conn, [row.id for row in rows]) if len(rows) > 1 else {}
    return [ContactMatch(int(row.id), str(row.display_name), emails.get(row.id)) for row in rows]


def contact_with_email(conn: Connection, address: str) -> list[ContactMatch]:
    """The live contact with this address, if any."""
    row = conn.execute(
        select(c.id, c.display_name)
        .join(t.contact_emails, e.contact_id == c.id)
        .where(e.email_key == email_key(address), c.deleted_at.is_(None))
    ).first()
    return [] if row is None else [ContactMatch(int(row.id), str(row.display_name), address)]


def sentence_lookup(conn: Connection) -> Lookup:
    """The contact lookup `parse_sentence` needs, over `conn`."""

    def lookup(text: str, how: str) -> list[ContactMatch]:
        if how == "ref":
            found = find_contact(conn, text)  # raises ContactNotFound / AmbiguousContact
            return [ContactMatch(found.id, found.name)]
        if how == "email":
            return contact_with_email(conn, text)
        return contacts_named(conn, text)

    return lookup


def read_sentence(conn: Connection, sentence: str, *, now: datetime, tz: tzinfo) -> ParsedLog:
    """The parse of `sentence` with its contact looked up in the database."""
    return parse_sentence(sentence, lookup=sentence_lookup(conn), now=now, tz=tz)


@dataclass(frozen=True)
class Captured:
    """What logging a sentence wrote."""

    interaction: InteractionInfo
    contact_name: str
    reminder_id: int | None


def log_parsed(session: Session, parsed: ParsedLog, *, actor: str, now: datetime, body: str | None = None) -> Captured:
    """Write the interaction a parse describes, and its follow-up reminder if it has one."""
    from crm_tui.services.reminders import add_reminder

    conn = session.connection()
    alive = conn.execute(select(c.id).where(c.id == parsed.contact.id, c.deleted_at.is_(None))).first()
    if alive is None:
        raise ContactNotFound(f"#{parsed.contact.id}")
    interaction = log_interaction(
        conn,
        parsed.contact.id,
        kind=parsed.kind,
        summary=parsed.summary,
        author=actor,
        at=parsed.occurred_at,
        body=body,
        direction=parsed.direction,
        now=now,
    )
    from crm_tui.services.history import connection_of, record
    from crm_tui.services.undo import entry_of, one_step

    # In the contact's history; the journal has the log's own entry, which undo takes back.
    record(
        session, entity="interaction", entity_id=interaction.id, contact_id=parsed.contact.id, action="create",
        actor=actor, at=now, note=interaction.summary, journal=False,
    )  # fmt: skip
    reminder_id = None
    if parsed.follow_up is not None:
        reminder = add_reminder(
            session,
            title=parsed.follow_up.title,
            due_at=parsed.follow_up.due_at,
            contact_id=parsed.contact.id,
            actor=actor,
            now=now,
        )
        reminder_id = reminder.id
        # One sentence, one undo: the follow-up's entry joins the interaction's.
        conn = connection_of(session)
        logged = entry_of(conn, entity="interaction", entity_id=interaction.id, action="log")
        created = entry_of(conn, entity="reminder", entity_id=reminder.id or 0, action="create")
        if logged is not None and created is not None:
            one_step(conn, logged, created, said=f", with follow-up reminder #{reminder.id}")
    return Captured(interaction, parsed.contact.name, reminder_id)
