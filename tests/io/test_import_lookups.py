"""The contact import's fast paths: records made without the dataclass constructor equal those it
makes, rows read by id ranges are the rows asked for, and a contact found by a phone alone is still
known to have an address (which a phone never joins across)."""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from crm_tui.backend.bulk import BulkWriter
from crm_tui.io.contacts_csv import ContactCsvReader
from crm_tui.records import ContactRecord, Labeled
from crm_tui.services.imports.lookups import KeyOwners
from tests.io.conftest import Crm, Query
from tests.io.test_duplicates import write


def test_the_mapper_makes_the_records_the_constructor_makes() -> None:
    def read(data: bytes) -> list[object]:
        return list(ContactCsvReader(io.BytesIO(data), name="x.csv", tz=UTC))

    email = [Labeled("ada@example.org")]
    assert read(b"name,email\nAda Lovelace,ada@example.org\n") == [
        ContactRecord(2, name="Ada Lovelace", emails=email, clean_source=True)
    ]
    # Given and family columns: the name is not split (split_name False); a control character: cleaned.
    assert read(b"First Name,Last Name,E-mail Address\nAda,Love\x07lace,ada@example.org\n") == [
        ContactRecord(2, given_name="Ada", family_name="Lovelace", emails=email, split_name=False)
    ]
    first, second = read(b"name,tags\nAda,x;y\nGrace,\n")
    assert isinstance(first, ContactRecord) and isinstance(second, ContactRecord)
    assert first.tags == ["x", "y"] and second.tags == []  # each record its own lists
    assert first.custom is not second.custom and first.dates is not second.dates


def test_rows_read_by_id_ranges_are_the_rows_asked_for(engine: Engine) -> None:
    present = [i for i in range(1, 6001) if i % 7 != 3]  # gaps: ids asked for that hold no row
    rnd = random.Random(13)
    asked = [
        [],
        [5],
        list(range(1, 2001)),  # one dense run, longer than a chunk
        list(range(100, 4000, 3)),  # every third id: dense enough for a range, two of three rows dropped
        rnd.sample(range(1, 6500), 700),  # sparse: by IN
        [*range(10, 40), 5000, 5001, 5999, 6400, 12, 12],  # a run, strays, an id past the end, a repeat
        [*range(3000, 3900), *rnd.sample(range(1, 3000), 50)],
    ]
    with engine.begin() as conn:
        w = BulkWriter(conn)
        w.execute("CREATE TEMPORARY TABLE picked (id INTEGER PRIMARY KEY, label TEXT)")
        w.insert("picked", ("id", "label"), [(i, f"row {i}") for i in present])
        for ids in asked:
            expected = sorted(w.select_in("SELECT id, label FROM picked WHERE id IN ({})", set(ids)))
            got = w.select_ids("SELECT id, label FROM picked WHERE {}", "id", ids)
            assert sorted(got) == expected
            assert [i for i, _ in expected] == sorted({i for i in ids if i in set(present)})
        w.execute("DROP TABLE picked")


def test_a_phone_does_not_join_a_contact_found_by_it_that_has_another_address(
    crm: Crm, query: Query, tmp_path: Path
) -> None:
    assert crm("contact", "add", "Ada Lovelace", "--email", "ada@a.example", "--phone", "+44 20 7946 0000")[0] == 0
    assert crm("contact", "add", "Bob Nomail", "--phone", "+44 20 7946 1111")[0] == 0
    rows = (
        "name,email,phone\n"
        # Ada's number, another address: a colleague on her switchboard, not Ada.
        "Charles Babbage,charles@b.example,+44 20 7946 0000\n"
        # Bob's number and Bob has no address: Bob, who gains one.
        "Bob Nomail,bob@b.example,+44 20 7946 1111\n"
    )
    code, _, err = crm("import", "contacts", write(tmp_path, "p.csv", rows))
    assert code == 0, err
    assert "1 created, 1 updated, 0 unchanged" in err, err
    emails = query(
        "SELECT c.display_name, e.email FROM contact_emails e JOIN contacts c ON c.id = e.contact_id ORDER BY e.id"
    )
    assert [tuple(r) for r in emails] == [
        ("Ada Lovelace", "ada@a.example"), ("Charles Babbage", "charles@b.example"), ("Bob Nomail", "bob@b.example"),
    ]  # fmt: skip
    # The same file again changes nothing: Charles and Bob are found by their addresses now.
    code, _, err = crm("import", "contacts", write(tmp_path, "p.csv", rows))
    assert code == 0 and "0 created, 0 updated, 2 unchanged" in err, err


def test_key_holders_come_from_a_search_or_from_the_table_read_once(engine: Engine) -> None:
    """KeyOwners: with no estimate, keys are searched for until that has cost about one read of the
    table, then it is read; told the import will search a third of it, it is read at once. Either
    way the holders are the table's, a key written since is searched for, and a number several
    contacts hold names them all."""
    with engine.begin() as conn:
        w = BulkWriter(conn)
        _people(w, 100)
        w.insert("contact_emails", ("id", "contact_id", "email", "email_key", "is_primary"),
                 [(i, i, f"p{i}@x.example", f"p{i}@x.example", True) for i in range(1, 101)])  # fmt: skip
        w.insert("contact_phones", ("id", "contact_id", "phone", "phone_key", "is_primary"),
                 [(i, i, "+1 555 0100", "+15550100", True) for i in (7, 8)])  # fmt: skip
        searched: list[int] = []
        select_in = w.select_in

        def spy(sql: str, values: Any, chunk: int = 900) -> list[Any]:
            searched.append(len(list(values)))
            return select_in(sql, values, chunk)

        w.select_in = spy  # type: ignore[method-assign]
        keys = KeyOwners(w, emails_stored=100, phones_stored=2)
        batches = [{f"p{i}@x.example" for i in range(n, n + 10)} | {"nobody@x.example"} for n in (1, 11, 21, 31)]
        for batch in batches:
            got = sorted(keys.holders(keys.emails, batch))
            assert got == sorted((k, int(k[1:].split("@")[0])) for k in batch if k != "nobody@x.example")
        assert searched == [11, 11] and keys.emails.snapshot is not None  # read at the third batch
        # A key written after the read is searched for (and found).
        w.insert("contact_emails", ("id", "contact_id", "email", "email_key", "is_primary"),
                 [(101, 3, "new@x.example", "new@x.example", False)])  # fmt: skip
        keys.wrote(["new@x.example"], [])
        assert sorted(keys.holders(keys.emails, {"new@x.example", "p5@x.example"})) == [
            ("new@x.example", 3), ("p5@x.example", 5),
        ]  # fmt: skip
        assert searched[-1] == 1
        # Expected to search a third of the table: read at the first batch, never searched.
        searched.clear()
        keys = KeyOwners(w, emails_stored=101, phones_stored=2)
        keys.expect(40)
        assert sorted(keys.holders(keys.emails, batches[0])) == sorted((f"p{i}@x.example", i) for i in range(1, 11))
        assert sorted(keys.holders(keys.phones, {"+15550100"})) == [("+15550100", 7), ("+15550100", 8)]
        assert searched == [] and keys.emails.snapshot is not None
        conn.rollback()


def test_a_read_of_numbers_each_held_once_looks_for_no_shared_ones(engine: Engine) -> None:
    """Reading the phone table whole: the numbers several contacts hold are looked for only when
    the table holds one twice, and then every holder is named."""
    with engine.begin() as conn:
        w = BulkWriter(conn)
        _people(w, 4)
        w.insert("contact_phones", ("id", "contact_id", "phone", "phone_key", "is_primary"),
                 [(i, i, f"+1 555 010{i}", f"+155501{i:02}", True) for i in range(1, 4)])  # fmt: skip
        statements: list[str] = []
        execute = w.execute

        def spy(sql: str, params: tuple[Any, ...] = ()) -> Any:
            statements.append(sql)
            return execute(sql, params)

        w.execute = spy  # type: ignore[method-assign]
        keys = KeyOwners(w, emails_stored=0, phones_stored=3)
        keys.expect(3)
        assert keys.holders(keys.phones, {"+15550102", "+15550199"}) == [("+15550102", 2)]
        assert not any("GROUP BY" in sql for sql in statements)
        # The same number on a second contact: both are its holders.
        w.insert("contact_phones", ("id", "contact_id", "phone", "phone_key", "is_primary"),
                 [(4, 4, "+1 555 0102", "+15550102", True)])  # fmt: skip
        keys = KeyOwners(w, emails_stored=0, phones_stored=4)
        keys.expect(4)
        assert sorted(keys.holders(keys.phones, {"+15550102"})) == [("+15550102", 2), ("+15550102", 4)]
        assert any("GROUP BY" in sql for sql in statements)
        conn.rollback()


def _people(w: BulkWriter, count: int) -> None:
    """Contacts P1..P{count}, written straight into the table."""
    now = w.time(datetime(2026, 12, 2, tzinfo=UTC))
    w.insert("contacts", ("id", "display_name", "sort_name", "created_at", "updated_at"),
             [(i, f"P{i}", f"p{i}", now, now) for i in range(1, count + 1)])  # fmt: skip
