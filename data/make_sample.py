"""Write the fictional sample behind `crm demo`: contacts, a year of interactions, follow-ups.

    python data/make_sample.py

Seeded, so a re-run writes the same bytes. The CSVs land in data/ (what the importers and
people read) and are copied into crm_tui/sample/ (what an installed wheel carries);
tests/app/test_sample.py checks that both copies agree. Every name, company and address
is invented; the domains use the reserved .example TLD.
"""

from __future__ import annotations

import csv
import random
import shutil
import unicodedata
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parent
PACKAGE_COPY = HERE.parent / "crm_tui" / "sample"
SEED = 20261122
ZONE = ZoneInfo("Europe/London")
# The most recent interaction; the demo shifts every date so this becomes yesterday.
ANCHOR = datetime(2026, 11, 20, 16, 40, tzinfo=ZONE)

ORGANIZATIONS = [
    # name, domain, project, kind of client
    ("Northwind Bakery Co", "northwind-bakery.example", "spring menu site", "client"),
    ("Larkspur Studio", "larkspur.example", "portfolio rebuild", "partner"),
    ("Juniper Health Clinics", "juniperhealth.example", "patient booking portal", "client"),
    ("Bramble & Finch Architects", "bramblefinch.example", "project archive", "client"),
    ("Kestrel Logistics", "kestrel-logistics.example", "driver app", "prospect"),
    ("Marigold Events", "marigold-events.example", "ticketing page", "client"),
    ("Quayside Books", "quaysidebooks.example", "online shop", "prospect"),
    ("Ostrander Labs", "ostranderlabs.example", "docs site", "client"),
]

FIRST = [
    "Ada", "Bastien", "Chiara", "Dev", "Eilidh", "Farah", "Gustav", "Hana", "Imani", "Jonas",
    "Keiko", "Lars", "Mireille", "Nikhil", "Olu", "Priya", "Quentin", "Rosa", "Sipho", "Tamsin",
    "Umar", "Valentina", "Wen", "Xavier", "Yara", "Zofia", "Aoife", "Bruno", "Célia", "Darius",
    "Esme", "Florin", "Greta", "Hamid", "Ines", "Jude", "Kofi", "Lucía",
]  # fmt: skip
LAST = [
    "Abernethy", "Bellweather", "Castellano", "Dimitrova", "Eze", "Fairbairn", "Gallagher",
    "Haddad", "Iwasaki", "Jørgensen", "Kowalczyk", "Lindqvist", "Mbeki", "Nakamura", "O'Rourke",
    "Petrović", "Quintero", "Rasmussen", "Sauvage", "Thorne", "Underhill", "Varga", "Whitlock",
    "Xu", "Yilmaz", "Zeller", "Achterberg", "Brannigan", "Córdoba", "Delacroix", "Everly",
    "Fonseca", "Grünewald", "Holloway", "Ibarra", "Jaramillo", "Keane", "Lachance",
]  # fmt: skip
TITLES = [
    "Founder", "Head of Marketing", "Operations Manager", "Product Owner", "CTO", "Office Manager",
    "Creative Director", "Finance Lead", "Practice Manager", "Events Coordinator",
]  # fmt: skip
FREELANCERS = [
    ("Mara Quill", "Illustrator", "freelancer;partner", "Shares overflow illustration work."),
    ("Tobias Wren", "Copywriter", "freelancer;referral", "Sends copy-heavy projects my way."),
    ("Nell Ashdown", "Accountant", "finance", "Quarterly VAT returns; prefers email."),
    ("Rafael Moss", "Photographer", "freelancer", "Product shoots; books up fast in spring."),
]
NOTES = [
    "Prefers a call to long emails.",
    "Decision maker; signs off budgets.",
    "Met at the Brighton design meetup.",
    "Very detail oriented; send agendas ahead.",
    "Replies fastest on Tuesday mornings.",
    "",
    "",
    "Introduced by a former client.",
]
CALLS = [
    "Discussed the {project} timeline",
    "Walked through the {project} estimate",
    "Check-in on {project} progress",
    "Call about scope changes to the {project}",
]
EMAILS = [
    "Sent the {project} proposal",
    "Sent invoice {invoice}",
    "Shared the {project} mockups",
    "Asked for feedback on the {project}",
    "Follow-up on open questions",
]
MEETINGS = [
    "Kickoff meeting for the {project}",
    "Workshop on {project} requirements",
    "Coffee to catch up",
    "Review of the {project} launch",
]
MESSAGES = [
    "Quick question about hosting",
    "Confirmed the meeting time",
    "Sent the staging link",
    "Thanks for the referral",
]
NOTE_SUMMARIES = [
    "Budget for the {project} approved internally",
    "Mentioned a second project next quarter",
    "Out of office until the end of the month",
]
BODIES = [
    "Agreed next steps:\n- I send a revised estimate by Friday\n- they confirm the launch date",
    "They liked the second direction best. Wants the header lighter and the menu simpler.",
    "Budget is tight this quarter; revisit in the new year.",
    "Paid the last invoice. Asked whether I can take on a maintenance retainer.",
    "Concerned about accessibility; promised an audit before launch.",
]
REMINDERS = [
    # title, days from the anchor (negative: overdue), hour, every
    ("Send the revised {project} estimate", -6, 10, ""),
    ("Chase invoice {invoice}", -3, 9, ""),
    ("Ask for a testimonial", -1, 14, ""),
    ("Call about the {project} launch date", 1, 11, ""),
    ("Share the {project} staging link", 1, 15, ""),
    ("Prepare the workshop agenda", 2, 9, ""),
    ("Monthly hosting report", 4, 9, "monthly"),
    ("Check in after the {project} launch", 6, 10, ""),
    ("Renew the support retainer", 12, 9, ""),
    ("Quarterly catch-up", 20, 16, "every 3 months"),
    ("Send the year-end thank-you note", 27, 10, ""),
    ("Review the {project} analytics", 9, 14, "every 2 weeks"),
]


def pick_name(rng: random.Random, used: set[str]) -> str:
    while True:
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if name not in used:
            used.add(name)
            return name


def ascii_part(text: str) -> str:
    """A name as the local part of an address: lowercase ASCII, accents dropped."""
    folded = unicodedata.normalize("NFKD", text.lower().replace("ø", "o"))
    return "".join(ch for ch in folded if ch.isascii() and ch.isalnum())


def email_for(name: str, domain: str) -> str:
    return f"{ascii_part(name.split()[0])}.{ascii_part(name.split()[-1])}@{domain}"


def make(rng: random.Random) -> tuple[list[dict[str, str]], list[dict[str, str]], list[dict[str, str]]]:
    """The three tables as rows of text, in the CSV column order."""
    used: set[str] = set()
    contacts: list[dict[str, str]] = []
    people: list[tuple[dict[str, str], str, str]] = []  # (row, project, role)
    for org, domain, project, role in ORGANIZATIONS:
        for i in range(rng.randint(3, 5)):
            name = pick_name(rng, used)
            tags = [role] + (["vip"] if i == 0 and role == "client" else [])
            every = {"client": rng.choice(["2w", "3w", "1m"]), "partner": "6w", "prospect": "2w"}[role]
            row = {
                "name": name,
                "email": email_for(name, domain),
                "phone": f"+44 20 7946 {rng.randint(0, 9999):04d}" if rng.random() < 0.7 else "",
                "organization": org,
                "title": TITLES[(len(contacts) + i) % len(TITLES)],
                "tags": ";".join(tags),
                "notes": rng.choice(NOTES),
                "every": every if i < 2 else "",
            }
            contacts.append(row)
            people.append((row, project, role))
    for name, title, tags, note in FREELANCERS:
        used.add(name)
        row = {
            "name": name,
            "email": email_for(name, "mail.example"),
            "phone": f"+44 7700 900{rng.randint(0, 999):03d}",
            "organization": "",
            "title": title,
            "tags": tags,
            "notes": note,
            "every": "2m",
        }
        contacts.append(row)
        people.append((row, "shared project", "partner"))

    interactions: list[dict[str, str]] = []
    invoice = 1040
    start = ANCHOR - timedelta(days=365)
    for row, project, role in people:
        if role == "prospect" and rng.random() < 0.25:
            continue  # a few prospects were never contacted: they show as going cold
        count = {"client": rng.randint(8, 16), "partner": rng.randint(4, 9), "prospect": rng.randint(1, 3)}[role]
        # Most relationships with a cadence are kept up; a few went quiet months ago.
        recent = [1, 2, 3, 4, 6, 8, 9] if row["every"] and rng.random() < 0.75 else [15, 24, 40, 75, 120]
        last = ANCHOR - timedelta(days=rng.choice(recent))
        span = (last - start).days
        days = [*sorted(rng.sample(range(0, max(span, count)), count - 1)), span]
        for n, day in enumerate(days):
            when = (start + timedelta(days=day)).replace(
                hour=rng.choice([9, 10, 11, 14, 15, 16]), minute=rng.choice([0, 15, 30, 45])
            )
            kind = rng.choices(["call", "email", "meeting", "message", "note"], weights=[4, 6, 2, 2, 1])[0]
            pool = {"call": CALLS, "email": EMAILS, "meeting": MEETINGS, "message": MESSAGES, "note": NOTE_SUMMARIES}[
                kind
            ]
            if "{invoice}" in (template := rng.choice(pool)):
                invoice += 1
            summary = template.format(project=project, invoice=f"#{invoice}")
            if n == 0:
                summary, kind = "Introductory call", "call"
            direction = "" if kind == "note" else rng.choice(["in", "out", "out"])
            if summary.startswith(("Sent", "Shared", "Asked", "Follow-up")):
                direction = "out"  # what I sent
            elif summary.startswith(("Thanks", "Quick question")):
                direction = "in"
            body = rng.choice(BODIES) if kind in ("meeting", "call", "note") and rng.random() < 0.45 else ""
            interactions.append(
                {
                    "email": row["email"],
                    "occurred_at": when.isoformat(),
                    "kind": kind,
                    "direction": direction,
                    "summary": summary,
                    "body": body,
                }
            )
    # One interaction on the anchor itself, so the demo's latest is exactly "yesterday".
    first_client = people[0][0]
    interactions.append(
        {
            "email": first_client["email"],
            "occurred_at": ANCHOR.isoformat(),
            "kind": "call",
            "direction": "out",
            "summary": "Agreed the spring menu site launch plan",
            "body": "Launch the week after next. They send final photos on Monday.",
        }
    )
    interactions.sort(key=lambda r: (r["occurred_at"], r["email"]))

    reminders: list[dict[str, str]] = []
    clients = [p for p in people if p[2] in ("client", "partner")]
    for i, (title, days, hour, every) in enumerate(REMINDERS):
        row, project, _ = clients[(i * 5) % len(clients)]
        invoice += 1
        due = (ANCHOR + timedelta(days=days)).replace(hour=hour, minute=0)
        reminders.append(
            {
                "email": row["email"],
                "title": title.format(project=project, invoice=f"#{invoice}"),
                "due": due.isoformat(),
                "every": every,
            }
        )
    return contacts, interactions, reminders


def write(path: Path, rows: list[dict[str, str]], header: list[str]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    contacts, interactions, reminders = make(random.Random(SEED))
    tables = {
        "contacts.csv": (contacts, ["name", "email", "phone", "organization", "title", "tags", "notes", "every"]),
        "interactions.csv": (interactions, ["email", "occurred_at", "kind", "direction", "summary", "body"]),
        "reminders.csv": (reminders, ["email", "title", "due", "every"]),
    }
    PACKAGE_COPY.mkdir(exist_ok=True)
    for name, (rows, header) in tables.items():
        write(HERE / name, rows, header)
        shutil.copyfile(HERE / name, PACKAGE_COPY / name)
        print(f"{name}: {len(rows)} rows")


if __name__ == "__main__":
    main()
