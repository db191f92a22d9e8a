"""Full-text search over contacts and interaction text: FTS5 on SQLite, tsvector on PostgreSQL."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from crm_tui.models import Contact
from crm_tui.services.contacts import ContactRow, rows_for
from crm_tui.services.dialect import dialect_name

# Column weights for bm25: contact_id, name, emails, org, tags, notes, summary, body.
_WEIGHTS = "0.0, 10.0, 6.0, 4.0, 4.0, 1.5, 2.0, 1.0"
_WORD = re.compile(r"\w", re.UNICODE)
_WORDS = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass(frozen=True)
class SearchHit:
    """A contact found by a search, with what matched when it was an interaction."""

    row: ContactRow
    score: float
    matched: str | None


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
    """Live contacts matching `query`, best first; an interaction hit leads to its contact."""
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
