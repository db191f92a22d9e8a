"""Text coming in and going out (issue 19): the input rule, the output rule, CSV formulas, limits.

In: control characters never reach the database, from the command line, a file or stdin.
Out: no escape byte and no markup reaches a person's terminal in any format; stored control
characters show as visible escapes; JSON escapes them itself; CSV neutralizes formulas.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from crm_tui.dates import parse_rule
from crm_tui.db import session_scope
from crm_tui.errors import InvalidDate, InvalidInput
from crm_tui.io.fields import neutralize, unneutralize
from crm_tui.io.textstream import check_encoding
from crm_tui.io.vcard_lines import read_cards
from crm_tui.keys import MAX_TAGS_PER_CONTACT, clean_text, one_line, parse_id, visible
from crm_tui.models.schemas import ContactCreate
from crm_tui.output import FORMATS, fields, render
from crm_tui.records import ContactRecord, InteractionRecord, RowError
from crm_tui.services.contacts.writing import add_contact
from crm_tui.services.interactions import log_interaction
from crm_tui.services.reminders import add_reminder
from tests.conftest import NOW
from tests.forkrun import crm, run_forked

ESC_NAME = "Mal\x1b]0;pwned\x07ory\x1b[2J"
MARKUP = "[red]Bob[/red] [link=http://evil.example]click[/link] [/foo] evil"

# ---------------------------------------------------------------- the rules themselves


def test_the_input_rule() -> None:
    assert clean_text(ESC_NAME) == "Mal]0;pwnedory[2J"
    assert clean_text("a\tb\nc\r\nd") == "a b c  d"  # one-line fields: whitespace controls become spaces
    assert clean_text("a\tb\nc\r\nd\x00\x85\x9b\x7f", multiline=True) == "a\tb\nc\r\nd"
    assert clean_text("lone \ud800 surrogate") == "lone \ufffd surrogate"
    assert clean_text("plain ünïcode ✓") == "plain ünïcode ✓"


def test_the_output_rule() -> None:
    assert visible(ESC_NAME) == "Mal\\x1b]0;pwned\\x07ory\\x1b[2J"
    assert visible("a\tb\nc\r\nd\re\x85") == "a\tb\nc\nd\\re\\x85"  # a CR that ends a line is a line end
    assert one_line("two\nlines\t\x1b") == "two\\nlines\\t\\x1b"
    assert visible(MARKUP) == MARKUP  # markup is not a control character: the renderers keep it literal


def test_ids_are_ascii_digits_in_range() -> None:
    assert parse_id("12") == 12 and parse_id("#12") == 12 and parse_id(" 7 ") == 7
    for bad in ("²", "①", "٣", "0", "-1", "99999999999999999999", "3000000000", "9" * 5000, "1e3", "", "#"):
        assert parse_id(bad) is None, bad


# ---------------------------------------------------------------- going out: every format


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_escape_byte_or_markup_in_any_format(fmt: str) -> None:
    records = [{"id": 1, "name": ESC_NAME, "organization": MARKUP, "notes": "x\ny\x9b", "when": NOW}]
    columns = [("id", "ID"), ("name", "Name"), ("organization", "Org"), ("notes", "Notes")]
    out = io.StringIO()
    render(records, columns, fmt, tz=UTC, out=out, title=MARKUP)
    shown = out.getvalue()
    assert "\x1b" not in shown and "\x07" not in shown and "\x9b" not in shown
    if fmt == "csv":
        # CSV carries the text less its control characters (dropped as the input rule drops them).
        assert "Mal]0;pwnedory[2J" in shown and '"x\ny"' in shown
        return
    if fmt in ("json", "ndjson"):
        item = json.loads(shown)[0] if fmt == "json" else json.loads(shown.splitlines()[0])
        assert item["name"] == ESC_NAME  # escaped by JSON, the data unchanged
        return
    assert "Mal\\x1b]0;pwned\\x07ory\\x1b[2J" in shown
    assert "[red]Bob[/red]" in shown and "[/foo] evil" in shown  # shown as typed, never read as markup
    if fmt == "plain":
        assert len(shown.splitlines()) == 1  # the note's newline does not break the record


def test_a_table_on_a_colour_terminal_never_reads_data_as_markup(monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.console import Console

    import crm_tui.output as output

    out = io.StringIO()
    colour = Console(file=out, force_terminal=True, color_system="standard")
    monkeypatch.setattr(output, "make_console", lambda _: colour)
    render([{"id": 1, "name": MARKUP}], [("id", "ID"), ("name", "Name")], "table", tz=UTC, title=MARKUP)
    shown = out.getvalue()
    assert "\x1b]8;" not in shown  # no OSC 8 hyperlink
    assert "[link=http://evil.example]" in shown and "[red]Bob[/red]" in shown


def test_fields_show_escapes() -> None:
    out = io.StringIO()
    fields([("name", ESC_NAME), ("notes", "a\r\nb")], "plain", tz=UTC, out=out)
    assert out.getvalue() == "name   Mal\\x1b]0;pwned\\x07ory\\x1b[2J\nnotes  a\nb\n"


@pytest.fixture
def stored(engine: Engine) -> Engine:
    """Hostile text stored as another tool (or an older crm) could have stored it."""
    with session_scope(engine) as session:
        mal = add_contact(session, ContactCreate(name=ESC_NAME, organization=MARKUP, tags=["[b]x"]), actor="[/a]")
        add_contact(session, ContactCreate(name="Mal Two [/foo] evil"), actor="tester")
        log_interaction(session.connection(), mal.id, kind="call", summary="[/x] \x1b[31m", author="tester", at=NOW)
        add_reminder(
            session, title="[/y] \x1b]0;t\x07", due_at=NOW - timedelta(hours=1), contact_id=mal.id, actor="tester"
        )
    return engine


def test_every_human_listing_shows_stored_escapes_visibly(stored: Engine, cli_env: dict[str, str]) -> None:
    env = {**os.environ, **cli_env}
    commands = [
        ["contact", "list"], ["contact", "list", "-f", "table"], ["contact", "show", "1"], ["due", "-f", "table"],
        ["due"], ["search", "Mal", "-f", "table"], ["remind", "list", "-f", "table"], ["contact", "history", "1"],
        ["contact", "list", "-f", "json"], ["due", "-f", "ndjson"], ["contact", "show", "Mal"],
    ]  # fmt: skip
    script = f"import sys; from crm_tui.cli import app\nfor args in {commands!r}:\n" + (
        "    try:\n        app(args, prog_name='crm')\n    except SystemExit:\n        pass\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, env=env, timeout=120)
    output = done.stdout + done.stderr
    assert b"\x1b" not in output and b"\x07" not in output and b"Traceback" not in output
    assert b"Mal\\x1b]0;pwned\\x07ory" in done.stdout and b"[red]Bob[/red]" in done.stdout
    # The ambiguous name is one line on stderr, escapes shown.
    assert done.stderr.count(b"\n") == 1 and done.stderr.startswith(b"crm: 'Mal' matches 2 contacts: #1 Mal\\x1b")


# ---------------------------------------------------------------- coming in


def test_the_command_line_and_stdin_are_cleaned(cli_env: dict[str, str], engine: Engine) -> None:
    env = {**os.environ, **cli_env}
    added = crm(env, "contact", "add", ESC_NAME, "--note", "l1\nl2\x9b\x7f")
    assert added.returncode == 0, added.stderr
    logged = crm(env, "log", "1", "call", "hi\x1b[2J", "--body", "-", stdin="a\x00b\x1b]0;x\x07c\r\nd")
    assert logged.returncode == 0, logged.stderr
    with engine.connect() as conn:
        assert conn.execute(text("SELECT display_name, notes FROM contacts")).one() == ("Mal]0;pwnedory[2J", "l1\nl2")
        assert conn.execute(text("SELECT summary, body FROM interactions")).one() == ("hi[2J", "ab]0;xc\r\nd")
    shows = run_forked([["contact", "show", "1", "-f", f] for f in FORMATS], env, ".")
    for fmt, (code, shown, _) in zip(FORMATS, shows, strict=True):
        assert code == 0 and b"\x1b" not in shown and b"\x07" not in shown, fmt


def test_csv_nul_anywhere_is_dropped_the_same_on_both_databases(crm_env: dict[str, str], tmp_path: Path) -> None:
    lines = ["name,email,notes"] + [f"Person {i},p{i}@x.io,note {i}" for i in range(3000)]
    lines += ["A\x00nn,ann@x.io,x\x1b[2J\x00y", "Zo\x9be,zoe@x.io,'=1+1"]
    path = tmp_path / "nul.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert path.stat().st_size > 64 * 1024  # past the part read to detect the encoding
    done = crm(crm_env, "import", "contacts", str(path))
    assert done.returncode == 0, done.stderr
    item = json.loads(crm(crm_env, "contact", "show", "ann@x.io", "-f", "json").stdout)
    assert (item["name"], item["notes"]) == ("Ann", "x[2Jy")
    zoe = json.loads(crm(crm_env, "contact", "show", "zoe@x.io", "-f", "json").stdout)
    assert zoe["name"] == "Zoe"


@pytest.fixture
def crm_env(cli_env: dict[str, str]) -> dict[str, str]:
    return {**os.environ, **cli_env}


def test_json_escapes_are_cleaned_and_a_surrogate_never_crashes_the_rejects(
    crm_env: dict[str, str], tmp_path: Path, engine: Engine
) -> None:
    items = [
        {"name": "J\u001b]0;x\u0007son", "emails": ["j@x.io"], "notes": "a\r\nb\u009b\u0000", "tags": ["t\u001b1"],
         "custom": {"k\u001b": "v\u0000"}},
        {"name": "Bad \ud800", "emails": ["not-an-email"], "title": " =title"},
    ]  # fmt: skip
    path = tmp_path / "x.json"
    path.write_text(json.dumps(items), encoding="utf-8")  # ensure_ascii: the escapes are \\u escapes
    rejects = tmp_path / "rejects.csv"
    done = crm(crm_env, "import", "contacts", str(path), "--skip-invalid", "--rejects", str(rejects))
    assert done.returncode == 0 and "1 created" in done.stderr and "1 skipped" in done.stderr, done.stderr
    with engine.connect() as conn:
        assert conn.execute(text("SELECT display_name, notes FROM contacts")).one() == ("J]0;xson", "a\r\nb")
        assert conn.execute(text("SELECT name FROM tags")).scalars().all() == ["t1"]
    row = next(csv.DictReader(rejects.open(encoding="utf-8")))
    assert row["name"] == "Bad \ufffd" and row["title"] == "' =title"  # readable, and neutralized
    # Interactions from JSON: NUL and a lone surrogate are cleaned like everything else.
    interaction = '{"email": "j@x.io", "occurred_at": "2026-11-01", "summary": "a\\u0000b", "body": "\\ud800"}'
    done = crm(crm_env, "import", "interactions", "-", stdin=interaction)
    assert done.returncode == 0, done.stderr
    with engine.connect() as conn:
        assert conn.execute(text("SELECT summary, body FROM interactions")).one() == ("ab", "\ufffd")


def test_records_clean_every_text_field() -> None:
    record = ContactRecord(line=2, name="A\x1bda", title="CT\x07O", notes="n\x00\n2", tags=["t\x9b"])
    record.custom = {"k\x1b": "v\tw\x00"}
    record.check()
    assert (record.name, record.title, record.notes, record.tags) == ("Ada", "CTO", "n\n2", ["t"])
    assert record.custom == {"k": "v\tw"}
    clean = ContactRecord(line=3, name="Ada", clean_source=True)  # the reader saw clean cells: no second look
    clean.check()
    interaction = InteractionRecord(2, None, 1, "call", NOW, "s\x1b[2J", body="b\x07\nc")
    assert (interaction.summary, interaction.body) == ("s[2J", "b\nc")
    with pytest.raises(RowError, match="more than 1,000 tags"):
        ContactRecord(line=4, name="Many", tags=[f"t{i}" for i in range(MAX_TAGS_PER_CONTACT + 1)]).check()


# ---------------------------------------------------------------- CSV formulas


@pytest.mark.parametrize(
    ("value", "phone", "written"),
    [
        (" =title", False, "' =title"), ("  =HYPER()", False, "'  =HYPER()"), ("\n=cmd", False, "'\n=cmd"),
        ("+1-2", True, "'+1-2"), ("+123", True, "'+123"), ("+1-555-123-4567", True, "'+1-555-123-4567"),
        ("+44 20 7946 0000", True, "+44 20 7946 0000"), ("+44 (0)20 7946 0000 x12", True, "+44 (0)20 7946 0000 x12"),
        ("work:+44 20 7946 0000;+1 555 0100", True, "work:+44 20 7946 0000;+1 555 0100"),
        ("+44 20 7946 0000", False, "'+44 20 7946 0000"), ("  plain", False, "  plain"), ("' =x", False, "'' =x"),
        # A negative number (a refund, a score) is a number to a spreadsheet, never a formula: kept as it is.
        ("-50.00", False, "-50.00"), ("-0.0345", False, "-0.0345"), ("-7", False, "-7"),
        ("-50.00+1", False, "'-50.00+1"), ("-1-2", False, "'-1-2"), ("-.5", False, "'-.5"), ("-", False, "'-"),
    ],
)  # fmt: skip
def test_formulas_are_neutralized_and_read_back(value: str, phone: bool, written: str) -> None:
    assert neutralize(value, phone=phone) == written
    assert unneutralize(written) == value


# ---------------------------------------------------------------- rules, encodings, limits


@pytest.mark.parametrize(
    "rule",
    [
        "RRULE:FREQ=DAILY;COUNT=-1", "RRULE:FREQ=DAILY;COUNT=0", "RRULE:FREQ=MONTHLY;BYMONTH=13",
        "RRULE:FREQ=MONTHLY;BYMONTHDAY=32", "RRULE:FREQ=MONTHLY;BYMONTHDAY=0", "RRULE:FREQ=WEEKLY;BYHOUR=24",
        "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "RRULE:FREQ=DAILY;BYMONTH=4,6;BYMONTHDAY=31", "",
    ],
)  # fmt: skip
def test_rules_that_would_lose_the_repeat_are_refused(rule: str) -> None:
    with pytest.raises(InvalidDate):
        parse_rule(rule)


def test_rules_at_the_edges_of_their_ranges_are_kept() -> None:
    for rule in ("RRULE:FREQ=MONTHLY;BYMONTHDAY=-1", "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
                 "RRULE:FREQ=WEEKLY;BYDAY=MO,FR;COUNT=3", "RRULE:FREQ=MONTHLY;BYMONTHDAY=31"):  # fmt: skip
        assert parse_rule(rule).rrule == rule


def test_only_text_encodings() -> None:
    for name in ("base64", "hex", "zlib", "bz2", "uu", "quopri", "rot13", "idna", "undefined", "punycode", "a\x00"):
        with pytest.raises(InvalidInput):
            check_encoding(name)
    assert check_encoding("UTF-16") == "utf-16" and check_encoding("cp1252") == "cp1252"


@pytest.mark.parametrize("order", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom(crm_env: dict[str, str], tmp_path: Path, order: str) -> None:
    path = tmp_path / "u16.csv"
    path.write_bytes("name,email\nZoë,zoe@x.io\n".encode(order))
    done = crm(crm_env, "import", "contacts", str(path), "--encoding", "utf-16", "--dry-run")
    assert done.returncode == 0 and "1 created" in done.stderr, done.stderr


def test_vcard_properties_are_capped_and_named() -> None:
    photo = "\r\n ".join(["QUJD" * 18] * 20000)  # 1.4 MB of folded base64
    card = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada\r\nPHOTO;ENCODING=b:" + photo + "\r\n"
        "NOTE:" + "n" * 70_000 + "\r\nEMAIL:ada@x.io\r\nEND:VCARD\r\n"
    )
    (read,) = list(read_cards(io.StringIO(card, newline="")))
    names = [prop.name for prop in read.properties]
    assert read.line == 1 and "PHOTO" not in names and "NOTE" not in names and "EMAIL" in names
    assert [e.describe("x.vcf") for e in read.problems] == [
        "x.vcf line 4: longer than 64 KiB (column PHOTO)",
        "x.vcf line 20004: longer than 64 KiB (column NOTE)",
    ]
    assert sum(len(line) for line in read.lines) < 10_000  # neither the photo nor the note is kept


@pytest.mark.slow
def test_a_40_mb_photo_imports_in_little_memory(crm_env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "big.vcf"
    line = "QUJD" * 18 + "\r\n "
    with path.open("w", newline="") as out:
        out.write("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Big Photo\r\nEMAIL:big@x.io\r\nPHOTO;ENCODING=b;TYPE=JPEG:")
        out.write(line * (40_000_000 // len(line)))
        out.write("QUJD\r\nNOTE:" + "x" * 100_000 + "\r\nEND:VCARD\r\n")
    # VmHWM is this process's own peak (ru_maxrss would carry the parent's across exec).
    script = (
        "import sys\nfrom crm_tui.cli import app\ntry:\n    app(sys.argv[1:], prog_name='crm')\n"
        "except SystemExit as e:\n    code = e.code\n"
        "peak = next(l for l in open('/proc/self/status') if l.startswith('VmHWM'))\n"
        "print(peak.split()[1], file=sys.stderr)\nsys.exit(code)"
    )
    done = subprocess.run([sys.executable, "-c", script, "import", "vcard", str(path), "--dry-run"], env=crm_env,
                          capture_output=True, timeout=300)  # fmt: skip
    err = done.stderr.decode().splitlines()
    assert done.returncode == 0, err
    assert "longer than 64 KiB (PHOTO left out)" in err[0]
    assert int(err[-1]) < 150 * 1024, f"peak RSS {int(err[-1]) // 1024} MB"


_RAW = "Mal\x1b]0;pwned\x07ory\x9b2J"
_CONTROLS = [chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)] if chr(c) not in "\t\n\r"]


def test_no_stored_control_byte_reaches_csv_or_vcard(engine: Engine, cli_env: dict[str, str]) -> None:
    """A control character stored raw (by SQL: another tool, an older crm) is dropped from CSV and vCard."""
    with session_scope(engine) as session:
        mal = add_contact(session, ContactCreate(name="Mal", emails=["mal@x.io"]), actor="tester")
        conn = session.connection()
        conn.execute(
            text("UPDATE contacts SET display_name = :n, title = :n, notes = :notes WHERE id = :id"),
            {"n": _RAW, "notes": "line\x1b[2J\nnext\tcol", "id": mal.id},
        )
        conn.execute(
            text("INSERT INTO contact_card_lines (contact_id, line) VALUES (:id, :line)"),
            {"id": mal.id, "line": "X-EVIL:a\x1bb\x85c"},
        )
    env = {**os.environ, **cli_env}
    commands: list[list[bytes | str]] = [
        ["contact", "list", "-f", "csv"], ["contact", "show", "1", "-f", "csv"], ["export", "contacts", "-f", "csv"],
        ["export", "contacts", "-f", "vcard"], ["contact", "list", "-f", "json"], ["export", "contacts", "-f", "json"],
    ]  # fmt: skip
    results = run_forked(commands, env, ".")  # each its own process (tests/forkrun.py)
    for args, (code, stdout, stderr) in zip(commands, results, strict=True):
        assert code == 0, (args, stderr)
        out = stdout.decode("utf-8")
        assert not [c for c in _CONTROLS if c in out], (args, out)
        assert "pwnedory2J" in out or "Mal\\u001b]0;pwned" in out, (args, out)  # the text stays, less its controls
    card = results[3][1]
    assert b"X-EVIL:abc" in card and b"NOTE:line[2J\\nnext\tcol" in card
