"""CSV over a byte stream: encoding, delimiter and header row found, rows numbered by line."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

from crm_tui.errors import InvalidInput
from crm_tui.io.textstream import DecodedInput, open_decoded

DELIMITERS = (",", ";", "\t")
HEADER_SEARCH_ROWS = 50  # a preamble (LinkedIn's "Notes:") is never longer than this
MAX_CELL = 1 << 20  # a cell over 1 MiB is a quote left open, not a note


@dataclass
class CsvSource:
    """An open CSV: its header, and an iterator of (line, cells) after it."""

    name: str
    decoded: DecodedInput
    delimiter: str
    header: list[str]
    header_line: int
    _reader: Iterator[list[str]] = field(repr=False)
    _line: int = 0

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(first line of the row, cells) for every non-empty row after the header."""
        reader = self._reader
        line_num = self._line
        try:
            for cells in reader:
                start = line_num + 1
                line_num = reader.line_num  # type: ignore[attr-defined]
                if cells:
                    yield start, cells
        except csv.Error as exc:
            raise InvalidInput(f"{self.name} line {line_num + 1}: {_csv_problem(exc)}") from None
        except UnicodeDecodeError as exc:
            raise InvalidInput(
                f"{self.name} line {line_num + 1}: not valid {self.decoded.encoding} text "
                f"(byte 0x{exc.object[exc.start]:02x}); use --encoding to choose one"
            ) from None
        except UnicodeError:
            raise InvalidInput(
                f"{self.name} line {line_num + 1}: not valid {self.decoded.encoding} text; use --encoding to choose one"
            ) from None

    @property
    def bytes_read(self) -> int:
        return self.decoded.bytes_read


def _csv_problem(exc: csv.Error) -> str:
    text = str(exc)
    if "field larger than field limit" in text:
        return f"a cell is longer than {MAX_CELL:,} characters (is a quote left open?)"
    if "unexpected end of data" in text:
        return "a quoted cell is not closed before the end of the file"
    if "expected after" in text:
        return f"text after a closing quote ({text})"
    return text


def check_delimiter(value: str) -> str:
    """`--delimiter` as one character; `tab` and `\\t` name the tab."""
    named = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";"}.get(value.lower(), value)
    if len(named) != 1 or named in '"\r\n':
        raise InvalidInput(f"'{value}' is not a delimiter: give one character, e.g. ';' or tab (--delimiter)")
    return named


def _sample_rows(sample: str, delimiter: str, complete: bool) -> list[list[str]]:
    text = sample if complete else sample[: max(sample.rfind("\n"), 0)]
    rows: list[list[str]] = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            rows.append(row)
            if len(rows) >= HEADER_SEARCH_ROWS:
                break
    except csv.Error:
        pass  # a sample cut inside a quoted cell: the rows read so far are enough to judge
    return rows


def _best_header(rows: Sequence[list[str]], recognize: Callable[[list[str]], int]) -> tuple[int, int]:
    """(index, score) of the row that names the most known fields; ties go to the first."""
    best, score = -1, 0
    for i, row in enumerate(rows):
        s = recognize(row)
        if s > score:
            best, score = i, s
    return best, score


def open_csv(
    stream: BinaryIO,
    *,
    name: str,
    recognize: Callable[[list[str]], int],
    encoding: str | None = None,
    delimiter: str | None = None,
    size: int | None = None,
    expected: str = "name, email, phone",
) -> CsvSource:
    """Open a CSV whose header row is the first one `recognize` scores best."""
    csv.field_size_limit(MAX_CELL)
    decoded = open_decoded(stream, encoding=encoding, size=size)
    sample = decoded.sample
    complete = decoded.complete
    if not sample.strip():
        raise InvalidInput(f"{name}: the file is empty")
    if "\x00" in sample and not decoded.encoding.startswith("utf-16"):
        raise InvalidInput(f"{name}: the text holds NUL bytes, so it is not {decoded.encoding} (try --encoding utf-16)")
    candidates = [check_delimiter(delimiter)] if delimiter else list(DELIMITERS)
    choice: tuple[int, int, str, int] | None = None  # (score, width, delimiter, index)
    for d in candidates:
        rows = _sample_rows(sample, d, complete)
        index, score = _best_header(rows, recognize)
        if index >= 0 and (choice is None or (score, len(rows[index])) > choice[:2]):
            choice = (score, len(rows[index]), d, index)
    if choice is None:
        raise InvalidInput(f"{name}: no header row found (expected columns such as {expected})")
    _, _, chosen, index = choice
    reader = csv.reader(decoded.text, delimiter=chosen, strict=True)
    header: list[str] = []
    line = 0
    try:
        for _ in range(index + 1):
            header = next(reader)
            line = reader.line_num
    except (csv.Error, StopIteration, UnicodeError):
        raise InvalidInput(f"{name}: cannot read the header row") from None
    header = [h.strip().lstrip("\ufeff") for h in header]
    return CsvSource(
        name=name, decoded=decoded, delimiter=chosen, header=header, header_line=line, _reader=reader, _line=line
    )
