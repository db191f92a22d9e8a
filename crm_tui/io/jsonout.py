"""JSON out, streamed: an array written object by object, or one object a line."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import IO, Any

# json.dumps escapes C0 controls itself; DEL and the C1 controls (CSI is U+009B) it leaves raw.
_RAW_CONTROLS = re.compile("[\x7f-\x9f]")


def dumps(obj: Any, *, indent: int | None = None) -> str:
    """JSON text, UTF-8 kept readable, every control character escaped (`\\u001b`, `\\u009b`)."""
    text = json.dumps(obj, ensure_ascii=False, indent=indent)
    if _RAW_CONTROLS.search(text) is None:
        return text
    return _RAW_CONTROLS.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


def write_json(out: IO[str], objects: Iterable[dict[str, Any]], *, lines: bool) -> int:
    """Write `objects` as a JSON array (indented) or as NDJSON when `lines`; returns how many."""
    count = 0
    if lines:
        for obj in objects:
            out.write(dumps(obj) + "\n")
            count += 1
        return count
    out.write("[")
    for obj in objects:
        out.write(",\n  " if count else "\n  ")
        out.write(dumps(obj, indent=2).replace("\n", "\n  "))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count
