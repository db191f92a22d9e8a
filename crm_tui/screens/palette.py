"""The command palette (ctrl+p): every key's action by name, and any contact by name."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from crm_tui.app import CrmApp
    from crm_tui.models import Contact

CONTACT_HITS = 8
ORG_HITS = 4
NAVIGATION = (
    ("Go to Today", "The queue: overdue, today, coming up, going cold (key 1)", "show_mode('today')"),
    ("Go to Contacts", "Every contact, searchable (key 2)", "show_mode('contacts')"),
    ("Go to Trash", "Trashed contacts, to restore (key 3)", "show_mode('trash')"),
    ("Go to Pipeline", "Deals by stage, with totals (key 4)", "show_mode('pipeline')"),
    ("Help: all keys", "Every key binding of this screen (key ?)", "help"),
    ("Refresh", "Reload from the database (key r)", "refresh"),
)


KEY_NAMES = {"question_mark": "?", "slash": "/", "escape": "esc", "delete": "del", "backspace": "⌫"}


def key_label(binding: Binding) -> str:
    """The keys of a binding as people read them: "d / del", "?"."""
    return " / ".join(KEY_NAMES.get(k, k) for k in binding.key.split(",") if k)


def bindings_of(node: DOMNode) -> Iterator[Binding]:
    """The Binding objects a class declares, nearest class first, each action once."""
    seen: set[str] = set()
    for cls in type(node).__mro__:
        for binding in cls.__dict__.get("BINDINGS", []):
            if isinstance(binding, Binding) and binding.description and binding.action not in seen:
                seen.add(binding.action)
                yield binding


class CrmCommands(Provider):
    """Commands for the screen the palette opened on, the three main screens, and contacts by name."""

    def _commands(self) -> Iterator[tuple[str, str, Callable[[], Any]]]:
        app, screen = self.app, self.screen
        screen_name = type(screen).__name__.removesuffix("Screen")
        for binding in bindings_of(screen):
            if screen.check_action(binding.action, ()) is False:
                continue
            yield (
                f"{screen_name}: {binding.description}",
                f"{binding.tooltip or binding.description} (key {key_label(binding)})",
                partial(app.run_action, binding.action, screen),
            )
        # A screen may name commands a key cannot, such as each choice a key cycles through.
        extra: Callable[[], list[tuple[str, str, Callable[[], Any]]]] | None = getattr(screen, "palette_commands", None)
        if extra is not None:
            yield from extra()
        for title, help_text, action in NAVIGATION:
            yield title, help_text, partial(app.run_action, action)
        if type(screen).__name__ != "ContactsScreen":
            yield "Add a contact", "A new contact", self._add_contact
        yield "Add a deal", "A new deal in the default pipeline", self._add_deal

    def _add_deal(self) -> None:
        from crm_tui.screens.deal_form import DealFormModal

        app: CrmApp = self.app  # type: ignore[assignment]

        def added(deal: object) -> None:
            if deal is not None:
                app.open_deal(deal.id)  # type: ignore[attr-defined]

        app.push_screen(DealFormModal(), added)

    def _add_contact(self) -> None:
        from crm_tui.screens.contact_form import ContactFormModal

        app: CrmApp = self.app  # type: ignore[assignment]

        def added(contact: Contact | None) -> None:
            if contact is not None and contact.id is not None:
                app.open_contact(contact.id)

        app.push_screen(ContactFormModal(), added)

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
        if len(query.strip()) < 2:
            return
        from crm_tui.errors import CrmError
        from crm_tui.services.search import search_contacts

        app: CrmApp = self.app  # type: ignore[assignment]
        try:
            now = app.now()
            hits = await asyncio.to_thread(
                app.read, lambda conn: search_contacts(conn, query, limit=CONTACT_HITS, now=now)
            )
        except CrmError:
            return  # a locked or unreadable database: the commands above still work
        for rank, hit in enumerate(hits):
            row = hit.row
            about = " · ".join(part for part in (row.organization, row.email) if part)
            yield Hit(
                # Below a good command match, best search hit first.
                0.5 - rank / 100,
                f"Open {row.name}",
                partial(app.open_contact, row.id),
                text=f"Open {row.name}",
                help=about or None,
            )
        from crm_tui.services.organizations import list_orgs

        try:
            orgs = await asyncio.to_thread(app.read, lambda conn: list_orgs(conn, query, limit=ORG_HITS))
        except CrmError:
            return
        for rank, org in enumerate(orgs):
            yield Hit(
                0.4 - rank / 100,
                f"Open organization {org.name}",
                partial(app.open_organization, org.id),
                text=f"Open organization {org.name}",
                help=f"{org.people} people · {org.open_deals} open deals",
            )
