"""Random CSV and vCard content never produces a traceback: a result or a CrmError, nothing else."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session

from crm_tui.dates import local_zone
from crm_tui.errors import CrmError
from crm_tui.io.contacts_csv import ContactCsvReader
from crm_tui.io.interactions_csv import InteractionCsvReader
from crm_tui.io.vcard import VcardReader
from crm_tui.services.imports.contacts import import_contacts
from crm_tui.services.imports.interactions import import_interactions

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


@pytest.fixture
def scratch(engine: Engine) -> Iterator[Engine]:
    yield engine


def _run_csv(engine: Engine, data: bytes, interactions: bool = False) -> None:
    tz = local_zone("UTC")
    with Session(engine) as session:
        try:
            if interactions:
                reader_i = InteractionCsvReader(io.BytesIO(data), name="r.csv", tz=tz, skip_invalid=True)
                import_interactions(session.connection(), reader_i, source="r.csv", actor="t", skip_invalid=True)
            else:
                reader = ContactCsvReader(io.BytesIO(data), name="r.csv", tz=tz)
                import_contacts(session.connection(), reader, kind="contacts", source="r.csv", actor="t")
        except CrmError:
            pass
        finally:
            session.rollback()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=csv_texts())
def test_random_csv_never_tracebacks(scratch: Engine, data: bytes) -> None:
    _run_csv(scratch, data)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=csv_texts())
def test_random_interactions_csv_never_tracebacks(scratch: Engine, data: bytes) -> None:
    _run_csv(scratch, data, interactions=True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300))
def test_random_bytes_never_traceback(scratch: Engine, data: bytes) -> None:
    _run_csv(scratch, b"name,email\n" + data)


VCARD_LINES = st.sampled_from([
    "BEGIN:VCARD", "END:VCARD", "VERSION:3.0", "VERSION:4.0", "FN:Ada", "N:Lovelace;Ada;;;", "EMAIL:ada@x.io",
    "EMAIL:bad", "TEL;TYPE=cell:+44 20", "BDAY:--1209", "BDAY:nope", "item1.X-ABLabel:Lab", "item1.TEL:123",
    "ORG:A;B", "CATEGORIES:a,b", "X-CRM-CUSTOM:{bad", "X-CRM-EVERY:2w", "X-CRM-CREATED:when", " folded", "NOTE:a\\nb",
    ":", ";;;", "=", "N:", "ORG:", "BDAY:", "N:a;b;c;d;e;f;g", "EMAIL;TYPE=:x@y.io", "TEL:", "UID:", "FN:",
])  # fmt: skip


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(VCARD_LINES, max_size=14))
def test_random_vcards_never_traceback(scratch: Engine, lines: list[str]) -> None:
    data = "\r\n".join(lines).encode()
    with Session(scratch) as session:
        try:
            reader = VcardReader([("r.vcf", io.BytesIO(data))], tz=local_zone("UTC"), skip_invalid=False)
            import_contacts(session.connection(), reader, kind="vcard", source="r.vcf", actor="t")
        except CrmError:
            pass
        finally:
            session.rollback()


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


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    items=st.lists(st.one_of(st.dictionaries(JSON_KEYS, JSON_VALUES, max_size=6), JSON_VALUES), max_size=4),
    ndjson=st.booleans(),
    skip=st.booleans(),
)
def test_random_contact_json_never_tracebacks(scratch: Engine, items: list[object], ndjson: bool, skip: bool) -> None:
    import json

    from crm_tui.io.contacts_json import ContactJsonReader

    text = "\n".join(json.dumps(i) for i in items) if ndjson else json.dumps(items)
    with Session(scratch) as session:
        try:
            reader = ContactJsonReader(
                io.BytesIO(text.encode()), name="r.json", tz=local_zone("UTC"), skip_invalid=skip
            )
            import_contacts(session.connection(), reader, kind="contacts", source="r.json", actor="t")
        except CrmError:
            pass
        finally:
            session.rollback()
