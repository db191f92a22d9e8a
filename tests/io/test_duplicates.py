"""Matching: by email (any case), else by phone; merge, skip or create; dry runs; reverts."""

from __future__ import annotations

from pathlib import Path

from tests.io import layouts
from tests.io.conftest import Crm, Query


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


CONTACT_FIELDS = (
    "id, display_name, sort_name, given_name, family_name, organization_id, title, notes, source, owner, "
    "cadence_days, custom, nickname, department, uid, import_batch_id, created_at, deleted_at"
)


def snapshot(query: Query) -> list[list]:
    """Every row of the contact tables (updated_at aside: a revert is a change too)."""
    return [[tuple(r) for r in query(f"SELECT {CONTACT_FIELDS} FROM contacts ORDER BY id")]] + [
        [tuple(r) for r in query(f"SELECT * FROM {table} ORDER BY 1, 2")]
        for table in (
            "contact_emails",
            "contact_phones",
            "contact_tags",
            "organizations",
            "tags",
            "contact_dates",
            "contact_addresses",
            "contact_urls",
            "contact_card_lines",
        )
    ]


def test_same_import_twice_changes_nothing(crm: Crm, query: Query, tmp_path: Path) -> None:
    path = str(layouts.google_current(tmp_path))
    assert crm("import", "contacts", path)[0] == 0
    before = snapshot(query)
    code, _, err = crm("import", "contacts", path)
    assert code == 0
    assert err.strip().endswith("0 created, 0 updated, 2 unchanged, 0 skipped; nothing changed")
    assert snapshot(query) == before


def test_update_fills_and_adds_without_losing(crm: Crm, query: Query, tmp_path: Path) -> None:
    crm(
        "contact",
        "add",
        "Ada Lovelace",
        "--email",
        "ada@analytical.io",
        "--phone",
        "+44 20 7946 0000",
        "--tag",
        "client",
        "--title",
        "Countess",
        "--note",
        "keep me",
    )
    path = write(
        tmp_path,
        "more.csv",
        "name,email,phone,title,tags,organization\n"
        "Ada Lovelace,ADA@Analytical.IO;ada@home.example,+44 (0)20 7946 0001,Mathematician,vip,Engines\n",
    )
    code, _, err = crm("import", "contacts", path)
    assert code == 0, err
    assert "0 created, 1 updated" in err
    [(cid, title, notes, org)] = query(
        "SELECT c.id, c.title, c.notes, o.name FROM contacts c LEFT JOIN organizations o ON o.id = c.organization_id"
    )
    assert (title, notes, org) == ("Mathematician", "keep me", "Engines")
    assert [r[0] for r in query("SELECT email FROM contact_emails ORDER BY id")] == [
        "ada@analytical.io",
        "ada@home.example",
    ]
    assert query("SELECT count(*) FROM contact_emails WHERE is_primary")[0][0] == 1
    assert len(query("SELECT * FROM contact_phones")) == 2
    tags = [r[0] for r in query("SELECT t.name FROM tags t JOIN contact_tags ct ON ct.tag_id = t.id ORDER BY 1")]
    assert tags == ["client", "vip"]
    # The search index follows the change.
    assert crm("search", "mathematician")[1].startswith(f"{cid}\t")


def test_match_by_phone_when_no_email_matches(crm: Crm, query: Query, tmp_path: Path) -> None:
    crm("contact", "add", "Alan Turing", "--phone", "+44 161 496 0000")
    path = write(tmp_path, "p.csv", "name,email,phone\nA. M. Turing,alan@bletchley.example,0044 161 496 0000\n")
    assert "0 created, 1 updated" in crm("import", "contacts", path)[2]
    assert query("SELECT display_name FROM contacts")[0][0] == "A. M. Turing"
    assert tuple(query("SELECT email, is_primary FROM contact_emails")[0]) == ("alan@bletchley.example", 1)
    assert query("SELECT count(*) FROM contact_phones")[0][0] == 1  # the same number, not added twice


def test_a_shared_phone_does_not_join_people_with_addresses(crm: Crm, query: Query, tmp_path: Path) -> None:
    crm("contact", "add", "Ada Lovelace", "--email", "ada@engines.example", "--phone", "+44 20 7946 0000")
    path = write(tmp_path, "s.csv", "name,email,phone\nCharles Babbage,charles@engines.example,+44 20 7946 0000\n")
    assert "1 created" in crm("import", "contacts", path)[2]
    assert query("SELECT count(*) FROM contact_phones WHERE phone_key = '+442079460000'")[0][0] == 2


def test_duplicates_inside_one_file_merge(crm: Crm, query: Query, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "d.csv",
        "name,email,phone,tags\n"
        "Grace Hopper,grace@navy.mil,,navy\n"
        "Grace Hopper,,+1 202 555 0100,\n"
        "G. Hopper,GRACE@NAVY.MIL,+1 202 555 0100,cobol\n"
        "Amazing Grace,grace@home.example,+1 (202) 555-0100,\n",
    )
    code, _, err = crm("import", "contacts", path)
    assert code == 0, err
    # Row 3 has no email and an unknown phone: a second contact. Row 4 finds the first by
    # email (any case); row 5's email is new, so its phone leads to the second.
    assert "2 created, 2 updated" in err
    rows = query(
        "SELECT display_name, (SELECT min(email) FROM contact_emails e WHERE e.contact_id = c.id),"
        " (SELECT count(*) FROM contact_phones p WHERE p.contact_id = c.id),"
        " (SELECT count(*) FROM contact_tags t WHERE t.contact_id = c.id) FROM contacts c ORDER BY id"
    )
    assert [tuple(r) for r in rows] == [
        ("G. Hopper", "grace@navy.mil", 1, 2),
        ("Amazing Grace", "grace@home.example", 1, 0),
    ]


def test_rows_that_undo_each_other_leave_a_second_run_unchanged(crm: Crm, query: Query, tmp_path: Path) -> None:
    # One address under two names: the later row wins, and running the file again
    # changes nothing even though its rows set the name back and forth.
    path = write(
        tmp_path,
        "twice.csv",
        "name,email,title\nAda Lovelace,ada@engines.example,Countess\nAda King,ADA@engines.example,\n",
    )
    _, _, err = crm("import", "contacts", path)
    assert "1 created, 1 updated" in err
    assert query("SELECT display_name, title FROM contacts")[0] == ("Ada King", "Countess")
    before = snapshot(query)
    code, out, err = crm("import", "contacts", path, "--dry-run")
    assert code == 0 and "updated" not in out, out
    code, _, err = crm("import", "contacts", path)
    assert code == 0
    assert err.strip().endswith("0 created, 0 updated, 2 unchanged, 0 skipped; nothing changed"), err
    assert snapshot(query) == before
    assert query("SELECT count(*) FROM import_changes")[0][0] == 0


def test_skip_and_create(crm: Crm, query: Query, tmp_path: Path) -> None:
    crm("contact", "add", "Ada Lovelace", "--email", "ada@analytical.io", "--title", "Countess")
    path = write(tmp_path, "a.csv", "name,email,title\nAda L.,ada@analytical.io,Mathematician\n")
    _, _, err = crm("import", "contacts", path, "--on-duplicate", "skip")
    assert "0 created, 0 updated, 0 unchanged, 1 skipped (1 duplicates)" in err
    assert query("SELECT title FROM contacts")[0][0] == "Countess"
    _, _, err = crm("import", "contacts", path, "--on-duplicate", "create")
    assert "1 created" in err and "1 emails already belonged to other contacts" in err
    assert query("SELECT count(*) FROM contacts")[0][0] == 2
    assert query("SELECT count(*) FROM contact_emails")[0][0] == 1  # an address belongs to one contact


def test_contact_in_the_trash_is_not_touched(crm: Crm, query: Query, tmp_path: Path) -> None:
    crm("contact", "add", "Ada Lovelace", "--email", "ada@analytical.io")
    crm("contact", "rm", "ada")
    path = write(tmp_path, "a.csv", "name,email,title\nAda,ada@analytical.io,Countess\n")
    _, _, err = crm("import", "contacts", path)
    assert "1 skipped (1 in the trash)" in err
    assert query("SELECT title, deleted_at IS NOT NULL FROM contacts")[0] == (None, 1)


def test_dry_run_reports_and_writes_nothing(crm: Crm, query: Query, tmp_path: Path) -> None:
    crm("contact", "add", "Ada Lovelace", "--email", "ada@analytical.io", "--title", "Countess", "--org", "Engines")
    crm("contact", "add", "Grace Hopper", "--email", "grace@navy.mil")
    before = snapshot(query)
    path = write(
        tmp_path,
        "a.csv",
        "name,email,title,organization,tags\n"
        "Ada Lovelace,ada@analytical.io,Mathematician,Analytical Engines,vip\n"
        "Grace Hopper,grace@navy.mil,,,\n"
        ",,,,\n"
        "Alan Turing,alan@bletchley.example,,,\n",
    )
    code, out, err = crm("import", "contacts", path, "--dry-run")
    assert code == 0, err
    assert out.splitlines() == [
        "line 2: updated #1 Ada Lovelace: title: 'Countess' -> 'Mathematician'; "
        "organization: 'Engines' -> 'Analytical Engines'; +tag vip",
        "line 3: unchanged #2 Grace Hopper",
        "line 4: skipped: blank row",
        "line 5: created Alan Turing",
    ]
    assert err == "dry run, nothing written: would be 1 created, 1 updated, 1 unchanged, 1 skipped (1 blank)\n"
    assert snapshot(query) == before
    assert query("SELECT count(*) FROM import_batches")[0][0] == 0
    # The triggers are back: a later change still reaches the search index.
    crm("contact", "edit", "ada", "--title", "Enchantress of Numbers")
    assert crm("search", "enchantress")[1].startswith("1\t")


def test_revert_removes_created_and_restores_changed(crm: Crm, query: Query, tmp_path: Path) -> None:
    crm("contact", "add", "Ada Lovelace", "--email", "ada@analytical.io", "--title", "Countess", "--tag", "client")
    before = snapshot(query)
    path = write(
        tmp_path,
        "a.csv",
        "name,email,phone,title,organization,tags,Shoe size\n"
        "Ada Lovelace,ada@analytical.io;ada@home.example,+44 20 7946 0000,Mathematician,Engines,vip,38\n"
        "Alan Turing,alan@bletchley.example,,,Bletchley Park,,\n",
    )
    code, out, err = crm("import", "contacts", path)
    assert code == 0 and out.strip() == "1"
    code, out, err = crm("import", "list", "--format", "json")
    assert '"created": 1' in out and '"updated": 1' in out and '"source": "a.csv"' in out
    code, _, err = crm("import", "revert", "1")
    assert code == 0, err
    assert snapshot(query) == before
    assert crm("search", "mathematician")[1] == ""
    assert crm("search", "countess")[1].startswith("1\t")
    code, _, err = crm("import", "revert", "1")
    assert code == 1 and "already reverted" in err
    assert crm("import", "revert", "99")[2] == "crm: no import batch 99 (see `crm import list`)\n"


def test_revert_keeps_later_edits_and_logged_interactions(crm: Crm, query: Query, tmp_path: Path) -> None:
    crm("contact", "add", "Ada Lovelace", "--email", "ada@analytical.io", "--title", "Countess")
    path = write(
        tmp_path,
        "a.csv",
        "name,email,title\nAda Lovelace,ada@analytical.io,Mathematician\nAlan Turing,alan@b.example,\n",
    )
    crm("import", "contacts", path)
    crm("contact", "edit", "ada", "--title", "Poet")
    crm("log", "alan", "call", "Talked")
    code, _, err = crm("import", "revert", "1")
    assert code == 0, err
    assert query("SELECT title FROM contacts WHERE id = 1")[0][0] == "Poet"
    assert query("SELECT deleted_at IS NOT NULL FROM contacts WHERE display_name = 'Alan Turing'")[0][0] == 1
    assert query("SELECT count(*) FROM interactions")[0][0] == 1


def test_revert_interactions(crm: Crm, query: Query, tmp_path: Path) -> None:
    crm("import", "contacts", str(layouts.generic(tmp_path)))
    crm("import", "interactions", str(layouts.interactions(tmp_path)))
    assert query("SELECT count(*) FROM interactions")[0][0] == 2
    _, _, err = crm("import", "interactions", str(layouts.interactions(tmp_path)))
    assert "0 created, 0 updated, 2 unchanged" in err
    assert crm("import", "revert", "2")[0] == 0
    assert query("SELECT count(*) FROM interactions")[0][0] == 0
    assert query("SELECT count(*) FROM contacts WHERE last_contact_at IS NOT NULL")[0][0] == 0


def test_interactions_unknown_contact(crm: Crm, query: Query, tmp_path: Path) -> None:
    path = write(tmp_path, "i.csv", "email,occurred_at,kind,summary\nnobody@x.io,2026-11-01,call,Hi\n")
    code, _, err = crm("import", "interactions", path)
    assert (code, err) == (1, "crm: i.csv line 2: no contact has the email nobody@x.io\n")
    path = write(tmp_path, "j.csv", "email,occurred_at,kind,summary\nnobody@x.io,yesterday-ish,call,Hi\n")
    assert (
        crm("import", "interactions", path)[2]
        == "crm: j.csv line 2: 'yesterday-ish' is not a date (column occurred_at)\n"
    )
    path = write(tmp_path, "k.csv", "email,occurred_at,kind,summary\nnobody@x.io,2026-11-01,fax,Hi\n")
    assert "unknown kind 'fax'" in crm("import", "interactions", path)[2]


def test_a_trunk_zero_in_parentheses_is_the_same_number(crm: Crm, query: Query, tmp_path: Path) -> None:
    # Outlook and UK business cards write +44 (0)20 ...; Google writes +44 20 ...
    crm("contact", "add", "Alan Turing", "--phone", "+44 (0)20 7946 0000")
    path = write(tmp_path, "t.csv", "name,phone,title\nAlan Turing,+44 20 7946 0000,Mathematician\n")
    assert "0 created, 1 updated" in crm("import", "contacts", path)[2]
    assert query("SELECT count(*) FROM contacts")[0][0] == 1
    assert query("SELECT count(*) FROM contact_phones")[0][0] == 1  # the same number, not added twice


def test_a_repeated_interaction_is_found_by_contact_and_time(crm: Crm, query: Query, tmp_path: Path) -> None:
    crm("import", "contacts", str(layouts.generic(tmp_path)))
    path = write(
        tmp_path,
        "i.csv",
        "email,occurred_at,kind,summary\n"
        "ada@analytical.io,2026-11-01 09:00,call,Intro call\n"
        "ada@analytical.io,2026-11-01 09:00,call,Intro call\n"  # the same row twice in one file
        "ada@analytical.io,2026-11-01 09:00,call,Second thoughts\n"  # same time, other summary
        "ada@analytical.io,2026-11-01 09:00,email,Intro call\n"  # same time, other kind
        "grace@navy.mil,2026-11-01 09:00,call,Intro call\n",  # same time, other contact
    )
    assert "4 created, 0 updated, 1 unchanged" in crm("import", "interactions", path)[2]
    assert "0 created, 0 updated, 5 unchanged" in crm("import", "interactions", path)[2]
    assert query("SELECT count(*) FROM interactions")[0][0] == 4
