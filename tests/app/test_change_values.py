"""Values in the change history read as people write them: a deal's times in the user's zone, not ISO strings."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from crm_tui.widgets.changes import NOTHING, value_text

PARIS = ZoneInfo("Europe/Paris")


def test_any_stored_instant_shows_in_the_user_s_zone() -> None:
    # next step due and won at showed as 2026-12-03T09:00:00+00:00 and 2026-12-04T16:29:09.818458+00:00.
    assert value_text("next_step_due", "2026-12-03T09:00:00+00:00", PARIS) == "2026-12-03 10:00"
    assert value_text("won_at", "2026-12-04T16:29:09.818458+00:00", PARIS) == "2026-12-04 17:29"
    assert value_text("due_at", "2026-12-03T09:00:00+00:00", PARIS) == "2026-12-03 10:00"
    # Text that only looks like a date stays as it was written.
    assert value_text("title", "2026-12-03", PARIS) == "2026-12-03"
    assert value_text("notes", "2026-12-03T09:00 call", PARIS) == "2026-12-03T09:00 call"
    assert value_text("won_at", None, PARIS) == NOTHING
