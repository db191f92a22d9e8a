"""Bytes in, text out: BOMs, UTF-16, a Windows-1252 fallback, and a byte count for progress."""

from __future__ import annotations

import codecs
import io
from dataclasses import dataclass
from typing import BinaryIO

from crm_tui.errors import InvalidInput, shown

HEAD_BYTES = 64 * 1024
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class CountingReader(io.RawIOBase):
    """The bytes of `head`, then the rest of `stream`; `count` is how many were read."""

    def __init__(self, head: bytes, stream: BinaryIO) -> None:
        super().__init__()
        self._head = memoryview(head)
        self._stream = stream
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
        else:
            chunk = self._stream.read(len(buffer))
            n = len(chunk)
            buffer[:n] = chunk
        self.count += n
        return n


@dataclass
class DecodedInput:
    """A text stream over the source, with what was found out while opening it."""

    text: io.TextIOWrapper
    encoding: str
    guessed: bool  # True when UTF-8 failed and a Windows code page was assumed
    sample: str  # the decoded start of the file, for sniffing the delimiter
    complete: bool  # the sample is the whole file
    reader: CountingReader
    size: int | None  # bytes in the file when known (not for pipes)

    @property
    def bytes_read(self) -> int:
        return self.reader.count


# Codecs Python calls text encodings that turn no file into text: they refuse all input,
# or read escapes or domain names.
_NOT_FILE_TEXT = frozenset({"idna", "punycode", "undefined", "unicode-escape", "raw-unicode-escape"})


def check_encoding(name: str) -> str:
    """The codec name for `name`, or InvalidInput naming --encoding (base64, zlib, rot13... are not text)."""
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):  # ValueError: a name with a NUL in it
        raise InvalidInput(f"unknown encoding '{shown(name)}' (--encoding)") from None
    if not getattr(info, "_is_text_encoding", True) or info.name.replace("_", "-") in _NOT_FILE_TEXT:
        raise InvalidInput(f"'{shown(name)}' is not a text encoding (--encoding: utf-8, utf-16, cp1252...)")
    return info.name


def _sniff_encoding(head: bytes) -> tuple[str, bool]:
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding, False
    if len(head) >= 4:
        # UTF-16 without a BOM: ASCII text leaves every other byte zero.
        odd_zero = head[1::2].count(0) / max(1, len(head[1::2]))
        even_zero = head[0::2].count(0) / max(1, len(head[0::2]))
        if odd_zero > 0.4 and even_zero < 0.05:
            return "utf-16-le", False
        if even_zero > 0.4 and odd_zero < 0.05:
            return "utf-16-be", False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8", False
    except UnicodeDecodeError:
        pass
    try:
        head.decode("cp1252")
        return "cp1252", True
    except UnicodeDecodeError:
        return "latin-1", True


def decode_whole(data: bytes) -> tuple[str, str, bool]:
    """A whole file's bytes as text: (text, encoding, guessed), by `open_decoded`'s rules over all of them
    (a BOM; UTF-16 without one; UTF-8; else cp1252 or latin-1, guessed)."""
    encoding, guessed = _sniff_encoding(data)
    return data.decode(encoding, errors="replace"), encoding, guessed


def _byte_order(head: bytes, family: str) -> str:
    """`utf-16-le` or `-be` (`utf-32-...`) for text without a BOM: ASCII leaves its zero bytes on one side."""
    width = 2 if family == "utf-16" else 4
    low_zero = head[width - 1 :: width].count(0)
    high_zero = head[0::width].count(0)
    return f"{family}-be" if high_zero > low_zero else f"{family}-le"


def open_decoded(stream: BinaryIO, *, encoding: str | None = None, size: int | None = None) -> DecodedInput:
    """Wrap a binary stream as text, detecting the encoding unless `encoding` forces one."""
    head = stream.read(HEAD_BYTES)
    at_end = len(head) < HEAD_BYTES
    guessed = False
    if encoding:
        chosen = check_encoding(encoding)
        if chosen == "utf-8" and head.startswith(codecs.BOM_UTF8):
            chosen = "utf-8-sig"
        elif chosen in ("utf-16", "utf-32") and not any(head.startswith(bom) for bom, _ in _BOMS):
            # Python's utf-16 and utf-32 refuse text without a BOM: choose the byte order the zeros show.
            chosen = _byte_order(head, chosen)
    else:
        chosen, guessed = _sniff_encoding(head)
    try:
        sample = codecs.getincrementaldecoder(chosen)(errors="replace").decode(head, final=at_end)
    except UnicodeError:  # some codecs ignore errors="replace" for truncated input
        sample = ""
    reader = CountingReader(head, stream)
    text = io.TextIOWrapper(io.BufferedReader(reader, buffer_size=256 * 1024), encoding=chosen, newline="")
    return DecodedInput(
        text=text, encoding=chosen, guessed=guessed, sample=sample, complete=at_end, reader=reader, size=size
    )
