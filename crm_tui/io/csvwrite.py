"""CSV out: cells neutralized against formula injection, files created 0600."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any

from crm_tui.io.fields import neutralize
from crm_tui.io.presets import normalize

_PHONE_WORDS = ("phone", "mobile", "tel", "fax", "cell", "pager")


def is_phone_column(header: str) -> bool:
    """Whether a column holds phone numbers (valid ones there may start with +)."""
    key = normalize(header)
    return any(word in key for word in _PHONE_WORDS)


def open_private(path: Path) -> IO[str]:
    """A text file for writing, created (or truncated) with mode 0600."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an existing file keeps its mode otherwise
    return open(fd, "w", encoding="utf-8", newline="")


class SafeCsvWriter:
    """A csv.writer whose cells cannot run as spreadsheet formulas."""

    def __init__(self, out: IO[str], header: Sequence[str]) -> None:
        self._writer = csv.writer(out, lineterminator="\n")
        self._phone = [is_phone_column(h) for h in header]
        self._writer.writerow([neutralize(h) for h in header])

    def row(self, cells: Iterable[Any]) -> None:
        self._writer.writerow(
            [
                neutralize("" if c is None else str(c), phone=self._phone[i] if i < len(self._phone) else False)
                for i, c in enumerate(cells)
            ]
        )


class RejectsWriter:
    """The rows an import skipped as invalid: their original cells plus a reason column."""

    def __init__(self, path: Path, header: Sequence[str]) -> None:
        self.path = path
        self._file = open_private(path)
        self._writer = SafeCsvWriter(self._file, [*header, "reason"])
        self._width = len(header)
        self.count = 0

    def write(self, cells: Sequence[str] | None, reason: str) -> None:
        cells = list(cells or [])
        cells = cells[: self._width] + [""] * (self._width - len(cells))
        self._writer.row([*cells, reason])
        self.count += 1

    def close(self) -> None:
        self._file.close()
