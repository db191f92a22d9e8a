"""The sentence reader on its corpus: at least 80 sentences, refusals included, with a list for contacts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from crm_tui.dates import to_local
from crm_tui.errors import AmbiguousContact, ContactNotFound, CrmError
from crm_tui.keys import email_key, name_key
from crm_tui.sentence import ContactMatch, ParsedLog, parse_sentence
from tests.capture.sentences import CONTACTS, CORPUS
from tests.conftest import NOW

UTC_ZONE = ZoneInfo("UTC")


def lookup(text: str, how: str) -> list[ContactMatch]:
    """The rules of services.capture's lookup, over the corpus's list."""
    everyone = [ContactMatch(cid, name, email) for cid, name, email in CONTACTS]
    if how == "email":
        return [m for m in everyone if m.email == email_key(text)]
    if how == "ref":
        ref = text.lstrip("#")
        if ref.isdigit():
            return [m for m in everyone if m.id == int(ref)]
        if "@" in ref:
            return [m for m in everyone if m.email == email_key(ref)]
        found = [m for m in everyone if name_key(ref) in name_key(m.name)]
        if not found:
            raise ContactNotFound(text)
        if len(found) > 1:
            raise AmbiguousContact(text, [(m.id, m.name, m.email or "") for m in found])
        return found
    key = name_key(text)
    exact = [m for m in everyone if name_key(m.name) == key]
    return exact or [m for m in everyone if f" {key} " in f" {name_key(m.name)} "]


def _local(at: datetime) -> str:
    return to_local(at, UTC_ZONE).strftime("%Y-%m-%d %H:%M")


def _check(parsed: ParsedLog, want: dict[str, Any]) -> None:
    got = {
        "contact": parsed.contact.id,
        "kind": parsed.kind,
        "when": None if parsed.when_text is None else _local(parsed.occurred_at),
        "summary": parsed.summary,
        "follow": None if parsed.follow_up is None else (_local(parsed.follow_up.due_at), parsed.follow_up.title),
    }
    if "direction" in want:
        got["direction"] = parsed.direction
    assert got == want


def test_the_corpus_is_big_enough() -> None:
    assert len(CORPUS) >= 80
    assert sum("error" in want for _, want in CORPUS) >= 15


@pytest.mark.parametrize(("sentence", "want"), CORPUS, ids=[s[:40] or "<empty>" for s, _ in CORPUS])
def test_sentence(sentence: str, want: dict[str, Any]) -> None:
    if "error" in want:
        with pytest.raises(CrmError) as info:
            parse_sentence(sentence, lookup=lookup, now=NOW, tz=UTC_ZONE)
        assert want["error"] in info.value.message
        assert "\n" not in info.value.message
        return
    parsed = parse_sentence(sentence, lookup=lookup, now=NOW, tz=UTC_ZONE)
    _check(parsed, want)
    if parsed.when_text is None:
        assert parsed.occurred_at == NOW


def test_times_are_read_in_the_users_zone_and_stored_in_utc() -> None:
    paris = ZoneInfo("Europe/Paris")
    parsed = parse_sentence("lunch with Ana yesterday 1pm, follow up fri", lookup=lookup, now=NOW, tz=paris)
    assert parsed.occurred_at == datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    assert parsed.follow_up is not None and parsed.follow_up.due_at == datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    # Late on Sunday evening in Tokyo it is already Monday: "monday" is today there.
    tokyo = ZoneInfo("Asia/Tokyo")
    late = datetime(2026, 11, 22, 20, 0, tzinfo=UTC)  # Mon 23 Nov 05:00 in Tokyo
    parsed = parse_sentence("call with Bob monday 1am", lookup=lookup, now=late, tz=tokyo)
    assert to_local(parsed.occurred_at, tokyo) == datetime(2026, 11, 23, 1, 0, tzinfo=tokyo)


def test_next_fri_is_the_coming_friday_and_a_week_later_on_a_friday() -> None:
    friday = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
    for now, due in ((NOW, "2026-11-27 09:00"), (friday, "2026-12-04 09:00")):
        parsed = parse_sentence("called Ana, follow up next fri", lookup=lookup, now=now, tz=UTC_ZONE)
        assert parsed.follow_up is not None and _local(parsed.follow_up.due_at) == due
    # A bare weekday for a follow-up never lands on today's past morning: "fri" on a Friday is next week's.
    parsed = parse_sentence("called Ana, follow up fri", lookup=lookup, now=friday, tz=UTC_ZONE)
    assert parsed.follow_up is not None and _local(parsed.follow_up.due_at) == "2026-12-04 09:00"


def test_the_readback_shows_every_date_with_its_weekday() -> None:
    parsed = parse_sentence(CORPUS[0][0], lookup=lookup, now=NOW, tz=UTC_ZONE)
    lines = dict(parsed.lines(UTC_ZONE, now=NOW))
    assert lines["when"] == "Sat 21 Nov 2026 13:00 ('yesterday 1pm')"
    assert lines["follow-up"].startswith("Fri 27 Nov 2026 09:00 ('next fri'): Follow up: Lunch")
    assert lines["contact"] == "Ana Souza (#1)" and lines["kind"] == "meeting (from 'lunch')"
    data = parsed.as_dict(UTC_ZONE)
    assert data["occurred_at"] == "2026-11-21T13:00:00+00:00" and data["follow_up"]["when_text"] == "next fri"
