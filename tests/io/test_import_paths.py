"""The contact import's quick paths (a new row kept as a row, an unchanged row told from the stored
values) leave the database exactly as the full path does, in small batches, with the deferred
indexes built again before a lookup by name and at the end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from crm_tui.backend.bulk import BulkWriter
from crm_tui.config import Settings
from crm_tui.db import open_engine
from crm_tui.keys import phone_key
from crm_tui.services.imports import contacts
from crm_tui.services.imports.lookups import KeyBits, KeyOwners
from tests.io.conftest import Crm, FreshDb, Query
from tests.io.test_duplicates import snapshot, write

FIRST = (
    "name,email,phone,organization,title,tags,notes,every,uid,Shoe size\n"
    "Katherine Johnson,,+1 757 555 0142,,,,,,,\n"
    "K. Johnson,,+1 757 555 0142,,,,,,,\n"
    "Edsger Dijkstra,edsger@tue.example,+31 40 247 0000,,,,,,,\n"
    "Grace Hopper,grace@navy.mil,,Navy,Rear Admiral,navy;cobol,,2w,,9\n"
    "Grace Hopper,,+1 202 555 0100,,,,,,,\n"
    "G. Hopper,GRACE@NAVY.MIL,+1 202 555 0100,Navy,,cobol;vip,found her,,,\n"
    "Amazing Grace,grace@home.example,+1 (202) 555-0100,,,,,,,\n"
    "Ada Lovelace,ada@engines.example;ada@engines.example;countess@engines.example,+44 20 7946 0000,"
    "Analytical Engines,,vip;vip,,1m,ada-1,\n"
    "Charles Babbage,charles@engines.example,+44 20 7946 0000,Analytical Engines,,,,,,11\n"
    "Alan Turing,,,,,,no address at all,,,\n"
    "Alan  Turing,,,Bletchley,,,,,,\n"
    "Ada King,,,,,friends,,,ada-1,\n"
    "Tim Berners-Lee,tim@w3.example,+44 20 7946 0001,,,,,,,\n"
    "T. Berners-Lee,tim@w3.example,+44 20 7946 0002,,,,,,,\n"
    "Radia Perlman,radia@example.org,+1 555 0100 999,,,,,,,\n"
    "Hedy Lamarr,hedy@mgm.example,,,,,,,,7\n"
    "Frances Allen,fran@ibm.example,,,,,,,,\n"
    "Linus Torvalds,linus@kernel.example,,,,kernel,,,,\n"
    "Barbara Liskov,barbara@mit.example,+1 617 555 0199,MIT,Professor,clu,,3m,,8\n"
    "Ken Thompson,ken@bell.example;KEN@bell.example,+1 908 555 0101;+1 908 555 0102,,,,,,ken-1,\n"
)
# The same people again, some changed: a title, a new address and phone, a tag, a custom value, a name;
# and someone new whose address and number come back batches later.
SECOND = (
    "name,email,phone,organization,title,tags,notes,every,uid,Shoe size\n"
    "Edsger Dijkstra,edsger@tue.example,+31 40 247 0000;+31 40 247 9999,,,,,,,\n"
    "Margaret Hamilton,margaret@mit.example,+1 617 555 0300,,,,,,,\n"  # new: her keys are met again below
    "G. Hopper,grace@navy.mil,+1 202 555 0100,Navy,Admiral,navy,found her,2w,,9\n"
    "Amazing Grace,grace@home.example,+1 202 555 0100,,,,,,,\n"
    "Ada King,ada@engines.example,+44 20 7946 0000,Analytical Engines,,vip;poets,,1m,ada-1,\n"
    "Charles Babbage,charles@engines.example;babbage@home.example,+44 20 7946 0000,Analytical Engines,,,,,,12\n"
    "Alan Turing,,,Bletchley,,,,,,\n"
    "Tim Berners-Lee,tim@w3.example,+44 20 7946 0003,,,,,,,\n"
    "Radia Perlman,radia@example.org;radia@home.example,+1 555 0100 999,,,,,,,\n"
    "Hedy Lamarr,hedy@mgm.example,,,,,,,,8\n"
    "Fran Allen,fran@ibm.example,,,,,,,,\n"
    "Junio Hamano,junio@git.example,,,,git,,,,\n"
    "Linus Torvalds,linus@kernel.example,,,,git,,,,\n"
    "Ken Thompson,ken@bell.example,+1 908 555 0103,,,,,,,\n"
    "Barbara Liskov,barbara@mit.example,+1 617 555 0198,MIT,Professor,clu,,3m,,8\n"
    "Barbara Liskov,barbara@mit.example,+1 617 555 0199,MIT,Professor,clu;turing,,3m,,8\n"
    "Ken Thompson,ken@bell.example,+1 908 555 0101,Bell Labs,,,,,ken-1,\n"
    "Ken Thompson,ken@bell.example,+1 908 555 0102,,,,,,ken-1,9\n"
    "Dennis Ritchie,dmr@bell.example,,Bell Labs,,,,,,\n"
    "M. Hamilton,MARGARET@MIT.EXAMPLE,,MIT,,,,,,\n"
    "Joan Clarke,,+1 617 555 0300,,,,,,,\n"
)


def _run(crm: Crm, url: str, tmp_path: Path, *args: str) -> list[object]:
    """Import FIRST, FIRST again, SECOND, SECOND again into `url`: each run's summary and the tables after it."""
    first, second = write(tmp_path, "first.csv", FIRST), write(tmp_path, "second.csv", SECOND)
    engine = open_engine(Settings(db_url=url, user="tester"))

    def query(sql: str) -> list[Any]:
        with engine.connect() as conn:
            return list(conn.execute(text(sql)).all())

    seen: list[object] = []
    try:
        for path in (first, first, second, second):
            code, _, err = crm("import", "contacts", path, *args)
            assert code == 0, err
            seen.append(err.strip().splitlines()[-1])
            if engine.dialect.name == "sqlite":  # the import ran with foreign keys unchecked (Backend.bulk_checks)
                assert query("PRAGMA foreign_key_check") == []
            # Times aside (each run has its own now): contacts' and organizations' created_at.
            contacts_, emails, phones, tags, orgs, *others = snapshot(query)
            seen.append([[r[:16] + r[17:] for r in contacts_], emails, phones, tags, [r[:5] for r in orgs], *others])
            seen.append([tuple(r)[2:] for r in query("SELECT * FROM import_changes ORDER BY id")])
    finally:
        engine.dispose()
    return seen


@pytest.mark.parametrize("mode", ["update", "create", "skip"])
def test_the_quick_paths_write_what_the_full_path_writes(
    crm: Crm, fresh_db: FreshDb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    monkeypatch.setattr(contacts, "BATCH_ROWS", 3)  # rows meet again across batches; indexes are deferred
    args = ("--on-duplicate", mode)
    quick = _run(crm, fresh_db("quick"), tmp_path, *args)
    monkeypatch.setattr(contacts.ContactImporter, "quick_paths", False)
    full = _run(crm, fresh_db("full"), tmp_path, *args)
    assert quick == full
    assert len(quick[1][0]) > 10  # type: ignore[arg-type]  # the contacts are there
    if mode == "update":  # the first file a second time: most rows are unchanged (two rows undo each other)
        assert "0 created, 2 updated, 18 unchanged" in str(quick[3])


def test_the_deferred_indexes_are_there_for_a_name_lookup_and_after(
    crm: Crm, query: Query, cli_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(contacts, "BATCH_ROWS", 2)  # the indexes are deferred after the first batch
    crm("contact", "add", "Someone First", "--email", "first@example.org")
    on_sqlite = not cli_env["CRM_DB"].startswith("postgresql")
    indexes = "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name"
    before = query(indexes) if on_sqlite else []
    rows = "".join(f"Person {i},p{i}@example.org\n" for i in range(8)) + "Nameonly Person,\nPerson 3,\n"
    code, _, err = crm("import", "contacts", write(tmp_path, "n.csv", "name,email\n" + rows))
    assert code == 0, err
    # The last row, a name alone, found the contact the file's fourth row created.
    assert "9 created, 0 updated, 1 unchanged" in err, err
    assert query("SELECT count(*) FROM contacts WHERE display_name = 'Person 3'")[0][0] == 1
    if on_sqlite:  # PostgreSQL keeps its indexes
        assert query(indexes) == before


def test_new_rows_staged_together_keep_the_order_of_their_emails_and_phones(
    crm: Crm, query: Query, tmp_path: Path
) -> None:
    # A row's first email, phone and tag are staged with its contact; the others are written apart.
    rows = (
        "name,email,phone,tags\n"
        "Ada Lovelace,ada@a.example;countess@a.example,+44 20 7946 0001;+44 20 7946 0002,poets;maths\n"
        "Charles Babbage,charles@b.example,+44 20 7946 0003,maths\n"
        "Alan Turing,,,\n"
        "Grace Hopper,grace@c.example;admiral@c.example,,navy\n"
    )
    code, _, err = crm("import", "contacts", write(tmp_path, "s.csv", rows))
    assert code == 0, err
    emails = query(
        "SELECT c.display_name, e.email, e.is_primary FROM contact_emails e JOIN contacts c ON c.id = e.contact_id"
        " ORDER BY e.id"
    )
    assert [(n, e, bool(p)) for n, e, p in emails] == [
        ("Ada Lovelace", "ada@a.example", True),
        ("Ada Lovelace", "countess@a.example", False),
        ("Charles Babbage", "charles@b.example", True),
        ("Grace Hopper", "grace@c.example", True),
        ("Grace Hopper", "admiral@c.example", False),
    ]
    phones = query("SELECT phone, is_primary FROM contact_phones ORDER BY id")
    assert [(p, bool(f)) for p, f in phones] == [
        ("+44 20 7946 0001", True),
        ("+44 20 7946 0002", False),
        ("+44 20 7946 0003", True),
    ]
    tags = query(
        "SELECT c.display_name, t.name FROM contact_tags ct JOIN contacts c ON c.id = ct.contact_id"
        " JOIN tags t ON t.id = ct.tag_id ORDER BY c.id, t.name"
    )
    assert [tuple(r) for r in tags] == [
        ("Ada Lovelace", "maths"), ("Ada Lovelace", "poets"), ("Charles Babbage", "maths"), ("Grace Hopper", "navy"),
    ]  # fmt: skip
    # The ids go on from there: a contact added by hand gets the next email id.
    assert crm("contact", "add", "Someone Later", "--email", "later@d.example")[0] == 0
    assert query("SELECT max(id) FROM contact_emails")[0][0] == 6
    assert crm("search", "countess")[0] == 0 and "Ada Lovelace" in crm("search", "countess")[1]


def test_an_import_searches_only_the_keys_it_wrote_once_it_holds_the_key_tables(
    crm: Crm, query: Query, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(contacts, "BATCH_ROWS", 2)  # rows meet again across batches
    asked: list[tuple[int, int]] = []  # (keys, keys that may have been written) per question to the bits
    searched: list[str] = []  # the SQL searches for keys
    among = KeyBits.among

    def spy(self: KeyBits, keys: Any) -> list[str]:
        found = among(self, keys)
        asked.append((len(keys), len(found)))
        return found

    monkeypatch.setattr(KeyBits, "among", spy)
    select_in = BulkWriter.select_in

    def spy_sql(self: BulkWriter, sql: str, values: Any, chunk: int = 900) -> list[Any]:
        if "_key IN" in sql:
            searched.extend(values)
        return select_in(self, sql, values, chunk)

    monkeypatch.setattr(BulkWriter, "select_in", spy_sql)
    rows = (
        "name,email,phone\n"
        "Ada Lovelace,ada@a.example,+44 20 7946 1001\n"
        "Charles Babbage,charles@b.example,+44 20 7946 1002\n"
        "Alan Turing,alan@c.example,\n"
        "Ada Lovelace,ADA@A.EXAMPLE,+44 20 7946 1009\n"  # the first row's address, a batch later
        "Charles Babbage,,+44 20 7946 1002\n"  # the second row's number, two batches later
    )
    code, _, err = crm("import", "contacts", write(tmp_path, "e.csv", rows))
    assert code == 0, err
    assert "3 created, 1 updated, 1 unchanged" in err, err
    assert [tuple(r) for r in query("SELECT display_name FROM contacts ORDER BY id")] == [
        ("Ada Lovelace",), ("Charles Babbage",), ("Alan Turing",),
    ]  # fmt: skip
    assert query("SELECT phone FROM contact_phones WHERE contact_id = 1 ORDER BY id") == [
        ("+44 20 7946 1001",), ("+44 20 7946 1009",),
    ]  # fmt: skip
    # Into empty tables: no search until a key was written, then only keys written before (and perhaps
    # a rare key mistaken for one): the first row's address and the second row's number.
    written = {"ada@a.example", "charles@b.example", "alan@c.example", *map(phone_key, ("+44 20 7946 1001",
               "+44 20 7946 1002", "+44 20 7946 1009"))}  # fmt: skip
    assert {"ada@a.example", phone_key("+44 20 7946 1002")} <= set(searched) <= written, searched
    assert sum(found for _, found in asked) < sum(keys for keys, _ in asked)
    # Into tables that hold keys: small ones are read whole at the first batch, and nothing written
    # since is searched for, since nothing is written (every row is known).
    asked.clear()
    searched.clear()
    unread: list[bool] = []  # per call: the table was not read yet
    holders = KeyOwners.holders

    def spy_holders(self: KeyOwners, table: Any, keys: set[str]) -> list[tuple[str, int]]:
        unread.append(table.snapshot is None)
        return holders(self, table, keys)

    monkeypatch.setattr(KeyOwners, "holders", spy_holders)
    code, _, err = crm("import", "contacts", write(tmp_path, "e2.csv", rows))
    assert code == 0 and "0 created, 0 updated, 5 unchanged" in err, err
    assert searched == [] and asked == [], (searched, asked)
    assert unread[:2] == [True, True] and not any(unread[2:]), unread  # the first batch read both tables


def test_the_keys_left_unsearched_change_nothing(
    crm: Crm, fresh_db: FreshDb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keys answered from the bits and the snapshots leave what searching for every key leaves."""
    monkeypatch.setattr(contacts, "BATCH_ROWS", 3)
    skipped = _run(crm, fresh_db("skipped"), tmp_path)
    # Every key searched for in SQL: no bits, no snapshot.
    monkeypatch.setattr(KeyOwners, "holders", lambda self, table, keys: list(self.w.select_in(table.search, keys)))
    searched = _run(crm, fresh_db("searched"), tmp_path)
    assert skipped == searched
