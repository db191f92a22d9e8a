"""The change history as people read it: "edited title: CTO → VP", "completed follow-up #3"."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from rich.text import Text

if TYPE_CHECKING:
    from crm_tui.services.history import ChangeInfo as Change

FIELD_NAMES = {
    "given_name": "given name",
    "family_name": "family name",
    "cadence_days": "stay in touch",
    "due_at": "due time",
    "snoozed_until": "snoozed until",
    "done_at": "done",
    "rule": "repeat",
    "occurred_at": "time",
    "body": "details",
    "contact_id": "contact",
}
TIME_FIELDS = {"due_at", "snoozed_until", "done_at", "occurred_at", "deleted_at"}
# Stored as one ", "-joined value: shown as what was added and removed.
LIST_FIELDS = {"emails", "phones", "tags"}
CONTACT_ACTIONS = {
    "create": "added",
    "update": "edited",
    "trash": "trashed",
    "restore": "restored from the trash",
    "merge": "merged in",
}
REMINDER_ACTIONS = {
    "create": "added",
    "done": "completed",
    "snooze": "snoozed",
    "delete": "deleted",
    "update": "edited",
}
NOTHING = "—"
_INSTANT = re.compile(r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:[+-]\d\d:\d\d|Z)$")


def field_name(field: str) -> str:
    """A stored field's name as people say it."""
    return FIELD_NAMES.get(field, field.replace("_", " "))


def value_text(field: str | None, value: str | None, tz: tzinfo) -> str:
    """A stored old or new value, readable: times in the user's zone, cadences and rules in words."""
    from crm_tui.dates import Recurrence, format_duration_days, format_local

    if value is None:
        return NOTHING
    if field in TIME_FIELDS or _INSTANT.match(value):  # a deal's won_at, next step due...: as the other times
        try:
            return format_local(datetime.fromisoformat(value), tz)
        except ValueError:
            return value  # written by something else: show it as it is
    if field == "cadence_days" and value.isdigit():
        return f"every {format_duration_days(int(value))}"
    if field == "rule":
        return Recurrence(value).describe()
    return value


def _list_change(old: str | None, new: str | None) -> str | None:
    """ "+b −a" for a list field, or None when only the order changed."""
    before = old.split(", ") if old else []
    after = new.split(", ") if new else []
    parts = [f"+{v}" for v in after if v not in before] + [f"−{v}" for v in before if v not in after]
    return " ".join(parts) or None


def _one_line(text: str) -> str:
    # Notes span lines; a table row cannot.
    return " ".join(text.split())


def field_change(change: Change, tz: tzinfo, *, of: str = "") -> str:
    """One field's change on one line: "edited title: CTO → VP", "set repeat of follow-up #3: monthly",
    "cleared notes (was …)"."""
    field = change.field or ""
    name = field_name(field) + (f" of {of}" if of else "")
    if field in LIST_FIELDS and (listed := _list_change(change.old_value, change.new_value)):
        return f"edited {name}: {listed}"
    old, new = (_one_line(value_text(field, v, tz)) for v in (change.old_value, change.new_value))
    if change.old_value is None:
        return f"set {name}: {new}"
    if change.new_value is None:
        return f"cleared {name} (was {old})"
    return f"edited {name}: {old} → {new}"


# (entity, id) -> currency of the deals and payments a history names (services.money.history_amounts).
Currencies = Mapping[tuple[str, int], str]
MONEY_ENTITIES = ("deal", "payment")


def _money_value(change: Change, value: str | None, currencies: Currencies | None) -> str | None:
    """A deal's or payment's recorded amount with its currency: the one recorded with it, else the record's."""
    from crm_tui.services.money.deal_changes import AMOUNT_FIELDS
    from crm_tui.services.money.explain import amount_text

    if value is None or change.entity not in MONEY_ENTITIES or change.field not in AMOUNT_FIELDS:
        return value
    return amount_text(value, (currencies or {}).get((change.entity, change.entity_id), ""))


def change_summary(
    change: Change,
    tz: tzinfo,
    titles: Mapping[int, str] | None = None,
    stage_names: Mapping[int, str] | None = None,
    currencies: Currencies | None = None,
) -> Text:
    """One line for a change, without when and who: "edited title: CTO → VP", "trashed".

    A deal's or payment's amount shows with the currency recorded with it; one recorded before
    amounts carried theirs shows in the record's currency from `currencies`, when given.
    """
    if change.entity in MONEY_ENTITIES:
        from crm_tui.services.money.explain import deal_change_text

        currency = (currencies or {}).get((change.entity, change.entity_id), "")
        line = deal_change_text(change, dict(stage_names or {}), currency).strip()
        return Text(f"{change.entity} #{change.entity_id}: {line}")
    if change.entity == "reminder":
        return _reminder_summary(change, tz, (titles or {}).get(change.entity_id))
    if change.entity == "interaction":
        return _interaction_summary(change, tz)
    if change.action == "update" and change.field:
        return Text(field_change(change, tz))
    text = Text(CONTACT_ACTIONS.get(change.action, change.action))
    if change.new_value:
        # The note: the name when added, the other contact when merged, why when trashed.
        note = _one_line(change.new_value)
        text.append(f" ({note})" if change.action == "trash" else f" {note}", style="dim")
    return text


def _reminder_summary(change: Change, tz: tzinfo, title: str | None) -> Text:
    label = f"follow-up #{change.entity_id}"
    verb = REMINDER_ACTIONS.get(change.action, change.action)
    if change.action in ("create", "delete"):
        # Their note is the title at the time, which a later rename does not change.
        named = _one_line(change.new_value or title or "")
        return Text(f"{verb} {label}: {named}" if named else f"{verb} {label}")
    if change.action == "done" and change.field == "due_at":
        text = Text(f"completed {label}, next due {value_text('due_at', change.new_value, tz)}")
    elif change.action == "done":
        text = Text(f"completed {label}")
    elif change.action == "snooze":
        text = Text(f"snoozed {label} until {value_text('snoozed_until', change.new_value, tz)}")
    elif change.field:
        text = Text(field_change(change, tz, of=label))
    else:
        text = Text(f"{verb} {label}")
    if title:
        text.append(f" · {title}", style="dim")
    return text


def _interaction_summary(change: Change, tz: tzinfo) -> Text:
    label = f"interaction #{change.entity_id}"
    if change.action == "delete":
        return Text(f"removed {label} (crm interaction restore {change.entity_id})")
    if change.action == "restore":
        return Text(f"restored {label}")
    if change.action == "create":
        return Text(f"logged {label}: {_one_line(change.new_value or '')}".rstrip(": "))
    if change.action == "move":
        return Text(f"moved {label} to contact #{change.new_value}")
    if change.field == "contact_id":
        return Text(f"moved {label} here from contact #{change.old_value}")
    if change.field:
        return Text(field_change(change, tz, of=label))
    return Text(f"{change.action} {label}")


def change_detail(
    change: Change, tz: tzinfo, titles: Mapping[int, str] | None = None, currencies: Currencies | None = None
) -> Text:
    """A change in full, for the preview: when, who, what, and both values untruncated."""
    from crm_tui.dates import format_local

    text = Text(f"{format_local(change.at, tz)} · by {change.actor or 'someone unknown'}\n", style="dim")
    summary = change_summary(change, tz, titles, currencies=currencies)
    summary.stylize("bold", 0, len(summary))
    text.append_text(summary)
    if change.field and (change.old_value is not None or change.new_value is not None):
        field = change.field
        old, new = (_money_value(change, v, currencies) for v in (change.old_value, change.new_value))
        text.append("\nbefore: ", style="dim")
        text.append(value_text(field, old, tz))
        text.append("\nafter:  ", style="dim")
        text.append(value_text(field, new, tz))
    return text
