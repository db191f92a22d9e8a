"""JSON arrays and NDJSON read as a stream of items, for the JSON importers.

A chunk of text at a time, one item decoded at a time with `json.JSONDecoder.raw_decode`,
so a 300 MB array costs the memory of a chunk and an item.
"""

from __future__ import annotations

import codecs
import gc
import io
import json
import re
from collections.abc import Iterator
from typing import Any, BinaryIO, cast

from crm_tui.errors import InvalidInput
from crm_tui.io.fields import shorten
from crm_tui.io.textstream import HEAD_BYTES, CountingReader, open_decoded
from crm_tui.records import RowError

CHUNK = 256 * 1024  # characters read at a time
MAX_ITEM = 16 * 1024 * 1024  # an item longer than this is a broken file, not a record (and memory stays small)
_BLANK = re.compile(r"[ \t\n\r]*")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


# NaN and Infinity are Python's extensions to JSON: no tool's export holds them.
_DECODER = json.JSONDecoder(parse_constant=_no_constant)
# A decoding error this far before the end of the text read so far is in the text, not in the chunking.
_SLACK = 16
# File names that say NDJSON even when the file is empty (an export of nothing).
NDJSON_SUFFIXES = (".ndjson", ".jsonl")


def sniff_format(stream: BinaryIO, *, encoding: str | None = None, name: str = "") -> tuple[str, BinaryIO]:
    """("json", "ndjson" or "csv") by the first non-blank character, and a stream reading from the start.

    `[` starts a JSON array and `{` NDJSON, unless a letter follows: that is a CSV header cell like `[Email]`.
    A file with nothing but blanks is NDJSON (no items) when its name ends in .ndjson or .jsonl.
    """
    head = stream.read(HEAD_BYTES)
    text = open_decoded(io.BytesIO(head), encoding=encoding).sample.lstrip()
    first, then = text[:1], text[1:].lstrip()[:1]
    if first in ("[", "{") and not (then.isalpha() or then == "_"):
        fmt = "json" if first == "[" else "ndjson"
    elif not text and name.lower().endswith(NDJSON_SUFFIXES):
        fmt = "ndjson"
    else:
        fmt = "csv"
    return fmt, io.BufferedReader(CountingReader(head, stream))


def kind_of(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "true" if value else "false"
    return "null" if value is None else "a number"


def as_cell(value: Any) -> str:
    """A value as a cell of the rejects file."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def given(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def text_of(line: int, key: str, value: Any) -> str:
    # JSON escapes can spell what no text column takes (NUL, a lone UTF-16 surrogate, ESC):
    # the records clean them by the input rule (crm_tui.keys.clean_text), as from any file.
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise RowError(line, f"{kind_of(value)} where text was expected", key)


class JsonItems:
    """The items of a JSON array, or the objects of an NDJSON stream, as (line, index, value).

    A syntax error is an InvalidInput naming the line, whatever --skip-invalid says: like a
    CSV quote left open, the rest of the file cannot be trusted.
    """

    def __init__(self, stream: BinaryIO, *, name: str, encoding: str) -> None:
        self.stream = stream
        self.name = name
        self.encoding = encoding
        self.array = False
        # Decoding here rather than in a TextIOWrapper lets a bad byte be placed on its line.
        self._decoder = codecs.getincrementaldecoder(encoding)()
        self._buf = ""
        self._pos = 0  # next character to read in _buf
        self._eof = False
        self._counted = 0  # _buf position whose line is _line
        self._line = 1

    def _more(self) -> bool:
        """Read the next chunk, dropping the text already read; False at the end."""
        chunk = ""
        while not chunk and not self._eof:
            data = self.stream.read(CHUNK)
            self._eof = not data
            try:
                chunk = self._decoder.decode(data, final=self._eof)
            except UnicodeDecodeError as exc:
                before = exc.object[: exc.start].decode(self.encoding, errors="replace").count("\n")
                raise InvalidInput(
                    f"{self.name} line {self._line_at(len(self._buf)) + before}: not valid {self.encoding} text "
                    "(use --encoding to choose one)"
                ) from None
        if not chunk:
            return False
        self._line_at(self._pos)
        self._buf = self._buf[self._pos :] + chunk
        self._counted -= self._pos
        self._pos = 0
        return True

    def _line_at(self, pos: int) -> int:
        """The line of _buf[pos]; positions are asked for in increasing order."""
        if pos > self._counted:
            self._line += self._buf.count("\n", self._counted, pos)
            self._counted = pos
        return self._line

    def _next_char(self) -> str:
        """The next non-blank character ('' at the end), with _pos on it."""
        while True:
            blank = _BLANK.match(self._buf, self._pos)
            assert blank is not None  # the pattern matches the empty string
            self._pos = blank.end()
            if self._pos < len(self._buf):
                return self._buf[self._pos]
            if not self._more():
                return ""

    def _error(self, pos: int, message: str) -> InvalidInput:
        return InvalidInput(f"{self.name} line {self._line_at(pos)}: {message}")

    def _value(self) -> tuple[int, Any]:
        """The next JSON value and the line it starts on, reading on until it is whole."""
        self._next_char()
        while True:
            # No collection inside the decoder: it recurses once a level, and a collection deep in a
            # thousand [[[ runs other objects' finalizers with no stack left, which then print
            # "Exception ignored in ..." on stderr beside the one-line error (seen under CI's load).
            collecting = gc.isenabled()
            gc.disable()
            try:
                value, end = _DECODER.raw_decode(self._buf, self._pos)
            except RecursionError:  # the decoder recurses per level: a thousand [[[ exhaust the stack
                raise self._error(self._pos, "not valid JSON (nested too deeply)") from None
            except json.JSONDecodeError as exc:
                unterminated = exc.msg.startswith("Unterminated string")
                if self._eof:
                    if unterminated or not self._buf[exc.pos :].strip():
                        raise self._error(
                            exc.pos, "the JSON stops in the middle of an item (is the file cut short?)"
                        ) from None
                    raise self._error(exc.pos, f"not valid JSON ({exc.msg})") from None
                if not unterminated and exc.pos < len(self._buf) - _SLACK:
                    raise self._error(exc.pos, f"not valid JSON ({exc.msg})") from None
            except ValueError as exc:  # NaN, or an integer past Python's 4,300 digits
                reason = "a number too long to read" if "digits" in str(exc) else str(exc)
                raise self._error(self._pos, f"not valid JSON ({reason})") from None
            else:
                # A value at the end of the text read so far may go on in the next chunk: "tru" or
                # "-1" of "-1.5e3" (a number is followed by at most ".", "e" or "e+" it did not take).
                tail = 3 if isinstance(value, int | float) else 0
                if end + tail < len(self._buf) or self._eof:
                    line = self._line_at(self._pos)
                    self._pos = end
                    return line, value
            finally:
                if collecting:
                    gc.enable()
            if len(self._buf) - self._pos > MAX_ITEM:
                raise self._error(self._pos, f"an item longer than {MAX_ITEM:,} characters (is the JSON broken?)")
            self._more()

    def __iter__(self) -> Iterator[tuple[int, int, Any]]:
        first = self._next_char()
        if first != "[":
            index = 0
            while self._next_char():
                index += 1
                line, value = self._value()
                yield line, index, value
            return
        self.array = True
        self._pos += 1
        index = 0
        if self._next_char() == "]":
            self._pos += 1
        else:
            while True:
                index += 1
                line, value = self._value()
                yield line, index, value
                after = self._next_char()
                self._pos += 1
                if after == "]":
                    break
                if not after:
                    raise self._error(self._pos, "the JSON array is not closed with ] (is the file cut short?)")
                if after != ",":
                    raise self._error(self._pos - 1, f"not valid JSON (expected , or ] after item {index})")
        if self._next_char():
            raise self._error(self._pos, "text after the end of the JSON array")


class JsonReader:
    """What the JSON importers share: the decoded stream, its items, and how an error names an item."""

    def __init__(
        self, stream: BinaryIO, *, name: str, encoding: str | None, size: int | None, skip_invalid: bool
    ) -> None:
        self.name = name
        self.skip_invalid = skip_invalid
        self.decoded = open_decoded(stream, encoding=encoding, size=size)
        self.items = JsonItems(cast(BinaryIO, self.decoded.text.buffer), name=name, encoding=self.decoded.encoding)

    @property
    def bytes_read(self) -> int:
        return self.decoded.bytes_read

    def at(self, line: int, index: int) -> str:
        """`item 3 (line 14)` in an array, `line 14` in NDJSON."""
        return f"item {index} (line {line})" if self.items.array else f"line {line}"

    def refused(self, exc: RowError, line: int, index: int) -> str:
        """Why a bad item is skipped; without --skip-invalid, the one-line error that stops the import."""
        reason = exc.message + (f" (key {exc.column})" if exc.column else "")
        if not self.skip_invalid:
            raise InvalidInput(f"{self.name} {self.at(line, index)}: {reason}") from None
        return reason

    def wrapper(self, line: int, index: int, key: str, what: str) -> InvalidInput:
        """The error for an object that wraps the items (`{"data": [...]}`): none of them can be read."""
        return InvalidInput(
            f'{self.name} {self.at(line, index)}: an object holding an array ("{shorten(key, 30)}") where {what}s '
            f"were expected: give an array of {what} objects, or one object a line"
        )
