"""Read one logged sentence: `lunch with Ana yesterday 1pm about the renewal, follow up next fri`.

A pure module: the contacts are found through a `Lookup` the caller passes in (the CLI and
the app give one over the database, the tests a list), times through `crm_tui.dates`.

What it reads, in this order:
1. a follow-up clause (`follow up next fri`, `remind me in 2 weeks to send the deck`): from its
   cue to the end of the sentence; its time is in the future, a day alone at 09:00;
2. the kind: `#kind` anywhere forces it, else the first kind word (lunch, coffee, met ->
   meeting; called -> call; emailed -> email; texted -> message), else a note;
3. when it happened: the first phrase `crm_tui.dates` reads (without its free-text guessing),
   in the past: a weekday alone is the latest one (today included), a month day without a
   year the latest one; nothing said means now;
4. the contact: `@ref` (an id, email or name fragment), an email address, or a name (words
   after with/to/from/called..., then capitalized words, then any other word);
5. the summary: what is left, tidied (`Lunch about the renewal`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from typing import Any

from crm_tui.dates import parse_when, to_local, to_utc
from crm_tui.errors import AmbiguousContact, ContactNotFound, InvalidDate, InvalidInput
from crm_tui.models.kinds import INTERACTION_KINDS
from crm_tui.sentence_words import (
    AMBIGUOUS_DAYS,
    CONNECTORS,
    CONTACT_PREPOSITIONS,
    DETERMINERS,
    FOLLOW_UP_CUES,
    FUTURE_DAY_WORDS,
    KIND_VERBS,
    KIND_WORDS,
    LEADING_CONNECTORS,
    NAME_CUES,
    STOPWORDS,
    TIME_PREPOSITIONS,
)

FOLLOW_UP_TIME = time(9, 0)  # a follow-up given only a day is due at the start of the working day
MAX_SENTENCE = 500
_LONGEST_TIME = 6  # words in a time phrase (`on monday at 3pm`, `1st of december 2026 3pm`)
_LONGEST_NAME = 4
_LEAD = "\"'([{“‘"
_TRAIL = "\"')]}”’.,;:!?"
_BOUNDARY = re.compile(r"[,;:.!?]['\")\]”’]*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_NAME_WORD = re.compile(r"^[^\W\d_][\w'’.-]*$")
_COMPACT = re.compile(r"^\d+(d|w|m|y|h|min)$", re.ASCII)
_WEEKDAY = re.compile(
    r"^(?:this )?(?:mon|tue|tues|wed|weds|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|urday|rsday)?\b", re.ASCII
)
_MONTH_DAY_NO_YEAR = re.compile(r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)", re.ASCII)


@dataclass(frozen=True)
class ContactMatch:
    """A contact the lookup found."""

    id: int
    name: str
    email: str | None = None


#: `lookup(text, how)`: the contacts `text` names. `how` is `ref` (an `@ref`: an id, email or
#: name fragment, as the CLI's REF; may raise ContactNotFound or AmbiguousContact), `email`,
#: or `name` (every word of `text` starts a word of the contact's name, in order; an exact
#: full name alone when there is one).
Lookup = Callable[[str, str], Sequence[ContactMatch]]


class SentenceError(InvalidInput):
    """A sentence that cannot be logged; the message says what to change."""


@dataclass(frozen=True)
class FollowUp:
    due_at: datetime  # aware UTC
    title: str
    when_text: str


@dataclass(frozen=True)
class ParsedLog:
    """What a sentence says: who, what kind, when, what, and the follow-up."""

    sentence: str
    contact: ContactMatch
    contact_text: str
    kind: str
    kind_text: str | None  # the word or #tag it came from; None: a note by default
    direction: str | None
    occurred_at: datetime  # aware UTC
    when_text: str | None  # None: now
    summary: str
    follow_up: FollowUp | None

    def as_dict(self, tz: tzinfo) -> dict[str, Any]:
        """The parse with stable keys (`crm log --dry-run --format json`)."""
        follow_up = None
        if self.follow_up is not None:
            follow_up = {
                "due_at": to_local(self.follow_up.due_at, tz).isoformat(),
                "title": self.follow_up.title,
                "when_text": self.follow_up.when_text,
            }
        return {
            "sentence": self.sentence,
            "contact_id": self.contact.id,
            "contact": self.contact.name,
            "contact_text": self.contact_text,
            "kind": self.kind,
            "kind_text": self.kind_text,
            "direction": self.direction,
            "occurred_at": to_local(self.occurred_at, tz).isoformat(),
            "when_text": self.when_text,
            "summary": self.summary,
            "follow_up": follow_up,
        }

    def lines(self, tz: tzinfo, *, now: datetime) -> list[tuple[str, str]]:
        """(label, text) lines that read the parse back, every date with its weekday."""
        kind = self.kind + (f" (from '{self.kind_text}')" if self.kind_text else " (no kind word: a note)")
        when = show_time(self.occurred_at, tz) + (f" ('{self.when_text}')" if self.when_text else " (now)")
        out = [
            ("contact", f"{self.contact.name} (#{self.contact.id})"),
            ("kind", kind + (f", {self.direction}" if self.direction else "")),
            ("when", when),
            ("summary", self.summary),
        ]
        if self.follow_up is not None:
            f = self.follow_up
            out.append(("follow-up", f"{show_time(f.due_at, tz)} ('{f.when_text}'): {f.title}"))
        return out


def show_time(at: datetime, tz: tzinfo) -> str:
    """`Sat 21 Nov 2026 13:00`: a date is always shown with its weekday."""
    local = to_local(at, tz)
    return f"{local:%a} {local.day} {local:%b %Y %H:%M}"


@dataclass
class _Token:
    raw: str
    core: str  # without the punctuation around it, case kept
    word: str  # core lowercased
    boundary: bool  # punctuation after it ends a phrase
    used: str = ""  # what took it: follow-up, kind, time, contact


def _tokens(sentence: str) -> list[_Token]:
    out = []
    for raw in sentence.split():
        core = raw.lstrip(_LEAD).rstrip(_TRAIL)
        if core.endswith(("'s", "’s")) and len(core) > 3:
            core = core[:-2]
        out.append(_Token(raw, core, core.lower(), bool(_BOUNDARY.search(raw)) or not core))
    return out


def parse_sentence(sentence: str, *, lookup: Lookup, now: datetime, tz: tzinfo) -> ParsedLog:
    """Read `sentence` (see the module's docstring); SentenceError when it cannot be logged as it is."""
    text = " ".join(sentence.split())
    if not text:
        raise SentenceError('say what happened, e.g. crm log "called Ana about the renewal"')
    if len(text) > MAX_SENTENCE:
        raise SentenceError(f"the sentence is longer than {MAX_SENTENCE} characters: put the details in --body")
    tokens = _tokens(text)
    clause_at = _follow_up_start(tokens)
    if clause_at == 0:
        raise SentenceError("that is a reminder, not something that happened: use crm remind add REF TITLE --due WHEN")
    main = range(len(tokens)) if clause_at is None else range(clause_at)
    kind, kind_text = _kind(tokens, main)
    at, when_text = _when(tokens, main, now=now, tz=tz, has_follow_up=clause_at is not None)
    contact, contact_text, first, last = _contact(tokens, main, lookup)
    if contact is None and clause_at is not None:
        # "lunch yesterday, follow up with Ana next week": the name is in the clause.
        contact, contact_text, first, last = _contact(tokens, range(clause_at, len(tokens)), lookup)
    if contact is None:
        raise _no_contact(tokens, main)
    direction = _direction(tokens, main, first, last)
    summary = _summary(tokens, main) or _default_summary(kind)
    follow_up = None
    if clause_at is not None:
        follow_up = _follow_up(tokens, clause_at, summary, now=now, tz=tz)
    return ParsedLog(
        sentence=text, contact=contact, contact_text=contact_text, kind=kind, kind_text=kind_text,
        direction=direction, occurred_at=at, when_text=when_text, summary=summary, follow_up=follow_up,
    )  # fmt: skip


# ---------------------------------------------------------------- follow-up


def _follow_up_start(tokens: list[_Token]) -> int | None:
    for i in range(len(tokens)):
        for cue in FOLLOW_UP_CUES:
            words = [t.word for t in tokens[i : i + len(cue)]]
            if tuple(words) != cue or any(t.boundary for t in tokens[i : i + len(cue) - 1]):
                continue
            if i > 0 and tokens[i - 1].word in DETERMINERS:
                continue  # "sent the follow-up email": a noun
            for t in tokens[i : i + len(cue)]:
                t.used = "follow-up"
            # The words joining it to the rest ("..., and follow up") go with it.
            j = i - 1
            while j >= 0 and (tokens[j].word in CONNECTORS or not tokens[j].core) and not tokens[j].used:
                tokens[j].used = "follow-up"
                j -= 1
            return j + 1
    return None


def _follow_up(tokens: list[_Token], start: int, summary: str, *, now: datetime, tz: tzinfo) -> FollowUp:
    rest = [i for i in range(start, len(tokens)) if not tokens[i].used]
    found = _find_time(tokens, rest, now=now, tz=tz, future=True)
    if found is None:
        raise SentenceError(
            "when should the follow-up be? say when: 'follow up fri', 'remind me in 2 weeks to send the deck'"
        )
    due, when_text, span = found
    if due <= now:
        raise SentenceError(f"the follow-up '{when_text}' ({show_time(due, tz)}) is not in the future")
    for i in span:
        tokens[i].used = "follow-up"
    task = [tokens[i] for i in rest if not tokens[i].used]
    words = _tidy([t.raw for t in task])
    if not words:
        title = f"Follow up: {summary}"
    elif task[0].word == "to":
        title = _capitalize(_tidy([t.raw for t in task[1:]]) or summary)
    else:
        title = "Follow up " + words
    for i in rest:
        tokens[i].used = "follow-up"
    return FollowUp(due, title, when_text)


# ---------------------------------------------------------------- kind


def _kind(tokens: list[_Token], main: range) -> tuple[str, str | None]:
    # `#12` names a contact by id, as a REF does; any other `#word` is a kind.
    forced = [t for t in tokens if t.word.startswith("#") and len(t.word) > 1 and not t.word[1:].isdigit()]
    if len(forced) > 1:
        raise SentenceError(f"give one #kind, not {len(forced)} ({', '.join(t.core for t in forced)})")
    if forced:
        kind = forced[0].word[1:]
        if kind not in INTERACTION_KINDS:
            raise SentenceError(
                f"unknown kind '{forced[0].core}' (use {', '.join('#' + k for k in INTERACTION_KINDS)})"
            )
        forced[0].used = "kind"
        return kind, forced[0].core
    for i in main:
        found = KIND_WORDS.get(tokens[i].word)
        if found is not None:
            return found, tokens[i].core  # the word stays in the summary: "Lunch about the renewal"
    return "note", None


def _default_summary(kind: str) -> str:
    if kind == "note":
        raise SentenceError('say what happened besides who and when, e.g. "Ana: wants the premium plan"')
    return kind.capitalize()


# ---------------------------------------------------------------- time


def _adjust(at: datetime, text: str, tz: tzinfo, *, future: bool, now: datetime) -> datetime:
    """A weekday or a month day named without a year moves to the side of now the phrase is about."""
    local = to_local(at, tz).replace(tzinfo=None)
    wrong_side = at <= now if future else at > now
    if not wrong_side:
        return at
    if _WEEKDAY.match(text) and not text.startswith(("next ", "last ")):
        return to_utc(local + timedelta(days=7 if future else -7), tz)
    if _MONTH_DAY_NO_YEAR.search(text) and not re.search(r"\d{4}", text):
        try:
            return to_utc(local.replace(year=local.year + (1 if future else -1)), tz)
        except ValueError:  # 29 February
            return at
    return at


def _candidates(tokens: list[_Token], allowed: Sequence[int]) -> list[tuple[int, int]]:
    """(start, end) spans of allowed, unused, consecutive tokens, not crossing punctuation: earliest, longest first."""
    ok = set(allowed)
    spans: list[tuple[int, int]] = []
    for start in allowed:
        end = start
        while end < len(tokens) and end in ok and not tokens[end].used and end - start < _LONGEST_TIME:
            end += 1
            if tokens[end - 1].boundary:
                break
        spans.extend((start, stop) for stop in range(end, start, -1))
    return spans


def _find_time(
    tokens: list[_Token], allowed: Sequence[int], *, now: datetime, tz: tzinfo, future: bool
) -> tuple[datetime, str, range] | None:
    """The first time phrase among `allowed` tokens, adjusted to the past or the future."""
    for start, stop in _candidates(tokens, allowed):
        words = [t.word for t in tokens[start:stop]]
        lead = 1 if words[0] in TIME_PREPOSITIONS and len(words) > 1 else 0
        phrase = " ".join(words[lead:])
        if not phrase or not phrase[0].isalnum() or phrase.isdigit():
            continue
        if phrase in AMBIGUOUS_DAYS and not lead:
            continue
        if _COMPACT.match(phrase) and not future:
            continue  # "6m" in a log is an amount more often than "in six months"
        default = FOLLOW_UP_TIME if future else None
        try:
            at = parse_when(phrase, now=now, tz=tz, default_time=default, strict=True)
        except InvalidDate as exc:
            if "not a real date" in exc.message:
                raise SentenceError(exc.message) from None
            continue
        at = _adjust(at, phrase, tz, future=future, now=now)
        shown = " ".join(t.core for t in tokens[start:stop])
        return at, shown, range(start, stop)
    return None


def _when(
    tokens: list[_Token], main: range, *, now: datetime, tz: tzinfo, has_follow_up: bool
) -> tuple[datetime, str | None]:
    allowed = list(main)
    while (found := _find_time(tokens, allowed, now=now, tz=tz, future=False)) is not None:
        at, shown, span = found
        if at <= now:
            for i in span:
                tokens[i].used = "time"
            return at, shown
        words = shown.lower().split()
        plan = words[-1] in FUTURE_DAY_WORDS or words[0] in FUTURE_DAY_WORDS or words[0] == "next"
        clock_only = not plan and to_local(at, tz).date() == to_local(now, tz).date()
        if (plan or clock_only) and not has_follow_up:
            hint = "say 'yesterday ...'" if clock_only else f"say 'follow up {shown.lower()}'"
            raise SentenceError(
                f"'{shown}' is {show_time(at, tz)}, in the future: log what happened ({hint}),"
                " or add a reminder with crm remind add"
            )
        allowed = [i for i in allowed if i not in span]  # "in 2 weeks" read as a plan: it stays in the text
    return now, None


# ---------------------------------------------------------------- contact


def _lookup_one(lookup: Lookup, text: str, how: str) -> list[ContactMatch]:
    return list(lookup(text, how))


def _runs(tokens: list[_Token], main: Sequence[int]) -> list[tuple[int, int, int]]:
    """(priority, start, end) runs of words that may be a name: after a cue 0, capitalized 1, else 2."""
    runs = []
    i, allowed = 0, set(main)
    ordered = sorted(allowed)
    while i < len(ordered):
        start = ordered[i]
        end = start
        while end in allowed and _name_like(tokens[end]) and end - start < _LONGEST_NAME:
            end += 1
            if tokens[end - 1].boundary:
                break
        if end == start:
            i += 1
            continue
        before = tokens[start - 1].word if start > 0 else ""
        priority = 0 if before in NAME_CUES else 1 if tokens[start].core[:1].isupper() else 2
        runs.append((priority, start, end))
        i = ordered.index(end) if end in allowed else len(ordered)
    return sorted(runs, key=lambda r: (r[0], r[1]))


def _name_like(t: _Token) -> bool:
    if t.used or not _NAME_WORD.match(t.core) or t.word.startswith("#") or t.word in KIND_WORDS:
        return False
    return t.core[:1].isupper() or (t.word not in STOPWORDS and len(t.word) > 1)


def _contact(tokens: list[_Token], main: range, lookup: Lookup) -> tuple[ContactMatch | None, str, int, int]:
    free = [i for i in main if not tokens[i].used]
    for i in free:
        t = tokens[i]
        if (t.core.startswith("@") and len(t.core) > 1) or (t.core.startswith("#") and t.core[1:].isdigit()):
            ref = t.core[1:] if t.core.startswith("@") else t.core
            found = _lookup_one(lookup, ref, "ref")
            if not found:
                raise ContactNotFound(ref)
            return _take(tokens, found[0], i, i + 1)
    for i in free:
        t = tokens[i]
        if _EMAIL.match(t.core):
            found = _lookup_one(lookup, t.core, "email")
            if not found:
                raise SentenceError(f"no contact has the email {t.core} (add them first: crm contact add)")
            return _take(tokens, found[0], i, i + 1)
    chosen: tuple[ContactMatch, int, int] | None = None
    for priority, start, end in _runs(tokens, free):
        before = tokens[start - 1].word if start > 0 else ""
        if chosen is None:
            chosen = _best_in_run(tokens, start, end, lookup)
            continue
        # A second name after a cue or an "and" ("lunch with Bob and Ana") is a second contact.
        if priority != 0 and before not in ("and", "&"):
            continue
        try:
            other = _best_in_run(tokens, start, end, lookup)
        except AmbiguousContact as exc:
            other = (ContactMatch(exc.candidates[0][0], exc.ref), start, end)
        if other is not None and other[0].id != chosen[0].id:
            raise SentenceError(
                f"the sentence names two contacts ({chosen[0].name}, {other[0].name}): log each on its own,"
                " or name one with @ref"
            )
    if chosen is None:
        return None, "", -1, -1
    return _take(tokens, *chosen)


def _best_in_run(tokens: list[_Token], start: int, end: int, lookup: Lookup) -> tuple[ContactMatch, int, int] | None:
    for length in range(end - start, 0, -1):
        for first in range(start, end - length + 1):
            phrase = " ".join(t.core for t in tokens[first : first + length])
            found = _lookup_one(lookup, phrase, "name")
            if len(found) == 1:
                return found[0], first, first + length
            if len(found) > 1:
                raise AmbiguousContact(phrase, [(m.id, m.name, m.email or "") for m in found])
    return None


def _take(tokens: list[_Token], match: ContactMatch, first: int, last: int) -> tuple[ContactMatch, str, int, int]:
    text = " ".join(t.core for t in tokens[first:last])
    for t in tokens[first:last]:
        t.used = "contact"
    if first > 0 and tokens[first - 1].word in CONTACT_PREPOSITIONS and not tokens[first - 1].used:
        tokens[first - 1].used = "contact"
        first -= 1
    return match, text, first, last


def _no_contact(tokens: list[_Token], main: range) -> SentenceError:
    capitalized = [tokens[i].core for i in main if not tokens[i].used and tokens[i].core[:1].isupper() and i > 0]
    named = f" (no contact matches '{capitalized[0]}')" if capitalized else ""
    return SentenceError(f'who was it with?{named} name them by name, email or @ref, e.g. "called @ana about X"')


def _direction(tokens: list[_Token], main: range, first: int, last: int) -> str | None:
    """`in` when they reached out (`Ana called`, `email from Bob`), `out` when you did (`called Ana`)."""
    if first > 0 and tokens[first].word == "from" and tokens[first].used == "contact":
        return "in"
    verbs = [i for i in main if tokens[i].word in KIND_VERBS]
    if not verbs:
        return None
    return "in" if last <= verbs[0] else "out"


# ---------------------------------------------------------------- summary


def _tidy(raws: list[str]) -> str:
    words = list(raws)
    while words and (words[0].lower().strip(",;:") in LEADING_CONNECTORS or not words[0].strip(",;:-—–")):
        words.pop(0)
    while words and (words[-1].lower().strip(",;:.") in CONNECTORS or not words[-1].strip(",;:.-—–")):
        words.pop()
    text = " ".join(words).strip(" ,;:-—–")
    return re.sub(r"\s+([,;:.!?])", r"\1", text)


def _capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


def _summary(tokens: list[_Token], main: range) -> str:
    return _capitalize(_tidy([tokens[i].raw for i in main if not tokens[i].used]).rstrip(".,;:"))
