"""Typed errors raised by the services and rendered by the front ends.

Each error carries the exit status the CLI uses for it (see CLI.md): 1 for input
that cannot be acted on, 3 for a database that cannot be used.
"""

from __future__ import annotations

from collections.abc import Sequence


def shown(value: object, limit: int = 60) -> str:
    """A user's value short enough to quote in a one-line error (the CLI escapes its controls)."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class CrmError(Exception):
    """Base of every error a user can cause or fix; the message is one line."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InvalidInput(CrmError):
    """A value the user typed cannot be read (a date, a rule, an email...)."""


class InvalidDate(InvalidInput):
    """A WHEN, RULE or DURATION that cannot be parsed."""


class NotFound(CrmError):
    """Nothing matches what the user named."""


class ContactNotFound(NotFound):
    def __init__(self, ref: str) -> None:
        super().__init__(f"no contact matches '{shown(ref)}'")
        self.ref = ref


class ReminderNotFound(NotFound):
    def __init__(self, ref: int | str) -> None:
        super().__init__(f"no reminder with id {shown(ref)}")
        self.ref = ref


class InteractionNotFound(NotFound):
    def __init__(self, ref: int | str, *, deleted: bool = False) -> None:
        where = " in the trash" if deleted else ""
        super().__init__(f"no interaction with id {ref}{where}")
        self.ref = ref


class AmbiguousContact(CrmError):
    """A name fragment matched several contacts; candidates are (id, name, email)."""

    def __init__(self, ref: str, candidates: Sequence[tuple[int, str, str]]) -> None:
        listed = "; ".join(f"#{cid} {name}" + (f" <{email}>" if email else "") for cid, name, email in candidates)
        super().__init__(f"'{shown(ref)}' matches {len(candidates)} contacts: {listed}")
        self.ref = ref
        self.candidates = list(candidates)


class Conflict(CrmError):
    """The change would break a rule (an email already owned by someone else...)."""


class DatabaseError(CrmError):
    """The database cannot be used at all."""

    exit_code = 3


class DatabaseLocked(DatabaseError):
    def __init__(self, where: str) -> None:
        super().__init__(f"{where}: database is locked by another process (waited past the timeout)")


class SchemaTooNew(DatabaseError):
    def __init__(self, where: str, revision: str) -> None:
        super().__init__(f"{where}: schema revision {revision} is newer than this crm-tui knows; upgrade crm-tui")


class DatabaseUnreadable(DatabaseError):
    pass


class QueryCancelled(CrmError):
    """A query stopped on purpose (a newer keystroke made it useless); nothing to show."""

    def __init__(self, where: str) -> None:
        super().__init__(f"{where}: the query was cancelled")


class DatabaseFull(DatabaseError):
    """The disk under the database is full: the transaction was rolled back."""


class DatabaseDamaged(DatabaseError):
    """The schema is not what its revision says (a table missing, a revision lost)."""
