"""Completion as you type from names the database holds: an organization, the tag being typed.

Textual's Input shows a suggestion dimmed after the cursor, and → (or End) takes it. The
names come from one read when the form opens, the most used first
(services.organizations.org_names_by_use, services.tags.tag_names_by_use); until that read
lands nothing is suggested, and typing is never held for it. Contacts, too many to read at
once, are looked up as each key is typed (`lookup`, on a thread: services.contacts.finding.
contact_names_starting).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

from textual.suggester import Suggester

from crm_tui.errors import CrmError


class NameSuggester(Suggester):
    """Suggests the first name, in the order loaded, that starts with what is typed (case aside).

    `separators`: the field holds a list (`client, vip`): the part after the last separator is
    completed, and a name the list holds already is not offered again. What is typed before it
    is kept as typed; the completed part takes the name's own spelling (`Cl` → `Client`). `marks`:
    characters that may lead a part and are kept before the name (a tag typed as `#cl`).
    """

    def __init__(
        self, *, separators: str = "", marks: str = "", lookup: Callable[[str], list[str]] | None = None
    ) -> None:
        """`lookup(typed)`: the names to choose from for what is typed, read for each value on a thread
        (a lookup that fails suggests nothing: a suggestion is only a hint)."""
        # Uncached: the names arrive after the first keys, and a "nothing" cached then would stick.
        # Case-sensitive as Textual counts it: the value arrives as typed and is compared casefolded here.
        super().__init__(use_cache=False, case_sensitive=True)
        self.separators = separators
        self.marks = marks
        self.lookup = lookup
        self._names: list[tuple[str, str]] = []  # (casefolded, as spelled)

    @property
    def loaded(self) -> bool:
        return bool(self._names)

    def load(self, names: Iterable[str]) -> None:
        self._names = [(name.casefold(), name) for name in names if name.strip()]

    async def get_suggestion(self, value: str) -> str | None:
        if self.lookup is None:
            return self.suggest(value)
        typed = value.strip()
        if not typed or self.separators:
            return None
        try:
            names = await asyncio.to_thread(self.lookup, typed)
        except CrmError:  # a locked or unreadable database: the field just offers nothing
            return None
        return self.suggest(value, [(name.casefold(), name) for name in names])

    def suggest(self, value: str, names: list[tuple[str, str]] | None = None) -> str | None:
        """The whole value with its last part completed from `names` ((casefolded, as spelled), the
        names loaded when not given), or None when no name fits."""
        cut = max((value.rfind(s) for s in self.separators), default=-1) + 1
        head, part = value[:cut], value[cut:]
        typed = part.lstrip().lstrip(self.marks) if self.marks else part.lstrip()
        if not typed:
            return None
        folded = typed.casefold()
        taken = {p.strip().lstrip(self.marks).casefold() for p in self._parts(head)} if head else set()
        for key, name in self._names if names is None else names:
            # The name's first len(typed) characters, casefolded, are what was typed: the suggestion
            # then shows just the rest after the cursor (casefolding that changes a length, ß to ss, is
            # not offered).
            if (
                key.startswith(folded)
                and len(name) > len(typed)
                and name[: len(typed)].casefold() == folded
                and key not in taken
            ):
                return head + part[: len(part) - len(typed)] + name
        return None

    def _parts(self, text: str) -> list[str]:
        for separator in self.separators[1:]:
            text = text.replace(separator, self.separators[0])
        return text.split(self.separators[0]) if self.separators else [text]
