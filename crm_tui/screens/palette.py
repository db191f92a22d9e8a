"""The command palette (ctrl+p): every action of every screen by name, from any screen, and any contact by name."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache, partial
from typing import TYPE_CHECKING, Any

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content

from crm_tui.keys import is_visible, visible
from crm_tui.widgets.cells import markup_safe

if TYPE_CHECKING:
    from textual.dom import DOMNode
    from textual.screen import Screen

    from crm_tui.app import CrmApp

CONTACT_HITS = 8

# The screens whose actions the palette offers from every screen, as "module:Class". A new screen
# adds its line here, a `PALETTE_NAME`, described BINDINGS (the description names it in the palette,
# the tooltip explains it) and, unless it is a mode's screen (`PALETTE_MODE`), a `palette_reach`.
PALETTE_SCREENS = [
    "crm_tui.screens.today:TodayScreen",
    "crm_tui.screens.contacts:ContactsScreen",
    "crm_tui.screens.contact:ContactScreen",
    "crm_tui.screens.trash:TrashScreen",
    "crm_tui.screens.duplicates:DuplicatesScreen",
    "crm_tui.screens.pipeline:PipelineScreen",
    "crm_tui.screens.dashboard:DashboardScreen",
    "crm_tui.screens.deal:DealScreen",
    "crm_tui.screens.organization:OrganizationScreen",
]
# Actions that only move within a screen: never listed as commands.
NOT_COMMANDS = frozenset({"back", "clear", "cancel"})

# How an entry ranks against another that matches as well: the screen you are on first, then
# every other screen's, then what the app does anywhere, then the app's own housekeeping.
HERE, ELSEWHERE, ANYWHERE, HOUSEKEEPING = 1.0, 0.9, 0.8, 0.6

ORG_HITS = 4
NAVIGATION = (
    ("Go to Today", "The queue: overdue, today, coming up, going cold (key 1)", "show_mode('today')"),
    ("Go to Contacts", "Every contact, searchable (key 2)", "show_mode('contacts')"),
    ("Go to Trash", "Trashed contacts, to restore (key 3)", "show_mode('trash')"),
    ("Go to Pipeline", "Deals by stage, with totals (key 4)", "show_mode('pipeline')"),
    ("Go to Dashboard", "Key figures, activity, pipeline, revenue, clients at risk (key 5)", "show_mode('dashboard')"),
    ("Help: all keys", "Every key of this screen, and those that work everywhere (key ?)", "help"),
    ("Refresh", "Reload from the database (key r)", "refresh"),
    ("Quick capture", "Log an interaction in one sentence: lunch with Ana yesterday... (key c)", "capture"),
    ("Undo", "Undo your last change, or say why it cannot be undone (ctrl+z)", "undo"),
    ("Find duplicates", "Likely duplicate contacts side by side: merge or dismiss", "duplicates"),
)
# What only the command line does: the palette says how.
FILE_COMMANDS = (
    (
        "Import contacts from a file",
        "In a shell: crm import contacts FILE.csv (Google, Outlook, LinkedIn, HubSpot), crm import vcard FILE.vcf",
    ),
    (
        "Export contacts, interactions or follow-ups",
        "In a shell: crm export contacts -o contacts.csv (or --format json, vcard); crm export reminders --format ics",
    ),
)

KEY_NAMES = {"question_mark": "?", "slash": "/", "escape": "esc", "delete": "del", "backspace": "⌫"}


def key_label(binding: Binding) -> str:
    """The keys of a binding as people read them: "d / del", "?"."""
    return " / ".join(KEY_NAMES.get(k, k) for k in binding.key.split(",") if k)


def bindings_of(node: DOMNode | type) -> Iterator[Binding]:
    """The described bindings crm's classes declare for a class or a node, nearest class first, each action once.

    Textual's own (tab, ctrl+c on a screen) are left out: they are not CRM actions.
    """
    seen: set[str] = set()
    for cls in (node if isinstance(node, type) else type(node)).__mro__:
        if not cls.__module__.startswith("crm_tui."):
            continue
        for binding in cls.__dict__.get("BINDINGS", []):
            if isinstance(binding, Binding) and binding.description and binding.action not in seen:
                seen.add(binding.action)
                yield binding


def highlight(matcher: Matcher, title: str) -> Content:
    """`title` with the query's letters marked, as `Matcher.highlight` does, but never read as markup.

    A command can name data (an owner's queue): it is shown as typed, its controls as escapes.
    """
    content = Content(visible(title))
    if not is_visible(title):
        return content
    _, offsets = matcher.fuzzy_search.match(matcher.query, title)
    for offset in offsets:
        if not title[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


@dataclass(frozen=True)
class Entry:
    """One command of the palette."""

    title: str
    help: str
    run: Callable[[], Any]
    weight: float = HERE


@cache
def palette_screens() -> tuple[type[Screen[Any]], ...]:
    """The classes of PALETTE_SCREENS, imported once."""
    from importlib import import_module

    classes = []
    for path in PALETTE_SCREENS:
        module, name = path.split(":")
        classes.append(getattr(import_module(module), name))
    return tuple(classes)


def screen_name(cls: type) -> str:
    return str(getattr(cls, "PALETTE_NAME", "") or cls.__name__.removesuffix("Screen"))


def reach_and_run(app: CrmApp, cls: type[Screen[Any]], action: str) -> None:
    """Bring up a screen of `cls` (see `palette_reach`), then run `action` on it."""

    def run(screen: Screen[Any]) -> None:
        app.call_later(app.run_action, action, screen)

    reach: Callable[[CrmApp, Callable[[Screen[Any]], None]], None] = cls.palette_reach  # type: ignore[attr-defined]
    reach(app, run)


def app_entries(app: CrmApp) -> Iterator[Entry]:
    """What works the same from every screen: going places, help, files, the app itself."""
    for title, help_text, action in NAVIGATION:
        yield Entry(title, help_text, partial(app.run_action, action), ANYWHERE)
    for title, help_text in FILE_COMMANDS:
        yield Entry(title, help_text, partial(app.notify, help_text, title=title, timeout=20), ANYWHERE)
    yield Entry("Theme: change the colours", "Pick another colour theme", app.action_change_theme, HOUSEKEEPING)
    yield Entry("Quit", "Leave crm (key q)", app.action_quit, HOUSEKEEPING)


def palette_entries(app: CrmApp, screen: Screen[Any]) -> Iterator[Entry]:
    """Every command: the screen's own first, then each registered screen's, then the app's."""
    here = type(screen)
    own: set[str] = set()
    for binding in bindings_of(screen):
        if binding.action in NOT_COMMANDS or screen.check_action(binding.action, ()) is False:
            continue
        own.add(binding.action)
        yield Entry(
            f"{screen_name(here)}: {binding.description}",
            f"{binding.tooltip or binding.description} (key {key_label(binding)})",
            partial(app.run_action, binding.action, screen),
        )
    # A screen may name commands a key cannot, such as each choice a key cycles through.
    extra: Callable[[], list[tuple[str, str, Callable[[], Any]]]] | None = getattr(screen, "palette_commands", None)
    if extra is not None:
        for title, help_text, callback in extra():
            yield Entry(title, help_text, callback)
    for cls in palette_screens():
        if cls is here:
            continue
        only_there: frozenset[str] = getattr(cls, "PALETTE_HERE_ONLY", frozenset())
        for binding in bindings_of(cls):
            # What the screen you are on does itself (Log on the list, on a contact) is listed once.
            if binding.action in NOT_COMMANDS or binding.action in only_there or binding.action in own:
                continue
            name = screen_name(cls)
            yield Entry(
                f"{name}: {binding.description}",
                f"{binding.tooltip or binding.description} (key {key_label(binding)} on {name})",
                partial(reach_and_run, app, cls, binding.action),
                ELSEWHERE,
            )
    yield from app_entries(app)
    yield Entry("Add a deal", "A new deal in the default pipeline", partial(add_deal, app), ANYWHERE)


def add_deal(app: CrmApp) -> None:
    """The deal form; the new deal opens once saved."""
    from crm_tui.screens.deal_form import DealFormModal

    def added(deal: Any) -> None:
        if deal is not None:
            app.open_deal(deal.id)

    app.push_screen(DealFormModal(), added)


class CrmCommands(Provider):
    """Every action of every screen by name (the screen you are on first), and any contact by name."""

    def _entries(self) -> list[Entry]:
        app: CrmApp = self.app  # type: ignore[assignment]
        return list(palette_entries(app, self.screen))

    async def _views(self) -> list[Entry]:
        """A command per saved view: open Contacts filtered by it."""
        from crm_tui.errors import CrmError
        from crm_tui.services.segments.views import view_infos

        app: CrmApp = self.app  # type: ignore[assignment]
        try:
            views = await asyncio.to_thread(app.read, view_infos)
        except CrmError:
            return []
        return [Entry(f"View @{v.name}", v.query, partial(app.show_view, v.name), ANYWHERE) for v in views]

    async def discover(self) -> Hits:
        for entry in [*self._entries(), *await self._views()]:
            yield DiscoveryHit(Content(visible(entry.title)), entry.run, text=entry.title, help=markup_safe(entry.help))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for entry in [*self._entries(), *await self._views()]:
            score = matcher.match(entry.title)
            if score > 0:
                yield Hit(
                    score * entry.weight,
                    highlight(matcher, entry.title),
                    entry.run,
                    text=entry.title,
                    help=markup_safe(entry.help),
                )
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

        from crm_tui.widgets.cells import safe

        for rank, hit in enumerate(hits):
            row = hit.row
            about = " · ".join(part for part in (row.organization, row.email) if part)
            yield Hit(
                # As a command would rank when its name matches as well (the search ranks the
                # rest below). A name is data, never markup: the palette reads a str prompt and
                # the help as markup.
                max(matcher.match(visible(f"Open {row.name}")) * ANYWHERE, 0.5 - rank / 100),
                safe(f"Open {row.name}"),
                partial(app.open_contact, row.id),
                text=f"Open {row.name}",
                help=markup_safe(about) if about else None,
            )
        from crm_tui.services.organizations import list_orgs

        try:
            orgs = await asyncio.to_thread(app.read, lambda conn: list_orgs(conn, query, limit=ORG_HITS))
        except CrmError:
            return
        for rank, org in enumerate(orgs):
            yield Hit(
                0.4 - rank / 100,
                safe(f"Open organization {org.name}"),
                partial(app.open_organization, org.id),
                text=f"Open organization {org.name}",
                help=f"{org.people} people · {org.open_deals} open deals",
            )
