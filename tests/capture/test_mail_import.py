"""`crm import mail` on a database (SQLite and PostgreSQL): matching, directions, idempotence, unknowns, revert."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from crm_tui.cli import app
from crm_tui.db import connection_scope, session_scope
from crm_tui.io.mail import MailReader, find_mail
from crm_tui.models import tables as t
from crm_tui.models.schemas import ContactCreate
from crm_tui.services.contacts.lifecycle import trash_contact
from crm_tui.services.contacts.writing import add_contact
from crm_tui.services.imports.batches import revert_batch
from crm_tui.services.imports.mail import MailImporter, MailSummary
from crm_tui.services.interaction_edits import delete_interaction, get_interaction
from crm_tui.services.interactions import list_interactions
from tests.capture import mailfixtures as f
from tests.conftest import NOW


def _contacts(engine: Engine) -> None:
    with session_scope(engine) as session:
        add_contact(session, ContactCreate(name="Ana Souza", emails=[f.ANA], cadence_days=14), actor="t", now=NOW)
        add_contact(session, ContactCreate(name="Bob Byron", emails=[f.BOB]), actor="t", now=NOW)


def run(engine: Engine, path: Path, *, me: tuple[str, ...] = (f.ME,), create: bool = False) -> MailSummary:
    with connection_scope(engine, write=True) as conn:
        importer = MailImporter(conn, me=me, create_contacts=create, actor="tester", source=str(path), now=NOW)
        reader = MailReader(find_mail(str(path), io.BytesIO()), now=NOW, wanted=importer.wants)
        return importer.run(reader)


def test_messages_become_email_interactions_and_a_second_import_adds_nothing(engine: Engine, tmp_path: Path) -> None:
    _contacts(engine)
    box = f.mbox(tmp_path / "all.mbox", f.everything())
    summary = run(engine, box)
    # Ana: renewal, café (Cc), latin, broken, no-separator, no-date, no-id, proposal; Bob: café, proposal.
    assert (summary.messages, summary.added, summary.already, len(summary.contacts)) == (10, 10, 0, 2)
    assert summary.no_contact == 2 and set(summary.unknown) == {"dora@map.example"}  # the robot is no one
    with connection_scope(engine) as conn:
        rows = list_interactions(conn, limit=None)
        ana = conn.execute(select(t.contacts.c.last_contact_at).where(t.contacts.c.id == 1)).scalar()
    assert {r.info.kind for r in rows} == {"email"}
    by = {(r.info.external_id, r.info.contact_id): r.info for r in rows}
    assert by[("<renewal-1@souza.example>", 1)].direction == "in"
    assert by[("<p@me>", 1)].direction == "out" and by[("<p@me>", 2)].direction == "out"
    assert by[("<cafe@byron.example>", 1)].direction is None  # Bob wrote, Ana was in Cc
    assert by[("<cafe@byron.example>", 2)].direction == "in"
    assert ana == datetime(2026, 11, 22, 8, 0, tzinfo=UTC)  # the newest: the envelope date of two messages
    again = run(engine, box)
    assert (again.added, again.already) == (0, 10)
    # A deleted one stays deleted, and a Maildir copy of the same mail is the same mail.
    with session_scope(engine) as session:
        delete_interaction(session, get_interaction(session, rows[0].info.id), now=NOW)
    f.maildir(tmp_path / "Maildir", [f.message(), f.FROM_ME])
    assert run(engine, tmp_path / "Maildir").added == 0


def test_search_finds_imported_mail(engine: Engine, tmp_path: Path) -> None:
    from crm_tui.services.search import search_contacts

    _contacts(engine)
    run(engine, f.mbox(tmp_path / "a.mbox", [f.MULTIPART]))
    with connection_scope(engine) as conn:
        assert [h.row.id for h in search_contacts(conn, "café", now=NOW)] == [1, 2]


def test_unknown_people_are_created_with_create_contacts_and_revert_removes_them(
    engine: Engine, tmp_path: Path
) -> None:
    _contacts(engine)
    box = f.mbox(tmp_path / "a.mbox", [f.STRANGER, f.ROBOT, f.STRANGER.replace(b"<hello@map>", b"<again@map>")])
    summary = run(engine, box, create=True)
    dora = summary.unknown["dora@map.example"]
    assert dora.created is not None and dora.messages == 2 and summary.added == 2
    with connection_scope(engine) as conn:
        name = conn.execute(select(t.contacts.c.display_name).where(t.contacts.c.id == dora.created)).scalar()
        assert name == "Dora Explorer"
    with session_scope(engine) as session:
        result = revert_batch(session, summary.batch_id or 0, actor="t", now=NOW)
    assert (result.interactions, result.removed) == (2, 1)


def test_a_trashed_contacts_address_is_neither_matched_nor_created(engine: Engine, tmp_path: Path) -> None:
    _contacts(engine)
    with session_scope(engine) as session:
        from crm_tui.models import Contact

        bob = session.get(Contact, 2)
        assert bob is not None
        trash_contact(session, bob, now=NOW)
    summary = run(engine, f.mbox(tmp_path / "a.mbox", [f.message(sender=f"<{f.BOB}>")]), create=True)
    assert (summary.added, summary.unknown) == (0, {})


def test_without_my_addresses_directions_are_in_or_none(engine: Engine, tmp_path: Path) -> None:
    _contacts(engine)
    run(engine, f.mbox(tmp_path / "a.mbox", [f.FROM_ME]), me=())
    with connection_scope(engine) as conn:
        assert {r.info.direction for r in list_interactions(conn)} == {None}


# ---------------------------------------------------------------- the command

runner = CliRunner()


def crm(*args: str, input: bytes | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=input)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_the_command(cli_env: dict[str, str], tmp_path: Path) -> None:
    crm("contact", "add", "Ana Souza", "--email", f.ANA)
    crm("config", "set", "me", f.ME)
    box = f.mbox(tmp_path / "all.mbox", f.everything())
    unknown = tmp_path / "unknown.csv"
    code, out, err = crm("import", "mail", str(box), "--unknown", str(unknown))
    assert (code, out) == (0, "1\n") and "10 messages: 8 emails added to 1 contacts" in err
    rows = list(csv.DictReader(unknown.open()))
    assert [(r["name"], r["email"]) for r in rows] == [("Bob Byron", f.BOB), ("Dora Explorer", "dora@map.example")]
    code, out, err = crm("import", "mail", "-", input=f.LATIN1)
    assert code == 0 and "0 emails added to 0 contacts, 1 already there" in err
    code, _, err = crm("import", "mail", str(box), "--dry-run", "--me", "not-an-address")
    assert code == 1 and "'not-an-address' is not an email address (--me)" in err
    code, _, err = crm("import", "mail", str(tmp_path / "nothing"))
    assert code == 1 and err == f"crm: {tmp_path / 'nothing'}: no such file or directory\n"
    bad = tmp_path / "bad.mbox"
    bad.write_bytes(b"\x00\x01garbage")
    code, _, err = crm("import", "mail", str(bad))
    assert code == 1 and err == "crm: bad.mbox: not an mbox file or a mail message (.eml)\n"
    code, out, _ = crm("import", "list", "-f", "json")
    assert '"kind": "mail"' in out


def test_an_unknown_file_that_cannot_be_written_imports_nothing(cli_env: dict[str, str], tmp_path: Path) -> None:
    """--unknown was written after the import committed: a bad path exited 1 with the mail imported, and no
    batch id on stdout to revert it by."""
    crm("contact", "add", "Ana Souza", "--email", f.ANA)
    box = f.mbox(tmp_path / "all.mbox", f.everything())
    (tmp_path / "link.csv").symlink_to(tmp_path / "elsewhere.csv")
    for target, problem in (
        (tmp_path / "no" / "such" / "u.csv", f"{tmp_path / 'no' / 'such'}: no such directory (--unknown)"),
        (tmp_path / "link.csv", f"{tmp_path / 'link.csv'}: is a symbolic link; crm never writes through one"),
    ):
        code, out, err = crm("import", "mail", str(box), "--unknown", str(target))
        assert (code, out) == (1, "") and err.startswith(f"crm: {problem}")
        assert crm("interaction", "list", "-f", "json")[1].strip() == "[]"
        assert crm("import", "list", "-f", "json")[1].strip() == "[]"
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")]  # no file left half-written


@pytest.mark.parametrize("dry_run", [True, False])
def test_dry_run_writes_nothing(cli_env: dict[str, str], tmp_path: Path, dry_run: bool) -> None:
    crm("contact", "add", "Ana Souza", "--email", f.ANA)
    box = f.mbox(tmp_path / "a.mbox", [f.message()])
    args = ["import", "mail", str(box)] + (["--dry-run"] if dry_run else [])
    code, _, err = crm(*args)
    assert code == 0 and ("dry run" in err) == dry_run
    assert crm("interaction", "list")[1].count("\n") == (0 if dry_run else 1)
