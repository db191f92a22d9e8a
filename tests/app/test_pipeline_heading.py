"""A stage's head names every currency its deals are in, in the four lines it has."""

from __future__ import annotations

from crm_tui.screens.pipeline import column_heading
from crm_tui.services.money.board import StageColumn, StageTotal
from crm_tui.services.money.pipelines import StageInfo
from crm_tui.services.money.probability import Probability


def _column(*totals: tuple[str, int]) -> StageColumn:
    stage = StageInfo(id=3, pipeline_id=1, name="Proposal", position=3, kind="open", probability=50)
    return StageColumn(
        stage, Probability(50, "default", ""), count=len(totals),
        totals=[StageTotal(c, 1, minor, minor * 50) for c, minor in totals],
    )  # fmt: skip


def test_three_currencies_fit_the_four_lines() -> None:
    """A third currency went on a fifth line ("+1 currencies"), which the head's height cut off."""
    head = column_heading(_column(("EUR", 1_400_000), ("GBP", 300_000), ("USD", 2_000_000)), width=30).plain
    assert head.splitlines() == ["Proposal 50%", "3 deals", "14k EUR ~7.0k", "3.0k GBP · 20k USD"]
    narrow = column_heading(_column(("EUR", 1_400_000), ("GBP", 300_000), ("USD", 2_000_000)), width=14).plain
    assert narrow.splitlines()[-1] == "+2 currencies" and len(narrow.splitlines()) == 4
    two = column_heading(_column(("EUR", 1_400_000), ("USD", 2_000_000)), width=30).plain
    assert two.splitlines()[2:] == ["14k EUR ~7.0k", "20k USD ~10k"]
