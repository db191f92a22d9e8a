"""Fixing the timeline: edit an interaction, delete it (soft), restore it, purge the deleted ones.

Each change loads the ORM `Interaction` in a session and is recorded in the history
(entity `interaction`, field-level before and after) under the interaction's contact. The
contact's last contact is the database's to keep: its triggers recompute it from the live
interactions whenever one is edited, moved, deleted or restored, so the stay-in-touch
clock always follows what is left on the timeline.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select

from crm_tui.dates import utcnow
from crm_tui.errors import InteractionNotFound, InvalidInput
from crm_tui.services.history import change, diff, record
from crm_tui.services.interactions import check_direction, check_kind, clean_summary, parse_interaction_id

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from crm_tui.models import Interaction

# The fields an edit may change, in the order the history lists them.
EDITABLE = ("contact_id", "kind", "direction", "occurred_at", "summary", "body")
# How large a body may be (a pasted mail thread fits; a mistake of megabytes does not).
MAX_BODY = 1_000_000


def get_interaction(session: Session, ref: int | str, *, deleted: bool | None = False) -> Interaction:
    """The ORM interaction `12` or `#12` names; `deleted` None finds deleted ones too, True only those."""
    from crm_tui.models import Contact, Interaction

    found = session.get(Interaction, parse_interaction_id(ref))
    if found is None or (deleted is not None and (found.deleted_at is not None) != deleted):
        raise InteractionNotFound(ref, deleted=bool(deleted))
    owner = session.get(Contact, found.contact_id)
    if owner is None or owner.deleted_at is not None:
        # A trashed contact's timeline comes back with the contact, not one interaction at a time.
        raise InteractionNotFound(ref, deleted=bool(deleted))
    return found


def _snapshot(interaction: Interaction) -> dict[str, Any]:
    return {name: getattr(interaction, name) for name in EDITABLE}


def _record(
    session: Session, interaction: Interaction, action: str, actor: str | None, at: datetime, **details: Any
) -> None:
    assert interaction.id is not None
    record(
        session,
        entity="interaction",
        entity_id=interaction.id,
        contact_id=interaction.contact_id,
        action=action,
        actor=actor,
        at=at,
        **details,
    )


def edit_interaction(
    session: Session,
    interaction: Interaction,
    *,
    kind: str | None = None,
    at: datetime | None = None,
    summary: str | None = None,
    body: str | None = None,
    direction: str | None = None,
    contact_id: int | None = None,
    actor: str | None = None,
    now: datetime | None = None,
) -> dict[str, tuple[Any, Any]]:
    """Change what is given (None keeps a field; an empty body or direction `none` clears it); returns the diff.

    Moving it to another contact (`contact_id`) moves both contacts' last contact; the change is
    recorded in the history of each.
    """
    now = now or utcnow()
    if interaction.deleted_at is not None:
        raise InvalidInput(f"interaction #{interaction.id} is deleted: restore it first (crm interaction restore)")
    before = _snapshot(interaction)
    if kind is not None:
        interaction.kind = check_kind(kind)
    if at is not None:
        if at > now:
            raise InvalidInput("that is in the future: an interaction is something that happened")
        interaction.occurred_at = at
    if summary is not None:
        interaction.summary = clean_summary(summary)
    if body is not None:
        if len(body) > MAX_BODY:
            raise InvalidInput(f"the body is longer than {MAX_BODY:,} characters")
        interaction.body = body.strip() or None
    if direction is not None:
        interaction.direction = check_direction(direction)
    if contact_id is not None:
        interaction.contact_id = contact_id
    changes = diff(before, _snapshot(interaction))
    if not changes:
        return {}
    session.add(interaction)
    session.flush()
    _record(session, interaction, "update", actor, now, changes=changes)
    if "contact_id" in changes:
        # The contact it left keeps a line saying where it went.
        assert interaction.id is not None
        record(
            session,
            entity="interaction",
            entity_id=interaction.id,
            contact_id=before["contact_id"],
            action="move",
            actor=actor,
            at=now,
            changes={"contact_id": changes["contact_id"]},
        )
    return changes


def delete_interaction(
    session: Session, interaction: Interaction, *, actor: str | None = None, now: datetime | None = None
) -> Interaction:
    """Delete an interaction softly: hidden everywhere, restorable with `restore_interaction`."""
    now = now or utcnow()
    if interaction.deleted_at is not None:
        raise InvalidInput(f"interaction #{interaction.id} is already deleted")
    _set_deleted(session, interaction, now, action="delete", actor=actor, now=now)
    return interaction


def restore_interaction(
    session: Session, interaction: Interaction, *, actor: str | None = None, now: datetime | None = None
) -> Interaction:
    """Bring a deleted interaction back to its contact's timeline."""
    now = now or utcnow()
    if interaction.deleted_at is None:
        raise InvalidInput(f"interaction #{interaction.id} is not deleted")
    _set_deleted(session, interaction, None, action="restore", actor=actor, now=now)
    return interaction


def _set_deleted(
    session: Session, interaction: Interaction, value: datetime | None, *, action: str, actor: str | None, now: datetime
) -> None:
    """Delete or restore, with the row in the journal: undo (ctrl+z in the app) takes it back."""
    with change(session, entity="interaction", entity_id=interaction.id, contact_id=interaction.contact_id,
                action=action, actor=actor, at=now) as rec:  # fmt: skip
        rec.changes = {"deleted_at": (interaction.deleted_at, value)}
        interaction.deleted_at = value
        session.add(interaction)
        session.flush()


def purge_deleted_interactions(
    session: Session, *, older_than: timedelta | None = None, now: datetime | None = None
) -> int:
    """Remove deleted interactions for good (those deleted before now - older_than); returns the count."""
    from crm_tui.models import Interaction

    now = now or utcnow()
    condition = [Interaction.deleted_at.is_not(None)]
    if older_than is not None:
        condition.append(Interaction.deleted_at < now - older_than)
    result = session.execute(delete(Interaction).where(*condition))
    return int(result.rowcount)


def deleted_count(session: Session) -> int:
    """How many deleted interactions wait in the trash."""
    from sqlalchemy import func

    from crm_tui.models import Interaction

    query = select(func.count()).select_from(Interaction).where(Interaction.deleted_at.is_not(None))
    return int(session.execute(query).scalar_one())
