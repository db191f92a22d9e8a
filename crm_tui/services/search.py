"""Search over contacts and interaction text (FTS5 on SQLite, tsvector on PostgreSQL) and phone numbers."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, select, text, union_all
from sqlalchemy.orm import Session

from crm_tui.keys import MIN_PHONE_DIGITS, TRUNK_IN_PARENS
from crm_tui.models import Contact, ContactPhone
from crm_tui.services.contacts import ContactRow, rows_for
from crm_tui.services.dialect import dialect_name

# Column weights for bm25: contact_id, name, emails, org, tags, notes, summary, body.
_WEIGHTS = "0.0, 10.0, 6.0, 4.0, 4.0, 1.5, 2.0, 1.0"
_WORD = re.compile(r"\w", re.UNICODE)
_WORDS = re.compile(r"[^\W_]+", re.UNICODE)
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


def _phone_hits(session: Session, phone: PhoneQuery, limit: int) -> list[Any]:
    """(contact_id, phone) of live contacts with a matching number, same form first, then by name.

    A key matches when it ends with the query's digits (the local or national form finds
    the international number), or when it is a shorter form of the query (the international
    form finds a number stored in national or local form).
    """
    # The suffix LIKE scans the phone_key index alone (about 6 ms on 100,000 keys); folding the
    # IN into the same WHERE would test every key against it too and double that.
    matching = union_all(
        select(ContactPhone.id).where(ContactPhone.phone_key.like("%" + phone.digits)),
        select(ContactPhone.id).where(ContactPhone.phone_key.in_(phone.stored_forms())),
    )
    same_form = case((ContactPhone.phone_key == phone.key, 0), else_=1)
    rows = session.execute(
        select(ContactPhone.contact_id, ContactPhone.phone)
        .join(Contact, Contact.id == ContactPhone.contact_id)
        .where(ContactPhone.id.in_(matching), Contact.deleted_at.is_(None))  # type: ignore[union-attr]
        .order_by(same_form, Contact.sort_name, Contact.id)
        # A contact may hold the number twice (two forms): room for those duplicates.
        .limit(limit * 2)
    ).all()
    return list(rows)


def fts_query(query: str) -> str | None:
    """A safe FTS5 MATCH expression: every token quoted, the last one prefix-matched.

    Operators typed by the user (AND, OR, NEAR, quotes, -) are searched as words.
    None when the text holds nothing searchable (only punctuation or emoji).
    """
    normalized = unicodedata.normalize("NFKC", query)
    tokens = [t for t in normalized.split() if _WORD.search(t)]
    if not tokens:
        return None
    quoted = ['"' + t.replace('"', '""') + '"' for t in tokens]
    # The last word may be unfinished; the exact word too, so "zoe" ranks Zoë above Zoeller.
    quoted[-1] = f"({quoted[-1]} OR {quoted[-1]}*)"
    return " AND ".join(quoted)


def _sqlite_hits(session: Session, query: str, limit: int) -> tuple[list[Any], list[Any]]:
    expression = fts_query(query)
    if expression is None:
        return [], []
    # Contact documents and interactions are ranked separately so each side can use
    # FTS5's own ORDER BY rank LIMIT, which never sorts every match.
    contact_hits = session.execute(
        text(
            f"SELECT contact_id, bm25(search_index, {_WEIGHTS}) AS score FROM search_index "
            "WHERE search_index MATCH :q AND rowid < 0 ORDER BY score LIMIT :n"
        ),
        {"q": expression, "n": limit + 10},
    ).all()
    # Interactions come newest first: a common word matches a large share of a long
    # history, and ranking every match by bm25 costs 140 ms on a million rows where
    # walking the rowids backwards costs 3 ms. Their rank is then spread below the
    # weakest contact match, in that order.
    interaction_hits = session.execute(
        text(
            "SELECT contact_id, summary FROM search_index "
            "WHERE search_index MATCH :q AND rowid > 0 ORDER BY rowid DESC LIMIT :n"
        ),
        {"q": expression, "n": limit * 2},
    ).all()
    return list(contact_hits), list(interaction_hits)


# The last word is letters and digits only, so wrapping it in quotes is safe.
_PG_QUERY = (
    "(SELECT CASE WHEN :head = '' THEN ''::tsquery ELSE websearch_to_tsquery('simple', unaccent(:head)) END"
    " && (to_tsquery('simple', chr(39) || unaccent(:last) || chr(39))"
    " || to_tsquery('simple', chr(39) || unaccent(:last) || chr(39) || ':*')) AS q)"
)


def _postgres_hits(session: Session, query: str, limit: int) -> tuple[list[Any], list[Any]]:
    # websearch_to_tsquery reads any user text without syntax errors; the last word
    # is also matched as a prefix, as on SQLite.
    words = _WORDS.findall(unicodedata.normalize("NFKC", query))
    if not words:
        return [], []
    params = {"head": " ".join(words[:-1]), "last": words[-1], "n": limit + 10}
    contact_hits = session.execute(
        text(
            f"SELECT contact_id, -ts_rank(document, q) AS score FROM search_index, {_PG_QUERY} AS terms "
            "WHERE document @@ q AND id < 0 ORDER BY score LIMIT :n"
        ),
        params,
    ).all()
    interaction_hits = session.execute(
        text(
            f"SELECT contact_id, summary FROM search_index, {_PG_QUERY} AS terms "
            "WHERE document @@ q AND id > 0 ORDER BY id DESC LIMIT :n"
        ),
        {**params, "n": limit * 2},
    ).all()
    return list(contact_hits), list(interaction_hits)


def search_contacts(session: Session, query: str, *, limit: int = 50) -> list[SearchHit]:
    """Live contacts matching `query`, best first; an interaction hit leads to its contact.

    A phone-like query (see `phone_query`) also finds contacts by number; those rank
    first, with `matched` naming the number as stored.
    """
    if limit <= 0:
        return []
    if dialect_name(session) == "postgresql":
        contact_hits, interaction_hits = _postgres_hits(session, query, limit)
    else:
        contact_hits, interaction_hits = _sqlite_hits(session, query, limit)
    best: dict[int, tuple[float, str | None]] = {}
    for cid, score in contact_hits:
        best.setdefault(int(cid), (float(score), None))
    # A contact that matched by itself ranks ahead of one only mentioned in an interaction.
    floor = max((score for score, _ in best.values()), default=0.0)
    for position, (cid, summary) in enumerate(interaction_hits, start=1):
        best.setdefault(int(cid), (floor + position, summary))
    phone = phone_query(query)
    if phone is not None:
        # A number is the strongest signal: below (ahead of) every text score, in order.
        phones: dict[int, str] = {}
        for cid, number in _phone_hits(session, phone, limit):
            phones.setdefault(int(cid), number)
        top = min((score for score, _ in best.values()), default=0.0)
        for position, (cid, number) in enumerate(phones.items()):
            best[cid] = (top - len(phones) + position, f"phone {number}")
    if not best:
        return []
    live = set(
        session.execute(
            select(Contact.id).where(Contact.id.in_(best), Contact.deleted_at.is_(None))  # type: ignore[union-attr]
        ).scalars()
    )
    ranked = sorted((cid for cid in best if cid in live), key=lambda cid: (best[cid][0], cid))[:limit]
    contacts = session.execute(select(Contact).where(Contact.id.in_(ranked))).scalars()  # type: ignore[union-attr]
    rows = {row.id: row for row in rows_for(session, list(contacts))}
    return [SearchHit(row=rows[cid], score=best[cid][0], matched=best[cid][1]) for cid in ranked]
