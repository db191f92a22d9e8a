"""Mail fixtures written byte for byte: the shapes real mailboxes hold, the broken ones included."""

from __future__ import annotations

from pathlib import Path

ANA = "ana@souza.example"
BOB = "bob@byron.example"
ME = "me@example.com"


def message(
    *,
    sender: str = f"Ana Souza <{ANA}>",
    to: str = ME,
    subject: str = "Renewal",
    date: str | None = "Tue, 17 Nov 2026 10:00:00 +0100",
    message_id: str | None = "<renewal-1@souza.example>",
    body: str = "Shall we renew?\n",
    extra: str = "",
) -> bytes:
    head = f"From: {sender}\nTo: {to}\nSubject: {subject}\n"
    if date is not None:
        head += f"Date: {date}\n"
    if message_id is not None:
        head += f"Message-ID: {message_id}\n"
    return (head + extra + "\n" + body).encode("utf-8")


MULTIPART = b"""From: Bob Byron <bob@byron.example>
To: me@example.com
Cc: Ana Souza <ana@souza.example>, Carla <carla@nowhere.example>
Subject: =?utf-8?q?Caf=C3=A9_plans?=
Date: Wed, 18 Nov 2026 09:30:00 -0500
Message-ID: <cafe@byron.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: multipart/alternative; boundary="inner"

--inner
Content-Type: text/html; charset=utf-8

<html><head><style>p {color: red}</style></head><body>
<p>Let&#39;s meet at the <b>caf\xc3\xa9</b>.</p><p>Bob</p></body></html>
--inner--

--outer
Content-Type: application/pdf; name="menu.pdf"
Content-Disposition: attachment; filename="menu.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--outer--
"""

LATIN1 = (
    "From: =?iso-8859-1?q?Ana_Souza?= <ana@souza.example>\nTo: me@example.com\n"
    "Subject: =?koi8-r?b?8NLJ18XU?=\nDate: Thu, 19 Nov 2026 08:00:00 +0000\nMessage-ID: <latin@souza.example>\n"
    "Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit\n\n"
).encode("ascii") + "Olá, até já!\n".encode("iso-8859-1")

# Raw 8-bit bytes in headers (Windows-1252), an empty header, an encoded word never closed, a Date
# that is no date (the Received header says when), a continuation line.
BROKEN = (
    b"From: J\xfcrgen <ana@souza.example>\nTo: me@example.com\nX-Empty:\n"
    b"Subject: Stra\xdfe =?utf-8?q?never_closed\n  and folded\nDate: not a date at all\n"
    b"Received: from mx by mail; Fri, 20 Nov 2026 07:15:00 +0000\nMessage-ID: <broken@souza.example>\n\nbody\n"
)
# A line with no colon ends the headers (as in Python's own mailbox): what follows is body.
NO_SEPARATOR = b"From: Ana <ana@souza.example>\nTo: me@example.com\nthis line is no header\nSubject: lost\n\nbody\n"

NO_DATE = message(subject="No date, no Received", date=None, message_id="<nodate@souza.example>", sender=f"<{ANA}>")
NO_MESSAGE_ID = message(subject="No Message-ID", message_id=None, date="Sat, 21 Nov 2026 18:00:00 +0100")
FROM_ME = message(sender=f"Me <{ME}>", to=f"Ana <{ANA}>, Bob <{BOB}>", subject="Proposal", message_id="<p@me>")
ROBOT = message(sender="Shop <noreply@shop.example>", subject="Sale", message_id="<sale@shop>")
STRANGER = message(sender="Dora Explorer <dora@map.example>", subject="Hello", message_id="<hello@map>")


def mbox(path: Path, messages: list[bytes], *, envelope_dates: bool = True) -> Path:
    """An mbox (mboxrd: body lines starting with From are quoted)."""
    out = bytearray()
    for raw in messages:
        out += b"From ana@souza.example Sun Nov 22 08:00:00 2026\n" if envelope_dates else b"From -\n"
        for line in raw.split(b"\n"):
            out += (b">" + line if line.lstrip(b">").startswith(b"From ") else line) + b"\n"
        out += b"\n"
    path.write_bytes(bytes(out))
    return path


def maildir(root: Path, messages: list[bytes]) -> Path:
    """A Maildir: the first message in new/, the others in cur/ with flags, named by delivery time."""
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for n, raw in enumerate(messages):
        where = "new" if n == 0 else "cur"
        name = f"{1763800000 + n}.M{n}P1.host" + ("" if where == "new" else ":2,S")
        (root / where / name).write_bytes(raw)
    return root


def everything() -> list[bytes]:
    return [message(), MULTIPART, LATIN1, BROKEN, NO_SEPARATOR, NO_DATE, NO_MESSAGE_ID, FROM_ME, ROBOT, STRANGER]
