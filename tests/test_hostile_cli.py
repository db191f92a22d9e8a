"""The contract under hostile input (issue 19): every command, real processes, both databases.

Each case runs `python -m crm_tui` with a hostile value for one kind of argument (refs, ids,
limits, dates, durations, rules, formats, encodings, URLs, bytes, control characters,
markup, empty strings, newlines) and asserts what CLI.md promises: the documented exit
status (1 input, 2 usage, 3 database), exactly one line on stderr starting with `crm: `,
no traceback, no escape byte, no password, nothing on stdout, and the database unchanged.

The cross product of commands and values is sampled, not run whole: each value is tried on
one command of those that take its kind, chosen in turn, so every command and every value
is covered in about 130 processes. Each is forked from one process that imported crm once
(tests/forkrun.py), three at a time; a few also run through `python -m crm_tui` from scratch.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from itertools import cycle
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from crm_tui.db import HEAD_TABLES, session_scope
from crm_tui.models.schemas import ContactCreate
from crm_tui.services.contacts.writing import add_contact
from crm_tui.services.interactions import log_interaction
from crm_tui.services.reminders import add_reminder
from tests.conftest import NOW
from tests.forkrun import run_forked

CRM = [sys.executable, "-m", "crm_tui"]
SECRET = "s3cr3t-Pa55"
ESC_NAME = "Mal\x1b]0;pwned\x07ory"

Arg = str | bytes


@dataclass(frozen=True)
class Case:
    args: tuple[Arg, ...]
    status: int  # the exit status CLI.md gives
    stdin: bytes | None = None

    def __str__(self) -> str:
        return " ".join(repr(a) if not isinstance(a, str) or not a.isprintable() else a for a in self.args)[:120]


# ---------------------------------------------------------------- hostile values, by kind

LONG_DIGITS = "9" * 5000
REFS = [
    "", " ", "\n", "99999999999999999999", LONG_DIGITS, "3000000000", "²", "①", "#", "#-1", "0", "-1",
    "[/foo]", "[red]x[/red]", "Mal\x1b[2J", "nobody\nelse", "%", "_", "x" * 5000,
]  # fmt: skip
IDS = ["99999999999999999999", LONG_DIGITS, "3000000000", "²", "①", "-1", "0", "1e3", "", "\n", "#", "x\x1b[2J"]
LIMITS = ["99999999999999999999", "-1", "abc", "", "1e3", "²", "\n"]
DATES = [
    "", " ", "\n", "blursday", "9999-99-99", "10000-01-01", "0000-00-00", "²", "x" * 5000,
    "\x1b[2J", "in 99999999999 days", "blurs\nday", "[/b]", "2026-02-30",
]  # fmt: skip
DURATIONS = ["", "0d", "-1d", "99999999999999d", "\n", "²w", "1e9 days", "[b]", "3x"]
RULES = [
    "", "\n", "RRULE:FREQ=DAILY;COUNT=-1", "RRULE:FREQ=MONTHLY;BYMONTH=13", "RRULE:FREQ=MONTHLY;BYMONTHDAY=32",
    "RRULE:FREQ=SECONDLY", "every 0 weeks", "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "RRULE:FREQ=DAILY\nX",
]  # fmt: skip
FORMATS = ["", "xml", "\n", "JSON ", "[/b]", "cs\x1bx"]
ENCODINGS = [
    "base64", "hex", "zlib", "bz2", "uu", "quopri", "rot13", "idna", "undefined", "", "nosuch", "utf-8\n", "punycode",
]  # fmt: skip
URLS = [
    "://", "nosuch://x", "ftp://x/y.db", "/dev/null", "/proc/self/mem", "/proc/version", f"mysql://u:{SECRET}@h/d",
    "oracle://u@h/d", "mssql://u@h/d", "postgresql+asyncpg://u@h/d", f"postgresql://u:{SECRET}@127.0.0.1:1/x",
]  # fmt: skip

# Commands by the kind of value they take; `{}` is where the value goes.
REF_COMMANDS = [
    ("contact", "show", "{}"), ("contact", "edit", "{}", "--title", "x"), ("contact", "rm", "{}"),
    ("contact", "restore", "{}"), ("contact", "history", "{}"), ("contact", "merge", "1", "{}"),
    ("log", "{}", "call", "hello"), ("remind", "add", "{}", "title", "--due", "tomorrow"),
    ("remind", "list", "--contact", "{}"),
]  # fmt: skip
ID_COMMANDS = [
    ("remind", "done", "{}"), ("remind", "snooze", "{}", "1d"), ("remind", "rm", "{}"), ("import", "revert", "{}"),
    ("remind", "edit", "{}", "--title", "x"),
]  # fmt: skip
LIMIT_COMMANDS = [("contact", "list", "--limit", "{}"), ("search", "ada", "--limit", "{}"),
                  ("contact", "history", "1", "--limit", "{}")]  # fmt: skip
DATE_COMMANDS = [
    ("log", "1", "call", "hello", "--at", "{}"), ("remind", "add", "title", "--due", "{}"),
    ("remind", "snooze", "1", "{}"), ("log", "1", "call", "hello", "--follow-up", "{}"),
    ("remind", "edit", "1", "--due", "{}"),
]  # fmt: skip
DURATION_COMMANDS = [
    ("due", "--within", "{}"), ("contact", "add", "Someone", "--every", "{}"),
    ("contact", "edit", "1", "--every", "{}"), ("trash", "purge", "--older-than", "{}"),
]  # fmt: skip
RULE_COMMANDS = [
    ("remind", "add", "title", "--due", "tomorrow", "--every", "{}"), ("remind", "edit", "1", "--every", "{}"),
]  # fmt: skip
FORMAT_COMMANDS = [
    ("contact", "list", "-f", "{}"), ("due", "-f", "{}"), ("search", "ada", "-f", "{}"),
    ("contact", "show", "1", "-f", "{}"), ("remind", "list", "-f", "{}"), ("import", "list", "-f", "{}"),
    ("export", "contacts", "-f", "{}"),
    ("export", "reminders", "-f", "{}"), ("db", "check", "-f", "{}"), ("contact", "history", "1", "-f", "{}"),
    ("trash", "list", "-f", "{}"), ("export", "interactions", "-f", "{}"),
]  # fmt: skip
URL_COMMANDS = [("due",), ("contact", "list"), ("db", "check"), ("contact", "add", "X"), ("db", "upgrade"),
                ("search", "x"), ("import", "list")]  # fmt: skip


def _sampled(commands: Sequence[tuple[str, ...]], values: Sequence[str], status: int) -> Iterator[Case]:
    """Each value on the next command in turn: every value and every command, not their product."""
    turn = cycle(commands)
    for value in values:
        command = next(turn)
        # An argument (not an option's value) that starts with a dash is an unknown option: a usage error.
        slot = command.index("{}")
        usage = value.startswith("-") and len(value) > 1 and not (slot and command[slot - 1].startswith("-"))
        yield Case(tuple(value if part == "{}" else part for part in command), 2 if usage else status)
    for command in list(commands)[len(values) :]:  # commands the values did not reach
        yield Case(tuple(values[0] if part == "{}" else part for part in command), status)


def cases(tmp: Path) -> list[Case]:
    """Every hostile case, with the exit status the contract gives it."""
    csv = tmp / "people.csv"
    csv.write_text("name,email\nAda,ada@x.io\n", encoding="utf-8")
    link = tmp / "link.csv"
    link.symlink_to(tmp / "victim.txt")
    fifo = tmp / "fifo"
    os.mkfifo(fifo)
    found: list[Case] = []
    found += _sampled(REF_COMMANDS, REFS, 1)
    found += _sampled(ID_COMMANDS, IDS, 1)
    found += _sampled(LIMIT_COMMANDS, LIMITS, 2)
    found += _sampled(DATE_COMMANDS, DATES, 1)
    found += _sampled(DURATION_COMMANDS, DURATIONS, 1)
    found += _sampled(RULE_COMMANDS, RULES, 1)
    found += _sampled(FORMAT_COMMANDS, FORMATS, 1)
    found += _sampled([("import", "contacts", str(csv), "--encoding", "{}"),
                       ("import", "interactions", str(csv), "--encoding", "{}")], ENCODINGS, 1)  # fmt: skip
    found += [Case(("--db", url, *cmd), 3) for url, cmd in zip(URLS, cycle(URL_COMMANDS), strict=False)]
    found += [
        # A name fragment that matches two contacts, one named with escapes: one line, escapes shown.
        Case(("contact", "show", "Mal"), 1),
        # Usage errors: unknown commands and options, missing arguments, with newlines in them.
        Case(("contact", "frobnicate"), 2), Case(("contact", "show"), 2), Case(("--no-such\nflag",), 2),
        Case(("log", "1", "call"), 2), Case(("remind", "add", "x"), 2),
        # Bytes that are not UTF-8, in an argument and on standard input.
        Case(("contact", "add", b"\xff\xfe"), 1), Case(("search", b"caf\xe9"), 1),
        Case(("log", "1", "call", "hi", "--body", "-"), 1, stdin=b"caf\xe9 \xff"),
        # Files: missing, a directory, a fifo; an output through a link, onto a device, into a directory.
        Case(("import", "contacts", str(tmp / "missing.csv")), 1), Case(("import", "vcard", str(tmp / "nope.vcf")), 1),
        Case(("import", "contacts", str(tmp)), 1), Case(("import", "contacts", "/dev/null"), 1),
        Case(("export", "contacts", "-o", str(link)), 1), Case(("export", "contacts", "-o", str(fifo)), 1),
        Case(("export", "contacts", "-o", "/dev/null"), 1), Case(("export", "reminders", "-o", str(tmp)), 1),
        Case(("export", "contacts", "-o", str(tmp / "no" / "dir.csv")), 1),
        Case(("import", "contacts", str(csv), "--skip-invalid", "--rejects", str(link)), 1),
        Case(("import", "contacts", str(csv), "--delimiter", "\n"), 1),
        Case(("import", "contacts", str(csv), "--map", "Nope\n=name"), 1),
        Case(("import", "contacts", str(csv), "--preset", "[/x]"), 1),
        Case(("log", "1", "sing\x1b[2J", "hello"), 1), Case(("contact", "add", ""), 1),
        Case(("contact", "add", "x" * 600), 1), Case(("contact", "add", "X", "--email", "a\x1b@"), 1),
        Case(("contact", "add", "X", "--email", "ada@x.io\nb@x.io"), 1),
        Case(("contact", "add", "X", *[a for i in range(1001) for a in ("--tag", f"t{i}")]), 1),
        Case(("--tz", "Mars/Olympus\n", "due", "--within", "2w"), 1),
    ]  # fmt: skip
    return found


# ---------------------------------------------------------------- the database, before and after


def fingerprint(engine: Engine) -> str:
    """A digest of every row of every table: equal before and after means nothing was written."""
    digest = hashlib.sha256()
    with engine.connect() as conn:
        for table in sorted(HEAD_TABLES | {"alembic_version"}):
            for row in conn.execute(text(f"SELECT * FROM {table} ORDER BY 1")):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    """Two contacts whose names share "Mal", one with escapes stored (as another tool could), a reminder."""
    with session_scope(engine) as session:
        first = add_contact(session, ContactCreate(name=ESC_NAME, emails=["mal@x.io"]), actor="tester", now=NOW)
        add_contact(session, ContactCreate(name="Mallory [/b] Two"), actor="tester", now=NOW)
        add_contact(session, ContactCreate(name="Ada Lovelace", emails=["ada@x.io"]), actor="tester", now=NOW)
        log_interaction(session.connection(), first.id, kind="call", summary="hello", author="tester", at=NOW)
        add_reminder(
            session, title="Call back", due_at=NOW + timedelta(days=1), contact_id=first.id, actor="tester", now=NOW
        )
    return engine


def _argv(args: Sequence[Arg]) -> list[bytes]:
    return [a if isinstance(a, bytes) else os.fsencode(a) for a in args]


def run_cases(all_cases: Sequence[Case], env: dict[str, str], cwd: Path) -> list[tuple[int, bytes, bytes]]:
    """Every case as its own process, forked from one that imported crm once (tests/forkrun.py)."""
    return run_forked([list(c.args) for c in all_cases], env, cwd, [c.stdin or b"" for c in all_cases])


def run_case(case: Case, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    """One case through `python -m crm_tui`, from a cold start."""
    return subprocess.run(
        [*CRM, *_argv(case.args)], input=case.stdin or b"", capture_output=True, env=env, cwd=cwd, timeout=120
    )


def contract_problems(case: Case, status: int, out: bytes, err_bytes: bytes) -> list[str]:
    """What a finished case broke of the contract (nothing: an empty list)."""
    err = err_bytes.decode("utf-8", errors="replace")
    problems = []
    if status != case.status:
        problems.append(f"exit {status}, expected {case.status}")
    if len(err.splitlines()) != 1 or not err.startswith("crm: ") or not err.endswith("\n"):
        problems.append(f"{len(err.splitlines())} stderr lines")
    if "Traceback" in err:
        problems.append("a traceback")
    if any(c in err for c in "\x1b\x07\x9b\x00"):
        problems.append("a control character on stderr")
    if SECRET in err:
        problems.append("the password")
    if out:
        problems.append(f"stdout {out[:60]!r}")
    return [f"{case}: {', '.join(problems)}: {err[:300]!r}"] if problems else []


@pytest.mark.slow
def test_every_command_keeps_the_contract_under_hostile_input(
    seeded: Engine, cli_env: dict[str, str], tmp_path: Path
) -> None:
    env = {**os.environ, **cli_env}
    env.pop("CRM_DEBUG", None)
    before = fingerprint(seeded)
    null_mode = os.stat("/dev/null").st_mode
    all_cases = cases(tmp_path)
    broken: list[str] = []
    for case, (status, out, err) in zip(all_cases, run_cases(all_cases, env, tmp_path), strict=True):
        broken += contract_problems(case, status, out, err)
    # The entry point itself, from a cold start: argv bytes, stdin bytes, a URL's password.
    for case in (c for c in all_cases if any(isinstance(a, bytes) for a in c.args) or c.stdin or SECRET in str(c)):
        result = run_case(case, env, tmp_path)
        broken += contract_problems(case, result.returncode, result.stdout, result.stderr)
    assert not broken, f"{len(broken)} of {len(all_cases)} cases break the contract:\n" + "\n".join(broken)
    assert fingerprint(seeded) == before
    assert not (tmp_path / "victim.txt").exists()  # never written through the link
    left = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("crm.db"))
    assert left == ["fifo", "link.csv", "people.csv"]  # no output, no temporary file left behind
    assert os.stat("/dev/null").st_mode == null_mode


def test_the_ambiguous_error_shows_escapes_and_stays_one_line(seeded: Engine, cli_env: dict[str, str]) -> None:
    result = run_case(Case(("contact", "show", "Mal"), 1), {**os.environ, **cli_env}, Path.cwd())
    assert result.stderr.decode() == (
        "crm: 'Mal' matches 2 contacts: #1 Mal\\x1b]0;pwned\\x07ory <mal@x.io>; #2 Mallory [/b] Two\n"
    )
