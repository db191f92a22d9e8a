"""CSV out: cells neutralized against formula injection and free of control bytes, files created 0600."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any

from crm_tui.io.fields import neutralize
from crm_tui.io.presets import normalize
from crm_tui.keys import clean_text

_PHONE_WORDS = ("phone", "mobile", "tel", "fax", "cell", "pager")


def is_phone_column(header: str) -> bool:
    """Whether a column holds phone numbers (valid ones there may start with +)."""
    key = normalize(header)
    return any(word in key for word in _PHONE_WORDS)


class SafeCsvWriter:
    """A csv.writer whose cells cannot run as spreadsheet formulas nor carry a control byte.

    A control character already stored (by an older crm, or another tool writing to the database)
    is dropped as the input rule drops it (`keys.clean_text`: tab, newline and CR stay).
    """

    def __init__(self, out: IO[str], header: Sequence[str]) -> None:
        self._writer = csv.writer(out, lineterminator="\n")
        self._phone = [is_phone_column(h) for h in header]
        self._writer.writerow([neutralize(clean_text(h, multiline=True)) for h in header])

    def row(self, cells: Iterable[Any]) -> None:
        self._writer.writerow(
            [
                neutralize(
                    clean_text("" if c is None else str(c), multiline=True),
                    phone=self._phone[i] if i < len(self._phone) else False,
                )
                for i, c in enumerate(cells)
            ]
        )


class RejectsWriter:
    """The rows an import skipped as invalid: their original cells plus a reason column.

    Written to a temporary name (crm_tui.safewrite): `close` puts the file in place, `discard`
    (the import failed) leaves nothing behind.
    """

    def __init__(self, path: Path, header: Sequence[str]) -> None:
        from crm_tui.safewrite import PendingFile

        self.path = path
        self._pending = PendingFile(path, option="--rejects")
        try:
            self._writer = SafeCsvWriter(self._pending.file, [*header, "reason"])
        except OSError as exc:
            self.discard()
            raise self._failed(exc) from None
        self._width = len(header)
        self.count = 0

    def _failed(self, exc: OSError) -> Exception:
        from crm_tui.safewrite import write_failed

        return write_failed(self.path, exc)

    def write(self, cells: Sequence[str] | None, reason: str) -> None:
        # The cells as read, but by the input rule: the file is to be fixed and imported again.
        cells = [clean_text(c, multiline=True) for c in cells or []]
        cells = cells[: self._width] + [""] * (self._width - len(cells))
        try:
            self._writer.row([*cells, reason])
        except OSError as exc:
            self.discard()
            raise self._failed(exc) from None
        self.count += 1

    def close(self) -> None:
        self._pending.commit()

    def discard(self) -> None:
        self._pending.discard()
