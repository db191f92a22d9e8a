"""Mail in: an mbox file, a Maildir (or a tree of them, as mbsync and offlineimap keep), .eml files.

Messages are read one at a time, never a whole mailbox: an mbox is split on its `From `
lines as it streams past, and each message is capped at MAX_MESSAGE_BYTES. The headers
of every message are read (who, when, the subject); the body is decoded only for the
messages the importer says it wants (those with a contact in them), since that is where
the time goes.

When it happened: the Date header; when that is missing, unreadable or more than a day in
the future, the newest Received header, then the mbox `From ` line, then a Maildir file
name's delivery time; a message with none of them has no date and is left out.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import policy
from email.header import decode_header
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path
from typing import BinaryIO

from crm_tui.errors import InvalidInput, NotFound
from crm_tui.io.html_text import html_to_text
from crm_tui.records import MailRecord

MAX_MESSAGE_BYTES = 32 << 20  # a message's bytes past this are not read (a huge attachment's tail)
BODY_CAP = 20_000  # characters of body text kept on the interaction
_HTML_BYTES = 512 << 10  # an HTML part is cut to this before it is turned into text
_SUBJECT_CAP = 300
_SKIP_DIRS = frozenset((".notmuch", "tmp", ".git"))
_HEADER_LINE = re.compile(rb"^[!-9;-~]+:")
_ROBOT = re.compile(
    r"^(?:no-?reply|do-?not-?reply|mailer-daemon|postmaster|bounces?|notifications?|notify)(?:[+.\-_].*)?$"
)
_SPACE = re.compile(r"\s+")
_PARSER = BytesParser(policy=policy.compat32)
Wanted = Callable[[MailRecord], bool]


@dataclass(frozen=True)
class MailFile:
    """One file to read: an mbox, or a single message (.eml, a Maildir file)."""

    label: str  # how messages name it
    kind: str  # mbox, message, or sniff (a file named on the command line: look at its first bytes)
    path: Path | None = None
    stream: BinaryIO | None = None  # standard input
    delivered: datetime | None = None  # a Maildir file name's delivery time


def find_mail(path: str, stdin: BinaryIO) -> list[MailFile]:
    """The files under PATH (`-`: standard input) that hold mail, in a stable order."""
    if path == "-":
        return [MailFile("stdin", "sniff", stream=stdin)]
    target = Path(path).expanduser()
    if not target.exists():
        raise NotFound(f"{path}: no such file or directory")
    if not target.is_dir():
        return [MailFile(target.name, "sniff", path=target)]
    found: list[MailFile] = []
    for folder, dirs, files in os.walk(target):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
        here = Path(folder)
        in_maildir = here.name in ("cur", "new") and (here.parent / "cur").is_dir()
        for name in sorted(files):
            file = here / name
            label = str(file.relative_to(target))
            if in_maildir and not name.startswith("."):
                found.append(MailFile(label, "message", path=file, delivered=_delivered(name)))
            elif name.lower().endswith(".eml"):
                found.append(MailFile(label, "message", path=file))
            elif name.lower().endswith((".mbox", ".mbx")):
                found.append(MailFile(label, "mbox", path=file))
    if not found:
        raise NotFound(f"{path}: no mail here (a Maildir, .eml files or .mbox files)")
    return found


def _delivered(name: str) -> datetime | None:
    """The delivery time a Maildir file name starts with (`1700000000.M1P2.host:2,S`)."""
    head = name.split(".", 1)[0]
    if head.isdigit() and len(head) <= 11:
        return datetime.fromtimestamp(int(head), UTC)
    return None


class MailReader:
    """MailRecords from mail files, one message at a time."""

    def __init__(self, files: list[MailFile], *, now: datetime, wanted: Wanted | None = None) -> None:
        self.files = files
        self.now = now
        self.wanted = wanted
        self.messages = 0
        self._done_bytes = 0
        self._current: BinaryIO | None = None

    @property
    def bytes_read(self) -> int:
        """Bytes read so far, for a progress bar."""
        current = 0
        if self._current is not None:
            try:
                current = self._current.tell()
            except (OSError, ValueError):
                current = 0
        return self._done_bytes + current

    def __iter__(self) -> Iterator[MailRecord]:
        for file in self.files:
            if file.stream is not None:
                yield from self._read(file, file.stream)
                continue
            assert file.path is not None
            try:
                stream = open(file.path, "rb")  # noqa: SIM115 (closed below)
            except OSError as exc:
                raise InvalidInput(f"{file.label}: cannot read it: {exc.strerror}") from None
            with stream:
                self._current = stream
                yield from self._read(file, stream)
                self._done_bytes += stream.tell()
                self._current = None

    def _read(self, file: MailFile, stream: BinaryIO) -> Iterator[MailRecord]:
        kind = file.kind
        head = b""
        if kind == "sniff":
            head = stream.read(4096)
            if not head.strip():
                raise InvalidInput(f"{file.label}: is empty")
            if head.startswith(b"From "):
                kind = "mbox"
            elif _HEADER_LINE.match(head):
                kind = "message"
            else:
                raise InvalidInput(f"{file.label}: not an mbox file or a mail message (.eml)")
        if kind == "mbox":
            for n, (envelope, raw) in enumerate(_split_mbox(head, stream), start=1):
                self.messages += 1
                yield self._record(raw, f"{file.label} message {n}", envelope=envelope, delivered=None)
        else:
            raw = head + stream.read(MAX_MESSAGE_BYTES - len(head))
            if file.kind != "sniff" and not _HEADER_LINE.match(raw):
                return  # not a message (a stray file in a Maildir): nothing to read
            self.messages += 1
            yield self._record(raw, file.label, envelope=None, delivered=file.delivered)

    def _record(self, raw: bytes, where: str, *, envelope: bytes | None, delivered: datetime | None) -> MailRecord:
        # The headers alone are parsed first (the body is not even split into lines): most of
        # a mailbox is read for who and when only.
        end = _header_end(raw)
        msg = _PARSER.parsebytes(raw[:end], headersonly=True)
        heads = _Heads(msg)
        senders = _addresses(heads, "from")
        to, cc = _addresses(heads, "to"), _addresses(heads, "cc")
        record = MailRecord(
            where=where,
            message_id=_message_id(heads),
            sender=senders[0] if senders else None,
            recipients=_unique(to + cc),
            subject=_subject(heads),
            occurred_at=_date(heads, envelope, delivered, self.now),
            automated=_automated(heads, senders),
        )
        if self.wanted is not None and self.wanted(record):
            if msg.defects or msg.get_content_maintype() == "multipart":
                full = _PARSER.parsebytes(raw)
            else:  # one part: its body as the parser would hold it, decoded by the message itself
                msg.set_payload(raw[end:].decode("ascii", "surrogateescape"))
                full = msg
            record.body = _body(full, senders, to, cc)
        return record


def _header_end(raw: bytes) -> int:
    """Where the body starts: after the first empty line (the whole message when there is none)."""
    ends = [i + len(sep) for sep in (b"\n\n", b"\r\n\r\n") if (i := raw.find(sep)) >= 0]
    return min(ends) if ends else len(raw)


def _unique(people: list[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: set[str] = set()
    out = []
    for address, name in people:
        if address not in seen:
            seen.add(address)
            out.append((address, name))
    return out


def _split_mbox(head: bytes, stream: BinaryIO) -> Iterator[tuple[bytes, bytes]]:
    """(the `From ` line, the message's bytes) for each message of an mbox, as the stream goes by."""
    envelope: bytes | None = None
    lines: list[bytes] = []
    size = 0
    rest = head.split(b"\n")
    pending = [line + b"\n" for line in rest[:-1]]
    tail = rest[-1]
    first = stream.readline()
    pending.append(tail + first)

    def all_lines() -> Iterator[bytes]:
        yield from pending
        yield from stream

    for line in all_lines():
        if line.startswith(b"From "):
            if envelope is not None:
                yield envelope, b"".join(lines)
            envelope, lines, size = line, [], 0
            continue
        if envelope is None:
            continue
        if size < MAX_MESSAGE_BYTES:
            if line.startswith(b">") and line.lstrip(b">").startswith(b"From "):
                line = line[1:]  # mboxrd: a body line that began with "From " was quoted
            lines.append(line)
            size += len(line)
    if envelope is not None:
        yield envelope, b"".join(lines)


# ---------------------------------------------------------------- headers


def _bytes_text(data: bytes, charset: str | None) -> str:
    if charset:
        try:
            return data.decode(charset, "replace")
        except LookupError:
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


class _Heads:
    """A message's headers by lowercased name, read once (Message.get walks them all on every call)."""

    def __init__(self, msg: Message) -> None:
        self.values: dict[str, list[str]] = {}
        for name, value in msg.raw_items():
            self.values.setdefault(name.lower(), []).append(value)

    def get(self, name: str) -> str | None:
        found = self.values.get(name)
        return found[0] if found else None

    def get_all(self, name: str) -> list[str]:
        return self.values.get(name, [])


def _header(value: object) -> str:
    """A header's text: encoded words decoded, raw 8-bit bytes read as UTF-8 (else Windows-1252)."""
    if value is None:
        return ""
    if isinstance(value, str):
        text = value
        if not text.isascii():  # raw 8-bit bytes, kept by the parser as surrogate escapes
            text = _bytes_text(text.encode("ascii", "surrogateescape"), None)
    else:  # an email.header.Header
        text = "".join(
            _bytes_text(chunk, None if charset in (None, "unknown-8bit") else charset)
            if isinstance(chunk, bytes)
            else chunk
            for chunk, charset in decode_header(value)  # type: ignore[arg-type]
        )
    if "=?" in text:
        try:
            text = "".join(
                _bytes_text(chunk, charset) if isinstance(chunk, bytes) else chunk
                for chunk, charset in decode_header(text)
            )
        except Exception:
            pass
    if "\n" in text or "  " in text or "\t" in text:
        text = _SPACE.sub(" ", text)
    return text.strip()


# `Name <addr>` or a bare `addr`, with nothing that needs the full RFC 5322 parser.
_SIMPLE_ADDRESS = re.compile(
    r"\s*(?:([^<>\"(),;:@]*?)\s*<([^<>\s\"(),;:]+@[^<>\s\"(),;:]+)>|([^<>\s\"(),;:]+@[^<>\s\"(),;:]+))\s*"
)


def _addresses(heads: _Heads, name: str) -> list[tuple[str, str]]:
    values = [_header(v) for v in heads.get_all(name)]
    pairs: list[tuple[str, str]] = []
    for value in values:
        simple = [_SIMPLE_ADDRESS.fullmatch(part) for part in value.split(",")] if '"' not in value else [None]
        if all(simple):
            pairs.extend((m[1] or "", m[2] or m[3]) for m in simple if m is not None)
        else:
            pairs.extend(getaddresses([value]))
    out: list[tuple[str, str]] = []
    for display, address in pairs:
        address = address.strip().lower()
        if "@" in address and " " not in address and address not in (a for a, _ in out):
            out.append((address, display.strip().strip('"')))
    return out


def _subject(heads: _Heads) -> str:
    subject = _header(heads.get("subject"))
    if len(subject) > _SUBJECT_CAP:
        subject = subject[: _SUBJECT_CAP - 1] + "…"
    return subject or "(no subject)"


def _message_id(heads: _Heads) -> str:
    value = _header(heads.get("message-id"))
    found = re.search(r"<[^<>\s]+>", value)
    if found:
        return found.group(0)
    if value:
        return value.split()[0][:500]
    # No Message-ID: the same headers make the same key, so a second import still finds it.
    seed = "\n".join(_header(heads.get(h)) for h in ("date", "from", "to", "cc", "subject"))
    return "sha1:" + hashlib.sha1(seed.encode("utf-8", "replace")).hexdigest()


def _when(text: str, now: datetime) -> datetime | None:
    try:
        found = parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if found.tzinfo is None:
        found = found.replace(tzinfo=UTC)
    found = found.astimezone(UTC)
    if found.year < 1970 or found > now + timedelta(days=1):
        return None
    return found


def _date(heads: _Heads, envelope: bytes | None, delivered: datetime | None, now: datetime) -> datetime | None:
    for candidate in (_header(heads.get("date")), _received(heads)):
        if candidate and (found := _when(candidate, now)) is not None:
            return found
    if envelope is not None:
        # `From addr Tue Nov 17 10:00:00 2026`: asctime, in UTC by convention.
        words = envelope.decode("ascii", "replace").split()
        try:
            return datetime.strptime(" ".join(words[2:7]), "%a %b %d %H:%M:%S %Y").replace(tzinfo=UTC)
        except ValueError:
            pass
    return delivered


def _received(heads: _Heads) -> str:
    values = heads.get_all("received")
    if not values:
        return ""
    # The newest hop is on top: the time this mailbox got the message.
    return _header(values[0]).rpartition(";")[2]


def _automated(heads: _Heads, senders: list[tuple[str, str]]) -> bool:
    if senders and _ROBOT.match(senders[0][0].partition("@")[0]):
        return True
    submitted = _header(heads.get("auto-submitted")).lower()
    if submitted and submitted != "no":
        return True
    if _header(heads.get("precedence")).lower() in ("bulk", "junk", "list"):
        return True
    return bool(heads.get("list-unsubscribe") or heads.get("list-id"))


# ---------------------------------------------------------------- body


def _payload(part: Message, cap: int) -> str:
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return ""
    return _bytes_text(data[:cap], part.get_content_charset())


def _body(msg: Message, senders: list[tuple[str, str]], to: list[tuple[str, str]], cc: list[tuple[str, str]]) -> str:
    """The text of the first text part (HTML turned into text when there is no plain one), capped,
    with who wrote to whom above it and the attachments' names below."""
    plain: str | None = None
    html: str | None = None
    attachments: list[str] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        filename = part.get_filename()
        disposition = str(part.get("content-disposition", "")).lower()
        if filename or disposition.startswith("attachment"):
            attachments.append(_header(filename) or part.get_content_type())
            continue
        ctype = part.get_content_type()
        if ctype == "text/plain" and plain is None:
            plain = _payload(part, BODY_CAP * 4).strip() or None
        elif ctype == "text/html" and html is None:
            html = _payload(part, _HTML_BYTES)
    text = plain if plain is not None else html_to_text(html) if html else ""
    if len(text) > BODY_CAP:
        text = text[:BODY_CAP].rstrip() + f"\n[… cut at {BODY_CAP:,} characters]"
    lines = []
    for label, people in (("From", senders), ("To", to), ("Cc", cc)):
        if people:
            lines.append(f"{label}: " + ", ".join(f"{name} <{addr}>" if name else addr for addr, name in people))
    out = "\n".join(lines) + ("\n\n" + text if text else "")
    if attachments:
        out += "\n\nAttachments: " + ", ".join(attachments)
    return out.strip()
