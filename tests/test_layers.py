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


def test_the_light_tables_name_exactly_the_models_columns() -> None:
    """models/tables.py repeats the schema for fast reads: the models stay its definition."""
    from sqlalchemy import Boolean, DateTime, Integer
    from sqlmodel import SQLModel

    from crm_tui.models import load_all
    from crm_tui.models import tables as light
    from crm_tui.models.types import UTCDateTime

    load_all()
    declared = {name: value for name, value in vars(light).items() if hasattr(value, "columns")}
    for name, clause in declared.items():
        model = SQLModel.metadata.tables[clause.name]
        assert [c.name for c in clause.columns] == [c.name for c in model.columns], name
        for column in clause.columns:
            real = model.columns[column.name].type
            kind = type(column.type)
            if isinstance(real, UTCDateTime):
                assert kind is UTCDateTime, (name, column.name)
            elif isinstance(real, Boolean):
                assert kind is Boolean, (name, column.name)
            elif isinstance(real, Integer):
                assert kind is Integer, (name, column.name)
            else:
                assert not isinstance(real, DateTime), (name, column.name)
                assert kind not in (UTCDateTime, Boolean, Integer), (name, column.name)
    assert {clause.name for clause in declared.values()} <= set(SQLModel.metadata.tables)


def test_no_module_is_over_500_lines() -> None:
    """A module past 500 lines holds two things: split it by what each part is for."""
    long = {
        str(p.relative_to(PACKAGE)): n for p in PACKAGE.rglob("*.py") if (n := len(p.read_text().splitlines())) > 500
    }
    assert not long, f"split these modules: {long}"
