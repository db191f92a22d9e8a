"""Search over contacts, interaction text and phone numbers, with the list's filters applied in SQL.

The full-text matching itself is the backend's (FTS5 on SQLite, tsvector on PostgreSQL);
this module ranks what it finds, finds phone numbers in any form, keeps what the
filters allow with one query, and builds one page of rows with one `rows_for`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, select, union_all
from sqlalchemy.engine import Connection

from crm_tui.backend import SearchFields, backend_for
from crm_tui.keys import MIN_PHONE_DIGITS, TRUNK_IN_PARENS, name_key
from crm_tui.models import tables as t
from crm_tui.services.contacts.rows import ContactFilter, ContactRow, keep_matching, live_condition, rows_for

# Shorter text searches names only: one or two letters match too much of a large
# full-text index to rank it all while the user is still typing.
MIN_TEXT_SEARCH = 3
# A search being typed (a quick search, or a full one whose last word has at most MIN_TEXT_SEARCH
# letters) ranks at most this many contact matches, the newest contacts' (Backend.match_contacts): a
# prefix most contacts share ('exa' of example.com) would cost ranking them all on every key.
QUICK_RANKED = 5000
# What people type or paste between the digits of a number: spaces, dots, slashes,
# parentheses, and hyphens or dashes of any kind.
_PHONE_SEPARATORS = re.compile(r"[\s./()\-\u2010-\u2015\u2212]")


@dataclass(frozen=True)
class SearchHit:
    """A contact found by a search, with what matched when it was an interaction or a phone number."""

    row: ContactRow
    score: float
    matched: str | None


@dataclass(frozen=True)
class PhoneQuery:
    """A search that looks like a phone number: its key as typed, and the digits to match."""

    key: str  # the query's own phone key: a number stored in the same form has this key
    digits: str  # significant digits: no leading +, 00 or national trunk 0
    international: bool = False

    def stored_forms(self) -> list[str]:
        """Keys of other forms of this number, matched exactly.

        Each tail of 6 or more digits, with or without a trunk 0; for an international number
        also the `+44 (0)20 ...` form, a trunk 0 after a country code of 1 to 3 digits.
        """
        forms: list[str] = []
        if self.international:
            forms.extend(f"+{self.digits[:n]}0{self.digits[n:]}" for n in (1, 2, 3))
        for size in range(MIN_PHONE_DIGITS, len(self.digits) + 1):
            tail = self.digits[-size:]
            forms.append("0" + tail)
            if not tail.startswith("0"):  # "0" + a shorter tail already stands for it
                forms.append(tail)
        return forms


def phone_query(query: str) -> PhoneQuery | None:
    """The query read as a phone number, or None when it does not look like one.

    Without separators it must be an optional + and ASCII digits only, with at least
    6 significant digits once a leading + or 00 (or else one national trunk 0) is dropped.
    """
    # `+44 (0)20 7946 0000`: the (0) is the trunk prefix dialled only from inside the country.
    compact = _PHONE_SEPARATORS.sub("", TRUNK_IN_PARENS.sub(r"\1", unicodedata.normalize("NFKC", query)))
    international = compact.startswith("+")
    body = compact[1:] if international else compact
    if not (body.isascii() and body.isdigit()):
        return None
    if international:
        digits = body
    elif body.startswith("00"):
        international, digits = True, body[2:]
    else:
        digits = body[1:] if body.startswith("0") else body
    if len(digits) < MIN_PHONE_DIGITS:
        return None
    return PhoneQuery(key="+" + digits if international else body, digits=digits, international=international)


def _phone_hits(conn: Connection, phone: PhoneQuery, limit: int) -> list[tuple[int, str]]:
    """(contact_id, phone) of live contacts with a matching number, same form first, then by name.

    A key matches when it ends with the query's digits (the local or national form finds
    the international number), or when it is a shorter form of the query (the international
    form finds a number stored in national or local form).
    """
    p, c = t.contact_phones.c, t.contacts.c
    # The suffix LIKE scans the phone_key index alone (about 6 ms on 100,000 keys); folding the
    # IN into the same WHERE would test every key against it too and double that.
    matching = union_all(
        select(p.id).where(p.phone_key.like("%" + phone.digits)),
        select(p.id).where(p.phone_key.in_(phone.stored_forms())),
    )
    same_form = case((p.phone_key == phone.key, 0), else_=1)
    rows = conn.execute(
        select(p.contact_id, p.phone)
        .join(t.contacts, c.id == p.contact_id)
        .where(p.id.in_(matching), c.deleted_at.is_(None))
        .order_by(same_form, c.sort_name, c.id)
        # A contact may hold the number twice (two forms): room for those duplicates.
        .limit(limit * 2)
    ).all()
    return [(int(cid), str(number)) for cid, number in rows]


def rows_reusing(
    conn: Connection, ids: Sequence[int], known: MutableMapping[int, ContactRow] | None
) -> list[ContactRow]:
    """`rows_for(ids)`, taking the rows already in `known` from it and adding those it reads.

    A search typed key by key finds mostly the contacts the previous keys found: the caller
    keeps `known` while the user types and drops it when the data may have changed.
    """
    if known is None:
        return rows_for(conn, ids)
    missing = [cid for cid in ids if cid not in known]
    for row in rows_for(conn, missing):
        known[row.id] = row
    return [known[cid] for cid in ids if cid in known]


def search_contacts(
    conn: Connection,
    query: str,
    filters: ContactFilter | None = None,
    *,
    limit: int = 50,
    now: datetime,
    known: MutableMapping[int, ContactRow] | None = None,
) -> list[SearchHit]:
    """Live contacts matching `query` and kept by `filters`, best first.

    A contact matches when its own record (names, emails, organization, tags, notes) or one
    of its interactions holds every word, ranked in that order; failing those, when the
    words are spread over its record and its interactions. A phone-like query (see
    `phone_query`) also finds contacts by number; those rank first, with `matched` naming
    the number as stored, and an interaction match names the interaction. While the last word
    has at most MIN_TEXT_SEARCH letters, only the newest QUICK_RANKED record matches are ranked.
    `known`: see `rows_reusing`.
    """
    if limit <= 0:
        return []
    backend = backend_for(conn)
    best: dict[int, tuple[float, str | None]] = {}
    words = query.split()
    # A last word of a few letters is being typed: rank only the newest matches, as quick_search.
    among = QUICK_RANKED if words and len(words[-1]) <= MIN_TEXT_SEARCH else None
    for cid, score in backend.match_contacts(conn, query, limit=limit + 10, among=among):
        best.setdefault(cid, (score, None))
    # A contact that matched by itself ranks ahead of one only mentioned in an interaction.
    floor = max((score for score, _ in best.values()), default=0.0)
    for position, (cid, summary) in enumerate(backend.match_interactions(conn, query, limit=limit * 2), start=1):
        best.setdefault(cid, (floor + position, summary))
    if len(best) < limit:
        # "o'brien proposal": the name on the contact, the word in one of its interactions.
        floor = max((score for score, _ in best.values()), default=0.0) + limit * 2
        for position, cid in enumerate(backend.match_across(conn, query, limit=limit * 2), start=1):
            best.setdefault(cid, (floor + position, "words across the record and its interactions"))
    phone = phone_query(query)
    if phone is not None:
        # A number is the strongest signal: below (ahead of) every text score, in order.
        phones: dict[int, str] = {}
        for cid, number in _phone_hits(conn, phone, limit):
            phones.setdefault(cid, number)
        top = min((score for score, _ in best.values()), default=0.0)
        for position, (cid, number) in enumerate(phones.items()):
            best[cid] = (top - len(phones) + position, f"phone {number}")
    if not best:
        return []
    ranked = sorted(best, key=lambda cid: (best[cid][0], cid))
    kept = keep_matching(conn, ranked, filters or ContactFilter(), now=now)[:limit]
    rows = {row.id: row for row in rows_reusing(conn, kept, known)}
    return [SearchHit(row=rows[cid], score=best[cid][0], matched=best[cid][1]) for cid in kept if cid in rows]


def _prefix_range(column: Any, prefix: str) -> Any:
    """`column` starts with `prefix`, as an index range (LIKE cannot use a binary index)."""
    return and_(column >= prefix, column < prefix + "\U0010ffff")


def quick_search(
    conn: Connection,
    query: str,
    filters: ContactFilter | None = None,
    *,
    limit: int = 200,
    now: datetime,
    known: MutableMapping[int, ContactRow] | None = None,
) -> list[ContactRow]:
    """Live contacts for a search being typed, fast on 100,000 contacts, kept by `filters`.

    One letter matches names and emails that start with it, by the name index; two
    letters any word of a name; longer text is ranked over names, emails, organizations
    and tags (the newest QUICK_RANKED matches: a prefix most contacts share ranks in
    milliseconds). The full search (`search_contacts`: notes and interactions too) refines it.
    `known`: see `rows_reusing`.
    """
    text = name_key(query)
    if not text:
        return []
    c, e = t.contacts.c, t.contact_emails.c
    if len(text) == 1:
        by_name = (
            select(c.id, c.sort_name)
            .where(live_condition(conn), _prefix_range(c.sort_name, text))
            .order_by(c.sort_name, c.id)
            .limit(limit)
        )
        emails = select(e.contact_id).where(_prefix_range(e.email_key, text)).limit(limit)
        by_email = select(c.id, c.sort_name).where(live_condition(conn), c.id.in_(emails))
        found = {cid: key for query_ in (by_name, by_email) for cid, key in conn.execute(query_)}
        ids = sorted(found, key=lambda cid: (found[cid], cid))
    else:
        fields = SearchFields.NAME if len(text) < MIN_TEXT_SEARCH else SearchFields.IDENTITY
        ranked = backend_for(conn).match_contacts(conn, query, limit=limit, fields=fields, among=QUICK_RANKED)
        ids = [cid for cid, _ in ranked]
    return rows_reusing(conn, keep_matching(conn, ids, filters or ContactFilter(), now=now)[:limit], known)


# Text no name, email or interaction holds: a full search for it runs every statement and finds nothing.
_NOTHING = "qxzjv qxzjv"


def warm_search(conn: Connection, *, now: datetime) -> list[ContactRow]:
    """Run each statement a search keystroke runs, once, on next to no data; the rows of the one contact found.

    The first keystrokes of a session then find them compiled and prepared: about 10 to 30 ms of
    the first few keys on the benchmark database. A one-letter search for one contact (by name and
    email, its filters, its row), a two-letter and a longer one over the names, and a full search
    that finds nothing: each costs about a millisecond whatever the size of the database.
    """
    rows = quick_search(conn, "e", limit=1, now=now)
    quick_search(conn, _NOTHING[:2], limit=1, now=now)
    quick_search(conn, _NOTHING[:4], limit=1, now=now)
    search_contacts(conn, _NOTHING, limit=1, now=now)
    return rows
