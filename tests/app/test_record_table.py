"""The table's column layout: what fits, what gives way, where spare width goes."""

from __future__ import annotations

from crm_tui.widgets.record_table import Column, RecordTable

COLUMNS = [
    Column("name", "Name", 10, flex=1, max_width=14),
    Column("what", "What", 10, flex=2),
    Column("owner", "Owner", 6, flex=0, drop=1),
]


def test_narrow_tables_drop_columns_by_priority() -> None:
    table = RecordTable(COLUMNS)
    assert [(c.key, w) for c, w in table.column_layout(24)] == [("name", 10), ("what", 12)]


def test_every_cell_is_used_and_caps_hold() -> None:
    table = RecordTable(COLUMNS)
    for width in (30, 40, 80, 200):
        layout = table.column_layout(width)
        assert sum(w for _, w in layout) + len(layout) - 1 == width - 1  # one cell of margin
        assert dict((c.key, w) for c, w in layout)["name"] <= 14
