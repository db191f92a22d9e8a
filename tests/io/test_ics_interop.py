"""ICS that calendars read: DTSTART on repeating VTODOs, the after-completion rule, a vdir of VTODOs, `crm due -f ics`.

Every calendar written here is read by icalendar and by the strict `ical` library (tests/io/readers.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.io.conftest import Crm
from tests.io.readers import todos


@pytest.fixture
def reminders(crm: Crm, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Europe/Paris")
    crm("contact", "add", "Ada Lovelace", "--email", "ada@analytical.example")
    crm("remind", "add", "ada", "Send the notes", "--due", "2026-12-01 09:00", "--every", "3 months after")
    crm("remind", "add", "Weekly review", "--due", "2026-03-27 17:00", "--every", "weekly")  # DST on the 29th
    crm("remind", "add", "Call the bank", "--due", "2026-12-02 10:00")
    crm("remind", "add", "Done already", "--due", "2026-11-02 10:00")
    crm("remind", "done", "4")


def by_summary(data: bytes) -> dict[str, object]:
    return {str(t["summary"]): t for t in todos(data)}


def test_repeating_todos_start_a_minute_before_they_are_due(crm: Crm, reminders: None, tmp_path: Path) -> None:
    target = tmp_path / "follow-ups.ics"
    assert crm("export", "reminders", "--format", "ics", "-o", str(target))[0] == 0
    found = by_summary(target.read_bytes())
    weekly = found["Weekly review"]
    due, start = weekly.decoded("due"), weekly.decoded("dtstart")
    assert (due.hour, str(due.tzinfo), str(start.tzinfo)) == (17, "Europe/Paris", "Europe/Paris")
    assert due - start == timedelta(minutes=1)
    assert "dtstart" not in found["Call the bank"]  # one-off: DUE alone
    notes = found["Send the notes (Ada Lovelace)"]
    assert (notes["rrule"]["FREQ"], notes["rrule"]["INTERVAL"]) == (["MONTHLY"], [3])
    assert str(notes["x-crm-repeat-from"]) == "COMPLETION"
    assert "x-crm-repeat-from" not in weekly
    assert str(found["Done already"]["status"]) == "COMPLETED"


def test_the_after_completion_rule_in_csv_and_json(crm: Crm, reminders: None) -> None:
    out = crm("export", "reminders", "--format", "csv")[1]
    assert "every 3 months after completion,RRULE:FREQ=MONTHLY;INTERVAL=3" in out


def test_a_directory_gets_one_vtodo_per_file(crm: Crm, reminders: None, tmp_path: Path) -> None:
    folder = tmp_path / "new" / "calendar"
    code, out, err = crm("export", "reminders", "--format", "ics", "-o", f"{folder}/")
    assert (code, out, err) == (0, "", f"Exported 4 reminders to {folder}/\n")
    assert folder.is_dir() and folder.stat().st_mode & 0o777 == 0o700
    names = sorted(p.name for p in folder.iterdir())
    assert names == [f"reminder-{i}@crm-tui.ics" for i in range(1, 5)]
    for path in folder.iterdir():
        assert path.stat().st_mode & 0o777 == 0o600
        [todo] = todos(path.read_bytes())
        assert f"{todo['uid']}.ics" == path.name
    first = {p.name: p.read_bytes() for p in folder.iterdir()}
    # Stable: the same names and bytes again, into the directory as it now exists (no slash needed).
    assert crm("export", "reminders", "--format", "ics", "-o", str(folder))[0] == 0
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == first
    code, _, err = crm("export", "reminders", "--format", "csv", "-o", str(folder))
    assert (code, err) == (
        1,
        f"crm: {folder}: is a directory (only --format vcard and ics write one file per record)\n",
    )


def test_due_as_a_calendar(crm: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    empty = crm("due", "--format", "ics")[1]
    assert empty.startswith("BEGIN:VCALENDAR")  # nothing due: an empty calendar, which both parsers read
    assert todos(empty.replace("\n", "\r\n").encode("utf-8")) == []
    assert todos(crm("export", "reminders", "--format", "ics")[1].replace("\n", "\r\n").encode("utf-8")) == []
    assert crm("due", "--format", "ics", "--exit-status")[0] == 1
    crm("contact", "add", "Grace Hopper", "--email", "grace@navy.example", "--every", "2w")
    yesterday = (datetime.now() - timedelta(days=1)).strftime("%Y-%m-%d 10:00")
    crm("remind", "add", "grace", "Send the slides", "--due", yesterday, "--every", "weekly")
    crm("remind", "add", "Renew the domain", "--due", "in 30 days")
    code, out, err = crm("due", "--format", "ics", "--exit-status")
    assert (code, err) == (0, "")
    data = out.replace("\n", "\r\n").encode("utf-8")  # CliRunner gives stdout with its CR LF made LF
    found = by_summary(data)
    assert set(found) == {"Send the slides (Grace Hopper)", "Stay in touch with Grace Hopper"}
    assert str(found["Send the slides (Grace Hopper)"]["uid"]) == "reminder-1@crm-tui"  # as in the export
    touch = found["Stay in touch with Grace Hopper"]
    assert (str(touch["uid"]), str(touch["description"])) == ("touch-1@crm-tui", "Stay in touch: never contacted")
    assert "rrule" not in found["Send the slides (Grace Hopper)"]  # the list is of what is due now
    assert by_summary(crm("due", "--format", "ics", "--within", "60d")[1].replace("\n", "\r\n").encode()).keys() == {
        *found, "Renew the domain",
    }  # fmt: skip


def test_due_names_ics_among_its_formats(crm: Crm) -> None:
    assert crm("due", "--format", "xml") == (
        1, "", "crm: unknown format 'xml' (use table, plain, json, ndjson, csv, ics) (--format)\n",
    )  # fmt: skip


def test_only_the_ics_due_list_loads_icalendar(db_url: str) -> None:
    env = {**os.environ, "CRM_DB": db_url, "CRM_USER": "tester", "TZ": "UTC", "NO_COLOR": "1"}
    subprocess.run(
        [sys.executable, "-m", "crm_tui", "remind", "add", "Call", "--due", "today 00:00"], env=env, check=True
    )
    code = (
        "import sys; from crm_tui.cli import app\n"
        "try:\n    app(['due', '--format', sys.argv[1]], prog_name='crm')\nexcept SystemExit:\n    pass\n"
        "print('icalendar' in sys.modules, file=sys.stderr)"
    )
    for fmt, loaded in (("plain", "False"), ("ics", "True")):
        out = subprocess.run([sys.executable, "-c", code, fmt], capture_output=True, text=True, env=env)
        assert out.stderr.strip() == loaded and "Call" in out.stdout


def _rdates(change: Any) -> list[Any]:
    found = change.get("RDATE")
    return [] if found is None else found if isinstance(found, list) else [found]


def test_each_time_zone_change_is_an_rdate_of_its_own(crm: Crm, reminders: None, tmp_path: Path) -> None:
    # ical.js (Thunderbird's and Nextcloud's parser) reads only the first value of an RDATE: the VTIMEZONE's one
    # RDATE listing every change since 1977 made the weekly review an hour early from the end of March 2026.
    from icalendar import Calendar

    target = tmp_path / "follow-ups.ics"
    assert crm("export", "reminders", "--format", "ics", "-o", str(target))[0] == 0
    [zone] = Calendar.from_ical(target.read_bytes()).walk("VTIMEZONE")
    assert str(zone["tzid"]) == "Europe/Paris"
    for change in zone.subcomponents:
        assert all(len(r.dts) == 1 for r in _rdates(change)), change.to_ical()
    # As ical.js reads it, the first value of each: 2026's changes are there.
    firsts = {(c.name, r.dts[0].dt) for c in zone.subcomponents for r in _rdates(c)}
    assert {("DAYLIGHT", datetime(2026, 3, 29, 3, 0)), ("STANDARD", datetime(2026, 10, 25, 3, 0))} <= firsts
    weekly = by_summary(target.read_bytes())["Weekly review"]
    assert weekly.decoded("due").hour == 17


_ICAL_JS = """
const ICAL = require('ical.js');
const comp = new ICAL.Component(ICAL.parse(require('fs').readFileSync(process.argv[1], 'utf8')));
for (const tz of comp.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(tz);
for (const t of comp.getAllSubcomponents('vtodo')) {
  const start = t.getFirstPropertyValue('dtstart'), rule = t.getFirstPropertyValue('rrule');
  if (!rule) continue;
  const it = rule.iterator(start); const out = [];
  for (let i = 0; i < 3; i++) out.push(it.next().toJSDate().toISOString());
  console.log(t.getFirstPropertyValue('summary') + '|' + out.join(','));
}
"""


def test_ical_js_repeats_at_the_same_wall_clock_time(crm: Crm, reminders: None, tmp_path: Path) -> None:
    """Thunderbird's parser over the export, where node and ical.js are installed (NODE_PATH)."""
    found = shutil.which("node") and subprocess.run(["node", "-e", "require.resolve('ical.js')"], capture_output=True)
    if not found or found.returncode:
        pytest.skip("no node with ical.js (npm install ical.js; NODE_PATH=.../node_modules)")
    target = tmp_path / "follow-ups.ics"
    assert crm("export", "reminders", "--format", "ics", "-o", str(target))[0] == 0
    out = subprocess.run(["node", "-e", _ICAL_JS, str(target)], capture_output=True, text=True, check=True).stdout
    starts = dict(line.split("|") for line in out.splitlines())
    # 16:59 in Paris, a minute before DUE: CET (+01:00) on the 27th, CEST (+02:00) from the 29th
    assert starts["Weekly review"] == "2026-03-27T15:59:00.000Z,2026-04-03T14:59:00.000Z,2026-04-10T14:59:00.000Z"
    notes = starts["Send the notes (Ada Lovelace)"].split(",")
    assert notes[:2] == ["2026-12-01T07:59:00.000Z", "2027-03-01T07:59:00.000Z"]


def test_a_snoozed_reminder_alarms_at_a_date_time_said_so(crm: Crm, reminders: None, tmp_path: Path) -> None:
    """RFC 5545 3.8.6.3: an absolute TRIGGER MUST say VALUE=DATE-TIME (a TRIGGER is a DURATION by default)."""
    assert crm("remind", "snooze", "3", "2026-12-09 11:00")[0] == 0
    target = tmp_path / "follow-ups.ics"
    assert crm("export", "reminders", "--format", "ics", "-o", str(target))[0] == 0
    text = target.read_bytes().decode("utf-8")
    assert "\r\nTRIGGER;VALUE=DATE-TIME:20261209T100000Z\r\n" in text
    [alarm] = by_summary(text.encode("utf-8"))["Call the bank"].walk("VALARM")
    assert alarm.decoded("trigger") == datetime(2026, 12, 9, 10, 0, tzinfo=UTC)
    assert "\r\nTRIGGER;RELATED=END:" in text  # the others alarm when they are due
