"""JSON out, streamed: an array written object by object, or one object a line."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import IO, Any


def write_json(out: IO[str], objects: Iterable[dict[str, Any]], *, lines: bool) -> int:
    """Write `objects` as a JSON array (indented) or as NDJSON when `lines`; returns how many."""
    count = 0
    if lines:
        for obj in objects:
            out.write(json.dumps(obj, ensure_ascii=False) + "\n")
            count += 1
        return count
    out.write("[")
    for obj in objects:
        out.write(",\n  " if count else "\n  ")
        out.write(json.dumps(obj, ensure_ascii=False, indent=2).replace("\n", "\n  "))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count
