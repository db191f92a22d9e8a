"""Likely duplicates on either database: the keys, the score and its reasons, dismissals that stay."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from sqlmodel import Session

from crm_tui.errors import Conflict, InvalidInput
from crm_tui.models import Contact
from crm_tui.models.schemas import ContactCreate
from crm_tui.services.contacts.lifecycle import trash_contact
from crm_tui.services.contacts.writing import add_contact
from crm_tui.services.dedup import (
    dismiss_pair,
    email_key,
    find_duplicates,
    name_keys,
    normalized_name,
    phone_tail,
    undismiss_pair,
)
from crm_tui.services.undo import undo_change
from tests import forkrun
from tests.conftest import NOW


def add(session: Session, name: str, **kw: object) -> Contact:
    return add_contact(session, ContactCreate(name=name, **kw), actor="tester", now=NOW)  # type: ignore[arg-type]


def test_keys() -> None:
    assert normalized_name("Zoë  O'Brien-Smith") == "zoe o brien smith"
    assert name_keys("ada lovelace") == ["=ada lovelace", "Llovelace a", "Fada lov"]
    assert email_key("Ada.L+crm@mail.Analytical.co.uk") == "ada.l@analytical"
    assert email_key("ada.l@analytical.io") == "ada.l@analytical"
    assert email_key("a.d.a@googlemail.com") == email_key("ada@gmail.com") == "ada@gmail"
    assert email_key("info@analytical.io") is None  # a shared mailbox says nothing about a person
    assert phone_tail("+442079460000") == phone_tail("02079460000") == "079460000"


def test_pairs_scored_with_their_reasons(session: Session) -> None:
    ada = add(session, "Ada Lovelace", emails=["ada@analytical.io"], organization="Engines")
    a2 = add(session, "A. Lovelace", emails=["ada@analytical.co.uk"], organization="Engines")
    cb = add(session, "Charles Babbage", phones=["+44 20 7946 0001"])
    cb2 = add(session, "Babbage, Charles", phones=["020 7946 0001"])
    add(session, "Mary Somerville", emails=["info@analytical.io"])
    add(session, "Mary Shelley", emails=["info@analytical.co.uk"])
    gone = add(session, "Charles Babbage", emails=["old@x.io"])
    trash_contact(session, gone, actor="tester", now=NOW)
    report = find_duplicates(session.connection())
    found = {(p.contact_id, p.other_id): p for p in report.pairs}
    assert list(found) == [(cb.id, cb2.id), (ada.id, a2.id)]  # best first; the trashed one is not paired
    phone = found[(cb.id, cb2.id)]
    assert phone.score == 100 and [r.rule for r in phone.reasons] == ["phone", "name"]
    assert phone.why() == "same phone +44 20 7946 0001 (+50); same name (+60)"
    email = found[(ada.id, a2.id)]
    assert [(r.rule, r.points) for r in email.reasons] == [("email", 40), ("name", 46), ("organization", 10)]
    assert email.score == 96
    assert [p.score for p in find_duplicates(session.connection(), min_score=97).pairs] == [100]
    only = find_duplicates(session.connection(), contact_id=a2.id)
    assert [(p.contact_id, p.other_id) for p in only.pairs] == [(ada.id, a2.id)]
    with pytest.raises(InvalidInput, match="between 0 and 100"):
        find_duplicates(session.connection(), min_score=101)


def test_dismissed_pairs_stay_dismissed_and_undo_brings_them_back(session: Session) -> None:
    a = add(session, "Jane Doe", phones=["+1 555 010 0000"])
    b = add(session, "Jane Doe", phones=["+1 555 010 0000"])
    dismiss_pair(session, b.id, a.id, actor="tester", now=NOW)  # type: ignore[arg-type]
    report = find_duplicates(session.connection())
    assert report.pairs == [] and report.dismissed == 1
    with pytest.raises(Conflict, match="dismissed already"):
        dismiss_pair(session, a.id, b.id, actor="tester", now=NOW)  # type: ignore[arg-type]
    undo_change(session, actor="tester", now=NOW)
    assert len(find_duplicates(session.connection()).pairs) == 1
    dismiss_pair(session, a.id, b.id, actor="tester", now=NOW)  # type: ignore[arg-type]
    undismiss_pair(session, a.id, b.id, actor="tester")  # type: ignore[arg-type]
    assert len(find_duplicates(session.connection()).pairs) == 1


def test_dedup_command(db_url: str) -> None:
    env = {**os.environ, "CRM_DB": db_url, "CRM_USER": "tester", "TZ": "UTC", "NO_COLOR": "1"}

    def crm(*args: str) -> subprocess.CompletedProcess[str]:
        return forkrun.crm(env, *args)  # each its own process (tests/forkrun.py)

    people = (("Jane Doe", "+1 555 010 0000"), ("Jane  Doe", "555 010 0000"), ("John Roe", "+1 555 999 0000"))
    for name, phone in people:
        assert crm("contact", "add", name, "--phone", phone).returncode == 0
    out = crm("dedup", "--format", "json")
    assert out.returncode == 0, out.stderr
    pairs = json.loads(out.stdout)
    assert [(p["contact_id"], p["other_id"], p["score"]) for p in pairs] == [(1, 2, 100)]
    assert [r["rule"] for r in pairs[0]["reasons"]] == ["phone", "name"]
    assert crm("dedup", "-f", "plain").stdout.split("\t")[:2] == ["100", "1"]
    assert crm("dedup", "dismiss", "1", "2").returncode == 0
    assert crm("dedup", "-f", "ndjson").stdout == ""
    bad = crm("dedup", "--min-score", "200")
    assert bad.returncode == 1 and bad.stderr.startswith("crm: the minimum score") and bad.stderr.count("\n") == 1
    assert crm("dedup", "dismiss", "1").returncode == 2
