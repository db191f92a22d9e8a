"""Likely duplicates across the whole database, each pair with a score and the reasons for it.

Pairs are found by blocking, never by comparing every pair: contacts sharing a phone number
(its last 9 digits, so national and international forms meet),
an email name at related domains (ada@analytical.io, ada@analytical.co.uk), or a name key
(the same words in any order; the last name and first initial; the first name and the
last name's first three letters). Each candidate pair is then scored:

    same phone number                      50
    same email name at related domains     40
    names alike (rapidfuzz token sort)     (similarity - 60) x 1.5, up to 60
    same organization                      10

capped at 100. A name key shared by more than BLOCK_LIMIT contacts is too common to mean
anything and is not paired on (the count is reported); pairs dismissed as different
people are never listed again.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from itertools import combinations
from typing import TYPE_CHECKING

from sqlalchemy import func, or_, select

from crm_tui.dates import utcnow
from crm_tui.errors import Conflict, InvalidInput, NotFound
from crm_tui.models import tables as t

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session

PHONE_POINTS, EMAIL_POINTS, ORG_POINTS, NAME_MAX = 50, 40, 10, 60
NAME_FLOOR = 60  # a name similarity below this adds nothing
DEFAULT_MIN_SCORE = 50
BLOCK_LIMIT = 100  # a key shared by more contacts than this is not a sign of one person
# Mailboxes a whole company shares: the same name there says nothing about the person.
ROLE_MAILBOXES = frozenset({
    "info", "contact", "hello", "sales", "admin", "office", "mail", "support", "team", "billing",
    "accounts", "noreply", "no-reply", "enquiries", "inquiries", "help", "jobs", "hr", "press",
})  # fmt: skip
# Second-level labels under which a country's domains are registered (analytical.co.uk).
_SECOND_LEVEL = frozenset({"co", "com", "net", "org", "gov", "ac", "edu", "ltd", "plc", "or", "ne", "go", "gob"})
_DOMAIN_ALIASES = {"googlemail": "gmail"}
_NOT_WORD = re.compile(r"[^\w]+", re.UNICODE)

c, e, p = t.contacts.c, t.contact_emails.c, t.contact_phones.c


@dataclass(frozen=True)
class Reason:
    """One sign that two contacts are the same person, and what it adds to the score."""

    rule: str  # phone, email, name, organization
    points: int
    detail: str


@dataclass(frozen=True)
class DuplicatePair:
    """Two live contacts that look like one person (contact_id < other_id)."""

    contact_id: int
    name: str
    other_id: int
    other_name: str
    score: int
    reasons: tuple[Reason, ...]

    def why(self) -> str:
        return "; ".join(f"{r.detail} (+{r.points})" for r in self.reasons)


@dataclass
class DedupReport:
    """The pairs found, best first, and what the scan skipped."""

    pairs: list[DuplicatePair] = field(default_factory=list)
    contacts: int = 0
    compared: int = 0  # candidate pairs scored
    dismissed: int = 0  # pairs left out because someone dismissed them
    common_keys: int = 0  # name keys or phones shared by more than BLOCK_LIMIT contacts: not paired on


def normalized_name(name: str) -> str:
    """Lowercase words without accents or punctuation: "Zoë O'Brien" -> "zoe o brien"."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_NOT_WORD.sub(" ", plain).replace("_", " ").split())


def name_keys(normalized: str) -> list[str]:
    """The blocking keys of a normalized name."""
    words = normalized.split()
    if not words:
        return []
    keys = ["=" + " ".join(sorted(words))]
    if len(words) > 1:
        first, last = words[0], words[-1]
        keys.append(f"L{last} {first[0]}")
        keys.append(f"F{first} {last[:3]}")
    return keys


def email_key(address: str) -> str | None:
    """The mailbox name at the domain's registered name: `ada.l+crm@mail.analytical.co.uk` -> `ada.l@analytical`.

    None for a company's shared mailbox (info@, sales@...).
    """
    local, _, domain = address.casefold().rpartition("@")
    local = local.split("+", 1)[0]
    if not local or local in ROLE_MAILBOXES:
        return None
    labels = [label for label in domain.split(".") if label]
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL:
        stem = labels[-3]
    elif len(labels) >= 2:
        stem = labels[-2]
    else:
        stem = domain
    stem = _DOMAIN_ALIASES.get(stem, stem)
    if stem == "gmail":
        local = local.replace(".", "")  # Gmail ignores dots in the name
    return f"{local}@{stem}"


def phone_tail(key: str) -> str:
    """The last 9 digits of a phone key: the same line written `+44 20 7946 0000` or `020 7946 0000`."""
    return key.lstrip("+")[-9:]


def _name_similarity(a: str, b: str) -> float:
    from rapidfuzz import fuzz

    score = fuzz.token_sort_ratio(a, b, processor=None)
    wa, wb = a.split(), b.split()
    # "a lovelace" and "ada lovelace": an initial that matches counts as the name.
    if len(wa) == len(wb) > 1 and wa[1:] == wb[1:] and wa[0][0] == wb[0][0] and min(len(wa[0]), len(wb[0])) == 1:
        score = max(score, 90.0)
    return float(score)


def name_points(similarity: float) -> int:
    return max(0, min(NAME_MAX, round((similarity - NAME_FLOOR) * 1.5)))


def find_duplicates(
    conn: Connection, *, min_score: int = DEFAULT_MIN_SCORE, limit: int | None = None, contact_id: int | None = None
) -> DedupReport:
    """Likely duplicate pairs among live contacts scoring at least `min_score`, best first.

    `contact_id` keeps only the pairs that contact is in.
    """
    if not 0 <= min_score <= 100:
        raise InvalidInput("the minimum score is between 0 and 100 (--min-score)")
    report = DedupReport()
    live = c.deleted_at.is_(None)
    names: dict[int, tuple[str, str, int | None]] = {}
    for cid, display, org in conn.execute(select(c.id, c.display_name, c.organization_id).where(live)):
        names[int(cid)] = (display, normalized_name(display), org)
    report.contacts = len(names)
    phones: dict[int, dict[str, str]] = defaultdict(dict)
    # A number needs 6 digits to name one line (as the search's phone rule): shorter ones say nothing.
    phone_rows = (
        select(p.contact_id, p.phone_key, p.phone)
        .join(t.contacts, c.id == p.contact_id)
        .where(live, func.length(func.replace(p.phone_key, "+", "")) >= 6)
    )
    for cid, key, shown in conn.execute(phone_rows):
        phones[int(cid)][phone_tail(key)] = shown
    emails: dict[int, dict[str, str]] = defaultdict(dict)
    email_rows = select(e.contact_id, e.email_key).join(t.contacts, c.id == e.contact_id).where(live)
    for cid, address in conn.execute(email_rows):
        key = email_key(address)
        if key:
            emails[int(cid)].setdefault(key, address)

    blocks: dict[str, list[int]] = defaultdict(list)
    for cid, (_display, normalized, _org) in names.items():
        for key in name_keys(normalized):
            blocks[key].append(cid)
    for cid, keys in phones.items():
        for key in keys:
            blocks["#" + key].append(cid)
    for cid, keys in emails.items():
        for key in keys:
            blocks["@" + key].append(cid)
    strong: set[tuple[int, int]] = set()  # pairs sharing a phone or an email name
    name_blocks: list[list[int]] = []
    for key, members in blocks.items():
        if len(members) < 2:
            continue
        if len(members) > BLOCK_LIMIT:
            report.common_keys += 1
            continue
        if contact_id is not None and contact_id not in members:
            continue
        if key[0] in "#@":
            strong.update(_pairs(sorted(set(members)), contact_id))
        else:
            name_blocks.append(sorted(set(members)))
    # A pair on a name alone reaches min_score only with this much similarity (and the same organization).
    cutoff = max(0.0, NAME_FLOOR + (min_score - ORG_POINTS) / 1.5 - 0.5)
    # Above 100 no name alone reaches it: only pairs sharing a phone or an email name can.
    similar = _similar_names(name_blocks, names, cutoff, contact_id, report) if cutoff <= 100 else {}
    dismissed = _dismissed(conn)
    for a, b in strong | similar.keys():
        if (a, b) in dismissed:
            report.dismissed += 1
            continue
        pair = _score(
            a, b, names, phones if (a, b) in strong else {}, emails if (a, b) in strong else {}, similar.get((a, b))
        )
        if pair.score >= min_score:
            report.pairs.append(pair)
    report.pairs.sort(key=lambda pair: (-pair.score, pair.contact_id, pair.other_id))
    if limit is not None:
        del report.pairs[limit:]
    return report


def _pairs(members: list[int], contact_id: int | None) -> Iterable[tuple[int, int]]:
    if contact_id is None:
        return combinations(members, 2)
    return ((min(contact_id, m), max(contact_id, m)) for m in members if m != contact_id)


def _similar_names(
    blocks: list[list[int]],
    names: dict[int, tuple[str, str, int | None]],
    cutoff: float,
    contact_id: int | None,
    report: DedupReport,
) -> dict[tuple[int, int], float]:
    """Pairs within each name block whose names are at least `cutoff` alike, with their similarity.

    rapidfuzz compares one name with the rest of its block in C (`process.extract`), so a block
    of n costs n Python calls, not n²/2.
    """
    from rapidfuzz import fuzz, process

    similar: dict[tuple[int, int], float] = {}
    for members in blocks:
        norms = [names[m][1] for m in members]
        for i, first in enumerate(members):
            if contact_id is not None and first != contact_id:
                continue
            others = norms[i + 1 :] if contact_id is None else norms[:i] + norms[i + 1 :]
            ids = members[i + 1 :] if contact_id is None else members[:i] + members[i + 1 :]
            report.compared += len(others)
            found: list[tuple[str, float, int]]
            if norms[i][1:2] == " ":  # an initial first ("a lovelace"): the slower rule that knows initials
                found = [(other, _name_similarity(norms[i], other), j) for j, other in enumerate(others)]
            else:
                found = process.extract(
                    norms[i], others, scorer=fuzz.token_sort_ratio, processor=None, score_cutoff=cutoff, limit=None
                )
            for _choice, score, j in found:
                if score >= cutoff:
                    other = ids[j]
                    similar[(min(first, other), max(first, other))] = float(score)
    return similar


def _score(
    a: int,
    b: int,
    names: dict[int, tuple[str, str, int | None]],
    phones: dict[int, dict[str, str]],
    emails: dict[int, dict[str, str]],
    similarity: float | None = None,
) -> DuplicatePair:
    (name_a, norm_a, org_a), (name_b, norm_b, org_b) = names[a], names[b]
    reasons: list[Reason] = []
    score = 0
    if phones:
        shared_phone = phones.get(a, {}).keys() & phones.get(b, {}).keys()
        if shared_phone:
            key = min(shared_phone)
            reasons.append(Reason("phone", PHONE_POINTS, f"same phone {phones[a][key]}"))
            score += PHONE_POINTS
    if emails:
        shared_email = emails.get(a, {}).keys() & emails.get(b, {}).keys()
        if shared_email:
            key = min(shared_email)
            reasons.append(Reason("email", EMAIL_POINTS, f"same email name: {emails[a][key]} and {emails[b][key]}"))
            score += EMAIL_POINTS
    if similarity is None:
        similarity = _name_similarity(norm_a, norm_b)
    points = name_points(similarity)
    if points:
        alike = "same name" if similarity >= 100 else f"names {similarity:.0f}% alike"
        reasons.append(Reason("name", points, alike))
        score += points
    if org_a is not None and org_a == org_b:
        reasons.append(Reason("organization", ORG_POINTS, "same organization"))
        score += ORG_POINTS
    return DuplicatePair(a, name_a, b, name_b, min(100, score), tuple(reasons))


def _dismissed(conn: Connection) -> set[tuple[int, int]]:
    d = t.dedup_dismissals.c
    return {(int(a), int(b)) for a, b in conn.execute(select(d.contact_id, d.other_id))}


def pair_of(first: int, second: int) -> tuple[int, int]:
    if first == second:
        raise InvalidInput(f"#{first} cannot be a duplicate of itself")
    return (first, second) if first < second else (second, first)


def dismiss_pair(session: Session, first: int, second: int, *, actor: str, now: datetime | None = None) -> None:
    """Remember that these two are different people: `crm dedup` and the app list them no more (undoable)."""
    from crm_tui.services.history import change

    low, high = pair_of(first, second)
    conn = session.connection()
    found = dict(conn.execute(select(c.id, c.display_name).where(c.id.in_([low, high]))).all())
    for cid in (low, high):
        if cid not in found:
            raise NotFound(f"no contact with id {cid}")
    d = t.dedup_dismissals.c
    if conn.execute(select(func.count()).where(d.contact_id == low, d.other_id == high)).scalar_one():
        raise Conflict(f"#{low} and #{high} were dismissed already")
    now = now or utcnow()
    with change(session, entity="contact", entity_id=low, action="dismiss", actor=actor, at=now) as rec:
        rec.watch("dedup_dismissals", created=True, contact_id=low, other_id=high)
        conn.execute(
            t.dedup_dismissals.insert().values(contact_id=low, other_id=high, dismissed_by=actor, dismissed_at=now)
        )
        rec.note = f"not the same person as #{high} {found[high]}"


def undismiss_pair(session: Session, first: int, second: int, *, actor: str) -> None:
    """List this pair again (undoable)."""
    from crm_tui.services.history import change

    low, high = pair_of(first, second)
    conn = session.connection()
    d = t.dedup_dismissals.c
    if not conn.execute(select(func.count()).where(d.contact_id == low, d.other_id == high)).scalar_one():
        raise NotFound(f"#{low} and #{high} are not a dismissed pair")
    with change(session, entity="contact", entity_id=low, action="undismiss", actor=actor) as rec:
        rec.watch("dedup_dismissals", contact_id=low, other_id=high)
        conn.execute(t.dedup_dismissals.delete().where(d.contact_id == low, d.other_id == high))
        rec.note = f"may be the same person as #{high}"


def dismissed_pairs(conn: Connection, ids: Iterable[int] | None = None) -> list[tuple[int, int]]:
    """The dismissed pairs (of these contacts, if given)."""
    d = t.dedup_dismissals.c
    query = select(d.contact_id, d.other_id).order_by(d.contact_id, d.other_id)
    if ids is not None:
        wanted = list(ids)
        query = query.where(or_(d.contact_id.in_(wanted), d.other_id.in_(wanted)))
    return [(int(a), int(b)) for a, b in conn.execute(query)]
