"""A person's export as JSON bytes, and writing it where only its owner can read it, all or nothing."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from crm_tui.errors import InvalidInput, NotFound


def person_json(record: dict[str, Any]) -> bytes:
    """The record as indented UTF-8 JSON with a final newline."""
    return (json.dumps(record, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def write_private_file(path: Path, data: bytes) -> Path:
    """Write `data` to `path` with mode 0600: a temporary file in the same directory, then a rename.

    The rename replaces `path` itself, never a file a symlink there points to; a reader sees
    the old file or the whole new one, never half of it. Returns the path written.
    """
    path = path.expanduser()
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise NotFound(f"{directory}: no such directory (-o)")
    if path.is_dir():
        raise InvalidInput(f"{path}: is a directory; name a file (-o)")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=directory)  # O_EXCL, mode 0600
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
