"""Seeded rows for the benchmark database, as tuples in the column order of `COLUMNS`.

Each table draws from its own random stream, so changing one count leaves the other
tables as they were. Datetimes are already in the stored SQLite text form.
"""

from __future__ import annotations

import itertools
import random
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from vocabulary import (
    COMMON_WORD,
    FAMILY_NAMES,
    GIVEN_NAMES,
    ORG_NOUNS,
    ORG_PREFIXES,
    ORG_SUFFIXES,
    PROSE,
    RARE_WORD,
    REMINDER_TEMPLATES,
    SUMMARY_TEMPLATES,
    TAGS,
    TITLES,
    TOPICS,
    USERS,
    pseudo_words,
)

from crm_tui.backend import backend_named
from crm_tui.dates import parse_rule
from crm_tui.keys import name_key, phone_key
from crm_tui.models.kinds import INTERACTION_KINDS

Row = tuple[Any, ...]
CHUNK = 50_000
RARE_INTERACTIONS = 5  # interaction bodies that carry RARE_WORD
DAY = 86_400.0
YEAR = 365.25 * DAY

COLUMNS: dict[str, tuple[str, ...]] = {
    "organizations": ("id", "name", "name_key", "domain", "notes", "created_at"),
    "tags": ("id", "name", "name_key"),
    "contacts": (
        "id", "display_name", "sort_name", "given_name", "family_name", "organization_id", "title",
        "notes", "source", "owner", "cadence_days", "created_at", "updated_at", "deleted_at",
    ),
    "contact_emails": ("contact_id", "email", "email_key", "label", "is_primary"),
    "contact_phones": ("contact_id", "phone", "phone_key", "label", "is_primary"),
    "contact_tags": ("contact_id", "tag_id"),
    "interactions": (
        "id", "contact_id", "kind", "direction", "occurred_at", "summary", "body", "author", "created_at",
    ),
    "reminders": (
        "id", "contact_id", "title", "due_at", "rule", "rule_after_completion", "rule_anchor", "tz",
        "snoozed_until", "done_at", "owner", "created_by", "created_at", "updated_at",
    ),
}  # fmt: skip

KIND_WEIGHTS = {"call": 20, "email": 35, "meeting": 15, "message": 20, "note": 10}
CADENCES = (14, 30, 60, 90, 180, 365)
ZONES = ("Europe/Paris", "America/New_York", "Asia/Tokyo", "UTC")
RULE_TEXTS = ("weekly", "every 2 weeks", "monthly", "every 3 months", "weekdays", "yearly")


@dataclass(frozen=True)
class Sizes:
    """What to generate; together with the seed, the key of a cached database."""

    contacts: int
    interactions: int
    reminders: int
    seed: int


@dataclass
class ContactChunk:
    """One batch of contacts and the rows that hang off them."""

    contacts: list[Row] = field(default_factory=list)
    contact_emails: list[Row] = field(default_factory=list)
    contact_phones: list[Row] = field(default_factory=list)
    contact_tags: list[Row] = field(default_factory=list)


def ascii_slug(text: str) -> str:
    """Lowercase ASCII letters and digits only, for email addresses and domains."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if ch.isascii() and ch.isalnum())


class DataGenerator:
    """Builds every table's rows from one seed, relative to `anchor` (the build's "now")."""

    def __init__(self, sizes: Sizes, anchor: datetime) -> None:
        self.sizes = sizes
        self.anchor = anchor
        self.org_count = max(1, sizes.contacts // 20)
        self.contact_created: list[float] = []  # seconds before anchor, index = id - 1
        self.rare_contact_ids: list[int] = []  # contacts of the interactions that carry RARE_WORD
        self.rare_note_contact = max(1, sizes.contacts // 2)  # the contact whose notes carry it
        vocab_rng = self._rng("vocabulary")
        words = list(PROSE) + pseudo_words(vocab_rng, 3000)
        self.words = words
        # Zipf-like frequencies: a few words everywhere, a long tail almost nowhere.
        self.word_weights = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(words))))

    def _rng(self, table: str) -> random.Random:
        return random.Random(f"{self.sizes.seed}:{table}")

    def _at(self, seconds_before: float) -> str:
        return backend_named("sqlite").bulk_time(self.anchor - timedelta(seconds=seconds_before))

    def _prose(self, rng: random.Random, low: int, high: int) -> str:
        words = rng.choices(self.words, cum_weights=self.word_weights, k=rng.randint(low, high))
        return " ".join(words).capitalize() + "."

    def _topic(self, rng: random.Random) -> str:
        return COMMON_WORD if rng.random() < 0.125 else rng.choice(TOPICS)

    def organizations(self) -> list[Row]:
        rng = self._rng("organizations")
        rows: list[Row] = []
        seen: set[str] = set()
        for org_id in range(1, self.org_count + 1):
            name = f"{rng.choice(ORG_PREFIXES)} {rng.choice(ORG_NOUNS)} {rng.choice(ORG_SUFFIXES)}"
            if name_key(name) in seen:
                name = f"{name} {org_id}"
            seen.add(name_key(name))
            notes = self._prose(rng, 5, 20) if rng.random() < 0.2 else None
            created = self._at(rng.uniform(3 * YEAR, 5 * YEAR))
            rows.append((org_id, name, name_key(name), ascii_slug(name) + ".example", notes, created))
        return rows

    def tags(self) -> list[Row]:
        return [(i, name, name_key(name)) for i, name in enumerate(TAGS, start=1)]

    def contacts(self) -> Iterator[ContactChunk]:
        """Contacts with one or two emails, a phone and up to three tags each."""
        rng = self._rng("contacts")
        chunk = ContactChunk()
        for cid in range(1, self.sizes.contacts + 1):
            given, family = rng.choice(GIVEN_NAMES), rng.choice(FAMILY_NAMES)
            name = f"{given} {family}"
            created_before = rng.uniform(30 * DAY, 4 * YEAR)
            self.contact_created.append(created_before)
            org_id = rng.randint(1, self.org_count) if rng.random() < 0.75 else None
            notes = self._prose(rng, 4, 25) if rng.random() < 0.15 else None
            if cid == self.rare_note_contact:
                notes = f"{notes or ''} Met in {RARE_WORD}.".strip()
            # The contacts the build's spot check searches for stay live.
            live = cid in (1, self.rare_note_contact)
            deleted = self._at(rng.uniform(0, 20 * DAY)) if not live and rng.random() < 0.01 else None
            chunk.contacts.append((
                cid, name, name_key(name), given, family, org_id,
                rng.choice(TITLES) if rng.random() < 0.5 else None,
                notes,
                "import" if rng.random() < 0.7 else None,
                rng.choice(USERS),
                rng.choice(CADENCES) if rng.random() < 0.10 else None,
                self._at(created_before),
                self._at(rng.uniform(0, created_before)),
                deleted,
            ))  # fmt: skip
            slug = f"{ascii_slug(given)}.{ascii_slug(family)}"
            chunk.contact_emails.append((cid, f"{slug}.{cid}@example.com", f"{slug}.{cid}@example.com", "work", 1))
            if rng.random() < 0.4:
                other = f"{ascii_slug(given)[:1]}{ascii_slug(family)}{cid}@mail.example"
                chunk.contact_emails.append((cid, other, other, "home", 0))
            phone = f"+1 {rng.randint(200, 999)} 555 {rng.randint(0, 9999):04d}"
            chunk.contact_phones.append((cid, phone, phone_key(phone), "mobile", 1))
            for tag_id in sorted(set(rng.choices(range(1, len(TAGS) + 1), k=rng.choice((0, 1, 1, 2, 3))))):
                chunk.contact_tags.append((cid, tag_id))
            if len(chunk.contacts) >= CHUNK:
                yield chunk
                chunk = ContactChunk()
        if chunk.contacts:
            yield chunk

    def interactions(self) -> Iterator[list[Row]]:
        """The timeline: three years, most of it on a minority of contacts."""
        rng = self._rng("interactions")
        n, total = self.sizes.contacts, self.sizes.interactions
        kinds = list(KIND_WEIGHTS)
        kind_cum = list(itertools.accumulate(KIND_WEIGHTS[k] for k in kinds))
        assert set(kinds) <= set(INTERACTION_KINDS)  # feedback carries a score: none generated
        step = max(1, total // RARE_INTERACTIONS)
        rare_at = set(range(step // 2, total, step)) if total else set()
        rows: list[Row] = []
        for iid in range(1, total + 1):
            cid = 1 + int(n * rng.random() ** 1.6)  # skewed towards low ids
            start = min(self.contact_created[cid - 1], 3 * YEAR)
            before = rng.uniform(60.0, start)
            kind = rng.choices(kinds, cum_weights=kind_cum)[0]
            direction = rng.choice(("in", "out")) if kind in ("call", "email", "message") else None
            summary = rng.choice(SUMMARY_TEMPLATES[kind]).format(topic=self._topic(rng))
            body = self._prose(rng, 8, 40) if rng.random() < 0.55 else None
            if iid - 1 in rare_at:
                body = f"{body or ''} Trip to {RARE_WORD} planned.".strip()
                self.rare_contact_ids.append(cid)
            rows.append((
                iid, cid, kind, direction, self._at(before), summary, body, rng.choice(USERS),
                self._at(max(0.0, before - rng.uniform(0, 3600))),
            ))  # fmt: skip
            if len(rows) >= CHUNK:
                yield rows
                rows = []
        if rows:
            yield rows

    def reminders(self) -> Iterator[list[Row]]:
        """80% done, 15% open and ahead, 5% open and due by now (a few of those snoozed)."""
        rng = self._rng("reminders")
        rules = [parse_rule(text).rrule for text in RULE_TEXTS]
        zones = {name: ZoneInfo(name) for name in ZONES}
        rows: list[Row] = []
        for rid in range(1, self.sizes.reminders + 1):
            contact_id = rng.randint(1, self.sizes.contacts) if rng.random() < 0.8 else None
            title = rng.choice(REMINDER_TEMPLATES).format(topic=self._topic(rng))
            roll = rng.random()
            snoozed = done = rule = anchor_local = zone = None
            after_completion = 0
            if roll < 0.80:
                due_before = rng.uniform(DAY, 3 * YEAR)
                done = self._at(max(0.0, due_before - rng.uniform(0, 5 * DAY)))
            else:
                due_before = -rng.uniform(3600, 180 * DAY) if roll < 0.95 else rng.uniform(0, 90 * DAY)
                if roll >= 0.95 and rng.random() < 0.1:
                    snoozed = self._at(-rng.uniform(DAY, 14 * DAY))
                if rng.random() < 0.2:
                    rule = rng.choice(rules)
                    after_completion = int(rng.random() < 0.2)
                    zone = rng.choice(ZONES)
                    due = self.anchor - timedelta(seconds=due_before)
                    anchor_local = due.astimezone(zones[zone]).replace(tzinfo=None).isoformat()
            created_before = max(due_before, 0.0) + rng.uniform(DAY, 30 * DAY)
            owner = rng.choice(USERS)
            rows.append((
                rid, contact_id, title, self._at(due_before), rule, after_completion, anchor_local, zone,
                snoozed, done, owner, owner, self._at(created_before), done or self._at(created_before),
            ))  # fmt: skip
            if len(rows) >= CHUNK:
                yield rows
                rows = []
        if rows:
            yield rows


def build_anchor() -> datetime:
    """The build's "now", to the second, in UTC."""
    return datetime.now(UTC).replace(microsecond=0)
