"""The fictional sample behind `crm demo`, loaded through the services.

The CSV files beside this module are copies of data/*.csv (written by
data/make_sample.py) so an installed wheel carries them too. Loading shifts every
date by whole days so the most recent interaction falls on yesterday: the demo
always looks like a CRM in daily use.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

SAMPLE_FILES = ("contacts.csv", "interactions.csv", "reminders.csv")


@dataclass(frozen=True)
class SampleCounts:
    """How many rows the sample loaded."""

    contacts: int
    interactions: int
    reminders: int


def sample_rows(name: str) -> list[dict[str, str]]:
    """The rows of one of the sample files."""
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def sample_shift(latest: datetime, *, now: datetime, tz: tzinfo) -> timedelta:
    """Whole days that move `latest` onto yesterday in zone `tz` (times of day are kept)."""
    yesterday = now.astimezone(tz).date() - timedelta(days=1)
    return timedelta(days=(yesterday - latest.astimezone(tz).date()).days)


def load_sample(session: Session, *, now: datetime, tz: tzinfo, actor: str) -> SampleCounts:
    """Add the sample's contacts, interactions and follow-ups, dated relative to `now`."""
    from crm_tui.dates import parse_duration
    from crm_tui.models.schemas import ContactCreate
    from crm_tui.services.contacts.writing import add_contact
    from crm_tui.services.interactions import log_interaction
    from crm_tui.services.reminders import add_reminder

    contacts, interactions, reminders = (sample_rows(name) for name in SAMPLE_FILES)
    happened = [datetime.fromisoformat(row["occurred_at"]) for row in interactions]
    shift = sample_shift(max(happened), now=now, tz=tz)
    # Everyone was added a little before the first interaction on record.
    created = min(happened) + shift - timedelta(days=7)
    by_email = {}
    for row in contacts:
        data = ContactCreate(
            name=row["name"],
            emails=[row["email"]] if row["email"] else [],
            phones=[row["phone"]] if row["phone"] else [],
            organization=row["organization"] or None,
            title=row["title"] or None,
            tags=[t for t in row["tags"].split(";") if t],
            notes=row["notes"] or None,
            cadence_days=parse_duration(row["every"]).total_days() if row["every"] else None,
            source="sample",
        )
        contact = add_contact(session, data, actor=actor, now=created)
        assert contact.id is not None
        by_email[row["email"].lower()] = contact.id
    for row, when in zip(interactions, happened, strict=True):
        at = when + shift
        log_interaction(
            session.connection(),
            by_email[row["email"].lower()],
            kind=row["kind"],
            summary=row["summary"],
            body=row["body"] or None,
            direction=row["direction"] or None,
            author=actor,
            at=at,
            now=at,
        )
    for row in reminders:
        due = datetime.fromisoformat(row["due"]) + shift
        add_reminder(
            session,
            title=row["title"],
            due_at=due,
            contact_id=by_email[row["email"].lower()],
            every=row["every"] or None,
            tz=tz,
            actor=actor,
            now=min(due, now) - timedelta(days=7),
        )
    return SampleCounts(len(contacts), len(interactions), len(reminders))
