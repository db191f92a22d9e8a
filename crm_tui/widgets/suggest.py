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
import re
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


_FIELD_OP = re.compile(r"([A-Za-z_][\w-]*)(:|!=)")
_PLAIN_END = re.compile(r'[\s(),"\\]')  # what ends a value typed without quotes


class QuerySuggester(Suggester):
    """Completes the term being typed in a query (services.segments.completion.query_words):
    a field name (`ta` → `tag:`), a virtual tag (`+st` → `+STALE`), a view (`@ho` → `@hot-leads`),
    or a value of a field that names things (`tag:v` → `tag:vip`, `org:"lark` → `org:"Larkspur Studio"`).

    A value typed without quotes completes to its first word (`org:lark` → `org:Larkspur`): a
    text field matches a part of a name, and a space would end the term.
    """

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)  # as NameSuggester
        self.fields: list[str] = []
        self.flags: list[str] = []
        self.views: list[str] = []
        self.values: dict[str, list[str]] = {}

    def load(self, *, fields: list[str], flags: list[str], views: list[str], values: dict[str, list[str]]) -> None:
        self.fields, self.flags, self.views, self.values = fields, flags, views, values

    async def get_suggestion(self, value: str) -> str | None:
        return self.suggest(value)

    def suggest(self, value: str) -> str | None:
        """The whole query with its last term completed, or None."""
        start = _last_start(value, " \t()")
        head, term = value[:start], value[start:]
        body = term.removeprefix("-")
        if not body:
            return None
        lead = term[: len(term) - len(body)]
        if body[0] in "+@":
            found = _first(body, self.flags if body[0] == "+" else self.views)
        elif (field := _FIELD_OP.match(body)) is not None:
            found = self._value(body, field)
        else:
            found = _first(body, self.fields)
        return None if found is None else head + lead + found

    def _value(self, body: str, field: re.Match[str]) -> str | None:
        names = self.values.get(field[1].lower())
        rest = body[field.end() :]
        if not names or not rest:
            return None
        cut = _last_start(rest, ",")
        before, item = rest[:cut], rest[cut:]
        taken = {part.strip().strip('"').casefold() for part in before.split(",")}
        quoted = item.startswith('"')
        typed = item[1:] if quoted else item
        if not typed or '"' in typed:
            return None
        folded = typed.casefold()
        for name in names:
            text = name if quoted else _PLAIN_END.split(name, maxsplit=1)[0]
            if (
                len(text) > len(typed)
                and text[: len(typed)].casefold() == folded
                and name.casefold() not in taken
                and not (quoted and ('"' in name or "\\" in name))
            ):
                completed = f'"{text}"' if quoted else text
                return body[: field.end()] + before + completed
        return None


def _first(typed: str, words: list[str]) -> str | None:
    """The first word that `typed` starts, case aside, and is longer."""
    folded = typed.casefold()
    for word in words:
        if len(word) > len(typed) and word[: len(typed)].casefold() == folded:
            return word
    return None


def _last_start(text: str, breaks: str) -> int:
    """Where the last part of `text` starts: after the last of `breaks` outside double quotes."""
    start, quoted, escaped = 0, False, False
    for i, ch in enumerate(text):
        if escaped:
            escaped = False
        elif quoted and ch == "\\":
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif not quoted and ch in breaks:
            start = i + 1
    return start
