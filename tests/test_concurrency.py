"""Two writer processes at once on one database: no 'database is locked', no lost rows."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from sqlalchemy.engine import Engine

from crm_tui.config import Settings
from crm_tui.db import check, session_scope
from crm_tui.models.schemas import ContactCreate
from crm_tui.services.contacts.writing import add_contact

WRITER = textwrap.dedent(
    """
    import sys
    from crm_tui.config import Settings
    from crm_tui.db import open_engine, session_scope
    from crm_tui.services.contacts.finding import get_contact
    from crm_tui.services.interactions import log_interaction
    from crm_tui.services.reminders import add_reminder
    from crm_tui.dates import utcnow

    url, what, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    engine = open_engine(Settings(db_url=url, user=what))
    print("ready", flush=True)  # start both writers at the same moment: when the test says go
    sys.stdin.readline()
    errors = 0
    for i in range(count):
        try:
            with session_scope(engine) as session:  # one transaction per write
                # Read first, then write: a deferred transaction would fail here with BUSY_SNAPSHOT.
                contact = get_contact(session, 1 + i % 5)
                if what == "log":
                    log_interaction(session.connection(), contact.id, kind="call", summary=f"call {i}", author=what)
                else:
                    add_reminder(session, title=f"reminder {i}", due_at=utcnow(), actor=what, contact_id=contact.id)
        except Exception as exc:
            errors += 1
            print(f"{what} {i}: {exc}", file=sys.stderr)
    print(errors)
    """
)


@pytest.mark.slow
def test_two_writers_lose_nothing(settings: Settings, engine: Engine) -> None:
    with session_scope(engine) as session:
        for i in range(5):
            add_contact(session, ContactCreate(name=f"Person {i}"), actor="t")
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, settings.db_url, what, "1000"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for what in ("log", "remind")
    ]
    for proc in procs:  # both started and connected (rather than a fixed wait that a slow machine outlasts)
        assert proc.stdout is not None and proc.stdout.readline() == "ready\n", proc.stderr and proc.stderr.read()
    for proc in procs:  # go
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    results = [p.communicate(timeout=300) for p in procs]
    for proc, (out, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err
        assert out.strip() == "0", err[-2000:]
    report = check(engine, settings.db_label)
    assert report.integrity == "ok"
    assert report.counts["interactions"] == 1000 and report.counts["reminders"] == 1000
