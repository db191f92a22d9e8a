"""The corpus of logged sentences and what each must read as (English), at NOW (Sun 22 Nov 2026 10:30 UTC).

Each entry: the sentence, then either the expected parse or `("error", text in the message)`.
A parse: contact id, kind, when (local `YYYY-MM-DD HH:MM`, None for now), summary, and the
follow-up as (due, title) or None. Optional extra keys: direction.
"""

from __future__ import annotations

from typing import Any

# id, name, email: Dan is ambiguous on purpose; May, Will and Lee are also everyday words.
CONTACTS = [
    (1, "Ana Souza", "ana@souza.example"),
    (2, "Bob Byron", "bob@byron.example"),
    (3, "Carla Diaz", "carla@diaz.example"),
    (4, "Dan Brown", "dan@brown.example"),
    (5, "Dan Green", "dan@green.example"),
    (6, "Mary-Jane O'Neil", "mj@oneil.example"),
    (7, "Zoë Keller", "zoe@keller.example"),
    (8, "May Parker", "may@parker.example"),
    (9, "Will Turner", "will@turner.example"),
    (10, "Lee Chen", "lee@chen.example"),
]

NOW_ISO = "2026-11-22 10:30"
FU = "Follow up: "


def ok(
    contact: int, kind: str, when: str | None, summary: str, follow: tuple[str, str] | None = None, **extra: Any
) -> dict[str, Any]:
    return {"contact": contact, "kind": kind, "when": when, "summary": summary, "follow": follow, **extra}


def error(fragment: str) -> dict[str, Any]:
    return {"error": fragment}


CORPUS: list[tuple[str, dict[str, Any]]] = [
    # --- the issue's own examples
    ("lunch with Ana yesterday 1pm about the renewal, follow up next fri",
     ok(1, "meeting", "2026-11-21 13:00", "Lunch about the renewal",
        ("2026-11-27 09:00", FU + "Lunch about the renewal"))),
    ("emailed Bob the deck, remind me in 2 weeks to send the deck",
     ok(2, "email", None, "Emailed the deck", ("2026-12-06 09:00", "Send the deck"), direction="out")),
    # --- kinds from words
    ("coffee with Carla this morning", ok(3, "meeting", "2026-11-22 09:00", "Coffee")),
    ("met Bob at the conference yesterday", ok(2, "meeting", "2026-11-21 10:30", "Met at the conference")),
    ("called Ana about the invoice", ok(1, "call", None, "Called about the invoice", direction="out")),
    ("Ana called about the invoice", ok(1, "call", None, "Called about the invoice", direction="in")),
    ("phoned Bob re the contract", ok(2, "call", None, "Phoned re the contract")),
    ("quick call with Carla", ok(3, "call", None, "Quick call")),
    ("texted Ana the address", ok(1, "message", None, "Texted the address")),
    ("messaged Bob on slack about the launch", ok(2, "message", None, "Messaged on slack about the launch")),
    ("dinner with Bob last night", ok(2, "meeting", "2026-11-21 20:00", "Dinner")),
    ("breakfast with Carla on friday", ok(3, "meeting", "2026-11-20 10:30", "Breakfast")),
    ("zoom with Ana about Q3 numbers", ok(1, "meeting", None, "Zoom about Q3 numbers")),
    ("Bob emailed the signed contract", ok(2, "email", None, "Emailed the signed contract", direction="in")),
    ("got an email from Carla about pricing", ok(3, "email", None, "Got an email about pricing", direction="in")),
    ("Ana: wants the premium plan", ok(1, "note", None, "Wants the premium plan")),
    ("Carla prefers morning meetings #note", ok(3, "note", None, "Prefers morning meetings")),
    ("left a voicemail for Bob", ok(2, "call", None, "Left a voicemail")),
    ("whatsapp with Ana about the visit", ok(1, "message", None, "Whatsapp about the visit")),
    # --- #kind forces one
    ("#note Bob is moving to Lisbon", ok(2, "note", None, "Is moving to Lisbon")),
    ("lunch with Ana #call", ok(1, "call", None, "Lunch")),
    ("#call @ana", ok(1, "call", None, "Call")),
    ("#meeting Carla yesterday 3pm", ok(3, "meeting", "2026-11-21 15:00", "Meeting")),
    ("#email bob@byron.example sent the quote", ok(2, "email", None, "Sent the quote")),
    # --- when it happened
    ("called Bob yesterday", ok(2, "call", "2026-11-21 10:30", "Called")),
    ("called Bob yesterday at 4pm", ok(2, "call", "2026-11-21 16:00", "Called")),
    ("met Carla on monday at 3pm", ok(3, "meeting", "2026-11-16 15:00", "Met")),
    ("met Carla monday", ok(3, "meeting", "2026-11-16 10:30", "Met")),
    ("lunch with Bob last monday", ok(2, "meeting", "2026-11-16 10:30", "Lunch")),
    ("coffee with Ana fri", ok(1, "meeting", "2026-11-20 10:30", "Coffee")),
    ("called Ana 2 days ago about the plan", ok(1, "call", "2026-11-20 10:30", "Called about the plan")),
    ("lunch with Bob a week ago", ok(2, "meeting", "2026-11-15 10:30", "Lunch")),
    ("call with Carla 3 hours ago", ok(3, "call", "2026-11-22 07:30", "Call")),
    ("met Ana on nov 3", ok(1, "meeting", "2026-11-03 10:30", "Met")),
    ("met Ana on 3rd of november at 10am", ok(1, "meeting", "2026-11-03 10:00", "Met")),
    ("dinner with Bob dec 20", ok(2, "meeting", "2025-12-20 10:30", "Dinner")),
    ("call with Ana 2026-11-20 14:30", ok(1, "call", "2026-11-20 14:30", "Call")),
    ("meeting with Bob on 2026-11-02", ok(2, "meeting", "2026-11-02 10:30", "Meeting")),
    ("coffee with Carla yesterday afternoon", ok(3, "meeting", "2026-11-21 14:00", "Coffee")),
    ("called Bob this morning at 8:15", ok(2, "call", "2026-11-22 08:15", "Called")),
    ("chat with Ana today", ok(1, "note", "2026-11-22 10:30", "Chat")),
    ("met Carla last week about hiring", ok(3, "meeting", "2026-11-15 10:30", "Met about hiring")),
    ("on thursday called Bob", ok(2, "call", "2026-11-19 10:30", "Called")),
    ("Yesterday, Ana asked for a discount", ok(1, "note", "2026-11-21 10:30", "Asked for a discount")),
    # --- naming the contact
    ("lunch with @ana", ok(1, "meeting", None, "Lunch")),
    ("call with @2 about taxes", ok(2, "call", None, "Call about taxes")),
    ("call with #3", ok(3, "call", None, "Call")),
    ("emailed ana@souza.example the brochure", ok(1, "email", None, "Emailed the brochure")),
    ("called ANA@SOUZA.EXAMPLE", ok(1, "call", None, "Called")),
    ("lunch with Ana Souza", ok(1, "meeting", None, "Lunch")),
    ("lunch with ana", ok(1, "meeting", None, "Lunch")),
    ("lunch with Souza", ok(1, "meeting", None, "Lunch")),
    ("called Dan Brown about the roof", ok(4, "call", None, "Called about the roof")),
    ("called Dan Green", ok(5, "call", None, "Called")),
    ("call with Mary-Jane about the budget", ok(6, "call", None, "Call about the budget")),
    ("call with Mary-Jane O'Neil", ok(6, "call", None, "Call")),
    ("coffee with Zoe", ok(7, "meeting", None, "Coffee")),
    ("coffee with Zoë Keller yesterday", ok(7, "meeting", "2026-11-21 10:30", "Coffee")),
    ("coffee with May yesterday", ok(8, "meeting", "2026-11-21 10:30", "Coffee")),
    ("I sat with May for an hour", ok(8, "note", None, "I sat for an hour")),
    ("called Will about the lease", ok(9, "call", None, "Called about the lease")),
    ("Will called, he will renew", ok(9, "call", None, "Called, he will renew", direction="in")),
    ("met Lee", ok(10, "meeting", None, "Met")),
    ("Ana's birthday party was great", ok(1, "note", None, "Birthday party was great")),
    ("sent Bob the follow-up email", ok(2, "email", None, "Sent the follow-up email")),
    # --- follow-ups
    ("called Ana, follow up tomorrow", ok(1, "call", None, "Called", ("2026-11-23 09:00", FU + "Called"))),
    ("called Ana; follow up fri", ok(1, "call", None, "Called", ("2026-11-27 09:00", FU + "Called"))),
    ("call with Bob, follow up next week",
     ok(2, "call", None, "Call", ("2026-11-23 09:00", FU + "Call"))),
    ("call with Bob and follow up on the contract next fri",
     ok(2, "call", None, "Call", ("2026-11-27 09:00", "Follow up on the contract"))),
    ("lunch with Carla, remind me to send the menu in 3 days",
     ok(3, "meeting", None, "Lunch", ("2026-11-25 09:00", "Send the menu"))),
    ("met Ana, follow-up dec 1", ok(1, "meeting", None, "Met", ("2026-12-01 09:00", FU + "Met"))),
    ("met Ana, followup in 2w", ok(1, "meeting", None, "Met", ("2026-12-06 09:00", FU + "Met"))),
    ("met Ana, follow up monday 2pm", ok(1, "meeting", None, "Met", ("2026-11-23 14:00", FU + "Met"))),
    ("met Ana, follow up on sun", ok(1, "meeting", None, "Met", ("2026-11-29 09:00", FU + "Met"))),
    ("demo for Bob yesterday, check back in a month",
     ok(2, "meeting", "2026-11-21 10:30", "Demo", ("2026-12-22 09:00", FU + "Demo"))),
    ("lunch yesterday, follow up with Ana next week",
     ok(1, "meeting", "2026-11-21 10:30", "Lunch", ("2026-11-23 09:00", FU + "Lunch"))),
    ("sent Carla the quote and need to follow up by friday",
     ok(3, "note", None, "Sent the quote", ("2026-11-27 09:00", FU + "Sent the quote"))),
    ("called Bob, remind me tomorrow 8am to call again",
     ok(2, "call", None, "Called", ("2026-11-23 08:00", "Call again"))),
    # --- in another zone: times are read there, stored in UTC (checked in the test with Europe/Paris)
    # --- refusals with a useful message
    ("", error("say what happened")),
    ("   ", error("say what happened")),
    ("called someone about something", error("who was it with?")),
    ("lunch with Dan", error("'Dan' matches 2 contacts")),
    ("lunch with Zed yesterday", error("no contact matches 'Zed'")),
    ("lunch with @nobody", error("no contact matches 'nobody'")),
    ("emailed nobody@example.com", error("no contact has the email nobody@example.com")),
    ("call Ana tomorrow", error("'tomorrow' is")),
    ("lunch with Bob 1pm", error("in the future")),
    ("remind me to call Ana tomorrow", error("that is a reminder")),
    ("called Ana, follow up soon", error("when should the follow-up be?")),
    ("called Ana, follow up yesterday", error("is not in the future")),
    ("#fax Ana the form", error("unknown kind '#fax'")),
    ("#call #email Ana", error("give one #kind")),
    ("lunch with Bob and Ana", error("names two contacts")),
    ("Ana yesterday", error("say what happened besides who and when")),
    ("met Ana on 31st of february", error("'31st of february' is not a real date")),
    ("x" * 501, error("longer than 500 characters")),
]  # fmt: skip
