"""Calendar fixtures: the shapes Google Calendar, Outlook and a khal/vdirsyncer directory write."""

from __future__ import annotations

from pathlib import Path

ANA = "ana@souza.example"
BOB = "bob@byron.example"
ME = "me@example.com"

# Google: X-WR-TIMEZONE, a weekly 1:1 with an EXDATE and a moved occurrence (RECURRENCE-ID), an
# all-day workshop, a cancelled event, one Ana declined, one in the future, an event of nobody.
GOOGLE = f"""BEGIN:VCALENDAR
PRODID:-//Google Inc//Google Calendar 70.9054//EN
VERSION:2.0
CALSCALE:GREGORIAN
X-WR-CALNAME:Work
X-WR-TIMEZONE:Europe/Paris
BEGIN:VEVENT
DTSTART;TZID=Europe/Paris:20261102T100000
DTEND;TZID=Europe/Paris:20261102T110000
RRULE:FREQ=WEEKLY;BYDAY=MO
EXDATE;TZID=Europe/Paris:20261109T100000
UID:weekly-1on1@google.com
ORGANIZER;CN=Me:mailto:{ME}
ATTENDEE;CN=Ana Souza;PARTSTAT=ACCEPTED:mailto:{ANA}
ATTENDEE;CN=Me;PARTSTAT=ACCEPTED:mailto:{ME}
SUMMARY:1:1 Ana
DESCRIPTION:Weekly check-in
END:VEVENT
BEGIN:VEVENT
DTSTART;TZID=Europe/Paris:20261117T150000
DTEND;TZID=Europe/Paris:20261117T160000
RECURRENCE-ID;TZID=Europe/Paris:20261116T100000
UID:weekly-1on1@google.com
ORGANIZER;CN=Me:mailto:{ME}
ATTENDEE;CN=Ana Souza;PARTSTAT=ACCEPTED:mailto:{ANA}
SUMMARY:1:1 Ana (moved)
END:VEVENT
BEGIN:VEVENT
DTSTART;VALUE=DATE:20261120
DTEND;VALUE=DATE:20261121
UID:workshop@google.com
ORGANIZER;CN=Bob Byron:mailto:{BOB}
ATTENDEE;CN=Me:mailto:{ME}
SUMMARY:Pricing workshop
LOCATION:Lisbon
END:VEVENT
BEGIN:VEVENT
DTSTART:20261118T090000Z
UID:cancelled@google.com
STATUS:CANCELLED
ATTENDEE:mailto:{BOB}
SUMMARY:Cancelled lunch
END:VEVENT
BEGIN:VEVENT
DTSTART:20261119T090000Z
UID:declined@google.com
ORGANIZER:mailto:{ME}
ATTENDEE;PARTSTAT=DECLINED:mailto:{ANA}
SUMMARY:Ana said no
END:VEVENT
BEGIN:VEVENT
DTSTART:20261203T140000Z
UID:future@google.com
ORGANIZER:mailto:{ME}
ATTENDEE;CN=Bob:mailto:{BOB}
SUMMARY:Contract review
END:VEVENT
BEGIN:VEVENT
DTSTART:20261110T080000Z
UID:dentist@google.com
SUMMARY:Dentist
END:VEVENT
END:VCALENDAR
"""

# Outlook: Windows zone names defined by a VTIMEZONE, CRLF line ends, folded lines.
OUTLOOK = (
    "BEGIN:VCALENDAR\r\nPRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN\r\nVERSION:2.0\r\n"
    "METHOD:PUBLISH\r\nBEGIN:VTIMEZONE\r\nTZID:W. Europe Standard Time\r\nBEGIN:STANDARD\r\n"
    "DTSTART:16011028T030000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\nTZOFFSETFROM:+0200\r\n"
    "TZOFFSETTO:+0100\r\nEND:STANDARD\r\nBEGIN:DAYLIGHT\r\nDTSTART:16010325T020000\r\n"
    "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nEND:DAYLIGHT\r\n"
    "END:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:040000008200E00074C5B7101A82E00800000000\r\n"
    "DTSTART;TZID=W. Europe Standard Time:20261021T140000\r\n"
    "DTEND;TZID=W. Europe Standard Time:20261021T150000\r\n"
    f'ORGANIZER;CN="Souza, Ana":mailto:{ANA}\r\nATTENDEE;ROLE=REQ-PARTICIPANT;CN=Me:mailto:{ME}\r\n'
    "SUMMARY;LANGUAGE=en-us:Quarterly business review with a title long enough to be\r\n  folded\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n"
)


def khal_dir(root: Path) -> Path:
    """A vdirsyncer/khal calendar: one VCALENDAR with one event per .ics file."""
    root.mkdir(parents=True, exist_ok=True)
    for n, (uid, start, who) in enumerate(
        (
            ("khal-1@x", "20261105T120000Z", ANA),
            ("khal-2@x", "20261106T120000Z", BOB),
            ("khal-3@x", "20261112T120000Z", ANA),
        )
    ):
        (root / f"{uid}.ics").write_text(
            f"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//pimutils//khal//EN\nBEGIN:VEVENT\nUID:{uid}\n"
            f"DTSTART:{start}\nSUMMARY:Coffee {n}\nATTENDEE:mailto:{who}\nEND:VEVENT\nEND:VCALENDAR\n"
        )
    (root / "displayname").write_text("Personal\n")
    return root
