"""The mail reader alone (no database): mbox, Maildir, .eml, charsets, broken headers, dates."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crm_tui.errors import InvalidInput, NotFound
from crm_tui.io.html_text import html_to_text
from crm_tui.io.mail import BODY_CAP, MailReader, find_mail
from crm_tui.records import MailRecord
from tests.capture import mailfixtures as f
from tests.conftest import NOW


def read(path: Path | str, *, wanted: bool = True, stdin: bytes = b"") -> list[MailRecord]:
    files = find_mail(str(path), io.BytesIO(stdin))
    return list(MailReader(files, now=NOW, wanted=(lambda r: wanted)))


def test_an_mbox_with_every_shape(tmp_path: Path) -> None:
    records = read(f.mbox(tmp_path / "all.mbox", f.everything()))
    by_id = {r.message_id: r for r in records}
    assert len(records) == 10
    first = by_id["<renewal-1@souza.example>"]
    assert first.sender == (f.ANA, "Ana Souza") and first.recipients == [(f.ME, "")]
    assert first.occurred_at == datetime(2026, 11, 17, 9, 0, tzinfo=UTC)  # +0100 read, UTC kept
    cafe = by_id["<cafe@byron.example>"]
    assert cafe.subject == "Café plans" and cafe.occurred_at == datetime(2026, 11, 18, 14, 30, tzinfo=UTC)
    assert [a for a, _ in cafe.recipients] == [f.ME, f.ANA, "carla@nowhere.example"]
    assert cafe.body is not None and "Let's meet at the café.\n\nBob" in cafe.body and "color" not in cafe.body
    assert cafe.body.endswith("Attachments: menu.pdf") and cafe.body.startswith("From: Bob Byron <bob@byron.example>")
    latin = by_id["<latin@souza.example>"]
    assert latin.subject == "Привет" and latin.body is not None and latin.body.endswith("Olá, até já!")
    broken = by_id["<broken@souza.example>"]
    assert broken.sender == (f.ANA, "Jürgen") and broken.subject.startswith("Straße")
    assert broken.occurred_at == datetime(2026, 11, 20, 7, 15, tzinfo=UTC)  # from Received
    # No Date and no Received: the mbox From line says when.
    assert by_id["<nodate@souza.example>"].occurred_at == datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
    assert [r.subject for r in records if r.message_id.startswith("sha1:")] == ["(no subject)", "No Message-ID"]
    assert by_id["<sale@shop>"].automated and not by_id["<hello@map>"].automated


def test_the_body_is_read_only_when_wanted_and_capped(tmp_path: Path) -> None:
    long = f.message(body="word " * (BODY_CAP // 2), message_id="<long@x>")
    records = read(f.mbox(tmp_path / "a.mbox", [f.message(), long]), wanted=False)
    assert [r.body for r in records] == [None, None]
    body = read(f.mbox(tmp_path / "b.mbox", [long]))[0].body
    assert body is not None and body.endswith(f"[… cut at {BODY_CAP:,} characters]") and len(body) < BODY_CAP + 200


def test_mbox_from_lines_in_bodies_are_unquoted(tmp_path: Path) -> None:
    raw = f.message(body="line one\nFrom here on it is body\n>From stays quoted once\n")
    [record] = read(f.mbox(tmp_path / "a.mbox", [raw]))
    assert record.body is not None
    assert "\nFrom here on it is body\n>From stays quoted once" in record.body


def test_a_maildir_tree_and_eml_files(tmp_path: Path) -> None:
    f.maildir(tmp_path / "mail" / "INBOX", [f.NO_DATE, f.message()])
    f.maildir(tmp_path / "mail" / "Sent", [f.FROM_ME])
    (tmp_path / "mail" / ".notmuch").mkdir()
    (tmp_path / "mail" / ".notmuch" / "xapian").write_bytes(b"\x00binary")
    (tmp_path / "mail" / "INBOX" / "dovecot-uidlist").write_text("3 V1\n")
    (tmp_path / "mail" / "old.eml").write_bytes(f.STRANGER)
    records = read(tmp_path / "mail")
    assert [r.where for r in records] == [
        "old.eml", "INBOX/cur/1763800001.M1P1.host:2,S", "INBOX/new/1763800000.M0P1.host",
        "Sent/new/1763800000.M0P1.host",
    ]  # fmt: skip
    # No Date, no Received, no From line: the Maildir file name's delivery time.
    assert records[2].occurred_at == datetime.fromtimestamp(1763800000, UTC)


def test_a_single_eml_and_stdin(tmp_path: Path) -> None:
    eml = tmp_path / "one.eml"
    eml.write_bytes(f.MULTIPART)
    assert [r.message_id for r in read(eml)] == ["<cafe@byron.example>"]
    assert [r.message_id for r in read("-", stdin=f.LATIN1)] == ["<latin@souza.example>"]
    mbox = f.mbox(tmp_path / "x.mbox", [f.message(), f.STRANGER])
    assert len(read("-", stdin=mbox.read_bytes())) == 2
    # A lone message with no date anywhere has none.
    eml.write_bytes(f.NO_DATE)
    assert read(eml)[0].occurred_at is None


def test_a_date_in_the_far_future_is_not_believed(tmp_path: Path) -> None:
    raw = f.message(date="Mon, 1 Jan 2099 00:00:00 +0000")
    [record] = read(f.mbox(tmp_path / "a.mbox", [raw]))
    assert record.occurred_at == datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def test_what_is_not_mail_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(NotFound, match="no mail here"):
        read(tmp_path / "empty")
    with pytest.raises(NotFound, match="no such file"):
        read(tmp_path / "nope.mbox")
    junk = tmp_path / "photo.jpg"
    junk.write_bytes(b"\xff\xd8\xff\xe0binary")
    with pytest.raises(InvalidInput, match=r"photo\.jpg: not an mbox file or a mail message"):
        read(junk)
    blank = tmp_path / "blank.mbox"
    blank.write_bytes(b"\n\n")
    with pytest.raises(InvalidInput, match=r"blank\.mbox: is empty"):
        read(blank)


def test_html_to_text() -> None:
    html = "<html><head><title>x</title><script>alert(1)</script></head><body><h1>Hi</h1>a&amp;b<br>c</body>"
    assert html_to_text(html) == "Hi\na&b\nc"
    assert html_to_text("<p>unclosed <b>bold") == "unclosed bold"
