"""Completion as you type from names the database holds: an organization, the tag being typed.

Textual's Input shows a suggestion dimmed after the cursor, and → (or End) takes it. The
names come from one read when the form opens, the most used first
(services.organizations.org_names_by_use, services.tags.tag_names_by_use); until that read
lands nothing is suggested, and typing is never held for it. Contacts, too many to read at
once, are looked up as each key is typed (`lookup`, on a thread: services.contacts.finding.
contact_names_starting). A name matches what was typed case and accents aside (`zoe` → Zoë:
crm_tui.keys.starts_as_typed), and the rest of it shows after what was typed.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterable

from textual.suggester import Suggester
from textual.widgets import Input

from crm_tui.errors import CrmError
from crm_tui.keys import starts_as_typed


class NameSuggester(Suggester):
    """Suggests the first name, in the order loaded, that starts with what is typed.

    `separators`: the field holds a list (`client, vip`): the part after the last separator is
    completed, a name the list holds already is not offered again, and neither is a name holding
    a separator (the list would read it as two). What is typed before it is kept as typed; the
    completed part takes the name's own spelling (`Cl` → `Client`). `marks`: characters that may
    lead a part and are kept before the name (a tag typed as `#cl`).
    """

    def __init__(
        self, *, separators: str = "", marks: str = "", lookup: Callable[[str], list[str]] | None = None
    ) -> None:
        """`lookup(typed)`: the names to choose from for what is typed, read for each value on a thread
        (a lookup that fails suggests nothing: a suggestion is only a hint)."""
        # Uncached: the names arrive after the first keys, and a "nothing" cached then would stick.
        # Case-sensitive as Textual counts it: the value arrives as typed and is compared folded here.
        super().__init__(use_cache=False, case_sensitive=True)
        self.separators = separators
        self.marks = marks
        self.lookup = lookup
        self._names: list[str] = []

    @property
    def loaded(self) -> bool:
        return bool(self._names)

    def load(self, names: Iterable[str]) -> None:
        self._names = [name for name in names if name.strip()]

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
        return self.suggest(value, names)

    def suggest(self, value: str, names: list[str] | None = None) -> str | None:
        """The whole value with its last part completed from `names` (those loaded when not given),
        or None when no name fits."""
        cut = max((value.rfind(s) for s in self.separators), default=-1) + 1
        head, part = value[:cut], value[cut:]
        typed = part.lstrip().lstrip(self.marks) if self.marks else part.lstrip()
        if not typed:
            return None
        taken = {p.strip().lstrip(self.marks).casefold() for p in self._parts(head)} if head else set()
        for name in self._names if names is None else names:
            if (
                len(name) > len(typed)
                and starts_as_typed(name, typed)
                and name.casefold() not in taken
                and not any(s in name for s in self.separators)
            ):
                return head + part[: len(part) - len(typed)] + name
        return None

    def _parts(self, text: str) -> list[str]:
        for separator in self.separators[1:]:
            text = text.replace(separator, self.separators[0])
        return text.split(self.separators[0]) if self.separators else [text]


def offer_again(field: Input) -> None:
    """Suggest again for what the field holds: its names have just arrived, after the keys typed
    while they were read (which were offered nothing)."""
    if field.suggester is not None and field.value and field.has_focus:
        field.run_worker(field.suggester._get_suggestion(field, field.value))


# The value being typed after a field: `tag:v`, `-org:"lar`, `tag: vip, c` (the grammar ignores
# spaces around the operator and the commas).
_VALUE = re.compile(
    r"""(?<![\w."])(?<!\w-)([A-Za-z_][\w-]*)\s*(:|!=)\s*"""  # the field and its operator (`-tag:` negated)
    r"""((?:(?:"(?:[^"\\]|\\.)*"|[^\s(),"]+)\s*,\s*)*)"""  # the values before, each with its comma
    r"""("(?:[^"\\]|\\.)*|[^\s(),"]*)$""",  # the one being typed, quoted or not
)
_KEYWORDS = frozenset({"or", "and", "not"})
_PLAIN_END = re.compile(r'[\s(),"\\]')  # what ends a value typed without quotes


class QuerySuggester(Suggester):
    """Completes the term being typed in a query (services.segments.completion.query_words):
    a field name (`ta` → `tag:`), a virtual tag (`+st` → `+STALE`), a view (`@ho` → `@hot-leads`),
    or a value of a field that names things (`tag:v` → `tag:vip`, `org:"lar` → `org:"Larkspur Studio"`).

    A name that needs quotes (a space, a comma...) completes inside quotes; typed without them, a
    field that matches part of a name (`partial`: org) completes to its first word (`org:lark` →
    `org:Larkspur`), and the others offer only names that need none.
    """

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)  # as NameSuggester
        self.fields: list[str] = []
        self.flags: list[str] = []
        self.views: list[str] = []
        self.values: dict[str, list[str]] = {}
        self.partial: frozenset[str] = frozenset()

    def load(
        self,
        *,
        fields: list[str],
        flags: list[str],
        views: list[str],
        values: dict[str, list[str]],
        partial: frozenset[str] = frozenset(),
    ) -> None:
        self.fields, self.flags, self.views, self.values, self.partial = fields, flags, views, values, partial

    async def get_suggestion(self, value: str) -> str | None:
        return self.suggest(value)

    def suggest(self, value: str) -> str | None:
        """The whole query with its last term completed, or None."""
        field = _VALUE.search(value)
        if field is not None and not _in_quotes(value[: field.start()]):
            found = self._value(field)
            return None if found is None else value[: field.start(4)] + found
        start = _last_start(value, " \t()")
        head, term = value[:start], value[start:]
        body = term.removeprefix("-")
        if not body or body.casefold() in _KEYWORDS:
            return None
        if body[0] in "+@":
            found = _first(body, self.flags if body[0] == "+" else self.views)
        else:
            found = _first(body, self.fields)
        return None if found is None else head + term[: len(term) - len(body)] + found

    def _value(self, field: re.Match[str]) -> str | None:
        """The value being typed after `field`, completed (with its quotes), or None."""
        name = field[1].lower()
        names = self.values.get(name)
        item = field[4]
        quoted = item.startswith('"')
        typed = item[1:] if quoted else item
        if not names or not typed:
            return None
        taken = {part.strip().strip('"').casefold() for part in field[3].split(",")}
        for candidate in names:
            plain = _PLAIN_END.search(candidate) is None
            if quoted:
                if '"' in candidate or "\\" in candidate:
                    continue
                text = candidate
            elif plain:
                text = candidate
            elif name in self.partial:
                text = _PLAIN_END.split(candidate, maxsplit=1)[0]
            else:
                continue  # it needs quotes, and they cannot be put back before what was typed
            if len(text) > len(typed) and starts_as_typed(text, typed) and candidate.casefold() not in taken:
                return f'"{text}"' if quoted else text
        return None


def _first(typed: str, words: list[str]) -> str | None:
    """The first word that `typed` starts, case and accents aside, and is longer."""
    for word in words:
        if len(word) > len(typed) and starts_as_typed(word, typed):
            return word
    return None


def _in_quotes(text: str) -> bool:
    """Whether `text` ends inside a double-quoted phrase."""
    return _scan(text, "")[1]


def _last_start(text: str, breaks: str) -> int:
    """Where the last part of `text` starts: after the last of `breaks` outside double quotes."""
    return _scan(text, breaks)[0]


def _scan(text: str, breaks: str) -> tuple[int, bool]:
    """(where the part after the last of `breaks` outside quotes starts, whether `text` ends quoted)."""
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
    return start, quoted
