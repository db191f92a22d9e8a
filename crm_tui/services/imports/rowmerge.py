"""What a row does to a stored contact: its fields merged into the contact's state, or, on a
re-import, the proof that it changes nothing, read off the stored values without building a state.

The two functions apply one rule and sit side by side so that they stay one rule: `unchanged`
answers True only when `merge_row` (and the additions `ContactImporter._row` makes after it:
emails, phones, tags) would change nothing; when in doubt it answers False and the row takes
the full path.
"""

from __future__ import annotations

import json
from typing import Any

from crm_tui.keys import plain_split, split_name, split_squeezed
from crm_tui.records import ContactRecord
from crm_tui.services.imports.lookups import NameLookups
from crm_tui.services.imports.state import DELETED, ContactState


def merge_row(state: ContactState, rec: ContactRecord, names: NameLookups) -> None:
    """Each field the row gives into the contact's state (a change is recorded as an event)."""
    # Each field the row gives is compared here first: on a re-import nearly every one is stored already.
    if rec.name or rec.given_name or rec.family_name:
        name = rec.display_name()
        if name != state.display_name:
            state.set("display_name", name)
    if rec.given_name is not None and rec.given_name != state.given_name:
        state.set("given_name", rec.given_name)
    if rec.family_name is not None and rec.family_name != state.family_name:
        state.set("family_name", rec.family_name)
    if rec.title is not None and rec.title != state.title:
        state.set("title", rec.title)
    if rec.notes is not None and rec.notes != state.notes:
        state.set("notes", rec.notes)
    if rec.owner is not None and rec.owner != state.owner:
        state.set("owner", rec.owner)
    if rec.source is not None and rec.source != state.source:
        state.set("source", rec.source)
    if rec.nickname is not None and rec.nickname != state.nickname:
        state.set("nickname", rec.nickname)
    if rec.department is not None and rec.department != state.department:
        state.set("department", rec.department)
    if rec.uid is not None and rec.uid != state.uid:
        state.set("uid", rec.uid)
    if rec.given_name is None and rec.family_name is None and rec.name and rec.split_name:
        given, family = split_name(state.display_name)
        if given != state.given_name:
            state.set("given_name", given)
        if family != state.family_name:
            state.set("family_name", family)
    if rec.cadence_days is not None and rec.cadence_days != state.cadence_days:
        state.set("cadence_days", rec.cadence_days)
    if rec.organization:
        org_id = names.orgs.get(rec.organization)
        if org_id is None:
            org_id = names.org_id(rec.organization)
        if org_id != state.organization_id:
            state.set("organization_id", org_id)
    for key, value in rec.custom.items():
        state.set_custom(key, value)


def unchanged(
    rec: ContactRecord,
    row: tuple[Any, ...],
    cid: int,
    *,
    email_owners: dict[str, int],
    phone_keys: set[str] | None,
    tag_ids: set[int] | None,
    names: NameLookups,
) -> bool:
    """True when the row would change nothing of the stored contact `row` (as `StoredContacts` read it).

    The row's emails must all be the contact's own (an address another contact holds is
    counted by the full path), its phones among `phone_keys`, its tags among `tag_ids`, and
    an organization or tag must be one the import already looked up. A row with parts
    (addresses, dates, web addresses, vCard lines) is left to the full path.
    """
    if row[DELETED] is not None or rec.urls or rec.addresses or rec.birthday or rec.dates or rec.card_lines:
        return False
    # row: id, display_name, given_name, family_name, organization_id, title, notes, source, owner,
    # cadence_days, custom, nickname, department, uid (state.FIELDS).
    if (rec.name or rec.given_name or rec.family_name) and rec.display_name() != row[1]:
        return False
    if (
        (rec.given_name is not None and rec.given_name != row[2])
        or (rec.family_name is not None and rec.family_name != row[3])
        or (rec.title is not None and rec.title != row[5])
        or (rec.notes is not None and rec.notes != row[6])
        or (rec.source is not None and rec.source != row[7])
        or (rec.owner is not None and rec.owner != row[8])
        or (rec.cadence_days is not None and rec.cadence_days != row[9])
        or (rec.nickname is not None and rec.nickname != row[11])
        or (rec.department is not None and rec.department != row[12])
        or (rec.uid is not None and rec.uid != row[13])
    ):
        return False
    if rec.given_name is None and rec.family_name is None and rec.name and rec.split_name:
        # split_name of the stored name, its common case inlined: it equals the row's display name
        # (checked above), whose spaces are squeezed already.
        name = row[1]
        given, _, family = name.rpartition(" ")
        if ((given, family) if given and plain_split(given, family, name) else split_squeezed(name)) != row[2:4]:
            return False
    if rec.organization and names.orgs.get(rec.organization, -1) != row[4]:
        return False
    if rec.custom:
        stored = json.loads(row[10]) if row[10] else {}
        for key, value in rec.custom.items():
            if stored.get(key) != value:
                return False
    for e in rec.emails:
        if email_owners.get(e.key) != cid:
            return False
    if rec.phones:
        if phone_keys is None:
            return False
        for p in rec.phones:
            if p.key not in phone_keys:
                return False
    if rec.tags:
        if tag_ids is None:
            return False
        tags = names.tags
        for tag in rec.tags:
            if tags.get(tag, -1) not in tag_ids:
                return False
    return True
