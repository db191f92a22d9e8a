"""Random CSV, vCard and JSON through `crm import ... -`: the CLI's contract holds for any input.

Whatever the bytes, `crm` either imports (exit 0, one summary line on stderr) or refuses
with exit 1 and exactly one line on stderr starting with `crm: `, nothing on stdout,
and the database exactly as it was. Never a traceback; a --dry-run never writes.
"""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from tests.conftest import database_state, examples
from tests.io.conftest import Crm

# The fixtures (a database, the CLI runner) are made once per test, not per example: the
# examples share the database, and each one compares it before and after itself.
ENCODING_NOTE = re.compile(r"crm: stdin is not UTF-8: reading it as \S+ \(use --encoding to choose\)")
EXAMPLES = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def check_import_contract(crm: Crm, engine: Engine, args: list[str], data: bytes) -> int:
    """Run `crm ARGS` with `data` on stdin and assert the contract; returns the exit status."""
    before = database_state(engine)
    code, out, err = crm(*args, input=data)  # an exception other than SystemExit fails the test
    assert "Traceback" not in err and err.endswith("\n"), err
    event(f"exit {code}")  # pytest --hypothesis-show-statistics: how often each outcome was reached
    lines = err.splitlines()
    # The one note the README documents before the outcome: the encoding it fell back to.
    if lines and ENCODING_NOTE.fullmatch(lines[0]):
        lines = lines[1:]
    if code == 0:
        summary = "dry run, nothing written: would be " if "--dry-run" in args else "import "
        # vCard imports name each property or card they left out (README: "a bad property is
        # left out"), one line each, before the summary.
        notes = [line for line in lines[:-1] if line.startswith("crm: ") and "left out" in line]
        assert len(lines) == len(notes) + 1 and lines[-1].startswith(summary), err
        if "--dry-run" in args:
            assert database_state(engine) == before
        return code
    assert code == 1, f"exit {code}: {err}"
    # A vCard import that stops names the properties it had left out of the card first (as
    # test_vcard_interop's test_a_bad_property_is_left_out_never_the_card wants), then why it stops.
    notes = [line for line in lines[:-1] if line.startswith("crm: ") and "left out" in line]
    assert len(lines) == len(notes) + 1 and lines[-1].startswith("crm: "), err
    assert out == "", out
    assert database_state(engine) == before, f"{args} failed ({err.strip()}) but wrote to the database"
    return code


def flags(draw: st.DrawFn) -> list[str]:
    """--dry-run and --skip-invalid, each maybe."""
    chosen = []
    if draw(st.booleans()):
        chosen.append("--dry-run")
    if draw(st.booleans()):
        chosen.append("--skip-invalid")
    return chosen


HEADERS = [
    "name", "email", "phone", "organization", "tags", "every", "birthday", "notes", "First Name", "Last Name",
    "E-mail 1 - Value", "E-mail 1 - Label", "Labels", "Record ID", "created_at", "emails", "custom:x", "Title",
    "occurred_at", "kind", "summary", "direction",
]  # fmt: skip
CELL = st.one_of(
    st.text(alphabet="abcAZé@.+-=;:,'\"\t\n\r 0123456789/*#x()", max_size=20),
    st.sampled_from(["ada@x.io", "+44 20 7946 0000", "2w", "--12-09", "1815-12-10", "0/0/00", "* myContacts ::: vip",
                     "2026-11-01T10:00:00+01:00", "call", "in", "not-a-date", "x@", "'=1+1"]),
)  # fmt: skip


@st.composite
def csv_texts(draw: st.DrawFn) -> bytes:
    header = draw(st.lists(st.sampled_from(HEADERS), min_size=0, max_size=6))
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    rows = draw(st.lists(st.lists(CELL, max_size=7), max_size=6))
    lines = [delimiter.join(header)] + [delimiter.join(r) for r in rows]
    text = draw(st.sampled_from(["\n", "\r\n"])).join(lines)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
    return text.encode(encoding, errors="replace")


@settings(EXAMPLES, max_examples=examples(150))
@given(data=csv_texts(), options=st.data())
def test_random_csv_keeps_the_contract(crm: Crm, engine: Engine, data: bytes, options: st.DataObject) -> None:
    check_import_contract(crm, engine, ["import", "contacts", "-", *flags(options.draw)], data)


@pytest.fixture
def ada(crm: Crm) -> None:
    """A contact for interaction rows to land on (once per test, not per example)."""
    assert crm("contact", "add", "Ada", "--email", "ada@x.io")[0] == 0


@settings(EXAMPLES, max_examples=examples(60))
@given(data=csv_texts(), options=st.data())
def test_random_interactions_csv_keeps_the_contract(
    crm: Crm, engine: Engine, ada: None, data: bytes, options: st.DataObject
) -> None:
    check_import_contract(crm, engine, ["import", "interactions", "-", *flags(options.draw)], data)


@settings(EXAMPLES, max_examples=examples(60))
@given(data=st.binary(max_size=300), options=st.data())
def test_random_bytes_keep_the_contract(crm: Crm, engine: Engine, data: bytes, options: st.DataObject) -> None:
    check_import_contract(crm, engine, ["import", "contacts", "-", *flags(options.draw)], b"name,email\n" + data)


VCARD_LINES = st.sampled_from([
    "BEGIN:VCARD", "END:VCARD", "VERSION:3.0", "VERSION:4.0", "FN:Ada", "N:Lovelace;Ada;;;", "EMAIL:ada@x.io",
    "EMAIL:bad", "TEL;TYPE=cell:+44 20", "BDAY:--1209", "BDAY:nope", "item1.X-ABLabel:Lab", "item1.TEL:123",
    "ORG:A;B", "CATEGORIES:a,b", "X-CRM-CUSTOM:{bad", "X-CRM-EVERY:2w", "X-CRM-CREATED:when", " folded", "NOTE:a\\nb",
    ":", ";;;", "=", "N:", "ORG:", "BDAY:", "N:a;b;c;d;e;f;g", "EMAIL;TYPE=:x@y.io", "TEL:", "UID:", "FN:",
])  # fmt: skip


@settings(EXAMPLES, max_examples=examples(100))
@given(lines=st.lists(VCARD_LINES, max_size=14), options=st.data())
def test_random_vcards_keep_the_contract(crm: Crm, engine: Engine, lines: list[str], options: st.DataObject) -> None:
    data = "\r\n".join(lines).encode()
    check_import_contract(crm, engine, ["import", "vcard", "-", *flags(options.draw)], data)


JSON_KEYS = st.sampled_from([
    "name", "emails", "phones", "email", "phone", "tags", "every", "cadence_days", "custom", "birthday", "created_at",
    "First Name", "Company", "id", "notes", "title", "uid", "x",
])  # fmt: skip
JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70), CELL)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["email", "phone", "label", "type", "primary", "value", "k"]), inner, max_size=3
        )
    ),
    max_leaves=6,
)


@settings(EXAMPLES, max_examples=examples(120))
@given(
    items=st.lists(st.one_of(st.dictionaries(JSON_KEYS, JSON_VALUES, max_size=6), JSON_VALUES), max_size=4),
    ndjson=st.booleans(),
    options=st.data(),
)
def test_random_contact_json_keeps_the_contract(
    crm: Crm, engine: Engine, items: list[object], ndjson: bool, options: st.DataObject
) -> None:
    text = "\n".join(json.dumps(i) for i in items) if ndjson else json.dumps(items)
    check_import_contract(crm, engine, ["import", "contacts", "-", *flags(options.draw)], text.encode())
