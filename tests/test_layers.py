"""The layering of DESIGN.md, enforced: services import no front end, screens hold no SQL."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "crm_tui"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_services_models_and_io_import_no_front_end() -> None:
    for folder in ("services", "models", "io"):
        for path in (PACKAGE / folder).rglob("*.py"):
            front = {m for m in imported_modules(path) if m.split(".")[0] in ("textual", "typer", "rich")}
            front |= {m for m in imported_modules(path) if m.startswith(("crm_tui.screens", "crm_tui.commands"))}
            assert not front, f"{path.relative_to(PACKAGE)} imports {sorted(front)}"


def test_screens_and_widgets_build_no_queries() -> None:
    for folder in ("screens", "widgets"):
        for path in (PACKAGE / folder).rglob("*.py"):
            source = path.read_text(encoding="utf-8")
            for pattern in (r"(?<!\w)select\(", r"\bSELECT\b", r"INSERT INTO", r"DELETE FROM", r"session\.execute"):
                assert not re.search(pattern, source), f"{path.relative_to(PACKAGE)} holds SQL ({pattern!r})"
